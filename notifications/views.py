"""The member's notifications page, their email settings, and the one-click unsubscribe.

The notifications page is the member's alone and every line of it is theirs (who, and what the
spoiler rule lets them read), so it is rendered in full rather than from a shared skeleton
(kernel/memberpages.py): one query for the page's rows, whatever their number. Opening it marks
nothing read; "Mark all as read" is a POST."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kernel.memberpages import reads_versions
from members.models import User
from notifications import services
from notifications.display import lines_of
from notifications.emails import ALL, read_unsubscribe_token
from notifications.forms import EmailPreferencesForm
from notifications.models import EMAIL_KINDS, Notification, preferences_of
from reviews.visibility import reader_of

PER_PAGE = 30
MAX_PAGE = 10_000


def _page_number(request: HttpRequest) -> int:
    try:
        return min(max(1, int(request.GET.get("page", "1"))), MAX_PAGE)
    except ValueError:
        return 1


@login_required
@require_safe
@never_cache
@reads_versions("catalog")  # the menu's episodes; the reader's watches
def notification_list(request: HttpRequest) -> HttpResponse:
    number = _page_number(request)
    start = (number - 1) * PER_PAGE
    # One row more than a page says whether there is a next one, without a COUNT.
    rows = list(services.listed(request.user)[start : start + PER_PAGE + 1])
    lines = lines_of(rows[:PER_PAGE], reader_of(request))
    return render(
        request,
        "notifications/list.html",
        {
            "lines": lines,
            "number": number,
            "has_next": len(rows) > PER_PAGE,
            "has_previous": number > 1,
            "any_unread": any(line.unread for line in lines),
        },
    )


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    marked = services.mark_all_read(request.user)
    if marked:
        messages.success(request, _("All your notifications are marked read."))
    else:
        messages.info(request, _("You had no unread notifications."))
    return redirect("notifications:list")


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def email_settings(request: HttpRequest) -> HttpResponse:
    preferences = preferences_of(request.user)
    form = EmailPreferencesForm(request.POST or None, instance=preferences)
    if request.method == "POST" and form.is_valid():
        services.preferences_save(request.user, **form.cleaned_data)
        messages.success(request, _("Your email choices are saved."))
        return redirect("notifications:settings")
    return render(
        request,
        "notifications/settings.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


def _kind_label(kind: str) -> str:
    if kind == ALL:
        return _("every notification email")
    labels = {
        Notification.Kind.REPLY: _("emails about replies"),
        Notification.Kind.LIKE: _("emails about likes"),
        Notification.Kind.FOLLOWER: _("emails about new followers"),
        Notification.Kind.MENTION: _("emails about mentions"),
    }
    return labels[kind]


@csrf_exempt  # RFC 8058: the mail provider posts it, with no session and no CSRF token
@require_http_methods(["GET", "POST"])
@never_cache
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what the link turns off and a button; POST (the button, or the mail
    provider's one click with `List-Unsubscribe=One-Click`) turns it off. Nothing else is
    needed: the signed token names the member and the kind. A forged or altered one is a 400."""
    try:
        member_id, kind = read_unsubscribe_token(token)
        member = User.objects.get(pk=member_id)
        if kind != ALL and kind not in EMAIL_KINDS:
            raise signing.BadSignature("No such kind of email.")
    except (signing.BadSignature, User.DoesNotExist):
        return render(request, "notifications/unsubscribe_invalid.html", status=400)
    done = request.method == "POST"
    if done:
        services.unsubscribe(member, kind)
    return render(
        request,
        "notifications/unsubscribe.html",
        {"what": _kind_label(kind), "done": done, "token": token},
    )
