import logging

from allauth.account.decorators import reauthentication_required
from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kernel import languages, pagecache, security
from kernel.addresses import posted_next
from kernel.memberpages import cache_for_members
from kernel.pagecache import cache_for_visitors
from members import services
from members.forms import AccessTokenForm, AvatarForm, ProfileForm
from members.models import Block, Follow, Mute, User, signed_in_group


@require_safe
@never_cache
def switch_language(request: HttpRequest, language: str) -> HttpResponse:
    """The header's language link (kernel.languages); for a signed-in member it is also the
    language of their emails and, for staff, of the admin."""
    response = languages.switch_language(request, language)
    if request.user.is_authenticated and response.status_code == 302:
        mine = User.objects.filter(pk=request.user.pk).exclude(language=language)
        if mine.update(language=language):  # an update() sends no signal: mark the row's group
            pagecache.changed(signed_in_group(request.user.pk))
    return response


def active_member_or_404(handle: str) -> User:
    """A member in good standing, by their handle in any case; anyone else is a 404."""
    return get_object_or_404(User, handle=handle.lower(), is_active=True)


def _relations_of(member: User) -> dict:
    """The members this one blocked and muted, for their settings page."""
    blocked = Block.objects.filter(blocker=member).select_related("blocked")
    muted = Mute.objects.filter(muter=member).select_related("muted")
    return {
        "blocked_members": [b.blocked for b in blocked.order_by("-created_at", "-pk")],
        "muted_members": [m.muted for m in muted.order_by("-created_at", "-pk")],
    }


@login_required
@require_http_methods(["GET", "POST"])
@cache_for_members("members", "catalog", private=True)  # catalog: the menu's progress
def settings_view(request: HttpRequest) -> HttpResponse:
    member = request.user
    if request.method == "POST":
        profile_form = ProfileForm(request.POST, instance=member)
        if profile_form.is_valid():
            profile_form.save()
            messages.success(request, _("Your profile has been saved."))
            if "language" not in profile_form.changed_data:
                return redirect("member-settings")
            # A new language is the reader's choice for the site too, as the header link's is.
            language = profile_form.cleaned_data["language"]
            with translation.override(language):
                response = redirect("member-settings")
            return languages.remember_language(response, language)
        # The form keeps what was typed; the member object must not show unsaved values.
        member.refresh_from_db()
    else:
        profile_form = ProfileForm(instance=member)
    return render(
        request,
        "etoile_app/settings.html",
        {
            "profile_form": profile_form,
            "avatar_form": AvatarForm(),
            "avatar_pending": services.avatar_pending(member),
            **_relations_of(member),
            # Said when the page's own check (htmx) finds the new avatar ready.
            "avatar_ready_now": request.htmx and not services.avatar_pending(member),
        },
        status=400 if profile_form.errors else 200,
    )


@login_required
@require_POST
def avatar_upload(request: HttpRequest) -> HttpResponse:
    avatar_form = AvatarForm(request.POST, request.FILES)
    status = 400
    if avatar_form.is_valid() and not ratelimit.consume(
        request, action="avatar_upload", user=request.user
    ):
        # Checked after the cheap checks (size, type, pixel count from the header) and before
        # the decoding and resizing, which cost about 2 s of CPU for a large picture.
        avatar_form.add_error(
            "avatar",
            _(
                "You are changing your avatar faster than we allow (3 a minute, 10 a day): "
                "try again later."
            ),
        )
        status = 429
    elif avatar_form.is_valid():
        try:
            kept = services.avatar_set(
                member=request.user, image=avatar_form.cleaned_data["avatar"]
            )
        except (OSError, ValidationError):
            kept = False
        if not kept:
            avatar_form.add_error("avatar", _("This picture could not be processed."))
        else:
            if services.avatar_pending(request.user):
                messages.success(request, _("Your new avatar is uploaded: it appears in a moment."))
            else:
                messages.success(request, _("Your new avatar is in place."))
            return redirect("member-settings")
    return render(
        request,
        "etoile_app/settings.html",
        {
            "profile_form": ProfileForm(instance=request.user),
            "avatar_form": avatar_form,
            "avatar_pending": services.avatar_pending(request.user),
            **_relations_of(request.user),
        },
        status=status,
    )


@login_required
@require_POST
def avatar_remove(request: HttpRequest) -> HttpResponse:
    services.avatar_remove(member=request.user)
    messages.success(request, _("Your avatar has been removed."))
    return redirect("member-settings")


# Shown once, on the page after the one that made it, then gone from the session.
NEW_TOKEN_SESSION_KEY = "new_access_token"  # noqa: S105 (a key name)


@login_required
@never_cache  # the page after making a token shows its secret: no copy in any cache
@reauthentication_required(allow_get=True)
@require_http_methods(["GET", "POST"])
def access_tokens(request: HttpRequest) -> HttpResponse:
    """The member's personal access tokens for the API: make one, see them, revoke them."""
    form = AccessTokenForm(request.POST or None, member=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = services.access_token_create(
                member=request.user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
            )
        except IntegrityError:
            # The same name sent twice at once: the form checked before either was saved.
            form.add_error("name", _("You already have a token with this name."))
        except services.AccessTokenLimitReached:
            form.add_limit_reached_error()
        else:
            request.session[NEW_TOKEN_SESSION_KEY] = {"pk": token.pk, "secret": secret}
            security.event(request, f"access token {token.pk} created", level=logging.INFO)
            return redirect("access-tokens")
    new_token = request.session.pop(NEW_TOKEN_SESSION_KEY, None)
    return render(
        request,
        "etoile_app/access_tokens.html",
        {
            "form": form,
            "tokens": request.user.access_tokens.all(),
            "new_token": new_token,
            "api_docs_url": reverse("api:openapi-view"),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def access_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(request.user.access_tokens, pk=pk)
    services.access_token_revoke(token=token)
    security.event(request, f"access token {pk} revoked", level=logging.INFO)
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("access-tokens")


# Follows, blocks and mutes ------------------------------------------------------------------

RELATIONS_PER_PAGE = 50


def _relation_state(request: HttpRequest, member: User) -> dict:
    from members.regions import follow_state

    return follow_state(request, member)


@require_POST
def relation_change(request: HttpRequest, handle: str, relation: str) -> HttpResponse:
    """Follow, block or mute a member from their profile, or take it back: a plain form
    (`on`: "1" or "0", the wanted state), which htmx sends for the follow button and swaps
    the answer in; without JavaScript the answer is the profile again, with a message."""
    member = active_member_or_404(handle)
    profile_url = member.get_absolute_url()
    if not request.user.is_authenticated:
        return redirect_to_login(profile_url)
    on = request.POST.get("on") == "1"
    setters = {
        "follow": lambda: services.follow_set(follower=request.user, followed=member, following=on),
        "block": lambda: services.block_set(blocker=request.user, blocked=member, blocking=on),
        "mute": lambda: services.mute_set(muter=request.user, muted=member, muting=on),
    }
    name = member.public_name
    done = {
        ("follow", True): _("You follow %(name)s."),
        ("follow", False): _("You no longer follow %(name)s."),
        ("block", True): _("You blocked %(name)s."),
        ("block", False): _("You unblocked %(name)s."),
        ("mute", True): _("You muted %(name)s."),
        ("mute", False): _("You unmuted %(name)s."),
    }
    status = 200
    try:
        setters[relation]()
        text = done[relation, on] % {"name": name}
    except services.RelationRefused:
        status = 403
        if member.pk == request.user.pk:
            text = _("This is you.")
        else:
            text = _("You cannot follow %(name)s: there is a block between you.") % {"name": name}
    if request.htmx and relation == "follow":
        context = {
            "member": member,
            "notice": text,
            **_relation_state(request, member),
        }
        # 200 even when refused: htmx swaps only a 2xx answer in, and this one says why.
        return render(request, "etoile_app/_follow.html", context)
    (messages.success if status == 200 else messages.error)(request, text)
    back = posted_next(request) or profile_url
    return redirect(back)


def _relation_list(request: HttpRequest, handle: str, *, followers: bool) -> HttpResponse:
    member = active_member_or_404(handle)
    if followers:
        people = Follow.objects.filter(followed=member, follower__is_active=True)
        people = people.select_related("follower")
    else:
        people = Follow.objects.filter(follower=member, followed__is_active=True)
        people = people.select_related("followed")
    page = Paginator(people.order_by("-created_at", "-pk"), RELATIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    page.people = [f.follower if followers else f.followed for f in page.object_list]
    return render(
        request,
        "etoile_app/relations.html",
        {"member": member, "page": page, "followers": followers},
    )


@require_safe
@cache_for_visitors("members", "member:{handle}", query=("page",))
@cache_for_members("members", "member:{handle}", "catalog", query=("page",))
def followers_list(request: HttpRequest, handle: str) -> HttpResponse:
    return _relation_list(request, handle, followers=True)


@require_safe
@cache_for_visitors("members", "member:{handle}", query=("page",))
@cache_for_members("members", "member:{handle}", "catalog", query=("page",))
def following_list(request: HttpRequest, handle: str) -> HttpResponse:
    return _relation_list(request, handle, followers=False)
