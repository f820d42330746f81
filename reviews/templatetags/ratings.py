from django import template

from reviews.models import stars_label

register = template.Library()


@register.filter
def stars(score: int | None) -> str:
    """A 1–10 score as people say it: "3½ stars"."""
    return stars_label(score) if score else ""


@register.filter
def star_glyphs(score: int | None) -> str:
    """A 1–10 score drawn with characters: 7 → "★★★½"."""
    if not score:
        return ""
    whole, half = divmod(score, 2)
    return "★" * whole + ("½" if half else "")
