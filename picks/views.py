"""The member's favourites and ranking pages, the forms that change them, and the community
ranking.

Every change is a plain form post that works without JavaScript: it answers with a redirect
to the page, which then says what changed in its status region and puts the keyboard focus
back on the button that was pressed (or the nearest one that still makes sense), so someone
moving an episode up three places presses Enter three times. With htmx the ranking answers
with its re-rendered editor instead, the status region is updated in place (an aria-live
region, so screen readers announce it) and htmx puts the focus back by the button's id.
"""

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from catalog.models import Character, Episode, Season
from kernel.addresses import posted_next
from kernel.pagecache import cache_for_visitors
from picks import services
from picks.community import community_ranking
from picks.models import FAVOURITES_MAX, FavouriteCharacter, FavouriteEpisode

NOTICE_KEY = "picks_notice"  # the session's note for the next page: what changed, and focus
TOO_FAST = gettext_lazy(
    "You are changing your picks faster than we allow (60 changes a minute): try again in a moment."
)


def season_or_404(number: int) -> Season:
    return get_object_or_404(Season.objects.of_current_show().select_related("show"), number=number)


def _remember(request: HttpRequest, page: str, text: str, focus: str = "", kind: str = "") -> None:
    request.session[NOTICE_KEY] = {"page": page, "text": text, "focus": focus, "kind": kind}


def _recall(request: HttpRequest, page: str) -> dict:
    notice = request.session.get(NOTICE_KEY)
    if not isinstance(notice, dict) or notice.get("page") != page:
        return {}
    del request.session[NOTICE_KEY]
    return notice


def _int(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if 0 < number < 2**31 else None


def _focus(notice: dict) -> dict:
    """The control to focus on the page, from the notice's "action:id" ("up:12", "start")."""
    action, _sep, pk = notice.get("focus", "").partition(":")
    return {"focus_action": action, "focus_pk": _int(pk), "focus_kind": notice.get("kind", "")}


def _title(episode: Episode) -> str:
    return episode.localized("title")


# --- The member's ranking --------------------------------------------------------------------


def _ranking_context(request: HttpRequest, season: Season, *, notice: dict) -> dict:
    episodes = {e.pk: e for e in Episode.objects.filter(season=season).order_by("number")}
    for episode in episodes.values():
        episode.season = season
    order = services.ranking_of(request.user, season)
    return {
        "season": season,
        "ranked": [episodes[pk] for pk in order],
        "unranked": [e for pk, e in episodes.items() if pk not in order],
        "notice": notice.get("text", ""),
        "notice_is_error": notice.get("error", False),
        **_focus(notice),
    }


@login_required
@require_safe
def my_ranking(request: HttpRequest, season: int) -> HttpResponse:
    season_obj = season_or_404(season)
    context = _ranking_context(request, season_obj, notice=_recall(request, "ranking"))
    return render(request, "picks/ranking.html", context)


def _ranking_answer(
    request: HttpRequest, season: Season, text: str, focus: str, *, status: int = 200
) -> HttpResponse:
    notice = {"text": text, "focus": focus, "error": status >= 400}
    if request.htmx:
        # 200 even for a refusal: htmx swaps only successful answers, and the status region
        # must say what went wrong.
        context = _ranking_context(request, season, notice=notice)
        return render(request, "picks/_ranking_editor.html", {**context, "swapped": True})
    if status >= 400:
        context = _ranking_context(request, season, notice=notice)
        return render(request, "picks/ranking.html", context, status=status)
    _remember(request, "ranking", text, focus)
    # No #fragment: a page opened at a fragment ignores autofocus (HTML's autofocus rules),
    # and the focused button is scrolled into view anyway.
    return redirect(reverse("picks:ranking", args=[season.number]))


def _moved_text(episode: Episode, place: int, total: int, direction: str, moved: bool) -> str:
    values = {"title": _title(episode), "place": place, "total": total}
    if not moved:
        if direction == "up":
            return _("“%(title)s” is already first.") % values
        return _("“%(title)s” is already last.") % values
    if direction == "up":
        return _("“%(title)s” moved up to place %(place)s of %(total)s.") % values
    return _("“%(title)s” moved down to place %(place)s of %(total)s.") % values


@require_POST
def ranking_change(request: HttpRequest, season: int) -> HttpResponse:
    """One change to the member's ranking: move an episode up or down, add it (last) or take
    it out, save the order a drag and drop left, or clear it all."""
    season_obj = season_or_404(season)
    page = reverse("picks:ranking", args=[season_obj.number])
    if not request.user.is_authenticated:
        return redirect_to_login(page)
    if not ratelimit.consume(request, action="picks_change", user=request.user):
        return _ranking_answer(request, season_obj, str(TOO_FAST), "", status=429)
    episodes = {e.pk: e for e in Episode.objects.filter(season=season_obj)}
    member = request.user
    for direction, by in (("up", -1), ("down", 1)):
        if direction in request.POST:
            episode = episodes.get(_int(request.POST[direction]))
            if episode is None:
                break
            before = services.ranking_of(member, season_obj)
            place = services.ranking_move(member=member, season=season_obj, episode=episode, by=by)
            if place is None:
                break
            moved = before.index(episode.pk) + 1 != place
            text = _moved_text(episode, place, len(before), direction, moved)
            return _ranking_answer(request, season_obj, text, f"{direction}:{episode.pk}")
    if "add" in request.POST and (episode := episodes.get(_int(request.POST["add"]))):
        place = services.ranking_add(member=member, season=season_obj, episode=episode)
        total = len(services.ranking_of(member, season_obj))
        text = _("“%(title)s” added at place %(place)s of %(total)s.") % {
            "title": _title(episode),
            "place": place,
            "total": total,
        }
        return _ranking_answer(request, season_obj, text, f"up:{episode.pk}")
    if "remove" in request.POST and (episode := episodes.get(_int(request.POST["remove"]))):
        services.ranking_remove(member=member, season=season_obj, episode=episode)
        text = _("“%(title)s” is out of your ranking.") % {"title": _title(episode)}
        return _ranking_answer(request, season_obj, text, f"add:{episode.pk}")
    if request.POST.get("dropped"):
        order = [_int(value) for value in request.POST.getlist("order")]
        moved = episodes.get(_int(request.POST["dropped"]))
        if None not in order and set(order) <= episodes.keys() and len(set(order)) == len(order):
            after = services.ranking_set(
                member=member, season=season_obj, episodes=[episodes[pk] for pk in order]
            )
            if moved is not None and moved.pk in after:
                text = _("“%(title)s” moved to place %(place)s of %(total)s.") % {
                    "title": _title(moved),
                    "place": after.index(moved.pk) + 1,
                    "total": len(after),
                }
                return _ranking_answer(request, season_obj, text, f"up:{moved.pk}")
            return _ranking_answer(request, season_obj, _("Your ranking is saved."), "")
    if "clear" in request.POST:
        services.ranking_clear(member=member, season=season_obj)
        return _ranking_answer(request, season_obj, _("Your ranking is empty."), "start")
    text = _("That change could not be made: reload the page and try again.")
    return _ranking_answer(request, season_obj, text, "", status=400)


# --- The community ranking -------------------------------------------------------------------


@require_safe
@cache_for_visitors("catalog", "rankings")
def community(request: HttpRequest, season: int) -> HttpResponse:
    season_obj = season_or_404(season)
    mine = []
    if request.user.is_authenticated:
        by_id = {e.pk: e for e in Episode.objects.filter(season=season_obj)}
        for episode in by_id.values():
            episode.season = season_obj
        mine = [by_id[pk] for pk in services.ranking_of(request.user, season_obj)]
    return render(
        request,
        "picks/community.html",
        {"season": season_obj, "ranking": community_ranking(season_obj), "mine": mine},
    )


# --- Favourites ------------------------------------------------------------------------------

KINDS = {"episode": (FavouriteEpisode, Episode), "character": (FavouriteCharacter, Character)}


def _favourites_context(request: HttpRequest, notice: dict) -> dict:
    member = request.user
    episodes = [
        f.episode
        for f in FavouriteEpisode.objects.filter(member=member)
        .select_related("episode__season")
        .order_by("position")
    ]
    characters = [
        f.character
        for f in FavouriteCharacter.objects.filter(member=member)
        .select_related("character")
        .order_by("position")
    ]
    all_episodes = Episode.objects.of_current_show().select_related("season")
    return {
        "favourite_episodes": episodes,
        "favourite_characters": characters,
        "episode_choices": [
            e
            for e in all_episodes.order_by("season__number", "number")
            if e.pk not in {f.pk for f in episodes}
        ],
        "character_choices": [
            c for c in Character.objects.order_by("name") if c.pk not in {f.pk for f in characters}
        ],
        "favourites_max": FAVOURITES_MAX,
        "notice": notice.get("text", ""),
        "notice_is_error": notice.get("error", False),
        **_focus(notice),
    }


@login_required
@require_safe
def my_favourites(request: HttpRequest) -> HttpResponse:
    context = _favourites_context(request, _recall(request, "favourites"))
    return render(request, "picks/favourites.html", context)


def _item_name(item: Episode | Character) -> str:
    return _title(item) if isinstance(item, Episode) else item.name


@require_POST
def favourites_change(request: HttpRequest) -> HttpResponse:
    """Add, take out or move one favourite episode or character: from the favourites page, or
    from the item's own page (which sends `next`, where the answer goes back)."""
    page = reverse("picks:favourites")
    back = posted_next(request)  # from an episode's or character's own page
    if not request.user.is_authenticated:
        return redirect_to_login(back or page)

    def answer(text: str, focus: str = "", *, status: int = 200) -> HttpResponse:
        if back is not None:
            (messages.error if status >= 400 else messages.success)(request, text)
            return redirect(back)
        kind = request.POST.get("kind", "")
        if status >= 400:
            notice = {"text": text, "focus": focus, "kind": kind, "error": True}
            context = _favourites_context(request, notice)
            return render(request, "picks/favourites.html", context, status=status)
        _remember(request, "favourites", text, focus, kind)
        return redirect(page)  # no #fragment, which would cancel the autofocus

    if not ratelimit.consume(request, action="picks_change", user=request.user):
        return answer(str(TOO_FAST), status=429)
    kind = request.POST.get("kind")
    if kind not in KINDS:
        return answer(_("Choose an episode or a character."), status=400)
    _model, item_model = KINDS[kind]
    action = next((a for a in ("add", "remove", "up", "down") if a in request.POST), None)
    items = item_model.objects.all()
    if item_model is Episode:
        items = Episode.objects.of_current_show().select_related("season")
    item = items.filter(pk=_int(request.POST.get(action or "add"))).first()
    if action is None or item is None:
        if kind == "episode":
            return answer(_("Choose an episode to add."), status=400)
        return answer(_("Choose a character to add."), status=400)
    name = {"name": _item_name(item)}
    member = request.user
    if action == "add":
        try:
            added = services.favourite_add(member=member, item=item)
        except services.PickError as error:
            return answer(str(error), status=400 if back is None else 409)
        text = (
            _("“%(name)s” is one of your favourites.")
            if added
            else _("“%(name)s” was already one of your favourites.")
        ) % name
        return answer(text, f"up:{item.pk}")
    if action == "remove":
        services.favourite_remove(member=member, item=item)
        return answer(_("“%(name)s” is no longer one of your favourites.") % name, "add")
    by = -1 if action == "up" else 1
    before = services.favourite_move(member=member, item=item, by=0)
    place = services.favourite_move(member=member, item=item, by=by)
    if place is None:
        return answer(_("“%(name)s” is not one of your favourites.") % name, status=400)
    values = {**name, "place": place}
    if place == before:
        text = (
            _("“%(name)s” is already first.") if by < 0 else _("“%(name)s” is already last.")
        ) % name
    elif by < 0:
        text = _("“%(name)s” moved up to place %(place)s.") % values
    else:
        text = _("“%(name)s” moved down to place %(place)s.") % values
    return answer(text, f"{action}:{item.pk}")
