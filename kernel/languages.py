"""The site in English and French.

English pages keep their addresses (`/season/1/`); French ones are the same under `/fr/`
(`i18n_patterns` with `prefix_default_language=False`). The address, not a cookie, says which
language a page is in, so the switcher is a plain link, pages can be cached per address, and
search engines see both (hreflang alternates, sitemap).

The choice is remembered in Django's language cookie, set by the switcher. A visitor with no
cookie whose browser prefers French is sent to the French page on their first visit; after
that the cookie decides, so "English" from a French page sticks.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse, translate_url
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language_from_path, get_language_from_request
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}
# Pages outside the language prefix: nothing to translate or to redirect.
UNTRANSLATED_PREFIXES = (
    "/api/",
    "/admin/",
    "/feeds/",
    "/language/",
    "/static/",
    "/media/",
    "/share/",  # share images name their language in their address
    "/manifest/",  # so do the web app manifests
    "/sw.js",
)


def preferred_language(request: HttpRequest) -> str:
    """The cookie, else the browser's Accept-Language, else English (Django's order)."""
    return get_language_from_request(request, check_path=False)


class PreferredLanguageMiddleware:
    """Sends a reader who prefers French from an English address to its French one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        unprefixed = (
            request.method in ("GET", "HEAD")
            and get_language_from_path(request.path_info) is None
            and not request.path_info.startswith(UNTRANSLATED_PREFIXES)
        )
        if unprefixed:
            language = preferred_language(request)
            if language != settings.LANGUAGE_CODE:
                translated = translate_url(request.path, language)
                if translated != request.path:
                    query = request.META.get("QUERY_STRING")
                    response = HttpResponseRedirect(
                        f"{translated}?{query}" if query else translated
                    )
                    patch_vary_headers(response, ("Accept-Language", "Cookie"))
                    return response
        response = self.get_response(request)
        if unprefixed:
            # The same address answers differently by cookie and browser language.
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response


ADMIN_PREFIX = "/admin/"


class AdminLanguageMiddleware:
    """The admin in the staff member's language. It lives outside the language prefix, where
    LocaleMiddleware answers in English; here a signed-in staff member's own language decides
    (the user model's `language`, which the language link and their settings keep), then the
    language cookie, then the browser's. After AuthenticationMiddleware, which it reads."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(ADMIN_PREFIX):
            user = getattr(request, "user", None)
            language = getattr(user, "language", None) if user and user.is_authenticated else None
            if language not in LANGUAGE_CODES:
                language = preferred_language(request)
            translation.activate(language)
            request.LANGUAGE_CODE = language
            response = self.get_response(request)
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
            return response
        return self.get_response(request)


def safe_next(request: HttpRequest) -> str:
    """Where to go after switching: a path on this site, never another host."""
    target = request.GET.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


def current_language() -> str:
    """The active language, one of LANGUAGES (English outside a request)."""
    language = translation.get_language()
    return language if language in LANGUAGE_CODES else settings.LANGUAGE_CODE


def remember_language(response: HttpResponse, language: str) -> HttpResponse:
    """Keep the reader's choice in Django's language cookie."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def in_language(path: str, language: str) -> str:
    """The same page in the other language (an address outside the prefix stays as it is)."""
    # translate_url reads the address in the active language: the one the address is in.
    with translation.override(get_language_from_path(path) or settings.LANGUAGE_CODE):
        return translate_url(path, language)


@require_safe
@never_cache
def switch_language(request: HttpRequest, language: str) -> HttpResponse:
    """The switcher's link: remember the language and show the same page in it."""
    if language not in LANGUAGE_CODES:
        raise Http404("No such language.")
    response = HttpResponseRedirect(in_language(safe_next(request), language))
    return remember_language(response, language)


def switch_url(path: str, language: str) -> str:
    return f"{reverse('switch-language', args=[language])}?{urlencode({'next': path})}"
