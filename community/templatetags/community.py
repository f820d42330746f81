from django import template

from community.activity import activity_for, hidden_for
from reviews.visibility import reader_of

register = template.Library()

HOME_ITEMS = 5


@register.simple_tag(takes_context=True)
def newest_activity(context):
    """The first few activity items for the request's member (None for a visitor)."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return None
    return activity_for(
        request.user, reader_of(request), hidden=hidden_for(request), limit=HOME_ITEMS
    )
