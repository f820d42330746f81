import datetime
import re
from collections import Counter

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch, Subquery
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext, gettext_noop, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from catalog.models import Episode
from kernel import history
from kernel.admin_filters import DateHierarchyAdmin, set_or_not_filter
from members.admin import EmailsForAdministratorsMixin
from reviews import moderation
from reviews.models import (
    Appeal,
    EpisodeScores,
    Like,
    ModerationAction,
    ModerationQueueItem,
    Rating,
    Report,
    Review,
    Watch,
    WatchlistEntry,
)
from reviews.services import (
    like_set,
    rating_remove,
    recount_ratings,
    watches_delete,
    watchlist_remove,
)


class ReadOnlyAdmin(DateHierarchyAdmin):
    """Members write these; staff read them here. Adding or changing rows here would bypass the
    services that keep the counters exact, so it is not offered; deleting is, through them."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class EpisodeFilter(admin.RelatedFieldListFilter):
    """The episode filter, with each episode's season in one query rather than one each."""

    def field_choices(self, field, request, model_admin):
        return [(episode.pk, str(episode)) for episode in Episode.objects.select_related("season")]


def _scores_summary(scores: EpisodeScores | None) -> str:
    if scores is None or not scores.count:
        return "—"
    return _("%(mean)s★ from %(n)s") % {"mean": scores.mean_stars, "n": scores.count}


@admin.register(Rating)
class RatingAdmin(EmailsForAdministratorsMixin, ReadOnlyAdmin):
    list_display = ["episode", "member", "score", "episode_aggregate", "updated_at"]
    list_filter = ["score", ("episode", EpisodeFilter)]
    list_select_related = ["episode__season", "episode__scores", "member"]
    search_fields = ["member__email", "member__handle"]

    @admin.display(description=_("episode mean (ratings)"))
    def episode_aggregate(self, obj):
        return _scores_summary(getattr(obj.episode, "scores", None))

    def delete_model(self, request, obj):
        rating_remove(member=obj.member, episode=obj.episode)

    def delete_queryset(self, request, queryset):
        for rating in queryset.select_related("member", "episode"):
            rating_remove(member=rating.member, episode=rating.episode)


# Stored untranslated in the staff history, translated when shown (kernel.history).
RECOUNT_ALL = gettext_noop("Recount every episode")
DISTRIBUTION_LABEL = gettext_noop("½ to 5 stars")
NOTHING_WRONG = gettext_noop("Nothing was wrong: %(n)s episodes recounted.")
RATING_COUNTERS = gettext_noop("Every episode's rating counters")


@admin.register(EpisodeScores)
class EpisodeScoresAdmin(ReadOnlyAdmin):
    list_display = ["episode", "rating_count", "mean_stars", "distribution"]
    list_select_related = ["episode__season"]
    actions = ["recount"]
    change_list_template = "admin/reviews/episodescores/change_list.html"

    def has_delete_permission(self, request, obj=None) -> bool:
        # The counters are derived data: recount them, never delete them.
        return False

    def has_recount_permission(self, request) -> bool:
        return request.user.has_perm("reviews.recount_ratings")

    @admin.display(description=_("ratings"))
    def rating_count(self, obj):
        return obj.count

    @admin.display(description=_("mean (stars)"))
    def mean_stars(self, obj):
        return obj.mean_stars if obj.mean_stars is not None else "—"

    @admin.display(description=_("½ to 5 stars"))
    def distribution(self, obj):
        return " · ".join(str(n) for n in obj.distribution)

    @admin.action(
        description=_("Recount the selected episodes from their ratings"), permissions=["recount"]
    )
    def recount(self, request, queryset):
        result = recount_ratings(Episode.objects.filter(scores__in=queryset))
        self._record_recount(request, history.action_description(self, request), result)
        self.message_user(
            request,
            ngettext("Recounted %(n)s episode.", "Recounted %(n)s episodes.", result.episodes)
            % {"n": result.episodes},
            messages.SUCCESS,
        )

    def get_urls(self):
        return [
            path(
                "recount-all/",
                self.admin_site.admin_view(require_POST(self.recount_all_view)),
                name="reviews_episodescores_recount_all",
            )
        ] + super().get_urls()

    def recount_all_view(self, request):
        if not self.has_recount_permission(request):
            raise PermissionDenied
        result = recount_ratings()
        self._record_recount(request, RECOUNT_ALL, result)
        self.message_user(
            request,
            _("Recounted all %(n)s episodes from their ratings.") % {"n": result.episodes},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:reviews_episodescores_changelist"))

    def _record_recount(self, request, action: str, result) -> None:
        """The staff history of a recount: who ran it and, on each episode's counters it
        put right, the counts before and after; when none was wrong, one entry saying so."""
        rows = EpisodeScores.objects.filter(episode__in=result.drift).select_related(
            "episode__season"
        )
        for row in rows:
            before, after = result.drift[row.episode_id]
            history.record_action(
                request,
                [row],
                action=action,
                values=[
                    {
                        "field": "distribution",
                        "label": DISTRIBUTION_LABEL,
                        "before": " · ".join(map(str, before)),
                        "after": " · ".join(map(str, after)),
                    }
                ],
            )
        if not result.drift:
            history.record_model_action(
                request,
                EpisodeScores,
                action=action,
                object_repr=RATING_COUNTERS,
                note=(NOTHING_WRONG, {"n": result.episodes}),
            )

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_recount": self.has_recount_permission(request),
        }
        return super().changelist_view(request, extra_context)


# --- Moderation -----------------------------------------------------------------------------


class ReasonActionForm(ActionForm):
    """The action bar with a reason: every moderation decision says why (the audit trail)."""

    reason = forms.CharField(
        label=_("Reason (recorded):"),
        required=False,
        widget=forms.TextInput(attrs={"size": 40}),
    )


class SuspensionActionForm(ReasonActionForm):
    """The action bar of lists whose actions suspend members: the reason, and when the
    suspension ends by itself (empty: when a moderator reinstates the member)."""

    # Text, read by suspension_end: Django's action bar answers any invalid field with "No
    # action selected", which would hide what was wrong with the date.
    suspended_until = forms.CharField(
        label=_("Suspended until (empty: no end):"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


def suspension_end(model_admin, request) -> tuple[bool, datetime.datetime | None]:
    """(whether to go on, the end) from the date typed beside a suspension: the suspension
    ends as that day begins, in the site's time zone. A date that is not one, or not after
    today, stops the action with a message."""
    typed = request.POST.get("suspended_until", "").strip()
    if not typed:
        return True, None
    try:
        day = forms.DateField().clean(typed)
    except forms.ValidationError:
        day = None
    if day is None or day <= timezone.localdate():
        model_admin.message_user(
            request,
            _("Nothing was done: a suspension's end must be a date after today."),
            messages.ERROR,
        )
        return False, None
    return True, timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def decision_reason(model_admin, request) -> str | None:
    """The reason typed beside the action; without one, nothing is done and the admin says so."""
    reason = " ".join(request.POST.get("reason", "").split())
    if not reason:
        model_admin.message_user(
            request, _("Nothing was done: write the reason for the decision first."), messages.ERROR
        )
        return None
    return reason


def decide_for_members(model_admin, request, members, decide, *, reason: str, **terms) -> int:
    """Suspend or reinstate each member (`decide` is reviews.moderation's, `terms` its other
    arguments: a suspension's end), saying in the admin why any one could not be; the number
    changed."""
    changed = 0
    action = history.action_description(model_admin, request)
    fields = ["is_active", "suspended_at", "suspended_until"]
    for member in members:
        try:
            before = [getattr(member, field) for field in fields]
            if decide(member=member, moderator=request.user, reason=reason, **terms):
                changed += 1
                member.refresh_from_db(fields=fields)
                history.record_action(
                    request,
                    [member],
                    action=action,
                    changes={
                        field: (was, getattr(member, field))
                        for field, was in zip(fields, before, strict=True)
                        if was != getattr(member, field)
                    },
                    reason=reason,
                )
        except moderation.ReportError as error:
            model_admin.message_user(
                request,
                # Translators: a member's handle, then why they cannot be suspended.
                _("@%(handle)s: %(error)s") % {"handle": member.handle, "error": error},
                messages.ERROR,
            )
    return changed


def decisions_list(actions) -> str:
    """Each recorded decision, oldest first, as the audit trail has it: every one stays
    listed after a later one reverses it."""
    rows = [
        (
            # Translators: one line of a decision history: when, what, who, why.
            _("%(when)s · %(kind)s · %(who)s · %(reason)s")
            % {
                "when": date_format(localtime(action.created_at), "DATETIME_FORMAT"),
                "kind": decision_label(action),
                "who": moderator_label(action),
                "reason": shown_reason(action),
            },
        )
        for action in sorted(actions, key=lambda action: action.pk)
    ]
    if not rows:
        return _("None yet.")
    return format_html("<ol>{}</ol>", format_html_join("", "<li>{}</li>", rows))


def decision_label(action: ModerationAction) -> str:
    """What was decided, with a suspension's end: "Member suspended until 12 March 2027"."""
    if action.suspended_until is not None:
        # Translators: a moderator's decision ("Member suspended") and the day it ends.
        return _("%(decision)s until %(date)s") % {
            "decision": action.get_kind_display(),
            "date": date_format(localtime(action.suspended_until), "DATE_FORMAT"),
        }
    return action.get_kind_display()


def moderator_label(action: ModerationAction) -> str:
    if action.moderator:
        return action.moderator.staff_label
    if action.moderator_handle:
        return _("@%(handle)s (account deleted)") % {"handle": action.moderator_handle}
    if action.kind == ModerationAction.Kind.REINSTATE:
        return _("the site (the suspension's end date)")
    return _("the site (report threshold)")


HELD_REASON = re.compile(r"^Reported by (\d+) members?\.$")
# moderation.describe()'s record of an item, as the trail stores it.
ITEM_SUBJECT = re.compile(r"^(Review|Reply) (\d+) by @([a-z0-9-]+) on (.+)$", re.DOTALL)


def shown_subject(action: ModerationAction) -> str:
    """What the decision was about, as the trail records it ("Reply 12 by @odile on S01E03 ·
    …", in English), in the staff member's language."""
    item = ITEM_SUBJECT.match(action.subject)
    if item is None:
        return action.subject
    kind, pk, handle, episode = item.groups()
    values = {"pk": pk, "handle": handle, "episode": episode}
    if kind == "Reply":
        # Translators: an item in the audit trail: a reply's number, author and episode.
        return _("Reply %(pk)s by @%(handle)s on %(episode)s") % values
    # Translators: an item in the audit trail: a review's number, author and episode.
    return _("Review %(pk)s by @%(handle)s on %(episode)s") % values


def shown_reason(action: ModerationAction) -> str:
    # The reasons the site writes itself are stored in English, as records; they read in the
    # staff member's language (moderation.SUSPENSION_ENDED is in the catalogue, the report
    # threshold's reason is moderation.report_create's).
    if action.moderator_id is None and not action.moderator_handle:
        if held := HELD_REASON.match(action.reason):
            n = int(held.group(1))
            return ngettext("Reported by %(n)s member.", "Reported by %(n)s members.", n) % {"n": n}
        return gettext(action.reason)
    return action.reason


class ModerationActionsMixin:
    """Approve, hide, remove and suspend, each through reviews.moderation, for a list of
    reviews (the queue, the reviews list)."""

    action_form = SuspensionActionForm
    actions = ["approve", "hide", "remove", "suspend_authors"]

    def has_suspend_permission(self, request) -> bool:
        return request.user.has_perm("reviews.suspend_member")

    def _reason(self, request) -> str | None:
        return decision_reason(self, request)

    def _decide(self, request, queryset, decide, done_message):
        reason = self._reason(request)
        if reason is None:
            return
        changed = 0
        action = history.action_description(self, request)
        for review in queryset.select_related("member", "episode__season"):
            before = review.status
            if decide(review=review, moderator=request.user, reason=reason):
                changed += 1
                review.refresh_from_db(fields=["status"])
                history.record_action(
                    request,
                    [review],
                    action=action,
                    changes={"status": (before, review.status)},
                    reason=reason,
                )
        if changed:
            self.message_user(request, done_message(changed) % {"n": changed}, messages.SUCCESS)
        else:
            self.message_user(
                request, _("Nothing changed: they were already so."), messages.WARNING
            )

    @admin.action(
        description=_("Approve: show to everyone, close the reports"), permissions=["change"]
    )
    def approve(self, request, queryset):
        self._decide(
            request,
            queryset,
            moderation.review_approve,
            lambda n: ngettext(
                "%(n)s review or reply approved.", "%(n)s reviews or replies approved.", n
            ),
        )

    @admin.action(description=_("Hide: only the author sees it"), permissions=["change"])
    def hide(self, request, queryset):
        self._decide(
            request,
            queryset,
            moderation.review_hide,
            lambda n: ngettext(
                "%(n)s review or reply hidden.", "%(n)s reviews or replies hidden.", n
            ),
        )

    @admin.action(
        description=_("Delete: take it down for everyone (kept for the audit trail)"),
        permissions=["change"],
    )
    def remove(self, request, queryset):
        self._decide(
            request,
            queryset,
            moderation.review_remove,
            lambda n: ngettext(
                "%(n)s review or reply taken down.", "%(n)s reviews or replies taken down.", n
            ),
        )

    @admin.action(description=_("Suspend the authors"), permissions=["suspend"])
    def suspend_authors(self, request, queryset):
        reason = self._reason(request)
        if reason is None:
            return
        go_on, until = suspension_end(self, request)
        if not go_on:
            return
        authors = {review.member for review in queryset.select_related("member")}
        suspended = decide_for_members(
            self, request, authors, moderation.member_suspend, reason=reason, until=until
        )
        self.message_user(
            request,
            ngettext("%(n)s member suspended.", "%(n)s members suspended.", suspended)
            % {"n": suspended},
            messages.SUCCESS,
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # deletion goes through "Delete" above
        return actions


class ReportedFilter(admin.SimpleListFilter):
    title = _("reports")
    parameter_name = "reported"

    def lookups(self, request, model_admin):
        return [
            ("open", _("Open reports")),
            ("any", _("Ever reported")),
            ("none", _("Never reported")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(Exists(moderation.open_reports(OuterRef("pk"))))
        if self.value() == "any":
            return queryset.filter(Exists(Report.objects.filter(review=OuterRef("pk"))))
        if self.value() == "none":
            return queryset.filter(~Exists(Report.objects.filter(review=OuterRef("pk"))))
        return queryset


ReportStatusFilter = set_or_not_filter(
    "resolved_at",
    title=_("status"),
    parameter="status",
    empty=_("Open"),
    is_set=_("Resolved"),
)


class KindFilter(admin.SimpleListFilter):
    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [("review", _("Reviews")), ("reply", _("Replies"))]

    def queryset(self, request, queryset):
        if self.value() == "review":
            return queryset.filter(parent__isnull=True)
        if self.value() == "reply":
            return queryset.filter(parent__isnull=False)
        return queryset


class ReportInline(admin.TabularInline):
    model = Report
    fields = ["reason", "note", "reporter", "created_at", "resolved_at"]
    # Rows without the report's name above them (static/css/admin.css): it repeats the item
    # the page is about, and the row says the rest.
    classes = ["reports-inline"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["resolved_at", "-created_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reporter")


class ReviewModerationAdmin(
    EmailsForAdministratorsMixin, ModerationActionsMixin, DateHierarchyAdmin
):
    """Shared by the queue and the reviews list: read-only detail pages, decisions as actions."""

    list_select_related = ["episode__season", "member"]
    search_fields = ["body", "member__email", "member__handle"]
    inlines = [ReportInline]
    fields = [
        "body",
        "episode",
        "parent",
        "member",
        "author_history",
        "status",
        "decision_history",
        "is_spoiler",
        "spoils_up_to",
        "like_count",
        "reply_count",
        "created_at",
        "edited_at",
    ]
    readonly_fields = fields

    # The detail page ends with the decisions, wherever a moderator opens the item from.
    change_form_template = "admin/reviews/decide_change_form.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The same decisions as the list's action bar; they post to this list, so they run
        # through the same actions and permission checks.
        decisions = [
            (name, description)
            for name, (_func, _name, description) in self.get_actions(request).items()
        ]
        extra_context = {
            "decisions": decisions,
            "may_suspend": any(name == "suspend_authors" for name, _label in decisions),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Taking something down is the "Delete" decision, which the audit trail records;
        # erasing it for good is its author's right (deleting it or their account).
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # Decisions are the actions in the list; a detail page only shows the item, its
        # reports and its author, so no edit can skip the audit trail.
        if obj is not None:
            return False
        return super().has_change_permission(request)

    def get_queryset(self, request):
        author_reviews = Review.objects.filter(member=OuterRef("member"))
        author_takedowns = moderation.standing_takedowns(OuterRef("member"))
        author_suspensions = ModerationAction.objects.filter(
            member=OuterRef("member"), kind=ModerationAction.Kind.SUSPEND
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                open_reports=moderation.count_of(moderation.open_reports(OuterRef("pk"))),
                author_reviews=moderation.count_of(author_reviews),
                author_takedowns=moderation.count_of(author_takedowns),
                author_suspensions=moderation.count_of(author_suspensions),
                open_appeal_text=Subquery(
                    Appeal.objects.filter(
                        decision__review=OuterRef("pk"), resolved_at__isnull=True
                    ).values("text")[:1]
                ),
            )
            .prefetch_related(
                Prefetch(
                    "reports",
                    queryset=Report.objects.filter(
                        resolved_at__isnull=True, reporter__is_active=True
                    ).order_by("created_at"),
                    to_attr="open_report_list",
                )
            )
        )

    @admin.display(description=_("text"))
    def text(self, obj):
        return obj.excerpt

    @admin.display(description=_("open reports"), ordering="open_reports")
    def report_count(self, obj):
        return obj.open_reports

    @admin.display(description=_("reasons"))
    def reasons(self, obj):
        """Each reason once with how many gave it, then the notes members wrote."""
        counts = Counter(report.get_reason_display() for report in obj.open_report_list)
        lines = [
            # Translators: a reason for reporting a review, and how many members gave it.
            (_("%(reason)s × %(n)s") % {"reason": reason, "n": n} if n > 1 else reason)
            for reason, n in counts.most_common()
        ]
        lines += [
            # Translators: what a member wrote in their report, quoted.
            _("“%(note)s”") % {"note": report.note}
            for report in obj.open_report_list
            if report.note
        ]
        return format_html_join("", "<div>{}</div>", ((line,) for line in lines))

    @admin.display(description=_("author and history"))
    def author_history(self, obj):
        parts = {
            "reviews": ngettext(
                "%(n)s review or reply", "%(n)s reviews and replies", obj.author_reviews
            )
            % {"n": obj.author_reviews}
        }
        if obj.author_takedowns:
            # Translators: how many of the author's reviews and replies were taken down.
            parts["takedowns"] = ngettext(
                "%(n)s taken down", "%(n)s taken down", obj.author_takedowns
            ) % {"n": obj.author_takedowns}
        if obj.author_suspensions == 1:
            parts["suspensions"] = _("suspended once")
        elif obj.author_suspensions:
            parts["suspensions"] = ngettext(
                "suspended %(n)s time", "suspended %(n)s times", obj.author_suspensions
            ) % {"n": obj.author_suspensions}
        if "takedowns" in parts and "suspensions" in parts:
            # Translators: an author's history in the moderation queue, e.g. "3 reviews
            # and replies, 2 taken down, suspended once".
            history = _("%(reviews)s, %(takedowns)s, %(suspensions)s") % parts
        elif "takedowns" in parts:
            # Translators: an author's history, e.g. "3 reviews and replies, 2 taken down".
            history = _("%(reviews)s, %(takedowns)s") % parts
        elif "suspensions" in parts:
            # Translators: an author's history, e.g. "1 review or reply, suspended once".
            history = _("%(reviews)s, %(suspensions)s") % parts
        else:
            history = parts["reviews"]
        url = reverse("admin:reviews_review_changelist") + f"?member__id__exact={obj.member_id}"
        return format_html(
            '<a href="{}">@{}</a><br><small>{}</small>', url, obj.member.handle, history
        )

    @admin.display(description=_("appeal"))
    def open_appeal(self, obj):
        """The author's appeal waiting for an answer, quoted; empty without one."""
        if not obj.open_appeal_text:
            return ""
        # Translators: what an author wrote in their appeal, quoted.
        return _("“%(text)s”") % {"text": obj.open_appeal_text}

    @admin.display(description=_("decisions on it"))
    def decision_history(self, obj):
        return decisions_list(obj.moderation_actions.select_related("moderator"))

    @admin.display(description=_("kind"), ordering="parent")
    def kind(self, obj):
        return _("reply") if obj.is_reply else _("review")


@admin.register(ModerationQueueItem)
class ModerationQueueAdmin(ReviewModerationAdmin):
    """Reported and held items, most reported first."""

    list_display = [
        "text",
        "report_count",
        "reasons",
        "open_appeal",
        "author_history",
        "episode",
        "kind",
        "status",
        "created_at",
    ]
    list_display_links = ["text"]
    list_filter = ["status", KindFilter, ("episode", EpisodeFilter)]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            "title": _("Moderation queue: most reported first"),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        # The queue is a view of reviews: an item's history is its review's.
        return HttpResponseRedirect(reverse("admin:reviews_review_history", args=[object_id]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # An item decided on since the moderator opened the queue is no longer in it: its old
        # address leads to the same item in the reviews list, saying what became of it,
        # rather than to Django's "doesn't exist. Perhaps it was deleted?".
        if self.get_object(request, object_id) is None:
            left = self._left_the_queue(request, object_id)
            if left is not None:
                return left
        return super().change_view(request, object_id, form_url, extra_context)

    def _left_the_queue(self, request, object_id):
        review = (
            Review.objects.filter(pk=object_id).first()
            if str(object_id).isdigit() and int(object_id) < 2**63
            else None
        )
        reviews_list = self.admin_site.get_model_admin(Review)
        if review is None or not reviews_list.has_view_or_change_permission(request, review):
            return None
        last = review.moderation_actions.select_related("moderator").order_by("-pk").first()
        # One sentence each for reviews and replies: French agrees words with the noun.
        if last is None:
            if review.is_reply:
                message = _("This reply is no longer waiting for a decision.")
            else:
                message = _("This review is no longer waiting for a decision.")
        else:
            if review.is_reply:
                # Translators: %(decision)s is a decision such as "Approved", %(who)s a
                # moderator's @handle, %(when)s a date and time.
                message = _(
                    "This reply is no longer waiting: the last decision on it was "
                    "“%(decision)s”, by %(who)s on %(when)s."
                )
            else:
                message = _(
                    "This review is no longer waiting: the last decision on it was "
                    "“%(decision)s”, by %(who)s on %(when)s."
                )
            message = message % {
                "decision": last.get_kind_display(),
                "who": moderator_label(last),
                "when": date_format(localtime(last.created_at), "DATETIME_FORMAT"),
            }
        self.message_user(request, message, messages.INFO)
        return HttpResponseRedirect(reverse("admin:reviews_review_change", args=[review.pk]))

    def get_queryset(self, request):
        queued = moderation.queue().values("pk")
        return (
            super()
            .get_queryset(request)
            .filter(pk__in=queued)
            # Most reported first. Here rather than in `ordering`, which the admin applies
            # before the annotation exists; the list keeps a queryset's own ordering.
            .order_by("-open_reports", "created_at")
        )


@admin.register(Review)
class ReviewAdmin(ReviewModerationAdmin):
    list_display = [
        "text",
        "episode",
        "author_history",
        "kind",
        "status",
        "is_spoiler",
        "report_count",
        "like_count",
        "created_at",
    ]
    list_display_links = ["text"]
    list_filter = ["status", ReportedFilter, "is_spoiler", KindFilter, ("episode", EpisodeFilter)]
    date_hierarchy = "created_at"

    def changelist_view(self, request, extra_context=None):
        # Django's "Select review to change" promises an edit form; moderators decide.
        extra_context = {
            "title": _("Reviews and replies: choose one to moderate"),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)


class AppealStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", _("Waiting for an answer")), ("answered", _("Answered"))]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "answered":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    """Members asking to look again at a decision on them or their writing, oldest waiting
    first. Answering is an action with a recorded reason, as every decision is."""

    list_display = ["created_at", "member_handle", "decision_appealed", "text", "resolved_at"]
    list_display_links = ["created_at"]
    list_filter = [AppealStateFilter, "decision__kind"]
    list_select_related = ["member", "decision__moderator", "decision__review"]
    search_fields = ["text", "member__handle"]
    fields = ["created_at", "member_handle", "decision_appealed", "text", "resolved_at"]
    readonly_fields = fields
    action_form = ReasonActionForm
    actions = ["accept", "reject"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # The answer is one of the actions; the page itself only shows the appeal.
        if obj is not None:
            return False
        return super().has_change_permission(request)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def changelist_view(self, request, extra_context=None):
        if "state" not in request.GET and not request.GET.get("q"):
            # Waiting appeals unless asked otherwise: answered ones are the audit trail's.
            request.GET = request.GET.copy()
            request.GET["state"] = "open"
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("member"), ordering="member__handle")
    def member_handle(self, obj):
        url = reverse("admin:etoile_app_user_change", args=[obj.member_id])
        return format_html('<a href="{}">@{}</a>', url, obj.member.handle)

    @admin.display(description=_("decision appealed"))
    def decision_appealed(self, obj):
        decision = obj.decision
        if decision.review_id:
            url = reverse("admin:reviews_review_change", args=[decision.review_id])
            what = format_html('<a href="{}">{}</a>', url, shown_subject(decision))
        else:
            what = shown_subject(decision)
        return format_html(
            "{} · {}<br><small>{}</small>",
            decision.get_kind_display(),
            what,
            # Translators: the reason a moderator gave for the decision a member appeals.
            _("%(who)s: “%(reason)s”")
            % {"who": moderator_label(decision), "reason": decision.reason},
        )

    def _answer(self, request, queryset, answer, done):
        reason = decision_reason(self, request)
        if reason is None:
            return
        changed = 0
        action = history.action_description(self, request)
        for appeal in queryset.filter(resolved_at__isnull=True).select_related(
            "decision__review__member", "decision__member"
        ):
            try:
                if answer(appeal=appeal, moderator=request.user, reason=reason):
                    changed += 1
                    history.record_action(request, [appeal], action=action, reason=reason)
            except moderation.ReportError as error:
                self.message_user(request, str(error), messages.ERROR)
        self.message_user(request, done(changed) % {"n": changed}, messages.SUCCESS)

    @admin.action(
        description=_("Accept: reverse the decision (approve the item, reinstate the member)"),
        permissions=["change"],
    )
    def accept(self, request, queryset):
        if any(
            appeal.decision.kind == ModerationAction.Kind.SUSPEND for appeal in queryset
        ) and not request.user.has_perm("reviews.suspend_member"):
            raise PermissionDenied
        self._answer(
            request,
            queryset,
            moderation.appeal_accept,
            lambda n: ngettext("%(n)s appeal accepted.", "%(n)s appeals accepted.", n),
        )

    @admin.action(description=_("Reject: keep the decision"), permissions=["change"])
    def reject(self, request, queryset):
        self._answer(
            request,
            queryset,
            moderation.appeal_reject,
            lambda n: ngettext("%(n)s appeal rejected.", "%(n)s appeals rejected.", n),
        )


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ["review", "reason", "note", "reporter", "created_at", "resolved_at"]
    list_filter = [ReportStatusFilter, "reason"]
    list_select_related = ["review__member", "review__episode__season", "reporter"]
    search_fields = ["note", "reporter__handle", "review__member__handle"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ModerationAction)
class ModerationActionAdmin(ReadOnlyAdmin):
    """The audit trail: read-only for everyone, superusers included."""

    list_display = ["created_at", "moderator_name", "decision", "what", "why"]
    list_filter = ["kind", ("moderator", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["moderator"]
    search_fields = ["subject", "reason", "text", "moderator_handle"]
    date_hierarchy = "created_at"
    fields = [
        "created_at",
        "moderator_name",
        "decision",
        "what",
        "review",
        "member",
        "text",
        "why",
    ]
    readonly_fields = fields

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("moderator"), ordering="moderator__handle")
    def moderator_name(self, obj):
        return moderator_label(obj)

    @admin.display(description=_("action"), ordering="kind")
    def decision(self, obj):
        return decision_label(obj)

    @admin.display(description=_("why"), ordering="reason")
    def why(self, obj):
        return shown_reason(obj)

    @admin.display(description=_("what"), ordering="subject")
    def what(self, obj):
        return shown_subject(obj)


@admin.register(Like)
class LikeAdmin(ReadOnlyAdmin):
    list_display = ["review", "member", "created_at"]
    list_select_related = ["review__member", "review__episode__season", "member"]

    def delete_model(self, request, obj):
        like_set(member=obj.member, review=obj.review, liked=False)

    def delete_queryset(self, request, queryset):
        for like in queryset.select_related("member", "review"):
            like_set(member=like.member, review=like.review, liked=False)


@admin.register(WatchlistEntry)
class WatchlistEntryAdmin(EmailsForAdministratorsMixin, ReadOnlyAdmin):
    list_display = ["episode", "member", "created_at"]
    list_filter = [("episode", EpisodeFilter)]
    list_select_related = ["episode__season", "member"]
    search_fields = ["member__email", "member__handle"]

    def delete_model(self, request, obj):
        watchlist_remove(member=obj.member, episodes=[obj.episode])

    def delete_queryset(self, request, queryset):
        for entry in queryset.select_related("member", "episode"):
            watchlist_remove(member=entry.member, episodes=[entry.episode])


@admin.register(Watch)
class WatchAdmin(EmailsForAdministratorsMixin, ReadOnlyAdmin):
    list_display = ["episode", "member", "watched_on", "created_at"]
    list_filter = [("episode", EpisodeFilter)]
    list_select_related = ["episode__season", "member"]
    search_fields = ["member__email", "member__handle"]
    date_hierarchy = "watched_on"

    def delete_model(self, request, obj):
        watches_delete(watches=[obj])

    def delete_queryset(self, request, queryset):
        watches_delete(watches=queryset)
