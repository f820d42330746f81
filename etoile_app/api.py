"""The JSON API under /api/v1/: django-ninja, with the schema at /api/v1/openapi.json and its
interactive documentation at /api/v1/docs.

Reading is open to anyone, as the pages are. Writing acts for a member, who proves it with
a personal access token (`Authorization: Bearer …`, made in their settings) or with their
session, in which case the request carries the CSRF token as a form would.
"""

import datetime
from http import HTTPStatus

from allauth.core import ratelimit
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer

from etoile_app.models import ACCESS_TOKEN_PREFIX, AccessToken, User

API_PREFIX = "/api/"
# A token's last use is written at most this often, so that a busy program does not turn
# every read into a write.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


class TokenAuth(HttpBearer):
    """A personal access token in `Authorization: Bearer …`. No CSRF: a browser never sends
    this header by itself, so another site cannot make one."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        if not token.startswith(ACCESS_TOKEN_PREFIX) or len(token) > 100:
            return None
        found = AccessToken.objects.matching(token).select_related("member").first()
        if found is None or not found.member.is_active:
            return None
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at > LAST_USED_PRECISION:
            AccessToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.member
        return found.member


class SessionAuth(APIKeyCookie):
    """The member signed in on the site. The CSRF check runs only when there is a session to
    protect: a request with no credentials at all is a plain 401."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        return request.user if request.user.is_authenticated else None


MEMBER_AUTH = [TokenAuth(), SessionAuth()]


def write_allowed(request: HttpRequest) -> None:
    """The per-member limit on API writes (ACCOUNT_RATE_LIMITS["api_write"])."""
    if not ratelimit.consume(request, action="api_write", user=request.auth):
        raise HttpError(429, "Too many changes at once: wait a minute and try again.")


api = NinjaAPI(
    title="Étoile API",
    version="1",
    description=(
        "Open data about the series *Étoile*: its seasons, episodes, people and characters, "
        "the members' ratings and public reviews; and, for a member, their own ratings, "
        "watchlist and watches. Write requests need a personal access token "
        "(`Authorization: Bearer …`, made at /me/tokens/) or a signed-in session with its "
        "CSRF token. Scores are whole numbers from 1 to 10: half stars, 10 is five stars."
    ),
    urls_namespace="api",
    # Deep links put a link inside each operation's button (axe: nested-interactive).
    docs=Swagger(settings={"deepLinking": False}),
)


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(
        request, {"detail": "Sign in, or send a personal access token."}, status=401
    )
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


api.add_router("", "catalog.api.router")
api.add_router("", "reviews.api.router")


class ApiErrorsAsJsonMiddleware:
    """Under /api/, every error is JSON, including the ones Django answers before the API
    sees the request (an unknown address, a method not allowed, a bad Host, a crash)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith(API_PREFIX)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            status = HTTPStatus(response.status_code)
            replacement = JsonResponse({"detail": status.phrase}, status=status)
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    replacement[header] = response[header]
            return replacement
        return response
