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
from etoile_app.views import sees_every_mean
from kernel.memberpages import cache_for_members, kept_for_member
from kernel.pagecache import cache_for_visitors
from picks.context import favourite_annotations
from picks.regions import remember_reader_item
from reviews.context import episode_context, scores_of, season_context, with_reader_watchlist
from reviews.regions import PAGE_EPISODE
from reviews.shareimages import episode_share_image
from reviews.views import episode_by_numbers, reader_episode_by_numbers
from reviews.visibility import Sight, reader_of, sight_of_episode


@require_safe
@cache_for_visitors("catalog", "ratings")
@cache_for_members("catalog", "ratings", reader=sees_every_mean)
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
            "share_image": episode_share_image(request, episode, scores_of(episode)),
            "favourite_item": episode,
            **episode_context(
                request, episode, episode_numbers=[e.number for e in siblings], **forms
            ),
        },
        status=status,
    )


def episode_reader(request: HttpRequest, season: int, episode: int) -> bool:
    """The episode with the member's own rating, latest review, watchlist entry and favourite,
    in one query, for the page's regions (reviews/regions.py). The page is rendered in full for
    a member whose own review or reply on it is held or taken down (they see it, marked,
    where nobody else does), and for one who has not watched it and hides what they have not
    watched (their page has no reviews at all)."""
    member = request.user
    # Kept in the process for the version of the member's page group, which each of their
    # ratings, reviews, watchlist entries and favourites moves (and a moderator's decision on
    # their words), and of the catalog: no query until one of them changes.
    catalog = getattr(request, "group_versions", {}).get("catalog")
    found = kept_for_member(
        request,
        ("reader-episode", season, episode, catalog),
        lambda: reader_episode_by_numbers(
            season, episode, reader=member, annotations=favourite_annotations
        ),
    )
    if found is None or found.reader_has_hidden_writing:
        return False
    if sight_of_episode(reader_of(request), found) is Sight.WITHHELD:
        return False
    setattr(request, PAGE_EPISODE, found)
    remember_reader_item(request, found)
    return True


@require_safe
@cache_for_visitors("catalog", "members", "ratings", "reviews", query=("sort", "page"))
@cache_for_members(
    "catalog", "members", "ratings", "reviews", query=("sort", "page"), reader=episode_reader
)
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
        {**context, "favourite_item": context["character"]},
    )
