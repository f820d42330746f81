"""The catalog in the JSON API: the show and its seasons, people, characters and the
articles the facts come from. Read-only. Episodes, which carry their rating aggregates, are
served by reviews/api.py."""

import datetime
from typing import Annotated

from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Path, Router, Schema

from catalog.models import Character, Citation, Credit, Episode, Person, Season, Source
from catalog.views import current_show
from kernel.api import PageNumber, page_of, paginate

router = Router(tags=["catalog"])


class Problem(Schema):
    """Every error the API gives: what went wrong, in words (or, for data that does not fit
    the schema, a list of what did not)."""

    detail: str | list


# 400: a query string the site refuses whole, before any operation (a NUL, bytes that are not
# UTF-8: kernel/querystring.py), whatever the operation's parameters.
ERRORS = {400: Problem, 404: Problem, 422: Problem}

# Numbers in addresses are small: anything else is a 422 before a query, never an overflow.
# The catalog is small and written by editors: a page holds more than most clients need.
CATALOG_PAGE_SIZE = 100

SeasonNumber = Annotated[int, Path(ge=1, le=999, description="The season's number.")]
EpisodeNumber = Annotated[int, Path(ge=1, le=999, description="The episode's number.")]
Slug = Annotated[str, Path(max_length=200, pattern=r"^[-a-zA-Z0-9_]+$")]


class Curated(Schema):
    awaiting_curation: bool
    url: str

    @staticmethod
    def resolve_url(obj, context) -> str:
        return context["request"].build_absolute_uri(obj.get_absolute_url())


class CitationOut(Schema):
    """A fact of the record as an article states it: the field, the article (its key in
    /sources), the sentence quoted, and how the value follows from it."""

    field: str
    source: str
    quote: str
    note: str

    @staticmethod
    def resolve_source(obj) -> str:
        return obj.source.key


class EditOut(Schema):
    """A cited fact the site's editors have changed since: its value is theirs, not the
    article's. `edited_at` is null for an edit made before edits were dated."""

    field: str
    edited_at: datetime.datetime | None


class Cited(Schema):
    """The record's facts as the articles state them, and those the editors have changed
    since (which no article's citation vouches for)."""

    citations: list[CitationOut]
    edited: list[EditOut]

    @staticmethod
    def resolve_citations(obj) -> list:
        return [c for c in obj.citations.all() if not c.value_is_edited(obj)]

    @staticmethod
    def resolve_edited(obj) -> list:
        edits = {}
        for citation in obj.citations.all():
            if citation.value_is_edited(obj):
                edits.setdefault(citation.field, citation)
        return [{"field": name, "edited_at": c.edited_at} for name, c in sorted(edits.items())]


class SeasonOut(Cited, Curated):
    number: int
    premiere_date: datetime.date | None
    episode_count: int | None
    availability: str
    availability_fr: str


class ShowOut(Cited, Curated):
    title: str
    network: str
    where_to_watch: str
    where_to_watch_fr: str
    premise: str
    premise_fr: str
    genre: str
    genre_fr: str
    original_language: str
    original_language_fr: str
    premiere_date: datetime.date | None
    seasons: list[SeasonOut]

    @staticmethod
    def resolve_seasons(obj) -> list:
        return obj.seasons.all()


class CreditOut(Schema):
    role: str
    person: str
    person_slug: str
    character: str | None
    character_slug: str | None
    note: str
    note_fr: str

    @staticmethod
    def resolve_person(obj) -> str:
        return obj.person.name

    @staticmethod
    def resolve_person_slug(obj) -> str:
        return obj.person.slug

    @staticmethod
    def resolve_character(obj) -> str | None:
        return obj.character.name if obj.character else None

    @staticmethod
    def resolve_character_slug(obj) -> str | None:
        return obj.character.slug if obj.character else None


class Credited(Curated):
    """A person or a character, with the credits that tie them to the show."""

    slug: str
    name: str
    credits: list[CreditOut]

    @staticmethod
    def resolve_credits(obj) -> list:
        return obj.credits.all()


class PersonOut(Cited, Credited):
    kind: str
    also_known_as: str
    about: str
    about_fr: str


class CharacterOut(Cited, Credited):
    description: str
    description_fr: str


class SourceOut(Schema):
    key: str
    publication: str
    headline: str
    author: str
    published_on: datetime.date | None
    url: str


def episodes_of_the_show():
    return Episode.objects.select_related("season").filter(season__show=current_show())


CREDITS = Prefetch("credits", queryset=Credit.objects.for_display())
CITATIONS = Prefetch(
    "citations", queryset=Citation.objects.select_related("source").order_by("field", "pk")
)


@router.get("/show", response={200: ShowOut, **ERRORS}, summary="The show and its seasons")
def show_detail(request: HttpRequest):
    show = current_show()
    prefetch_related_objects(
        [show], CITATIONS, Prefetch("seasons", Season.objects.prefetch_related(CITATIONS))
    )
    return show


@router.get(
    "/seasons",
    response={200: page_of(SeasonOut, CATALOG_PAGE_SIZE), **ERRORS},
    summary="Every season",
)
def season_list(request: HttpRequest, page: PageNumber = 1):
    return paginate(
        Season.objects.filter(show=current_show()).prefetch_related(CITATIONS).order_by("number"),
        page,
        CATALOG_PAGE_SIZE,
    )


@router.get(
    "/people",
    response={200: page_of(PersonOut, CATALOG_PAGE_SIZE), **ERRORS},
    summary="Everyone credited",
)
def person_list(request: HttpRequest, page: PageNumber = 1):
    people = Person.objects.prefetch_related(CREDITS, CITATIONS).order_by("name", "pk")
    return paginate(people, page, CATALOG_PAGE_SIZE)


@router.get(
    "/people/{slug}", response={200: PersonOut, **ERRORS}, summary="A person and their credits"
)
def person_detail(request: HttpRequest, slug: Slug):
    return get_object_or_404(Person.objects.prefetch_related(CREDITS, CITATIONS), slug=slug)


@router.get(
    "/characters",
    response={200: page_of(CharacterOut, CATALOG_PAGE_SIZE), **ERRORS},
    summary="Every character",
)
def character_list(request: HttpRequest, page: PageNumber = 1):
    characters = Character.objects.prefetch_related(CREDITS, CITATIONS).order_by("name", "pk")
    return paginate(characters, page, CATALOG_PAGE_SIZE)


@router.get(
    "/characters/{slug}",
    response={200: CharacterOut, **ERRORS},
    summary="A character and who plays them",
)
def character_detail(request: HttpRequest, slug: Slug):
    return get_object_or_404(Character.objects.prefetch_related(CREDITS, CITATIONS), slug=slug)


@router.get(
    "/sources",
    response={200: page_of(SourceOut, CATALOG_PAGE_SIZE), **ERRORS},
    summary="The articles the facts come from",
)
def source_list(request: HttpRequest, page: PageNumber = 1):
    return paginate(Source.objects.order_by("key", "pk"), page, CATALOG_PAGE_SIZE)
