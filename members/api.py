"""How the JSON API knows the member: a personal access token or the session, and the
per-member limit on writes."""

import datetime

from allauth.core import ratelimit
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer

from members.models import ACCESS_TOKEN_PREFIX, AccessToken, User

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
READ_ONLY_REFUSAL = (
    "This token is read-only: it can read your data but not change it. "
    "Make a read-and-write token at /me/tokens/ for a program that writes."
)

# A token's last use is written at most this often, so that a busy program does not turn
# every read into a write.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


class TokenAuth(HttpBearer):
    """A personal access token in `Authorization: Bearer …`. No CSRF: a browser never sends
    this header by itself, so another site cannot make one.

    A read-only token's writes are refused here, by method, so that every write operation is
    covered, including ones added later: any operation that takes a member's credentials
    runs this before its own code."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        if not token.startswith(ACCESS_TOKEN_PREFIX) or len(token) > 100:
            return None
        found = AccessToken.objects.matching(token).select_related("member").first()
        if found is None or not found.member.is_active:
            return None
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at > LAST_USED_PRECISION:
            AccessToken.objects.filter(pk=found.pk).update(last_used_at=now)
        if request.method not in SAFE_METHODS and not found.can_write:
            # Raised, not None: None would fall through to the session and answer 401, which
            # tells the program its token is wrong rather than too weak.
            raise HttpError(403, READ_ONLY_REFUSAL)
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
