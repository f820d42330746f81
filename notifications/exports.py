"""A member's notifications and email choices in their data export (etoile_app/exports.py).
Who and about what, by reference (a handle, a review's id and episode): the words of others'
reviews are theirs, and readable on the site as the spoiler rule allows."""

from members.models import User
from notifications.models import EMAIL_KINDS, EmailPreferences, Notification


def notification_rows(member: User) -> list[dict]:
    rows = Notification.objects.filter(recipient=member).select_related(
        "actor", "review__episode__season"
    )
    return [
        {
            "kind": notification.kind,
            "by": notification.actor.handle if notification.actor else "",
            "review_id": notification.review_id or "",
            "season": notification.review.episode.season.number if notification.review else "",
            "episode": notification.review.episode.number if notification.review else "",
            "decision": notification.decision,
            "created_at": notification.created_at.isoformat(),
            "read_at": notification.read_at.isoformat() if notification.read_at else "",
        }
        for notification in rows.order_by("created_at", "pk")
    ]


def email_preference_rows(member: User) -> list[dict]:
    preferences = EmailPreferences.objects.filter(member=member).first()
    preferences = preferences or EmailPreferences(member=member)
    return [{"email": kind, "on": getattr(preferences, kind)} for kind in [*EMAIL_KINDS, "digest"]]


COLUMNS = {
    "notifications": [
        "kind",
        "by",
        "review_id",
        "season",
        "episode",
        "decision",
        "created_at",
        "read_at",
    ],
    "notification_emails": ["email", "on"],
}


def export_sections(member: User) -> dict[str, list[dict]]:
    return {
        "notifications": notification_rows(member),
        "notification_emails": email_preference_rows(member),
    }
