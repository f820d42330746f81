import zlib

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from catalog import metadata
from catalog.models import ORIGINAL_LANGUAGE, Episode, Person, Show
from kernel.images import picture_sources
from kernel.metadata import json_ld

register = template.Library()

PLACEHOLDER_PALETTES = 6


def placeholder_mark(instance) -> str:
    """The typographic mark drawn where no image has been uploaded."""
    if isinstance(instance, Episode):
        return str(instance.number)
    if isinstance(instance, Person):
        words = [word for word in instance.name.replace("-", " ").split() if word[:1].isupper()]
        return "".join(word[0] for word in (words[:1] + words[-1:] if len(words) > 1 else words))
    if isinstance(instance, Show):
        return instance.title[:1]
    return str(instance)[:1]


def _is_foreign(language: str) -> bool:
    """Whether text in `language` is in another language than the page's."""
    page_language = (get_language() or ORIGINAL_LANGUAGE).lower()
    return page_language.split("-")[0] != language


@register.filter
def localized(instance, name: str) -> str:
    """`{{ episode|localized:"title" }}`: the field as the page's reader should see it,
    marked `lang="en"` where a French page falls back to the original (WCAG 3.1.2). Markup:
    for element content only; attributes and <title> take `localized_text`."""
    if not instance:
        return ""
    text, language = instance.localized_with_language(name)
    if text and _is_foreign(language):
        return format_html('<span lang="{}">{}</span>', language, text)
    return text


@register.filter
def localized_text(instance, name: str) -> str:
    """`{{ episode|localized_text:"title" }}`: the same text, without markup."""
    return instance.localized(name) if instance else ""


@register.filter
def fallback_lang(instance, name: str) -> SafeString:
    """`<div{{ episode|fallback_lang:"synopsis" }}>`: the lang attribute for a block that
    holds the field's text, where it is not in the page's language; nothing otherwise."""
    if not instance:
        return mark_safe("")
    text, language = instance.localized_with_language(name)
    if text and _is_foreign(language):
        return format_html(' lang="{}"', language)
    return mark_safe("")


@register.inclusion_tag("catalog/_picture.html")
def picture(instance, spec_name: str, alt: str, sizes: str, loading: str = "lazy"):
    spec = getattr(type(instance), spec_name)
    key = f"{type(instance).__name__}:{getattr(instance, 'slug', '') or instance.pk}"
    credit, licence = instance.image_credit(spec)
    return {
        "picture": picture_sources(getattr(instance, spec.renditions_field), spec),
        "credit": credit,
        "licence": licence,
        "alt": alt,
        "sizes": sizes,
        "loading": loading,
        "mark": placeholder_mark(instance),
        "palette": zlib.crc32(key.encode()) % PLACEHOLDER_PALETTES + 1,
        "shape": spec.field,
    }


@register.simple_tag(takes_context=True)
def series_json_ld(context, show, seasons, cast, creators) -> SafeString:
    return json_ld(
        metadata.series_data(
            context["request"], show, seasons=seasons, cast=cast, creators=creators
        )
    )


@register.simple_tag(takes_context=True)
def season_json_ld(context, show, season, episodes) -> SafeString:
    return json_ld(metadata.season_data(context["request"], season, show=show, episodes=episodes))


@register.simple_tag(takes_context=True)
def episode_json_ld(context, show, season, episode, scores, reviews, hidden) -> SafeString:
    return json_ld(
        metadata.episode_data(
            context["request"],
            episode,
            show=show,
            season=season,
            scores=None if hidden else scores,
            reviews=reviews,
        )
    )
