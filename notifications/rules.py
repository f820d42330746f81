"""Whether a member's action may notify another member: the one place that decides, for every
kind of notification and for mentions' emails alike (notifications/services.py asks it before
writing anything)."""


def may_notify(actor, recipient) -> bool:
    """Not oneself; not a member who cannot sign in (suspended or switched off): they would
    find a pile of stale news, and emails to them would be unwanted.

    A block between the two (members.relations.is_blocked_between) belongs here too: the
    follows work adds it at merge."""
    if recipient is None or not recipient.is_active:
        return False
    return actor is None or actor.pk != recipient.pk
