"""Loaded as a template builtin (settings.TEMPLATES): it replaces Django's `date` filter so
every page, allauth's included, writes dates in one style per language (kernel.dates)."""

from django import template
from django.template.defaultfilters import date as django_date
from django.utils import timezone

from kernel.dates import date_format

register = template.Library()


@register.filter(expects_localtime=True, is_safe=False)
def date(value, arg=None):
    if value in (None, ""):
        return ""
    if not hasattr(value, "day"):
        return django_date(value, arg)
    if isinstance(value, timezone.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    try:
        return date_format(value, arg or "DATE_FORMAT")
    except AttributeError:
        return ""
