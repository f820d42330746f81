"""Making notifications, reading them, and emailing them.

`notify()` is the one entry point that writes a notification, whatever its source (the
receivers of reviews' signals in notifications/receivers.py; a new follower from the follows
work): it asks rules.may_notify, writes the row once (the database's unique constraints make a
repeated event a no-op), and, if the member wants that kind by email one at a time, queues the
email in the same transaction (jobs/mail.py)."""

import datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import IntegerField, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from kernel import pagecache
from members.models import User, signed_in_group
from notifications import emails
from notifications.models import EMAIL_KINDS, EmailPreferences, Notification, preferences_of
from notifications.rules import may_notify

Kind = Notification.Kind


# The kinds an event can bring again for the same target (a mention kept in an edit, a
# member followed again): written under a savepoint, their unique constraint deciding. A
# like's notification belongs to a like just written, of which nobody was told yet: its
# constraint (notification_like_once) only guards, and a savepoint cost a like two round
# trips to the database.
TOLD_ONCE = frozenset({Kind.MENTION, Kind.FOLLOWER})


def notify(recipient: User, kind: str, actor: User | None = None, **target) -> Notification | None:
    """Tell `recipient` that `actor` did something of `kind` (Notification.Kind) with them;
    `target`: `review=` (the reply, the review liked, the writing with the mention, the item
    decided on), `like=`, `decision=`. None when the rules say no or it was told already."""
    if kind not in Kind.values:
        raise ValueError(f"No such kind of notification: {kind!r}")
    if not may_notify(actor, recipient):
        return None
    preferences = preferences_of(recipient) if kind in EMAIL_KINDS else None
    by_email = preferences is not None and preferences.wants(kind)
    later = by_email and preferences.digest  # left for the daily digest
    fields = {
        "recipient": recipient,
        "kind": kind,
        "actor": actor,
        "emailed_at": None if later else timezone.now(),
        **target,
    }
    # The notification and its email together; inside the change that caused them (a like,
    # a reply) with that change's transaction, no savepoint of its own: a failure here
    # undoes the change too.
    with transaction.atomic(savepoint=False):
        if kind in TOLD_ONCE:
            try:
                with transaction.atomic():
                    notification = Notification.objects.create(**fields)
            except IntegrityError:
                return None  # told already: a mention kept in an edit, a follow again
        else:
            notification = Notification.objects.create(**fields)
        if by_email and not later:
            emails.send_one(notification)
    return notification


# The header's counter is read on every member's page, with the member's row itself
# (members.models.SIGNED_IN_EXTRAS, registered in notifications/apps.py): one query fewer on
# every member's page. Bounded: a member with thousands unread costs a hundred index entries.
UNREAD_CAP = 100
SIGNED_IN_UNREAD = "unread_notifications"  # the attribute it comes as on the member


def unread_on_member_row() -> RawSQL:
    """The member's unread count, at most UNREAD_CAP, as an expression on their row."""
    notifications = connection.ops.quote_name(Notification._meta.db_table)
    members = connection.ops.quote_name(User._meta.db_table)
    # A count of a bounded subquery, which the ORM does not write; only table names go in.
    return RawSQL(  # noqa: S611
        f"SELECT COUNT(*) FROM (SELECT 1 FROM {notifications} WHERE"  # noqa: S608
        f" {notifications}.recipient_id = {members}.id AND {notifications}.read_at IS NULL"
        f" LIMIT {UNREAD_CAP}) AS unread",
        [],
        output_field=IntegerField(),
    )


def unread_count(member: User) -> int:
    """The header's counter, bounded (UNREAD_CAP or more shows as "99+"): read with the
    signed-in member's row where it was (the request's member), or in one query."""
    found = getattr(member, SIGNED_IN_UNREAD, None)
    if found is not None:
        return found
    return Notification.objects.filter(recipient=member, read_at__isnull=True)[:UNREAD_CAP].count()


def mark_all_read(member: User) -> int:
    return _marked_read(Notification.objects.filter(recipient=member), member)


def mark_read(member: User, ids) -> int:
    return _marked_read(Notification.objects.filter(recipient=member, pk__in=list(ids)), member)


def _marked_read(notifications, member: User) -> int:
    count = notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
    if count:  # an update() sends no signal: the unread count on the member's row moved
        pagecache.changed(signed_in_group(member.pk))
    return count


def listed(member: User):
    """The member's notifications, newest first, with what their lines show (one query)."""
    return (
        Notification.objects.filter(recipient=member)
        .select_related(
            "actor", "review__member", "review__episode__season", "review__parent__member"
        )
        .order_by("-created_at", "-pk")
    )


# --- Email preferences and the digest -------------------------------------------------------


def preferences_save(member: User, **choices) -> EmailPreferences:
    preferences, _created = EmailPreferences.objects.update_or_create(
        member=member, defaults=choices
    )
    return preferences


def unsubscribe(member: User, kind: str) -> None:
    """The one-click unsubscribe (RFC 8058): that kind of email off, or every kind ("all")."""
    off = dict.fromkeys(EMAIL_KINDS, False) if kind == "all" else {kind: False}
    preferences_save(member, **off)


DIGEST_WINDOW = datetime.timedelta(days=7)  # older news goes in no email


def send_digests(now: datetime.datetime | None = None) -> int:
    """One email per member who asked for the daily digest, with what is new since the last
    one, in the kinds they chose; how many were queued. Each member in their own transaction,
    under their preferences' row lock, and what was sent is marked: run twice, or by two
    workers at once, it sends each notification once."""
    now = now or timezone.now()
    sent = 0
    members = EmailPreferences.objects.filter(digest=True).values_list("member_id", flat=True)
    for member_id in members.order_by("member_id"):
        with transaction.atomic():
            preferences = (
                EmailPreferences.objects.select_for_update(skip_locked=True)
                .select_related("member")
                .filter(member_id=member_id, digest=True)
                .first()
            )
            if preferences is None or not preferences.member.is_active:
                continue
            kinds = [kind for kind in EMAIL_KINDS if preferences.wants(kind)]
            pending = listed(preferences.member).filter(
                Q(kind__in=kinds), emailed_at__isnull=True, created_at__gte=now - DIGEST_WINDOW
            )
            notifications = list(pending[:100])
            if notifications:
                emails.send_digest(preferences.member, notifications)
                sent += 1
            # Whatever was not sent now (a kind switched off) is not sent later either.
            Notification.objects.filter(
                recipient_id=member_id, emailed_at__isnull=True, created_at__lte=now
            ).update(emailed_at=now)
    return sent
