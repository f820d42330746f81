from django import template

from community.activity import activity_for
from community.drawn import items_html

register = template.Library()

HOME_ITEMS = 5


@register.simple_tag(takes_context=True)
def newest_activity(context):
    """The first few activity items for the reader of the home-activity region
    (community/regions.py: its state), None for a visitor."""
    reader = context.get("activity_reader")
    if reader is None or reader.is_visitor:
        return None
    return activity_for(
        context["user"],
        reader,
        hidden=set(context["activity_hidden"]),
        limit=HOME_ITEMS,
    )


@register.simple_tag
def activity_items(items):
    """The items' <li>s, each kept once drawn (community/drawn.py)."""
    return items_html(items)
