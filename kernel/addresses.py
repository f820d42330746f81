"""One address for each page: the path its view would be reversed to, at the site's origin.

Django resolves `/season/0001/` and `/season/1/` to the same view with the same arguments
(an `int` converter reads leading zeros), and a handle in capitals to the same member. A
page answering under each spelling would name that spelling in its canonical link, and the
visitors' page cache would keep one copy of it per spelling. So a GET for a spelling that
is not the one the site itself writes is sent there with a 301 (CanonicalPathMiddleware),
and the page cache and the canonical link build on `canonical_path` and `site_origin`.

The origin is the configured site address when there is one (ETOILE_SITE_URL, such as
https://etoile.example). Without one it is the scheme as Django determines it (behind a
proxy only as SECURE_PROXY_SSL_HEADER says) and the host asked for, in lower case, at the
port the server listens on: the Host header's port is the client's to write.
"""

from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme

DEFAULT_PORTS = {"http": "80", "https": "443"}
# The API's clients are programs that read its schema, not pages with a canonical link.
UNCHANGED_PREFIXES = ("/api/",)


def canonical_path(request: HttpRequest) -> str | None:
    """The path the resolved view is reversed to, in the active language (so `/fr/…` stays
    French); None for an unnamed route. Worked out once a request: the middleware below and
    the page caches (kernel/pagecache.py, kernel/memberpages.py) each ask."""
    match = getattr(request, "resolver_match", None)
    if match is None or not match.url_name:
        return None
    found = request.__dict__.get("_canonical_path")
    if found is not None and found[0] is match:
        return found[1]
    try:
        # captured_kwargs: only what the address says, not the extra arguments a URLconf
        # hands the view (reviews/urls.py's page renderer).
        path = reverse(match.view_name, args=match.args, kwargs=match.captured_kwargs)
    except NoReverseMatch:
        path = None
    request._canonical_path = (match, path)
    return path


def posted_next(request: HttpRequest) -> str | None:
    """The `next` a form posted (the page a button was on), if it is a path on this site."""
    target = request.POST.get("next", "")
    # A path only: redirect() would take a bare word for a URL pattern's name.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}
    ):
        return target
    return None


def site_origin(request: HttpRequest) -> str:
    """`scheme://host[:port]` of the site, as the site prints it: ETOILE_SITE_URL, which the
    settings require outside development, never the Host header a client wrote."""
    parts = urlsplit(settings.ETOILE_SITE_URL)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def request_origin(request: HttpRequest) -> str:
    """`scheme://host` exactly as this request spelled them."""
    return f"{request.scheme}://{request.get_host()}"


class CanonicalPathMiddleware:
    """Sends a GET or HEAD for a spelling of a page's path other than its own (`/season/01/`,
    `/u/Odette/`) to that page with a 301, keeping the query string."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view, args, kwargs) -> HttpResponse | None:
        if request.method not in ("GET", "HEAD") or request.path.startswith(UNCHANGED_PREFIXES):
            return None  # a redirect would drop a form's body
        path = canonical_path(request)
        if path is None or unquote(path) == request.path:
            return None
        query = request.META.get("QUERY_STRING", "")
        return HttpResponsePermanentRedirect(f"{path}?{query}" if query else path)
