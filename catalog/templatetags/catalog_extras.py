import zlib

from django import template

from catalog.models import Episode, Person, Show
from etoile_app.images import picture_sources

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


@register.inclusion_tag("catalog/_picture.html")
def picture(instance, spec_name: str, alt: str, sizes: str, loading: str = "lazy"):
    spec = getattr(type(instance), spec_name)
    key = f"{type(instance).__name__}:{getattr(instance, 'slug', '') or instance.pk}"
    return {
        "picture": picture_sources(getattr(instance, spec.renditions_field), spec),
        "alt": alt,
        "sizes": sizes,
        "loading": loading,
        "mark": placeholder_mark(instance),
        "palette": zlib.crc32(key.encode()) % PLACEHOLDER_PALETTES + 1,
        "shape": spec.field,
    }
