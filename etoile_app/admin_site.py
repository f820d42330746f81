"""The admin site: curation and moderation, with what needs attention on its first page."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.db.models import F, Sum
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


def _changelist(request, model, query: str = "") -> str | None:
    """The model's admin list, if this staff member may see it."""
    opts = model._meta
    if not request.user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
        return None
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist") + query
    except NoReverseMatch:
        return None


def suspended_detail(n: int) -> str:
    # Translators: under the number of members on the admin's first page: how many of them
    # are suspended.
    return ngettext("%(n)s suspended", "%(n)s suspended", n) % {"n": n}


def at_a_glance(request) -> list[dict]:
    """The site's vital counts. Ratings come from the episodes' counters, not a COUNT over
    millions of rows; the others are single COUNTs on indexed columns."""
    from catalog.models import Character, Episode, Person, Season, Show
    from jobs.models import FailedJob
    from members.models import User
    from reviews.models import (
        SCORES,
        Appeal,
        EpisodeScores,
        ModerationQueueItem,
        Report,
        Review,
    )

    every_step = sum((F(f"count_{score}") for score in SCORES[1:]), F(f"count_{SCORES[0]}"))
    entries = [
        {
            "label": _("Members"),
            "count": lambda: User.objects.filter(is_active=True).count(),
            "url": _changelist(request, User),
            "detail": lambda: suspended_detail(
                User.objects.filter(suspended_at__isnull=False).count()
            ),
        },
        {
            "label": _("Ratings"),
            "count": lambda: EpisodeScores.objects.aggregate(total=Sum(every_step))["total"] or 0,
            "url": _changelist(request, EpisodeScores),
        },
        {
            "label": _("Reviews and replies"),
            "count": lambda: Review.objects.count(),
            "url": _changelist(request, Review),
        },
        {
            "label": _("Open reports"),
            # As the queue counts them: members in good standing reporting members in good
            # standing (a suspended member's items wait for their reinstatement).
            "count": lambda: Report.objects.filter(
                resolved_at__isnull=True,
                reporter__is_active=True,
                review__member__is_active=True,
            ).count(),
            "url": _changelist(request, ModerationQueueItem),
            "urgent": True,
        },
        {
            "label": _("Appeals waiting"),
            "count": lambda: Appeal.objects.filter(resolved_at__isnull=True).count(),
            "url": _changelist(request, Appeal),
            "urgent": True,
        },
        {
            # Jobs that failed every attempt (an email never sent), not yet run again.
            "label": _("Failed jobs"),
            "count": lambda: FailedJob.objects.filter(retried_at__isnull=True).count(),
            "url": _changelist(request, FailedJob, "?run_again=no"),
            "urgent": True,
        },
    ]
    # Each count only for staff who may open its list: editors see the catalog's, moderators
    # the members' and reviews'.
    shown = []
    for entry in entries:
        if entry["url"]:
            entry["count"] = entry["count"]()
            if "detail" in entry:
                entry["detail"] = entry["detail"]()
            shown.append(entry)
    catalog = []
    for model in (Show, Season, Episode, Person, Character):
        url = _changelist(request, model, "?awaiting_curation__exact=1")
        if url:
            n = model.objects.filter(awaiting_curation=True).count()
            catalog.append({"label": model._meta.verbose_name_plural, "count": n, "url": url})
    from etoile_app.admin_history import since_last_visit_glance

    history = since_last_visit_glance(request)
    if history:
        shown.append(history)
    if catalog:
        shown.append(
            {
                "label": _("Catalog records awaiting curation"),
                "count": sum(part["count"] for part in catalog),
                "parts": [part for part in catalog if part["count"]],
                "urgent": True,
            }
        )
    return shown


class EtoileAdminSite(admin.AdminSite):
    site_header = _("Étoile administration")
    site_title = _("Étoile admin")
    index_title = _("Curation and moderation")
    index_template = "admin/etoile_index.html"

    def login(self, request, extra_context=None):
        # Staff sign in through allauth, so its rate limits and two-factor checks apply to them;
        # a signed-in member who is not staff gets 403, never the admin's own sign-in form.
        return secure_admin_login(super().login)(request, extra_context)

    def index(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "at_a_glance": at_a_glance(request)}
        return super().index(request, extra_context)
