"""The pages that show several apps at once, composed here above them: the season and the
episode pages (catalog facts, rating counters, reviews, the reader's watches and favourites),
and the character page (its facts, and the member's favourite button). Each app offers
its QuerySets, contexts and partials; only this module puts them on one page."""

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from catalog.models import Episode, Season
from catalog.views import character_context, citations_for, current_show
from kernel.pagecache import cache_for_visitors
from picks.context import favourite_annotations, favourite_state
from reviews.context import episode_context, season_context, with_reader_watchlist
from reviews.views import episode_by_numbers


@require_safe
@cache_for_visitors("catalog", "ratings")
def season_detail(request: HttpRequest, season: int) -> HttpResponse:
    season_obj = get_object_or_404(
        Season.objects.select_related("show").prefetch_related(
            Prefetch(
                "episodes",
                queryset=with_reader_watchlist(request, Episode.objects.select_related("scores")),
            )
        ),
        show=current_show(),
        number=season,
    )
    episodes = list(season_obj.episodes.all())
    return render(
        request,
        "catalog/season.html",
        {
            "show": season_obj.show,
            "season": season_obj,
            "episodes": episodes,
            "citations": citations_for(season_obj),
            **season_context(request, episodes),
        },
    )


def render_episode(request: HttpRequest, episode: Episode, *, status: int = 200, **forms):
    """The episode page; review views call it to show a form with its errors in place."""
    # One query for the neighbours: the season's other episode numbers and titles.
    siblings = list(episode.season.episodes.only("number", "title", "title_fr", "season_id"))
    previous_episode = next((e for e in reversed(siblings) if e.number < episode.number), None)
    next_episode = next((e for e in siblings if e.number > episode.number), None)
    for sibling in (previous_episode, next_episode):
        if sibling is not None:
            sibling.season = episode.season
    return render(
        request,
        "catalog/episode.html",
        {
            "show": episode.season.show,
            "season": episode.season,
            "episode": episode,
            "previous_episode": previous_episode,
            "next_episode": next_episode,
            "citations": citations_for(episode),
            **favourite_state(request.user, episode),
            **episode_context(
                request, episode, episode_numbers=[e.number for e in siblings], **forms
            ),
        },
        status=status,
    )


@require_safe
@cache_for_visitors("catalog", "members", "ratings", "reviews", query=("sort", "page"))
def episode_detail(request: HttpRequest, season: int, episode: int) -> HttpResponse:
    episode_obj = episode_by_numbers(
        season, episode, reader=request.user, annotations=favourite_annotations(request.user)
    )
    return render_episode(request, episode_obj)


@require_safe
@cache_for_visitors("catalog")
def character_detail(request: HttpRequest, slug: str) -> HttpResponse:
    context = character_context(slug)
    return render(
        request,
        "catalog/character.html",
        {**context, **favourite_state(request.user, context["character"])},
    )
