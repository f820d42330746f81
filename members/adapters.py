import time

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from django.conf import settings
from django.utils.translation import gettext

from kernel import security
from members.models import handle_from_name, new_member_handle


class SiteIdentity:
    """What allauth's emails call "current_site": the configured name, translated into the
    language of the request, and the configured address (or the host asked for)."""

    def __init__(self, request) -> None:
        self.name = gettext(settings.ETOILE_SITE_NAME)
        self.domain = settings.ETOILE_SITE_DOMAIN or (request.get_host() if request else "")

    def __str__(self) -> str:
        return self.name


def site_address(path: str) -> str:
    """An absolute link for an email, on the configured address as the account emails are
    (or the host the request being served came to)."""
    request = security.current_request.get()
    domain = settings.ETOILE_SITE_DOMAIN or (request.get_host() if request else "localhost")
    scheme = "https" if settings.HTTPS else "http"
    return f"{scheme}://{domain}{path}"


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
        if commit:
            user.save()
        return user

    def validation_error(self, code, *args):
        # allauth refuses a sign-in over its limits with a form error, not a 429 response,
        # so SecurityEventMiddleware would not see it.
        if code == "too_many_login_attempts":
            security.event(self.request, "rate limited")
        return super().validation_error(code, *args)

    def send_mail(self, template_prefix: str, email: str, context_data: dict) -> None:
        request = context.request
        super().send_mail(
            template_prefix, email, {**context_data, "current_site": SiteIdentity(request)}
        )
