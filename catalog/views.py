from collections import defaultdict

from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from catalog.models import Character, Citation, Credit, Person, Show, Source
from kernel.pagecache import cache_for_visitors


def current_show() -> Show:
    show = Show.objects.current()
    if show is None:
        raise Http404("The catalog has not been seeded yet.")
    return show


@require_safe
@cache_for_visitors("catalog")
def person_detail(request: HttpRequest, slug: str) -> HttpResponse:
    person = get_object_or_404(Person, slug=slug)
    credits = person.credits.select_related("character", "show").order_by("role", "billing_order")
    return render(
        request,
        "catalog/person.html",
        {"person": person, "credits": credits, "citations": citations_for(person)},
    )


def character_context(slug: str) -> dict:
    """The character page's facts; the page, which offers members a favourite button too, is
    composed above this app (etoile_app/pages.py)."""
    character = get_object_or_404(Character.objects.select_related("show"), slug=slug)
    credits = character.credits.select_related("person").order_by("billing_order")
    return {"character": character, "credits": credits, "citations": citations_for(character)}


@require_safe
@cache_for_visitors("catalog")
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
    """The record's citations in the order its facts are declared (the order pages list
    them), the whole-record ones first, so that a fact's quotes sit together."""
    # Joined on the content type rather than looked up first, so the page costs one query
    # whether or not the content-type cache is warm.
    citations = (
        Citation.objects.filter(
            content_type__app_label=record._meta.app_label,
            content_type__model=record._meta.model_name,
            object_id=record.pk,
        )
        .select_related("source", "content_type")
        .order_by("field", "source__key", "pk")
    )
    position = {field.name: index for index, field in enumerate(record._meta.fields, start=1)}
    for citation in citations:
        # The page has the record: whether a fact is edited costs no query per citation.
        citation.content_object = record
    return sorted(citations, key=lambda citation: position.get(citation.field, 0))
