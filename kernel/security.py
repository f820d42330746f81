"""Security events in one log, and sessions that end.

Every event goes to the `etoile.security` logger as one line: what happened, the member's id
(never their email, a password or a token), the client's address as allauth determines it
(behind a proxy, from X-Forwarded-For as DJANGO_TRUSTED_PROXY_COUNT says) and the view's
name rather than the path, because some paths carry tokens (password reset links). The log
record itself carries the time. docs/SECURITY.md lists the events.
"""

import logging
import time
from contextvars import ContextVar

from allauth.account.adapter import get_adapter
from allauth.account.signals import password_changed, password_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

log = logging.getLogger("etoile.security")

# The request being served, for events written deep inside services that are not handed it
# (a moderator's decision): set by SecurityEventMiddleware. Its address is only worked out
# when an event is written, not on every request.
current_request: ContextVar[HttpRequest | None] = ContextVar("current_request", default=None)

STARTED = "etoile:session_started"
SEEN = "etoile:session_seen"
# Recording the last request costs a session write; once a minute is precise enough.
SEEN_PRECISION_SECONDS = 60


def client_ip(request: HttpRequest) -> str:
    try:
        return get_adapter(request).get_client_ip(request)
    except Exception:  # noqa: BLE001 (allauth refuses requests without an address; a log line must not)
        return request.META.get("REMOTE_ADDR") or "-"


def view_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match else "-"


def member_id(request: HttpRequest | None) -> str:
    user = getattr(request, "user", None)
    return str(user.pk) if user is not None and user.is_authenticated else "-"


def event(request: HttpRequest | None, what: str, *, member=None, level=logging.WARNING) -> None:
    """One line in the security log."""
    who = str(member.pk) if member is not None else member_id(request)
    where = view_name(request) if request is not None else "-"
    request = request or current_request.get()
    ip = client_ip(request) if request is not None else "-"
    log.log(level, "%s member=%s ip=%s view=%s", what, who, ip, where)


class SecurityEventMiddleware:
    """Logs refusals (403) and rate-limit hits (429), whoever produced them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_request.set(request)
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        if response.status_code == 403:
            event(request, "refused")
        elif response.status_code == 429:
            event(request, "rate limited")
        return response


# Powerful browser features the site never uses, refused to its pages and to anything they
# could embed: a script that got in could not ask for the camera, the location or a payment.
# Passkeys (allauth's WebAuthn sign-in and set-up) need the two credential features, on this
# origin only. Only names Chromium knows: an unknown one is an error in the console. Not
# listed, so at the browser's default (this origin): clipboard-write, which the API
# documentation's copy buttons use.
PERMISSIONS_POLICY = ", ".join(
    [
        *(
            f"{feature}=()"
            for feature in (
                "accelerometer",
                "autoplay",
                "browsing-topics",
                "camera",
                "compute-pressure",
                "display-capture",
                "encrypted-media",
                "fullscreen",
                "gamepad",
                "geolocation",
                "gyroscope",
                "hid",
                "identity-credentials-get",
                "idle-detection",
                "local-fonts",
                "magnetometer",
                "microphone",
                "midi",
                "otp-credentials",
                "payment",
                "picture-in-picture",
                "screen-wake-lock",
                "serial",
                "storage-access",
                "usb",
                "window-management",
                "xr-spatial-tracking",
            )
        ),
        "publickey-credentials-create=(self)",
        "publickey-credentials-get=(self)",
    ]
)


class ResponseHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not set, on every answer (static files too:
    it sits above WhiteNoise):

    - Permissions-Policy, as above.
    - Cross-Origin-Resource-Policy: same-origin. No other site's page may load our answers
      as an image, a script or a frame. Nothing here is meant to be: the Atom feeds are
      read by feed readers, link previews fetch the og:image, and API clients call the API,
      all from servers, where the header does not apply; in a browser, reading the feeds or
      the API from another site would need CORS, which the site does not offer. A view that
      needs another policy sets its own; none does.
    - Cache-Control: private, no-store on every answer made for a signed-in member: each one
      shows their own name in the menu, and many their ratings, watchlist, tokens or email.
      No shared cache, and no browser cache on disk, may keep one. Answers that say they are
      public (the favicon, robots.txt) keep saying so.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        user = getattr(request, "user", None)  # none for static files, answered earlier
        if (
            user is not None
            and user.is_authenticated
            and "public" not in response.get("Cache-Control", "")
        ):
            patch_cache_control(response, private=True, no_store=True)
        return response


class SessionLifetimeMiddleware:
    """Signs a member out after SESSION_IDLE_SECONDS without a request, and after
    SESSION_MAX_SECONDS since they signed in, however active they have been."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:  # reads the member, as every request here does
            # The member in place of Django's lazy proxy to them: a member's page asks for
            # request.user hundreds of times, and each hop through the proxy cost more than
            # what was asked (docs/PERFORMANCE.md).
            request.user = user._wrapped if isinstance(user, SimpleLazyObject) else user
            self.check(request)
        return self.get_response(request)

    def check(self, request: HttpRequest) -> None:
        now = int(time.time())
        session = request.session
        started = session.get(STARTED)
        seen = session.get(SEEN)
        if started is None or seen is None:
            # Signed in before these limits existed: they count from now.
            session[STARTED] = started = started or now
            session[SEEN] = seen = now
        if (
            now - seen > settings.SESSION_IDLE_SECONDS
            or now - started > settings.SESSION_MAX_SECONDS
        ):
            member = request.user
            logout(request)
            event(request, "session expired", member=member, level=logging.INFO)
            messages.info(
                request, _("You were signed out after a while away. Please sign in again.")
            )
        elif now - seen >= SEEN_PRECISION_SECONDS:
            session[SEEN] = now


@receiver(user_logged_in, dispatch_uid="etoile_security_logged_in")
def signed_in(sender, request, user, **kwargs):
    if request is None:
        return
    now = int(time.time())
    request.session[STARTED] = now
    request.session[SEEN] = now
    event(request, "signed in", member=user, level=logging.INFO)


@receiver(user_logged_out, dispatch_uid="etoile_security_logged_out")
def signed_out(sender, request, user, **kwargs):
    if request is not None and user is not None:
        event(request, "signed out", member=user, level=logging.INFO)


@receiver(user_login_failed, dispatch_uid="etoile_security_login_failed")
def sign_in_failed(sender, credentials, request=None, **kwargs):
    # The credentials are not logged, not even the email typed: only whether it was a member's.
    login = credentials.get("email") or credentials.get("username") or ""
    members = get_user_model().objects
    member = members.filter(email__iexact=login).first() if login else None
    event(request, "sign-in failed", member=member)


@receiver(password_changed, dispatch_uid="etoile_security_password_changed")
def password_was_changed(sender, request, user, **kwargs):
    event(request, "password changed", member=user, level=logging.INFO)


@receiver(password_reset, dispatch_uid="etoile_security_password_reset")
def password_was_reset(sender, request, user, **kwargs):
    event(request, "password reset", member=user, level=logging.INFO)
    # A reset is how a member takes back an account someone else got into: the API tokens
    # that someone may have made go with the old password.
    revoked, _ = user.access_tokens.all().delete()
    if revoked:
        event(request, f"{revoked} access tokens revoked by the reset", member=user)
