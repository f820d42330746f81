import time
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core import context
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from jobs.mail import queue_email_message
from kernel import languages, security
from members.models import User, handle_from_name, new_member_handle


class SiteIdentity:
    """What allauth's emails call "current_site": the configured name, translated into the
    language the email is written in, and the host of the configured address
    (ETOILE_SITE_URL)."""

    def __init__(self) -> None:
        self.domain = urlsplit(settings.ETOILE_SITE_URL).netloc

    @property
    def name(self) -> str:
        # Read while the email renders, in its reader's language (email_language).
        return gettext(settings.ETOILE_SITE_NAME)

    def __str__(self) -> str:
        return self.name


def on_the_site(value, request_host: str):
    """An absolute link to the host the request named, moved to the configured address.
    allauth builds its links with request.build_absolute_uri(): the Host header, which the
    client writes (any port or spelling Django accepts), would lead a reset link there."""
    if not isinstance(value, str):
        return value
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or parts.netloc != request_host:
        return value
    site = urlsplit(settings.ETOILE_SITE_URL)
    return parts._replace(scheme=site.scheme, netloc=site.netloc).geturl()


def email_language(email: str, user=None) -> str:
    """The language to write to an address in: the language of the member it belongs to
    (User.language), else the language of the page that made us write (an address nobody
    has signed up with)."""
    if not isinstance(user, User) or user.pk is None:
        address = EmailAddress.objects.filter(email__iexact=email).select_related("user").first()
        user = address.user if address is not None else None
        if user is None:
            user = User.objects.filter(email=email.lower()).first()
    if user is not None:
        return user.language
    return languages.current_language()


def site_address(path: str) -> str:
    """An absolute link for an email, on the configured site address as the account emails
    are: never the Host a request named."""
    return settings.ETOILE_SITE_URL.rstrip("/") + path


# Where the inactive page finds who was refused: allauth signs nobody in, so nothing in a form
# can say who they are. Set only after their password was checked, kept in their session (on
# the server, not in the browser) and good for SUSPENDED_LOGIN_SECONDS.
SUSPENDED_LOGIN_KEY = "etoile:refused_member"
SUSPENDED_LOGIN_SECONDS = 30 * 60


def refused_member_id(request) -> int | None:
    """The suspended member this browser just signed in as, if recently enough."""
    entry = request.session.get(SUSPENDED_LOGIN_KEY)
    if not isinstance(entry, dict):
        return None
    if time.time() - entry.get("at", 0) > SUSPENDED_LOGIN_SECONDS:
        return None
    return entry.get("member")


class AccountAdapter(DefaultAccountAdapter):
    def respond_user_inactive(self, request, user):
        # Only reached once the password matched (allauth's backend stashes such a user), so
        # the page can tell this member why they are suspended and take their appeal.
        if user.suspended_at is not None:
            request.session[SUSPENDED_LOGIN_KEY] = {"member": user.pk, "at": int(time.time())}
        return super().respond_user_inactive(request, user)

    def save_user(self, request, user, form, commit=True):
        # Sign-up asks for a name, email and password; the handle for the profile address is
        # made from the name, and the member can change both in their settings.
        user = super().save_user(request, user, form, commit=False)
        name = form.cleaned_data.get("name", "")
        if name:
            user.display_name = name
        if not user.handle:
            user.handle = handle_from_name(name) if name else new_member_handle()
        # Emails will be written in the language they signed up in, until they choose.
        user.language = languages.current_language()
        if commit:
            user.save()
        return user

    def validation_error(self, code, *args):
        # allauth refuses a sign-in over its limits with a form error, not a 429 response,
        # so SecurityEventMiddleware would not see it.
        if code == "too_many_login_attempts":
            security.event(self.request, "rate limited")
        return super().validation_error(code, *args)

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        # The per-account lockout ("login_failed" …/key). allauth prefixes the login with the
        # current site's domain, which without django.contrib.sites is request.get_host():
        # the Host header as sent, so every port, capital letter or trailing dot that Django
        # accepts for an allowed host opened a fresh count of five tries. One site here, so
        # the account alone is the key. (Private in allauth: tests/security/test_host_header.py
        # fails if an upgrade stops calling it.)
        return credentials.get("email", credentials.get("username", "")).lower()

    def render_mail(self, template_prefix, email, context, headers=None):
        """allauth's email, subject and body, in the language of the member it goes to: what
        renders every email allauth sends, wherever it is called from (a request, a job)."""
        language = email_language(
            email if isinstance(email, str) else email[0], context.get("user")
        )
        with translation.override(language):
            return super().render_mail(template_prefix, email, context, headers)

    def send_mail(self, template_prefix: str, email: str, context_data: dict) -> None:
        # Rendered here, in the request's language; sent by a worker (jobs/mail.py), so that a
        # slow or failing SMTP server neither holds the page nor loses the email.
        request = context.request
        if request is not None:
            host = request.get_host()
            context_data = {key: on_the_site(value, host) for key, value in context_data.items()}
        ctx = {"request": request, "email": email, **context_data, "current_site": SiteIdentity()}
        queue_email_message(self.render_mail(template_prefix, email, ctx))
