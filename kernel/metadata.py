"""What pages tell machines about themselves: the canonical address of public pages, and the
helpers that write schema.org data (JSON-LD) and image addresses into a page safely. What a
record says of itself lives with the record's app (catalog/metadata.py)."""

import json

from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from kernel.addresses import canonical_path, site_origin
from kernel.images import RenditionSpec

SCHEMA = "https://schema.org"
# The pages anyone can read, by view name: they carry a canonical address (the others are
# a member's own, allauth's or the admin's, and robots.txt keeps crawlers out of them).
PUBLIC_PAGES = frozenset(
    {
        "home",
        "catalog:season",
        "catalog:episode",
        "reviews:review",
        "catalog:person",
        "catalog:character",
        "catalog:sources",
        "profile",
        "reviews:diary",
        "recap",
    }
)
# As django.utils.html.json_script: a member's "</script>" cannot end the data block, and
# nothing in it reads as markup. The two separators end a line in old JavaScript parsers.
JSON_LD_ESCAPES = {
    ord("<"): "\\u003C",
    ord(">"): "\\u003E",
    ord("&"): "\\u0026",
    ord("\u2028"): "\\u2028",
    ord("\u2029"): "\\u2029",
}


def page_address(request: HttpRequest) -> dict:
    """Context processor: the page's absolute address without its query string, for public
    pages only: the site's origin and the path its view reverses to, never the spelling the
    request used (kernel/addresses.py). Paginated pages add their page number in their
    template."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.view_name not in PUBLIC_PAGES:
        return {"canonical_url": ""}
    return {"canonical_url": site_origin(request) + (canonical_path(request) or request.path)}


def json_ld(data: dict) -> SafeString:
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(text.translate(JSON_LD_ESCAPES)),  # noqa: S308 (escaped just above)
    )


def image_url(request: HttpRequest, instance, spec: RenditionSpec) -> str | None:
    """The largest JPEG rendition of a catalog image, absolute; None when there is none."""
    renditions = getattr(instance, spec.renditions_field) or {}
    jpegs = renditions.get("jpg") or {}
    if not jpegs:
        return None
    largest = max(jpegs, key=int)
    return request.build_absolute_uri(default_storage.url(jpegs[largest]))


def without_empty(data: dict) -> dict:
    return {key: value for key, value in data.items() if value not in (None, "", [])}
