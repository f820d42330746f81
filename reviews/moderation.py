"""Reports and the decisions moderators take on them.

Every decision writes a ModerationAction in the same transaction as the change it records,
so the audit trail cannot miss one or record one that did not happen.
"""

import logging
from collections import Counter

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from etoile_app.models import User
from reviews.models import ModerationAction, Rating, Report, Review
from reviews.services import shift_score_counts

security_log = logging.getLogger("etoile.security")


class ReportError(Exception):
    """A report the rules do not allow; the message is for the member."""


def report_threshold() -> int:
    return settings.REVIEW_REPORTS_TO_HOLD


def open_reports(review: Review):
    return Report.objects.filter(review=review, resolved_at__isnull=True)


def describe(review: Review) -> str:
    kind = _("Reply") if review.is_reply else _("Review")
    return _("%(kind)s %(pk)s by @%(handle)s on %(episode)s") % {
        "kind": kind,
        "pk": review.pk,
        "handle": review.member.handle,
        "episode": review.episode,
    }


def _record(*, kind, moderator, reason, review=None, member=None) -> ModerationAction:
    if review is not None:
        member = review.member
        subject, text = describe(review), review.body
    else:
        subject, text = "@" + member.handle, ""
    action = ModerationAction.objects.create(
        kind=kind,
        moderator=moderator,
        review=review,
        member=member,
        subject=subject[:200],
        text=text,
        reason=reason,
    )
    security_log.info(
        "moderation %s by %s on %s: %s",
        kind,
        moderator.pk if moderator else "site",
        subject,
        reason,
    )
    return action


def report_create(*, reporter: User, review: Review, reason: str, note: str = "") -> Report:
    """Report a review or reply. Reporting again returns the first report unchanged. At the
    threshold of open reports from distinct members the item is held until a moderator decides."""
    if review.member_id == reporter.pk:
        raise ReportError(_("You cannot report your own writing."))
    with transaction.atomic():
        # The row lock makes concurrent reports count one after another, so exactly one of
        # them sees the threshold reached.
        review = Review.objects.select_for_update().select_related("member").get(pk=review.pk)
        if review.status != Review.Status.VISIBLE:
            raise ReportError(_("This has already been taken down for moderators to look at."))
        try:
            with transaction.atomic():
                report = Report.objects.create(
                    reporter=reporter, review=review, reason=reason, note=note
                )
        except IntegrityError:
            return Report.objects.get(reporter=reporter, review=review)
        count = open_reports(review).count()
        if count >= report_threshold():
            review.status = Review.Status.HELD
            review.save(update_fields=["status"])
            _record(
                kind=ModerationAction.Kind.HOLD,
                moderator=None,
                review=review,
                reason=_("Reported by %(n)s members.") % {"n": count},
            )
        return report


def _decide(*, review: Review, moderator: User, status: str, kind: str, reason: str) -> bool:
    """Set the item's status and close its open reports; False when there was nothing to do
    (a second moderator deciding the same way a moment later)."""
    with transaction.atomic():
        review = Review.objects.select_for_update().select_related("member").get(pk=review.pk)
        closed = open_reports(review).update(resolved_at=timezone.now())
        if review.status == status and not closed:
            return False
        review.status = status
        review.save(update_fields=["status"])
        _record(kind=kind, moderator=moderator, review=review, reason=reason)
        return True


def review_approve(*, review: Review, moderator: User, reason: str) -> bool:
    """The item stays (or comes back): visible to all, its open reports closed."""
    return _decide(
        review=review,
        moderator=moderator,
        status=Review.Status.VISIBLE,
        kind=ModerationAction.Kind.APPROVE,
        reason=reason,
    )


def review_hide(*, review: Review, moderator: User, reason: str) -> bool:
    """Hidden from everyone but its author, who is told a moderator hid it."""
    return _decide(
        review=review,
        moderator=moderator,
        status=Review.Status.HIDDEN,
        kind=ModerationAction.Kind.HIDE,
        reason=reason,
    )


def review_remove(*, review: Review, moderator: User, reason: str) -> bool:
    """Taken down for good. The row stays, with the audit record's copy of the text, so a
    mistaken removal can be approved back; the author deleting it, or their account, erases it."""
    return _decide(
        review=review,
        moderator=moderator,
        status=Review.Status.REMOVED,
        kind=ModerationAction.Kind.REMOVE,
        reason=reason,
    )


def _ratings_by_episode(member: User, sign: int) -> dict[int, Counter]:
    by_episode: dict[int, Counter] = {}
    for episode_id, score in Rating.objects.filter(member=member).values_list(
        "episode_id", "score"
    ):
        by_episode.setdefault(episode_id, Counter())[score] += sign
    return by_episode


def member_suspend(*, member: User, moderator: User, reason: str) -> bool:
    """The member cannot sign in (any open session ends at its next request), their reviews,
    replies, profile and diary disappear and their ratings leave the aggregates. All of it
    comes back on reinstatement; nothing is deleted."""
    if member.pk == moderator.pk:
        raise ReportError(_("You cannot suspend yourself."))
    if member.is_superuser:
        raise ReportError(_("Administrators cannot be suspended here."))
    with transaction.atomic():
        member = User.objects.select_for_update().get(pk=member.pk)
        if not member.is_active:
            return False
        member.is_active = False
        member.suspended_at = timezone.now()
        member.session_generation += 1  # signed out everywhere, for good
        member.save(update_fields=["is_active", "suspended_at", "session_generation"])
        for episode_id, changes in _ratings_by_episode(member, -1).items():
            shift_score_counts(episode_id, changes)
        _record(
            kind=ModerationAction.Kind.SUSPEND, moderator=moderator, member=member, reason=reason
        )
        return True


def member_reinstate(*, member: User, moderator: User, reason: str) -> bool:
    with transaction.atomic():
        member = User.objects.select_for_update().get(pk=member.pk)
        if member.is_active or member.suspended_at is None:
            return False
        member.is_active = True
        member.suspended_at = None
        member.save(update_fields=["is_active", "suspended_at"])
        for episode_id, changes in _ratings_by_episode(member, +1).items():
            shift_score_counts(episode_id, changes)
        _record(
            kind=ModerationAction.Kind.REINSTATE,
            moderator=moderator,
            member=member,
            reason=reason,
        )
        return True


def queue():
    """Reported or held items of members in good standing (a suspended member's items come
    back to the queue if they are reinstated)."""
    return (
        Review.objects.filter(member__is_active=True)
        .annotate(open_reports=Count("reports", filter=Q(reports__resolved_at__isnull=True)))
        .filter(Q(open_reports__gt=0) | Q(status=Review.Status.HELD))
    )
