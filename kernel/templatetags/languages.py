from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language, get_language_info

from kernel.languages import switch_url

register = template.Library()


@register.simple_tag(takes_context=True)
def language_versions(context) -> list[dict]:
    """This page in each language: its address, the switcher's link, and whether it is the one
    being read. Empty where the page has no French version (the admin, an error page)."""
    request = context.get("request")
    if request is None or getattr(request, "resolver_match", None) is None:
        return []
    current = get_language()
    versions = []
    for code, _name in settings.LANGUAGES:
        path = translate_url(request.path, code)
        versions.append(
            {
                "code": code,
                "name": get_language_info(code)["name_local"],
                "path": path,
                "url": request.build_absolute_uri(path),
                "switch": switch_url(request.get_full_path(), code),
                "current": code == current,
            }
        )
    if len({version["path"] for version in versions}) < len(versions):
        return []  # one address for every language: nothing to switch to
    return versions


@register.simple_tag(takes_context=True)
def other_languages(context) -> list[dict]:
    """The switcher's links to the languages not being read, for pages that have one address
    in every language (the admin): the same page, in the other language."""
    request = context.get("request")
    if request is None:
        return []
    current = get_language()
    return [
        {
            "code": code,
            "name": get_language_info(code)["name_local"],
            "switch": switch_url(request.get_full_path(), code),
        }
        for code, _name in settings.LANGUAGES
        if code != current
    ]
