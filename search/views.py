from allauth.core.internal import ratelimit
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from reviews.visibility import reader_of
from search.forms import SearchForm
from search.results import KINDS_BY_KEY, TooSlow, bounded, search
from search.terms import Query


def page_number(value: str | None) -> int:
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1


@require_safe
def results(request: HttpRequest) -> HttpResponse:
    """Every kind's count and best hits, or one kind's hits a page at a time (?kind=…)."""
    form = SearchForm(request.GET)
    kind = KINDS_BY_KEY.get(request.GET.get("kind", ""))
    context = {"form": form, "kind": kind, "q": "", "groups": []}

    def page(status: int = 200, problem: str = "") -> HttpResponse:
        return render(
            request, "search/results.html", {**context, "problem": problem}, status=status
        )

    if not form.is_valid():
        return page(status=400)
    context["q"] = form.cleaned_data["q"]
    query = Query.parse(context["q"])
    if not context["q"]:
        return page()
    if not query:
        return page(problem=_("Search for a word: letters or digits. Signs alone find nothing."))
    # allauth's public consume() leaves GET requests alone; its own takes them when asked. The
    # limit is the site's, in ACCOUNT_RATE_LIMITS with the others (the same cache, the same
    # client address behind a proxy).
    if not ratelimit.consume(request, app="allauth.account", action="search", limit_get=True):
        return page(
            status=429,
            problem=_("You are searching faster than we allow: wait a minute, then try again."),
        )
    reader = reader_of(request)
    try:
        with bounded():
            context["groups"] = search(
                query, reader, kind=kind, page=page_number(request.GET.get("page"))
            )
        context["found_any"] = any(group.count for group in context["groups"])
    except TooSlow:
        return page(
            status=503,
            problem=_("This search took too long. Try fewer or longer words."),
        )
    return page()
