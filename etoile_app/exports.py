"""Everything the site holds about a member, as JSON and CSV files in one zip.

Each section is a list of flat rows, so the same data makes a CSV file and a part of
the JSON document. Later issues add their sections (ratings, reviews, watches) to
`export_sections`.
"""

import csv
import io
import json
import logging
import zipfile

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.utils import timezone

from members.models import User
from reviews.models import Like, Rating, Report, Review, Watch, WatchlistEntry
from reviews.tracking import viewing_number

logger = logging.getLogger(__name__)


def profile_rows(member: User) -> list[dict]:
    return [
        {
            "email": member.email,
            "handle": member.handle,
            "display_name": member.display_name,
            "bio": member.bio,
            "member_since": member.date_joined.isoformat(),
            "last_sign_in": member.last_login.isoformat() if member.last_login else "",
            "has_avatar": bool(member.avatar),
        }
    ]


def email_rows(member: User) -> list[dict]:
    return [
        {"email": address.email, "verified": address.verified, "primary": address.primary}
        for address in EmailAddress.objects.filter(user=member).order_by("email")
    ]


def two_factor_rows(member: User) -> list[dict]:
    # The kinds and dates only: secrets and recovery codes never leave the site.
    return [
        {
            "type": authenticator.type,
            "created_at": authenticator.created_at.isoformat(),
            "last_used_at": authenticator.last_used_at.isoformat()
            if authenticator.last_used_at
            else "",
        }
        for authenticator in Authenticator.objects.filter(user=member).order_by("created_at")
    ]


def rating_rows(member: User) -> list[dict]:
    return [
        {
            "season": rating.episode.season.number,
            "episode": rating.episode.number,
            "episode_title": rating.episode.title,
            "score": rating.score,
            "stars": rating.score / 2,
            "rated_at": rating.created_at.isoformat(),
            "updated_at": rating.updated_at.isoformat(),
        }
        for rating in Rating.objects.filter(member=member)
        .select_related("episode__season")
        .order_by("episode__season__number", "episode__number")
    ]


def review_rows(member: User) -> list[dict]:
    return [
        {
            "id": review.pk,
            "season": review.episode.season.number,
            "episode": review.episode.number,
            "reply_to": review.parent_id or "",
            "body": review.body,
            "contains_spoilers": review.is_spoiler,
            "status": review.status,
            "likes": review.like_count,
            "written_at": review.created_at.isoformat(),
            "edited_at": review.edited_at.isoformat() if review.edited_at else "",
        }
        for review in Review.objects.filter(member=member)
        .select_related("episode__season")
        .order_by("created_at")
    ]


def like_rows(member: User) -> list[dict]:
    return [
        {"review": like.review_id, "liked_at": like.created_at.isoformat()}
        for like in Like.objects.filter(member=member).order_by("created_at")
    ]


def watch_rows(member: User) -> list[dict]:
    return [
        {
            "season": watch.episode.season.number,
            "episode": watch.episode.number,
            "episode_title": watch.episode.title,
            "watched_on": watch.watched_on.isoformat(),
            "viewing": watch.viewing,  # 1 is the first watch, 2 and up rewatches
            "marked_at": watch.created_at.isoformat(),
        }
        for watch in Watch.objects.filter(member=member)
        .select_related("episode__season")
        .annotate(viewing=viewing_number())
        .order_by("watched_on", "created_at", "pk")
    ]


def watchlist_rows(member: User) -> list[dict]:
    return [
        {
            "season": entry.episode.season.number,
            "episode": entry.episode.number,
            "episode_title": entry.episode.title,
            "added_at": entry.created_at.isoformat(),
        }
        for entry in WatchlistEntry.objects.filter(member=member)
        .select_related("episode__season")
        .order_by("episode__season__number", "episode__number")
    ]


def report_rows(member: User) -> list[dict]:
    """What the member told moderators: their words too. Not the outcome for the reported
    member, which is theirs, only whether a moderator has dealt with the report."""
    return [
        {
            "review": report.review_id,
            "reason": report.reason,
            "note": report.note,
            "reported_at": report.created_at.isoformat(),
            "resolved": report.resolved_at is not None,
        }
        for report in Report.objects.filter(reporter=member).order_by("created_at", "pk")
    ]


def export_sections(member: User) -> dict[str, list[dict]]:
    return {
        "profile": profile_rows(member),
        "email_addresses": email_rows(member),
        "two_factor_methods": two_factor_rows(member),
        "ratings": rating_rows(member),
        "reviews": review_rows(member),
        "likes": like_rows(member),
        "watches": watch_rows(member),
        "watchlist": watchlist_rows(member),
        "reports": report_rows(member),
    }


def _csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
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
            archive.writestr(f"{name}.csv", _csv(rows))
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
