import uuid
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import formats, timezone
from django.utils.translation import gettext, ngettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from catalog.models import Episode

SCORES = range(1, 11)  # half stars: 1 is ½ star, 10 is five stars
REVIEW_MAX_LENGTH = 5000
REPORT_NOTE_MAX_LENGTH = 300
LABEL_EXCERPT_LENGTH = 40


def shortened(text: str, limit: int) -> str:
    """The text's first words up to `limit` characters, with an ellipsis when some are left
    out; a first word longer than that is cut, as nothing shorter would say anything."""
    words = " ".join(text.split())
    if len(words) <= limit:
        return words
    cut = words[: limit + 1].rsplit(" ", 1)[0] if " " in words[: limit + 1] else words[:limit]
    return cut.rstrip(" ,;:.-–—") + "…"


def episode_code(episode: Episode) -> str:
    """S01E05, as the episode admin and episode labels write it."""
    return f"S{episode.season.number:02d}E{episode.number:02d}"


def stars_label(score: int) -> str:
    """A score as people say it: "3½ stars", "½ star"; in French "3,5 étoiles"."""
    whole, half = divmod(score, 2)
    if not half:
        text = formats.number_format(whole)
    elif whole:
        # English writes a half as "3½"; French readers expect "3,5" (the translation).
        text = pgettext("a whole number of stars and a half", "%(whole)s½") % {
            "whole": formats.number_format(whole)
        }
    else:
        text = pgettext("half a star, on its own", "½")
    return ngettext("%(stars)s star", "%(stars)s stars", 1 if score <= 2 else 2) % {"stars": text}


class Rating(models.Model):
    # No index of their own: rating_one_per_member (member, episode) and (episode, score)
    # below begin with them. On PostgreSQL a score's UPDATE writes an entry in every index of
    # the table (it changes indexed columns): these two were two of the six it wrote.
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="ratings",
        verbose_name=_("member"),
        db_index=False,
    )
    episode = models.ForeignKey(
        Episode,
        on_delete=models.CASCADE,
        related_name="ratings",
        verbose_name=_("episode"),
        db_index=False,
    )
    score = models.PositiveSmallIntegerField(_("score"))
    # When the member gave this score: now for a rating given here, the other site's date
    # for an imported one (created_at and updated_at say when the row was written).
    rated_at = models.DateTimeField(_("rated at"), default=timezone.now)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.UniqueConstraint(fields=["member", "episode"], name="rating_one_per_member"),
            models.CheckConstraint(
                condition=Q(score__gte=1) & Q(score__lte=10), name="rating_score_in_range"
            ),
        ]
        indexes = [
            models.Index(fields=["episode", "score"]),
            # A member's ratings newest first: the activity of the members one follows.
            models.Index(fields=["member", "-rated_at", "-id"], name="rating_member_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.episode_id} · {self.score}"

    @property
    def stars(self) -> float:
        return self.score / 2

    @property
    def label(self) -> str:
        return stars_label(self.score)


class EpisodeScores(models.Model):
    """The rating aggregates of one episode: how many ratings at each half-star step.

    Kept up to date by reviews.services in the same transaction as each rating change,
    with F() expressions, so reading them costs one row whatever the number of ratings.
    `recount_ratings` rebuilds them from Rating.
    """

    episode = models.OneToOneField(
        Episode,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="scores",
        verbose_name=_("episode"),
    )
    # count_1 is the number of ½-star ratings, count_10 of five-star ones.
    count_1 = models.PositiveIntegerField(default=0)
    count_2 = models.PositiveIntegerField(default=0)
    count_3 = models.PositiveIntegerField(default=0)
    count_4 = models.PositiveIntegerField(default=0)
    count_5 = models.PositiveIntegerField(default=0)
    count_6 = models.PositiveIntegerField(default=0)
    count_7 = models.PositiveIntegerField(default=0)
    count_8 = models.PositiveIntegerField(default=0)
    count_9 = models.PositiveIntegerField(default=0)
    count_10 = models.PositiveIntegerField(default=0)

    class Meta:
        # PositiveIntegerField adds the CHECK (count >= 0) in the database.
        verbose_name = _("episode scores")
        verbose_name_plural = _("episode scores")

    def __str__(self) -> str:
        # The episode's name: how the staff history and the admin name these counters.
        return str(self.episode)

    @property
    def distribution(self) -> list[int]:
        return [getattr(self, f"count_{score}") for score in SCORES]

    @property
    def count(self) -> int:
        return sum(self.distribution)

    @property
    def mean_score(self) -> float | None:
        """The mean on the 1–10 half-star scale, or None without ratings."""
        count = self.count
        if not count:
            return None
        return sum(score * n for score, n in zip(SCORES, self.distribution, strict=True)) / count

    @property
    def mean_stars(self) -> Decimal | None:
        """The mean in stars (0.5–5), to one decimal, halves rounded up as people expect."""
        mean = self.mean_score
        if mean is None:
            return None
        return (Decimal(str(mean)) / 2).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


class ReviewQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(status=Review.Status.VISIBLE)

    def public(self):
        """What anyone may read, reply to, like or report: visible, by a member in good
        standing, and for a reply, under a review that is public too."""
        return self.filter(
            status=Review.Status.VISIBLE, member__is_active=True
        ).under_public_reviews()

    def under_public_reviews(self):
        """Top-level reviews, and replies only while the review they answer is public."""
        return self.filter(
            Q(parent__isnull=True)
            | Q(parent__status=Review.Status.VISIBLE, parent__member__is_active=True)
        )

    def seen_by(self, reader):
        """What a reader may see: visible reviews of members in good standing, and the
        reader's own whatever a moderator or the reports decided (they are told why)."""
        shown = Q(status=Review.Status.VISIBLE, member__is_active=True)
        if reader.is_authenticated:
            shown |= Q(member=reader)
        return self.filter(shown)

    def top_level(self):
        return self.filter(parent__isnull=True)

    def for_listing(self):
        return self.select_related("member")

    def sorted_by(self, order: str):
        if order == "liked":
            return self.order_by("-like_count", "-created_at", "-pk")
        return self.order_by("-created_at", "-pk")


class Review(models.Model):
    """A member's review of an episode, or a reply to a review (one level deep)."""

    class Status(models.TextChoices):
        VISIBLE = "visible", _("Visible")
        HELD = "held", _("Held for moderation")
        HIDDEN = "hidden", _("Hidden by a moderator")
        REMOVED = "removed", pgettext_lazy("status of a review or reply", "Removed")

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reviews",
        verbose_name=_("member"),
    )
    episode = models.ForeignKey(
        Episode, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("episode")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("in reply to"),
    )
    body = models.TextField(_("review"), max_length=REVIEW_MAX_LENGTH)
    is_spoiler = models.BooleanField(_("contains spoilers"), default=False)
    spoils_up_to = models.PositiveSmallIntegerField(
        _("spoils up to episode"),
        null=True,
        blank=True,
        help_text=_("Readers who have not watched this far see the review collapsed."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.VISIBLE, db_index=True
    )
    like_count = models.PositiveIntegerField(_("likes"), default=0)
    reply_count = models.PositiveIntegerField(_("replies"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        # Where each rule holds. CHECK constraints here: a body, and not its own parent.
        # Triggers (reviews/migrations/0008_database_rules.py), as they read other rows: a
        # reply answers a top-level review (one level deep), on the same episode; a review's
        # author is never one of its likers. services.review_post checks the first two for a
        # friendly message; the counters are kept by the services.
        constraints = [
            models.CheckConstraint(condition=~Q(body=""), name="review_body_not_empty"),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="review_not_its_own_parent"),
        ]
        indexes = [
            # Top-level reviews only: with replies in the same index, an episode's first
            # page would scan past every reply (seen in `make bench`'s EXPLAIN). Status is
            # checked on the rows read rather than kept in the index, so that one index walk
            # serves visitors (visible only) and members (visible, or their own) alike.
            models.Index(
                fields=["episode", "-created_at"],
                condition=Q(parent__isnull=True),
                name="review_episode_newest_top",
            ),
            models.Index(
                fields=["episode", "-like_count", "-created_at"],
                condition=Q(parent__isnull=True),
                name="review_episode_liked_top",
            ),
            models.Index(fields=["member", "-created_at", "-id"], name="review_member_newest"),
        ]

    def __str__(self) -> str:
        # What staff read in breadcrumbs, delete pages and other records' columns: who, which
        # episode (the site's S01E05 code) and how it begins, cut between words.
        labels = {
            "author": self.member,
            "episode": episode_code(self.episode),
            "excerpt": shortened(self.body, LABEL_EXCERPT_LENGTH),
        }
        if self.is_reply:
            # Translators: a reply's label in the admin, e.g. Reply by Odile on S01E05 “I…”.
            return gettext("Reply by %(author)s on %(episode)s “%(excerpt)s”") % labels
        # Translators: a review's label in the admin, e.g. Review by Odile of S01E05 “The…”.
        return gettext("Review by %(author)s of %(episode)s “%(excerpt)s”") % labels

    @property
    def is_reply(self) -> bool:
        return self.parent_id is not None

    @property
    def is_visible(self) -> bool:
        return self.status == self.Status.VISIBLE

    @property
    def excerpt(self) -> str:
        return shortened(self.body, 80)


class ModerationQueueItem(Review):
    """The reviews and replies a moderator has to look at: reported or held.

    A proxy so that the queue has its own page and permissions in the admin."""

    class Meta:
        proxy = True
        verbose_name = _("item to moderate")
        verbose_name_plural = _("items to moderate")


class Report(models.Model):
    """A member telling moderators that a review or reply breaks the rules."""

    class Reason(models.TextChoices):
        SPOILER = "spoiler", _("Unmarked spoiler")
        HARASSMENT = "harassment", _("Harassment or hate")
        SPAM = "spam", _("Spam or advertising")
        OTHER = "other", _("Something else")

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reports_made",
        verbose_name=_("reported by"),
    )
    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="reports", verbose_name=_("review or reply")
    )
    reason = models.CharField(_("reason"), max_length=12, choices=Reason)
    note = models.CharField(_("details"), max_length=REPORT_NOTE_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Set when a moderator decides on the item; open reports are the ones without it.
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            # One open report per member per item. After a moderator's decision the same
            # member may report again only if the author has edited it since
            # (reviews.moderation.report_create), so they cannot re-hide an approved review.
            models.UniqueConstraint(
                fields=["reporter", "review"],
                condition=Q(resolved_at__isnull=True),
                name="report_open_once_per_member",
            ),
            models.CheckConstraint(
                condition=~Q(reason="other") | ~Q(note=""), name="report_other_has_note"
            ),
        ]
        indexes = [
            models.Index(
                fields=["review"],
                condition=Q(resolved_at__isnull=True),
                name="report_open_by_review",
            )
        ]

    def __str__(self) -> str:
        # Translators: a report's label in the admin: who reported, why, and the item.
        return gettext("Report by %(reporter)s (%(reason)s): %(item)s") % {
            "reporter": self.reporter,
            "reason": self.get_reason_display(),
            "item": self.review,
        }


class ModerationAction(models.Model):
    """One decision in the audit trail: who, when, what, why. Never changed or deleted.

    Held in the database by a trigger (reviews/migrations/0008_database_rules.py) that refuses
    every UPDATE and DELETE, the admin's permissions aside. The one change let through is a
    foreign key going to NULL: deleting a member (their account, with all they wrote) or a
    review keeps the record, with its copies of the handle, subject and text. Only emptying
    the whole database (`flush`) removes records."""

    class Kind(models.TextChoices):
        HOLD = "hold", _("Held after reports")
        APPROVE = "approve", _("Approved")
        HIDE = "hide", _("Hidden")
        REMOVE = "remove", pgettext_lazy("a moderator's decision", "Removed")
        SUSPEND = "suspend", _("Member suspended")
        REINSTATE = "reinstate", _("Member reinstated")
        UPHOLD = "uphold", _("Upheld on appeal")

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    # Empty for what the site did by itself (holding an item at the report threshold).
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="moderation_actions",
        verbose_name=_("moderator"),
    )
    # The handle at the time, so "who" survives the moderator's account.
    moderator_handle = models.CharField(_("moderator's handle"), max_length=30, blank=True)
    kind = models.CharField(_("action"), max_length=10, choices=Kind)
    review = models.ForeignKey(
        Review,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="moderation_actions",
        verbose_name=_("review or reply"),
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="moderation_history",
        verbose_name=_("member concerned"),
    )
    # Copies, so the record still says what it was about once the review or member is gone.
    subject = models.CharField(_("what"), max_length=200)
    text = models.TextField(_("text at the time"), blank=True)
    reason = models.TextField(_("why"))
    # A suspension's end as decided; empty for one until a moderator reinstates the member.
    suspended_until = models.DateTimeField(_("suspended until"), null=True, blank=True)

    class Meta:
        verbose_name = _("moderation action")
        verbose_name_plural = _("moderation actions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(suspended_until__isnull=True) | Q(kind="suspend"),
                name="moderationaction_end_only_for_suspensions",
            )
        ]
        permissions = [
            ("suspend_member", _("Can suspend and reinstate members")),
            ("recount_ratings", _("Can recount the rating aggregates")),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject}"


APPEAL_MAX_LENGTH = 1000


class Appeal(models.Model):
    """The member concerned asking moderators to look again at a decision: a suspension, or
    hiding or removing their review. One per decision (the unique key), and a moderator's
    later decision on the same item or member answers it."""

    decision = models.OneToOneField(
        ModerationAction,
        on_delete=models.CASCADE,
        related_name="appeal",
        verbose_name=_("decision appealed"),
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="appeals",
        verbose_name=_("member"),
    )
    text = models.TextField(_("appeal"), max_length=APPEAL_MAX_LENGTH)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["resolved_at", "created_at"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="appeal_text_not_empty")]

    def __str__(self) -> str:
        return f"Appeal of {self.decision_id} by {self.member_id}"


class Like(models.Model):
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="likes",
        verbose_name=_("member"),
        db_index=False,  # like_one_per_member (member, review) begins with it
    )
    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="likes", verbose_name=_("review or reply")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("like")
        verbose_name_plural = _("likes")
        # One like per member and review: a unique constraint. Not one's own review: a
        # trigger (reviews/migrations/0008_database_rules.py), as the author is on the review;
        # services.like_set refuses it first with a message, and the view offers no button.
        constraints = [
            models.UniqueConstraint(fields=["member", "review"], name="like_one_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.member} likes {self.review_id}"


class WatchlistEntry(models.Model):
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="watchlist",
        verbose_name=_("member"),
    )
    episode = models.ForeignKey(
        Episode, on_delete=models.CASCADE, related_name="+", verbose_name=_("episode")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("watchlist entry")
        verbose_name_plural = _("watchlist entries")
        constraints = [
            models.UniqueConstraint(fields=["member", "episode"], name="watchlist_once_per_episode")
        ]

    def __str__(self) -> str:
        return f"{self.member} wants to watch {self.episode_id}"


class Watch(models.Model):
    """One viewing of an episode; a second one for the same episode is a rewatch."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="watches",
        verbose_name=_("member"),
    )
    episode = models.ForeignKey(
        Episode, on_delete=models.CASCADE, related_name="+", verbose_name=_("episode")
    )
    watched_on = models.DateField(_("watched on"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Sent by the form that marked it: the same form posted twice makes one watch, not two.
    submission_key = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("watch")
        verbose_name_plural = _("watches")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "submission_key"],
                condition=Q(submission_key__isnull=False),
                name="watch_one_per_submission",
            )
        ]
        indexes = [
            models.Index(fields=["member", "-watched_on", "-created_at"], name="watch_diary"),
            models.Index(fields=["member", "episode"], name="watch_member_episode"),
            # When it was marked, newest first: the activity of the members one follows.
            models.Index(fields=["member", "-created_at", "-id"], name="watch_member_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.member} watched {self.episode_id} on {self.watched_on}"


class MemberImport(models.Model):
    """A confirmed import (reviews/imports.py), applied by a background job
    (reviews.tasks.apply_import); the page at its address says it is under way, then how it
    ended. Its address is its random id: one member cannot guess another's."""

    class Status(models.TextChoices):
        UNDER_WAY = "under_way", _("under way")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="imports"
    )
    # What the preview showed, until it is applied; emptied then (the data is in the member's
    # ratings and watches by then, and a copy here would outlive their deleting it).
    plan = models.JSONField(default=dict)
    # The language of the confirmation, for the job's messages about it.
    language = models.CharField(max_length=10)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UNDER_WAY)
    ratings = models.PositiveIntegerField(default=0)
    watches = models.PositiveIntegerField(default=0)
    watchlist = models.PositiveIntegerField(default=0)
    problem = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [models.Index(fields=["member", "-created_at"], name="import_member_recent")]

    def __str__(self) -> str:
        return f"Import {self.pk} by {self.member_id} ({self.status})"

    @property
    def total(self) -> int:
        return self.ratings + self.watches + self.watchlist

    def summary(self) -> str:
        """What it added, in the reader's language: "Imported: 3 ratings, 2 viewings and…"."""
        if not self.total:
            return gettext("Nothing new to import: all of it was already here.")
        return gettext("Imported: %(ratings)s, %(watches)s and %(watchlist)s.") % {
            "ratings": ngettext("%d rating", "%d ratings", self.ratings) % self.ratings,
            "watches": ngettext("%d viewing", "%d viewings", self.watches) % self.watches,
            "watchlist": ngettext("%d watchlist entry", "%d watchlist entries", self.watchlist)
            % self.watchlist,
        }
