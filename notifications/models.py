"""What the site tells a member about others' doings with them: in the app (Notification) and
by email (EmailPreferences)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kernel.prepared import Prepared, loaded
from reviews.models import Like, Review


class Notification(models.Model):
    """One thing that happened to a member: someone replied to, liked or mentioned their
    writing, followed them, or a moderator decided about their review or reply.

    The review (or reply) it is about, and the like, are foreign keys: deleting the review
    deletes its notifications, and taking a like back deletes the like's."""

    class Kind(models.TextChoices):
        REPLY = "reply", pgettext_lazy("a kind of notification", "Reply")
        LIKE = "like", pgettext_lazy("a kind of notification", "Like")
        FOLLOWER = "follower", pgettext_lazy("a kind of notification", "New follower")
        MENTION = "mention", pgettext_lazy("a kind of notification", "Mention")
        MODERATION = "moderation", pgettext_lazy("a kind of notification", "Moderator's decision")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind)
    # Who did it; empty for a moderator's decision (moderators act for the site).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    # The reply (for a reply), the review liked, the review or reply with the mention, the
    # item decided on; empty for a new follower.
    review = models.ForeignKey(
        Review,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("review or reply"),
    )
    # For a like: the like itself, so that taking it back deletes this with it.
    like = models.ForeignKey(
        Like,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("like"),
    )
    # For a moderator's decision: which (reviews.models.ModerationAction.Kind).
    decision = models.CharField(_("decision"), max_length=10, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # When it went out by email, alone or in a digest; empty while it may still go.
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            # A mention notifies once per review (an edit does not notify again), a like once,
            # a follow once: a repeated or concurrent event finds its row there.
            models.UniqueConstraint(
                fields=["recipient", "review"],
                condition=Q(kind="mention"),
                name="notification_mention_once",
            ),
            models.UniqueConstraint(
                fields=["like"], condition=Q(kind="like"), name="notification_like_once"
            ),
            models.UniqueConstraint(
                fields=["recipient", "actor"],
                condition=Q(kind="follower"),
                name="notification_once_per_follower",
            ),
            models.CheckConstraint(
                condition=Q(actor__isnull=False) | Q(kind="moderation"),
                name="notification_has_actor",
            ),
        ]
        indexes = [
            # The page, newest first, and the unread counter: a partial index holds only the
            # unread rows, so the header's count reads a handful of index entries.
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_list"),
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
            models.Index(
                fields=["created_at"],
                condition=Q(emailed_at__isnull=True),
                name="notification_unsent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id} ({self.pk})"


# The kinds a member may have emailed; a moderator's decision is always emailed by
# reviews.notices (issue 19), so it has no switch here and no second email.
EMAIL_KINDS = [
    Notification.Kind.REPLY,
    Notification.Kind.LIKE,
    Notification.Kind.FOLLOWER,
    Notification.Kind.MENTION,
]


class EmailPreferences(models.Model):
    """Which notifications a member gets by email, and whether one at a time or in a daily
    digest. No row: the defaults (replies only, one at a time)."""

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_emails",
        verbose_name=_("member"),
    )
    reply = models.BooleanField(_("replies to my reviews and replies"), default=True)
    like = models.BooleanField(_("likes of my reviews and replies"), default=False)
    follower = models.BooleanField(_("new followers"), default=False)
    mention = models.BooleanField(_("mentions of me"), default=False)
    digest = models.BooleanField(
        _("one daily digest instead of one email each"),
        default=False,
        help_text=_("Everything of the day in one email, sent once a day."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("email preferences")
        verbose_name_plural = _("email preferences")

    def __str__(self) -> str:
        return f"Email preferences of {self.member_id}"

    def wants(self, kind: str) -> bool:
        return kind in EMAIL_KINDS and bool(getattr(self, kind))


# Read at every like, reply and mention (notifications.services.notify): compiled once
# (kernel/prepared.py), as building the ORM's query cost more than running it.
_PREFERENCES = Prepared(
    lambda member: EmailPreferences.objects.filter(member=member).values(
        *(field.attname for field in EmailPreferences._meta.concrete_fields)
    )
)


def preferences_of(member) -> EmailPreferences:
    """The member's preferences; the defaults, unsaved, when they never chose."""
    rows = _PREFERENCES.rows(member=member.pk)
    return loaded(EmailPreferences, **rows[0]) if rows else EmailPreferences(member=member)
