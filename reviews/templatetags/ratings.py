from django import template
from django.template.defaultfilters import floatformat
from django.utils.translation import ngettext

from reviews.models import stars_label

register = template.Library()


@register.filter
def stars(score: int | None) -> str:
    """A 1–10 score as people say it: "3½ stars"."""
    return stars_label(score) if score else ""


@register.filter
def mean_stars(mean) -> str:
    """An average in stars, to one decimal, in the reader's language: "0.5 stars", "1,5 étoile".

    gettext's plural rules know whole numbers only. A number written with a decimal takes
    the plural in English whatever its value ("1.0 stars"), but the singular in French while
    its whole part is 0 or 1 ("1,5 étoile"). So below 2 ngettext is given 0 (plural in
    English, singular in French), and from 2 on the whole part (plural in both)."""
    if mean is None or mean == "":
        return ""
    whole = int(mean)
    return ngettext("%(stars)s star", "%(stars)s stars", whole if whole >= 2 else 0) % {
        "stars": floatformat(mean, 1)
    }


@register.filter
def star_glyphs(score: int | None) -> str:
    """A 1–10 score drawn with characters: 7 → "★★★½"."""
    if not score:
        return ""
    whole, half = divmod(score, 2)
    return "★" * whole + ("½" if half else "")


@register.filter
def mention_links(html, review):
    """`{{ review.body|urlize|mention_links:review|linebreaks }}`: members' @handles as links
    to their profiles (reviews/mentions.py)."""
    from reviews.mentions import linked

    return linked(html, review)
