from django import template
from django.contrib.contenttypes.models import ContentType
from django.urls import NoReverseMatch, reverse

from kernel import history

register = template.Library()


@register.filter
def change_details(entry) -> str:
    """The entry's changes, each field before and after, for the admin's history pages."""
    return history.change_details(entry)


@register.simple_tag(takes_context=True)
def site_history_url(context, obj) -> str:
    """The site-wide staff history filtered to this record, for staff who may read it."""
    request = context.get("request")
    if request is None or not request.user.has_perm("admin.view_logentry"):
        return ""
    try:
        url = reverse("admin:admin_logentry_changelist")
    except NoReverseMatch:
        return ""
    content_type = ContentType.objects.get_for_model(obj)
    return f"{url}?content_type__id__exact={content_type.pk}&object_id={obj.pk}"
