"""Everything the site holds about a member, as JSON and CSV files in one zip.

Each app lists its own sections (members/exports.py, reviews/exports.py, picks/exports.py),
each a list of flat rows, so the same data makes a CSV file and a part of the JSON document.
"""

import io
import json
import logging
import zipfile

from django.utils import timezone

from kernel import spreadsheets
from members import exports as member_exports
from members.models import User
from notifications import exports as notification_exports
from picks import exports as pick_exports
from reviews import exports as review_exports

logger = logging.getLogger(__name__)


SECTION_COLUMNS = {
    **member_exports.COLUMNS,
    **review_exports.COLUMNS,
    **pick_exports.COLUMNS,
    **notification_exports.COLUMNS,
}


def export_sections(member: User) -> dict[str, list[dict]]:
    return {
        **member_exports.export_sections(member),
        **review_exports.export_sections(member),
        **pick_exports.export_sections(member),
        **notification_exports.export_sections(member),
    }


def _csv(rows: list[dict], columns: list[str]) -> str:
    """A header row always, so that an empty section is still a CSV file a reader can open;
    no cell a spreadsheet would run as a formula (kernel.spreadsheets)."""
    buffer = io.StringIO()
    writer = spreadsheets.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def build_export(member: User) -> bytes:
    sections = export_sections(member)
    document = {
        "site": "Étoile companion",
        "exported_at": timezone.now().isoformat(),
        "member": member.handle,
        **sections,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("etoile-export.json", json.dumps(document, ensure_ascii=False, indent=2))
        for name, rows in sections.items():
            archive.writestr(f"{name}.csv", _csv(rows, SECTION_COLUMNS[name]))
        if member.avatar:
            try:
                with member.avatar.open("rb") as avatar:
                    extension = member.avatar.name.rsplit(".", 1)[-1]
                    archive.writestr(f"avatar.{extension}", avatar.read())
            except OSError:
                # A file lost from storage must not cost the member the rest of their data.
                logger.warning(
                    "Avatar file missing from storage for export: %s", member.avatar.name
                )
    return buffer.getvalue()
