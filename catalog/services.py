"""Editors' writes that touch more than the record they change: dating an edit of a cited
fact on its citations, and checking a record before it is marked curated."""

from django.utils import timezone

from catalog.models import Character, Citation, Episode, Show
from catalog.seeding import placeholders_of

# What an editor must fill in before a record stops awaiting curation: the fields the seed
# left empty or gave a placeholder, which the pages would otherwise show as facts. People
# and seasons get no placeholder from the seed, so nothing is required of them.
REQUIRED_FOR_CURATION = {
    Show: ("theme_song_title",),
    Episode: ("title", "release_date", "synopsis"),
    Character: ("name",),
}


def record_fact_edits(*, record, changed_fields, when=None) -> None:
    """Date, on its citations, each cited field of `record` an editor has just changed: a
    value that no longer matches the quote is the editors' from `when`; a value put back to
    the quoted one is the article's again."""
    changed = set(changed_fields)
    citations = [citation for citation in record.citations.all() if citation.field in changed]
    if not citations:
        return
    when = when or timezone.now()
    for citation in citations:
        citation.edited_at = when if citation.value_is_edited(record) else None
    Citation.objects.bulk_update(citations, ["edited_at"])


def missing_for_curation(record, *, seed_data: dict | None = None) -> list[str]:
    """The names of the fields `record` still needs, empty or holding the seed's placeholder,
    before it may be marked curated."""
    required = REQUIRED_FOR_CURATION.get(type(record), ())
    if not required:
        return []
    placeholders = placeholders_of(record, seed_data)
    missing = []
    for name in required:
        value = getattr(record, name)
        empty = value is None or (isinstance(value, str) and not value.strip())
        if empty or (name in placeholders and value == placeholders[name]):
            missing.append(name)
    return missing
