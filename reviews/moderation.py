"""Reports and the decisions moderators take on them.

Every decision writes a ModerationAction in the same transaction as the change it records,
so the audit trail cannot miss one or record one that did not happen.
"""

import logging
from collections import Counter
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, Func, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kernel import security
from members import standing
from members.models import User
from reviews import signals
from reviews.counters import shift_scores
from reviews.models import Appeal, ModerationAction, Rating, Report, Review
from reviews.notices import tell_member


class ReportError(Exception):
    """A report the rules do not allow; the message is for the member."""


def report_threshold() -> int:
    return max(1, settings.REVIEW_REPORTS_TO_HOLD)


def open_reports(review):
    """Reports waiting for a decision, from members in good standing: suspending the
    accounts of a brigade takes their reports out of the count."""
    return Report.objects.filter(review=review, resolved_at__isnull=True, reporter__is_active=True)


def describe(review: Review) -> str:
    # A record, not interface text: written the same whatever language the moderator uses.
    kind = "Reply" if review.is_reply else "Review"
    return f"{kind} {review.pk} by @{review.member.handle} on {review.episode}"


def _locked(review: Review) -> Review | None:
    """The item, locked for this transaction; None when its author deleted it meanwhile.
    Its row alone: its author's, episode's and season's rows, read with it, stay unlocked, or
    a first rating or a new review of the episode would wait at its commit (its foreign-key
    check) for the decision to commit."""
    return (
        Review.objects.select_for_update(of=("self",))
        .select_related("member", "episode__season")
        .filter(pk=review.pk)
        .first()
    )


def _record(
    *, kind, moderator, reason, review=None, member=None, suspended_until=None
) -> ModerationAction:
    if review is not None:
        member = review.member
        subject, text = describe(review), review.body
    else:
        subject, text = "@" + member.handle, ""
    action = ModerationAction.objects.create(
        kind=kind,
        moderator=moderator,
        moderator_handle=moderator.handle if moderator else "",
        review=review,
        member=member,
        subject=subject[:200],
        text=text,
        reason=reason,
        suspended_until=suspended_until,
    )
    # The reason is in the audit trail; the log line keeps to who, what and from where.
    security.event(None, f"moderation {kind} on {subject}", member=moderator, level=logging.INFO)
    return action


def _tell(action: ModerationAction) -> None:
    # In the decision's transaction: the email is queued with it (jobs/mail.py), so it goes
    # out once the decision is committed, and never for one that is rolled back. The apps
    # above (the in-app notification) hear of it by the signal, in the same transaction.
    tell_member(action)
    signals.member_told.send(sender=ModerationAction, action=action)


def has_reported(reporter: User, review: Review) -> Report | None:
    """The member's report of this version of the item: one still open, or one a moderator
    decided on after its last edit. An author who rewrites an approved review can be reported
    again; the version a moderator approved cannot be, by the same members."""
    since = review.edited_at or review.created_at
    return (
        Report.objects.filter(reporter=reporter, review=review)
        .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=since))
        .order_by("-created_at")
        .first()
    )


def report_create(*, reporter: User, review: Review, reason: str, note: str = "") -> Report:
    """Report a review or reply. Reporting the same version again returns the first report
    unchanged. At the threshold of open reports from distinct members the item is held until
    a moderator decides."""
    if review.member_id == reporter.pk:
        raise ReportError(_("You cannot report your own writing."))
    with transaction.atomic():
        # The row lock makes concurrent reports count one after another, so exactly one of
        # them sees the threshold reached.
        review = _locked(review)
        if review is None or review.status != Review.Status.VISIBLE:
            raise ReportError(_("This has already been taken down for moderators to look at."))
        already = has_reported(reporter, review)
        if already is not None:
            return already
        try:
            with transaction.atomic():
                report = Report.objects.create(
                    reporter=reporter, review=review, reason=reason, note=note
                )
        except IntegrityError:  # the same member's double click, on a database without locks
            return Report.objects.get(reporter=reporter, review=review, resolved_at__isnull=True)
        count = open_reports(review).count()
        if count >= report_threshold():
            review.status = Review.Status.HELD
            review.save(update_fields=["status"])
            _record(
                kind=ModerationAction.Kind.HOLD,
                moderator=None,
                review=review,
                reason=f"Reported by {count} members.",
            )
        return report


def _decide(*, review: Review, moderator: User, status: str, kind: str, reason: str) -> bool:
    """Set the item's status and close its open reports; False when there was nothing to do
    (a second moderator deciding the same way a moment later)."""
    with transaction.atomic():
        review = _locked(review)
        if review is None:
            return False  # its author deleted it meanwhile: nothing left to decide
        closed = Report.objects.filter(review=review, resolved_at__isnull=True).update(
            resolved_at=timezone.now()
        )
        # A new decision on the item answers any appeal of an earlier one, even the same
        # decision again (the appeal is then rejected, with this reason).
        answered = Appeal.objects.filter(decision__review=review, resolved_at__isnull=True).update(
            resolved_at=timezone.now()
        )
        was_visible = review.status == Review.Status.VISIBLE
        if review.status == status and not closed and not answered:
            return False
        review.status = status
        review.save(update_fields=["status"])
        action = _record(kind=kind, moderator=moderator, review=review, reason=reason)
        # Approving an item its author never saw taken down (reported, still visible) tells
        # them nothing new; every other decision is theirs to know.
        if not (kind == ModerationAction.Kind.APPROVE and was_visible):
            _tell(action)
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
    """Taken down for everyone; its author sees it marked removed. The row stays, with the
    audit record's copy of the text, so a mistaken removal can be approved back; the author
    deleting it, or their account, erases it."""
    return _decide(
        review=review,
        moderator=moderator,
        status=Review.Status.REMOVED,
        kind=ModerationAction.Kind.REMOVE,
        reason=reason,
    )


def shift_member_ratings(member: User, sign: int) -> None:
    """Take the member's ratings out of the counters (-1) or put them back (+1), on their
    suspension and reinstatement (registered with members.standing in reviews/apps.py, beside
    the other apps' counters). Episodes in id order, so two of these at once lock the counter
    rows in the same order, never in a deadlock."""
    by_episode: dict[int, Counter] = {}
    for episode_id, score in Rating.objects.filter(member=member).values_list(
        "episode_id", "score"
    ):
        by_episode.setdefault(episode_id, Counter())[score] += sign
    for episode_id, changes in sorted(by_episode.items()):
        shift_scores(episode_id, changes)


def member_suspend(
    *, member: User, moderator: User, reason: str, until: datetime | None = None
) -> bool:
    """The member cannot sign in (any open session ends at its next request), their reviews,
    replies, profile and diary disappear and their ratings (and whatever else the apps count:
    members.standing) leave the aggregates. All of it comes back on reinstatement; nothing is
    deleted. With `until` the suspension ends by itself then (end_due_suspensions); without,
    when a moderator reinstates the member. Suspending a suspended member again changes when
    it ends (recorded as a new decision)."""
    if member.pk == moderator.pk:
        raise ReportError(_("You cannot suspend yourself."))
    if member.is_superuser:
        raise ReportError(_("Administrators cannot be suspended here."))
    if member.is_staff and not moderator.is_superuser:
        # Otherwise one moderator could lock every other one out of the admin.
        raise ReportError(_("Only an administrator can suspend a staff member."))
    now = timezone.now()
    if until is not None and until <= now:
        raise ReportError(_("A suspension must end in the future."))
    with transaction.atomic():
        member = User.objects.select_for_update().get(pk=member.pk)
        if not member.is_active and member.suspended_at is None:
            return False  # switched off for another reason: not ours to suspend
        if not member.is_active:
            if member.suspended_until == until:
                return False
            member.suspended_until = until
            member.save(update_fields=["suspended_until"])
        else:
            member.is_active = False
            member.suspended_at = now
            member.suspended_until = until
            member.session_generation += 1  # signed out everywhere, for good
            member.save(
                update_fields=[
                    "is_active",
                    "suspended_at",
                    "suspended_until",
                    "session_generation",
                ]
            )
            standing.shift_contributions(member, -1)
        action = _record(
            kind=ModerationAction.Kind.SUSPEND,
            moderator=moderator,
            member=member,
            reason=reason,
            suspended_until=until,
        )
        _tell(action)
    return True


# A record (as describe()), stored in English: the audit trail's reason when the site ends a
# suspension on its end date. Marked for the catalogue, so the admin shows it translated.
SUSPENSION_ENDED = gettext_noop("The suspension ended on its end date.")


def member_reinstate(
    *, member: User, moderator: User | None, reason: str, due_by: datetime | None = None
) -> bool:
    """Lift the member's suspension: they sign in again, and what they wrote and rated is
    back. `moderator` None is the site itself ending a suspension whose end has come by
    `due_by` (a moderator may have changed or lifted it meanwhile: then nothing is done)."""
    if moderator is not None and member.is_staff and not moderator.is_superuser:
        raise ReportError(_("Only an administrator can reinstate a staff member."))
    with transaction.atomic():
        member = User.objects.select_for_update().get(pk=member.pk)
        if member.is_active or member.suspended_at is None:
            return False
        if moderator is None and (
            due_by is None or member.suspended_until is None or member.suspended_until > due_by
        ):
            return False
        member.is_active = True
        member.suspended_at = None
        member.suspended_until = None
        member.save(update_fields=["is_active", "suspended_at", "suspended_until"])
        standing.shift_contributions(member, +1)
        action = _record(
            kind=ModerationAction.Kind.REINSTATE,
            moderator=moderator,
            member=member,
            reason=reason,
        )
        Appeal.objects.filter(
            decision__member=member,
            decision__kind=ModerationAction.Kind.SUSPEND,
            resolved_at__isnull=True,
        ).update(resolved_at=timezone.now())
        _tell(action)
    return True


def suspension_is_over(member: User, now: datetime | None = None) -> bool:
    return (
        not member.is_active
        and member.suspended_until is not None
        and member.suspended_until <= (now or timezone.now())
    )


def end_suspension_if_due(member: User, now: datetime | None = None) -> bool:
    """Reinstate the member if their suspension's end has come: at their sign-in, on the
    inactive page, and for everyone by end_due_suspensions."""
    now = now or timezone.now()
    if not suspension_is_over(member, now):
        return False
    return member_reinstate(member=member, moderator=None, reason=SUSPENSION_ENDED, due_by=now)


def end_due_suspensions(now: datetime | None = None) -> int:
    """Reinstate every member whose suspension has ended; how many. `manage.py
    end_suspensions` runs it (from cron, say, every few minutes); a member signing in is
    reinstated at once without waiting for it. Each member in their own transaction, so one
    failure leaves the others done, and a second run at the same time does nothing twice."""
    now = now or timezone.now()
    due = User.objects.filter(
        is_active=False, suspended_at__isnull=False, suspended_until__lte=now
    ).order_by("pk")
    return sum(
        member_reinstate(member=member, moderator=None, reason=SUSPENSION_ENDED, due_by=now)
        for member in due
    )


# --- Appeals --------------------------------------------------------------------------------

TAKEDOWNS = [ModerationAction.Kind.HIDE, ModerationAction.Kind.REMOVE]


def standing_decision(review: Review) -> ModerationAction | None:
    """The moderator's decision that keeps the item down, if it is hidden or removed now."""
    if review.status not in (Review.Status.HIDDEN, Review.Status.REMOVED):
        return None
    latest = (
        ModerationAction.objects.filter(review=review, kind__in=DECISIONS)
        .select_related("appeal")
        .order_by("-pk")
        .first()
    )
    return latest if latest is not None and latest.kind in TAKEDOWNS else None


def standing_suspension(member: User) -> ModerationAction | None:
    """The decision that suspended the member, while they are suspended."""
    if member.is_active or member.suspended_at is None:
        return None
    return (
        ModerationAction.objects.filter(member=member, kind=ModerationAction.Kind.SUSPEND)
        .select_related("appeal")
        .order_by("-pk")
        .first()
    )


def appeal_of(decision: ModerationAction) -> Appeal | None:
    try:
        return decision.appeal
    except Appeal.DoesNotExist:
        return None


def appeal_create(*, member: User, decision: ModerationAction, text: str) -> Appeal:
    """The member's one appeal of the decision; a second returns the first unchanged."""
    if decision.member_id != member.pk:
        raise ReportError(_("Only the member concerned can appeal this decision."))
    try:
        with transaction.atomic():
            return Appeal.objects.create(decision=decision, member=member, text=text)
    except IntegrityError:
        return Appeal.objects.get(decision=decision)


def appeal_accept(*, appeal: Appeal, moderator: User, reason: str) -> bool:
    """Reverse the decision appealed: approve the item back, or reinstate the member."""
    decision = appeal.decision
    if decision.kind == ModerationAction.Kind.SUSPEND:
        if decision.member is None:
            return False
        return member_reinstate(member=decision.member, moderator=moderator, reason=reason)
    if decision.review is None:
        return False
    return review_approve(review=decision.review, moderator=moderator, reason=reason)


def appeal_reject(*, appeal: Appeal, moderator: User, reason: str) -> bool:
    """Keep the decision: recorded in the audit trail, and the member is told why."""
    with transaction.atomic():
        answered = Appeal.objects.filter(pk=appeal.pk, resolved_at__isnull=True).update(
            resolved_at=timezone.now()
        )
        if not answered:
            return False
        decision = appeal.decision
        review = _locked(decision.review) if decision.review is not None else None
        if review is None and decision.member is None:
            return True  # the item and its author are gone: nobody to answer
        action = _record(
            kind=ModerationAction.Kind.UPHOLD,
            moderator=moderator,
            review=review,
            member=decision.member,
            reason=reason,
        )
        _tell(action)
    return True


def queue():
    """Reported, held or appealed items of members in good standing, with their number of open reports.
    A suspended member's items leave it and come back if they are reinstated.

    Correlated subqueries rather than Count(): no GROUP BY, so the list's COUNT stays a plain
    count and the filter uses the partial index on open reports."""
    reports = open_reports(OuterRef("pk"))
    appealed = Appeal.objects.filter(decision__review=OuterRef("pk"), resolved_at__isnull=True)
    return (
        Review.objects.filter(member__is_active=True)
        .filter(Exists(reports) | Q(status=Review.Status.HELD) | Exists(appealed))
        .annotate(open_reports=count_of(reports))
    )


DECISIONS = [
    ModerationAction.Kind.APPROVE,
    ModerationAction.Kind.HIDE,
    ModerationAction.Kind.REMOVE,
]


def standing_takedowns(member):
    """The member's items whose latest moderator decision took them down (hidden or removed).

    The audit trail is append-only, so a reversal is a later record, not an edit: a hide
    followed by an approval leaves two records and no takedown. `member` is a member or an
    OuterRef. An item its author has since deleted keeps its records with no review; they are
    matched by their subject, which names the item."""
    later = ModerationAction.objects.filter(kind__in=DECISIONS, pk__gt=OuterRef("pk")).filter(
        Q(review=OuterRef("review")) | Q(review__isnull=True, subject=OuterRef("subject"))
    )
    return ModerationAction.objects.filter(
        member=member, kind__in=[ModerationAction.Kind.HIDE, ModerationAction.Kind.REMOVE]
    ).filter(~Exists(later))


def count_of(queryset):
    """A correlated COUNT, to annotate each row. Func rather than Count: Count would add a
    GROUP BY, and grouped by pk every count would be 1."""
    count = Func(F("pk"), function="COUNT", output_field=IntegerField())
    return Coalesce(Subquery(queryset.order_by().annotate(n=count).values("n")[:1]), 0)
