from collections import defaultdict

from django.db.models import Prefetch, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from catalog.models import Character, Citation, Credit, Episode, Person, Season, Show, Source
from etoile_app.pagecache import cache_for_visitors
from reviews.context import episode_context, reader_score_of, season_context


def current_show() -> Show:
    show = Show.objects.current()
    if show is None:
        raise Http404("The catalog has not been seeded yet.")
    return show


@require_safe
@cache_for_visitors
def season_detail(request: HttpRequest, season: int) -> HttpResponse:
    season_obj = get_object_or_404(
        Season.objects.select_related("show").prefetch_related(
            Prefetch("episodes", queryset=Episode.objects.select_related("scores"))
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


def episode_by_numbers(season: int, episode: int, reader=None) -> Episode:
    """The current show's episode, its season, show, rating counters and (given a signed-in
    reader) their own rating, in one query."""
    episodes = Episode.objects.select_related("season__show", "scores")
    if reader is not None and reader.is_authenticated:
        episodes = episodes.annotate(reader_score=reader_score_of(reader))
    return get_object_or_404(
        episodes,
        season__show=Subquery(Show.objects.order_by("pk").values("pk")[:1]),
        season__number=season,
        number=episode,
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
            **episode_context(
                request, episode, episode_numbers=[e.number for e in siblings], **forms
            ),
        },
        status=status,
    )


@require_safe
@cache_for_visitors
def episode_detail(request: HttpRequest, season: int, episode: int) -> HttpResponse:
    return render_episode(request, episode_by_numbers(season, episode, reader=request.user))


@require_safe
@cache_for_visitors
def person_detail(request: HttpRequest, slug: str) -> HttpResponse:
    person = get_object_or_404(Person, slug=slug)
    credits = person.credits.select_related("character", "show").order_by("role", "billing_order")
    return render(
        request,
        "catalog/person.html",
        {"person": person, "credits": credits, "citations": citations_for(person)},
    )


@require_safe
@cache_for_visitors
def character_detail(request: HttpRequest, slug: str) -> HttpResponse:
    character = get_object_or_404(Character.objects.select_related("show"), slug=slug)
    credits = character.credits.select_related("person").order_by("billing_order")
    return render(
        request,
        "catalog/character.html",
        {"character": character, "credits": credits, "citations": citations_for(character)},
    )


@require_safe
@cache_for_visitors
def sources(request: HttpRequest) -> HttpResponse:
    """Every seeded fact, grouped by article, then by the record it supports."""
    source_list = list(
        Source.objects.prefetch_related(
            Prefetch(
                "citations",
                queryset=Citation.objects.select_related("content_type").prefetch_related(
                    "content_object"
                ),
            )
        )
    )
    # Credits name their person and character: fetch those in one query, not one per row.
    credit_ids = {
        citation.object_id
        for source in source_list
        for citation in source.citations.all()
        if citation.content_type.model == "credit"
    }
    credits = Credit.objects.select_related("person", "character").in_bulk(credit_ids)
    grouped = []
    for source in source_list:
        by_record = defaultdict(list)
        for citation in source.citations.all():
            record = citation.content_object
            if isinstance(record, Credit):
                record = credits.get(record.pk, record)
                citation.content_object = record
            by_record[(citation.content_type_id, citation.object_id)].append(citation)
        records = sorted(by_record.values(), key=lambda citations: record_sort_key(citations[0]))
        grouped.append({"source": source, "records": records})
    return render(request, "catalog/sources.html", {"grouped_sources": grouped})


SOURCES_PAGE_ORDER = ["show", "season", "episode", "person", "character", "credit"]


def record_sort_key(citation: Citation) -> tuple[int, str]:
    model = citation.content_type.model
    rank = (
        SOURCES_PAGE_ORDER.index(model) if model in SOURCES_PAGE_ORDER else len(SOURCES_PAGE_ORDER)
    )
    return rank, str(citation.content_object)


def citations_for(record) -> list[Citation]:
    return list(
        record.citations.select_related("source", "content_type").order_by("field", "source__key")
    )
