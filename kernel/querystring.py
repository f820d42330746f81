"""Query strings that no browser sends are refused before any view reads them.

A NUL byte in a query string reaches the database as a text parameter wherever a view or a
list filter compares it with a column, and PostgreSQL refuses it there (a DataError, so a
500). Bytes that are not UTF-8 (an encoded lone surrogate, %ED%A0%80, say) would be turned
into replacement characters by Django and looked up as such. Neither is something a person
types, so both are a 400 for the whole request, whatever the view: JSON under /api/, as every
error there is, and the site's 400 page elsewhere.
"""

from urllib.parse import unquote_to_bytes

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, JsonResponse

from kernel.api import API_PREFIX

REFUSAL = "The query string holds a NUL byte or text that is not UTF-8."


def query_string_is_clean(raw: str) -> bool:
    """Whether the query string, once percent-decoded, is UTF-8 without NUL."""
    try:
        # WSGI gives the raw bytes as Latin-1 text (PEP 3333); ASGI servers as UTF-8 text.
        data = raw.encode("iso-8859-1")
    except UnicodeEncodeError:
        data = raw.encode("utf-8", "surrogatepass")
    try:
        text = unquote_to_bytes(data.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:  # also an encoded surrogate: UTF-8 has none
        return False
    return "\x00" not in text


class CleanQueryStringMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not query_string_is_clean(request.META.get("QUERY_STRING", "")):
            if request.path.startswith(API_PREFIX):
                return JsonResponse({"detail": REFUSAL}, status=400)
            raise BadRequest(REFUSAL)  # the site's 400 page, through handler400
        return self.get_response(request)
