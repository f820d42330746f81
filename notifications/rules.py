"""Whether a member's action may notify another member: the one place that decides, for every
kind of notification and for mentions' emails alike (notifications/services.py asks it before
writing anything)."""

from members import relations


def may_notify(actor, recipient) -> bool:
    """Not oneself; not a member who cannot sign in (suspended or switched off): they would
    find a pile of stale news, and emails to them would be unwanted. Not across a block,
    either way (a blocked member can neither mention nor reply to the member who blocked
    them, and is not told of what that member does); not from a member the recipient muted
    (they stop hearing of them, and the muted member cannot tell). A moderator's decision,
    which has no actor, always may."""
    if recipient is None or not recipient.is_active:
        return False
    if actor is None:
        return True
    if actor.pk == recipient.pk:
        return False
    return not relations.is_silenced(actor.pk, recipient.pk)
