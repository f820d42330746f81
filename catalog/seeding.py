"""Load catalog/seed/etoile.json: every fact the two articles state, each with its citation.

Rules, so that running the seed is always safe:
- A missing record is created with the facts and placeholders from the data file.
- A cited fact is rewritten only while the field still holds what the seed wrote last
  (kept in Citation.seeded_value): an admin's edit is never overwritten.
- Placeholders and the "awaiting curation" flag are written once, when the record is made.
- A second run with the same file changes nothing.
- French versions (`<field>_fr`) belong to editors: the seed never writes or clears them,
  and refuses a data file that names one.
"""

import datetime
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from catalog.models import (
    Character,
    Citation,
    Credit,
    Episode,
    Person,
    Season,
    Show,
    Source,
    as_json,
)

SEED_DIR = Path(__file__).resolve().parent / "seed"
SEED_FILE = SEED_DIR / "etoile.json"
EPISODE_PLACEHOLDER_NOTE = "The articles give no episode titles, dates, runtimes or synopses."


@dataclass
class SeedReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept_edits: list[str] = field(default_factory=list)
    citations_added: int = 0
    citations_removed: int = 0

    @property
    def changed_anything(self) -> bool:
        return bool(self.created or self.updated or self.citations_added or self.citations_removed)


def load_seed_data(path: Path = SEED_FILE) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def article_text(source_entry: dict) -> str:
    return (SEED_DIR / "articles" / source_entry["file"]).read_text(encoding="utf-8")


def _to_python(model_field: models.Field, value):
    if isinstance(model_field, models.DateField) and isinstance(value, str):
        return datetime.date.fromisoformat(value)
    return value


class Seeder:
    def __init__(self, data: dict):
        self.data = data
        self.report = SeedReport()
        self.sources: dict[str, Source] = {}

    def run(self) -> SeedReport:
        with transaction.atomic():
            self.seed_sources()
            show = self.seed_show()
            for season_entry in self.data["seasons"]:
                season = self.seed_record(
                    Season, {"show": show, "number": season_entry["number"]}, season_entry
                )
                self.seed_episode_placeholders(season)
            for person_entry in self.data["people"]:
                extra = {"kind": person_entry["kind"]} if "kind" in person_entry else {}
                self.seed_record(Person, {"slug": person_entry["slug"]}, person_entry, extra)
            for character_entry in self.data["characters"]:
                self.seed_record(
                    Character,
                    {"slug": character_entry["slug"]},
                    character_entry,
                    {"show": show},
                )
            for credit_entry in self.data["credits"]:
                self.seed_credit(show, credit_entry)
        return self.report

    def seed_sources(self) -> None:
        for entry in self.data["sources"]:
            defaults = {
                "publication": entry["publication"],
                "headline": entry["headline"],
                "author": entry["author"],
                "published_on": entry["published_on"],
                "file_name": entry["file"],
            }
            source, created = Source.objects.get_or_create(key=entry["key"], defaults=defaults)
            if created:
                self.report.created.append(f"source {source.key}")
            self.sources[entry["key"]] = source

    def seed_show(self) -> Show:
        entry = self.data["show"]
        return self.seed_record(Show, {"slug": entry["slug"]}, entry)

    def seed_record(self, model, lookup: dict, entry: dict, create_only: dict | None = None):
        facts = entry.get("fields", {})
        french = {f"{name}_fr" for name in getattr(model, "french_fields", ())}
        if named := french & {*facts, *entry.get("placeholders", {})}:
            raise ValueError(f"The seed data may not set French versions: {sorted(named)}")
        instance = model.objects.filter(**lookup).first()
        label = f"{model._meta.model_name} {'/'.join(str(v) for v in lookup.values())}"
        if instance is None:
            values = {
                name: _to_python(model._meta.get_field(name), fact["value"])
                for name, fact in facts.items()
            }
            instance = model(
                **lookup,
                **values,
                **(create_only or {}),
                **entry.get("placeholders", {}),
                awaiting_curation=entry.get("awaiting_curation", False),
                curation_note=entry.get("curation_note", ""),
            )
            instance.full_clean()
            instance.save()
            self.report.created.append(label)
            written = {name: fact["value"] for name, fact in facts.items()}
        else:
            written = self.update_facts(instance, facts, label)
        for name, fact in facts.items():
            self.sync_citations(instance, name, fact["cite"], written[name])
        self.prune_citations(instance, {name: fact["cite"] for name, fact in facts.items()})
        return instance

    def update_facts(self, instance, facts: dict, label: str) -> dict:
        """Bring cited fields up to the data file unless an admin has changed them."""
        written = {}
        changed = []
        recorded_by_field = {
            citation.field: citation.seeded_value
            for citation in Citation.objects.filter(
                content_type=ContentType.objects.get_for_model(instance),
                object_id=instance.pk,
                from_seed=True,
            )
        }
        for name, fact in facts.items():
            current = as_json(getattr(instance, name))
            wanted = fact["value"]
            recorded = recorded_by_field.get(name)
            if current == wanted:
                written[name] = wanted
            elif name in recorded_by_field and current == recorded:
                setattr(instance, name, _to_python(instance._meta.get_field(name), wanted))
                changed.append(name)
                written[name] = wanted
            else:
                self.report.kept_edits.append(f"{label}.{name}")
                written[name] = recorded
        if changed:
            instance.full_clean()
            instance.save(update_fields=[*changed, "updated_at"])
            self.report.updated.append(f"{label} ({', '.join(changed)})")
        return written

    def sync_citations(self, instance, field_name: str, cites: list[dict], seeded_value) -> None:
        content_type = ContentType.objects.get_for_model(instance)
        for cite in cites:
            citation, created = Citation.objects.get_or_create(
                source=self.sources[cite["source"]],
                content_type=content_type,
                object_id=instance.pk,
                field=field_name,
                quote=cite["quote"],
                defaults={
                    "note": cite.get("note", ""),
                    "seeded_value": seeded_value,
                    "from_seed": True,
                },
            )
            if created:
                self.report.citations_added += 1
            elif not citation.from_seed:
                pass  # an editor cited this sentence first: theirs to keep as they wrote it
            elif citation.note != cite.get("note", "") or citation.seeded_value != seeded_value:
                if citation.seeded_value != seeded_value:
                    # The data file now states the field's value: no editor's edit to date.
                    citation.edited_at = None
                citation.note = cite.get("note", "")
                citation.seeded_value = seeded_value
                citation.save(update_fields=["note", "seeded_value", "edited_at"])

    def prune_citations(self, instance, cites_by_field: dict[str, list[dict]]) -> None:
        """Remove the seed's citations for facts the data file no longer states; an
        editor's citations stay."""
        wanted = {
            (field_name, cite["source"], cite["quote"])
            for field_name, cites in cites_by_field.items()
            for cite in cites
        }
        stale = [
            citation.pk
            for citation in Citation.objects.filter(
                content_type=ContentType.objects.get_for_model(instance),
                object_id=instance.pk,
                from_seed=True,
            ).select_related("source")
            if (citation.field, citation.source.key, citation.quote) not in wanted
        ]
        if stale:
            Citation.objects.filter(pk__in=stale).delete()
            self.report.citations_removed += len(stale)

    def seed_episode_placeholders(self, season: Season) -> None:
        existing = set(season.episodes.values_list("number", flat=True))
        for number in range(1, (season.episode_count or 0) + 1):
            if number in existing:
                continue
            Episode.objects.create(
                season=season,
                number=number,
                title=Episode.placeholder_title(number),
                awaiting_curation=True,
                curation_note=EPISODE_PLACEHOLDER_NOTE,
            )
            self.report.created.append(f"episode {season.number}x{number}")

    def seed_credit(self, show: Show, entry: dict) -> None:
        person = Person.objects.get(slug=entry["person"])
        character = (
            Character.objects.get(slug=entry["character"]) if entry.get("character") else None
        )
        credit, created = Credit.objects.get_or_create(
            show=show,
            person=person,
            role=entry["role"],
            character=character,
            defaults={"billing_order": entry["billing_order"], "note": entry.get("note", "")},
        )
        if created:
            self.report.created.append(f"credit {credit}")
        self.sync_citations(credit, "", entry["cite"], None)
        self.prune_citations(credit, {"": entry["cite"]})


def placeholders_of(record, data: dict | None = None) -> dict:
    """The placeholders the seed wrote into `record` when it made it, by field name."""
    if isinstance(record, Episode):
        return {"title": Episode.placeholder_title(record.number)}
    data = data if data is not None else load_seed_data()
    entries, key = {
        Show: ([data["show"]], "slug"),
        Season: (data["seasons"], "number"),
        Person: (data["people"], "slug"),
        Character: (data["characters"], "slug"),
    }.get(type(record), ([], ""))
    for entry in entries:
        if entry[key] == getattr(record, key):
            return entry.get("placeholders", {})
    return {}


def seed_catalog(data: dict | None = None) -> SeedReport:
    return Seeder(data if data is not None else load_seed_data()).run()
