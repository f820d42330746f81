import uuid

from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import DatabaseError
from django.db.models import Count, Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_http_methods, require_safe

from catalog.models import Credit, Episode, Season, Show
from catalog.views import citations_for
from community.activity import hidden_for
from community.home import community_context
from etoile_app import accounts
from etoile_app.exports import build_export
from etoile_app.recap import (
    RECAP_REVIEWS,
    Recap,
    agreement_chart,
    read_lines,
    recap_card,
    recap_share_image,
    review_totals,
    season_or_404,
    share_path,
)
from kernel.downloads import attachment
from kernel.languages import LANGUAGE_CODES
from kernel.memberpages import cache_for_members
from kernel.pagecache import cache_for_visitors
from kernel.shareimages import image_response
from members.forms import DeleteAccountForm
from members.services import follow_counts
from members.views import active_member_or_404
from picks.context import member_picks
from reviews.charts import distribution_chart
from reviews.context import (
    season_context,
    with_author_scores,
    with_decisions,
    with_reader_watchlist,
)
from reviews.mentions import with_known_mentions
from reviews.models import SCORES, EpisodeScores
from reviews.visibility import Sight, reader_of, sight_of_episode, sight_of_review

PROFILE_REVIEWS = 20

ROLE_ORDER = list(Credit.Role.values)


def sees_every_mean(request: HttpRequest, **kwargs) -> bool:
    """Members who hide what they have not watched get the full render: the season chart
    draws only the means they may see."""
    return not request.user.hide_unwatched


def sees_the_whole_community(request: HttpRequest, **kwargs) -> bool:
    """On the home page, members who blocked or muted someone (or were blocked) get the full
    render too: its community section leaves those members out for them."""
    return sees_every_mean(request) and not hidden_for(request)


@require_safe
@cache_for_visitors("catalog", "ratings", "reviews", "members")
@cache_for_members("catalog", "ratings", "reviews", "members", reader=sees_the_whole_community)
def home(request: HttpRequest) -> HttpResponse:
    show = Show.objects.current()
    if show is None:
        return render(request, "etoile_app/empty.html", status=503)
    seasons = list(
        show.seasons.prefetch_related(
            Prefetch(
                "episodes",
                queryset=with_reader_watchlist(
                    request, Episode.objects.select_related("scores").order_by("number")
                ),
            )
        )
    )
    for season in seasons:
        at_a_glance = season_context(request, list(season.episodes.all()))
        season.chart = at_a_glance["season_chart"]
        season.progress = at_a_glance["progress"]
        season.on_watchlist = at_a_glance["season_on_watchlist"]
    episodes = [episode for season in seasons for episode in season.episodes.all()]
    community = community_context(request, episodes, hidden_for(request))
    credits = list(show.credits.for_display())
    people_by_role: dict[str, list[Credit]] = {}
    for credit in credits:
        people_by_role.setdefault(credit.role, []).append(credit)
    return render(
        request,
        "etoile_app/home.html",
        {
            "show": show,
            "seasons": seasons,
            "citations": citations_for(show),
            **community,
            "creators": people_by_role.get(Credit.Role.CREATOR, []),
            "cast": people_by_role.get(Credit.Role.CAST, []),
            "theme_music": people_by_role.get(Credit.Role.THEME_MUSIC, []),
            # Grouped by role in the order Credit.Role lists them, for {% regroup %}.
            "crew": sorted(
                (c for c in credits if c.role not in {Credit.Role.CAST, Credit.Role.CREATOR}),
                key=lambda credit: ROLE_ORDER.index(credit.role),
            ),
        },
    )


# The site on a phone's home screen ------------------------------------------------------------

# The site's paper in its light and dark schemes (static/css/site.css): the phone paints the
# splash screen and the title bar in them before a page has loaded.
LIGHT_PAPER = "#faf7f2"
DARK_PAPER = "#15131a"
ICONS = [
    ("img/icons/icon-192.png", "192x192", "any"),
    ("img/icons/icon-512.png", "512x512", "any"),
    ("img/icons/icon-maskable-192.png", "192x192", "maskable"),
    ("img/icons/icon-maskable-512.png", "512x512", "maskable"),
]


@require_safe
@cache_control(max_age=86_400, public=True)
def web_app_manifest(request: HttpRequest, language: str) -> JsonResponse:
    """The web app manifest, one per language: installed from a French page, the site opens
    on the French home page with a French name. The icons are drawn by `draw_app_icons`."""
    if language not in LANGUAGE_CODES:
        raise Http404("No such language.")
    with translation.override(language):
        manifest = {
            "id": "/",
            "name": _("Étoile companion"),
            "short_name": _("Étoile"),
            "description": _(
                "Episodes, cast and sources for Étoile, the ballet series on Prime Video."
            ),
            "lang": language,
            "dir": "ltr",
            "start_url": reverse("home"),
            "scope": "/",
            "display": "standalone",
            "background_color": LIGHT_PAPER,
            "theme_color": LIGHT_PAPER,
            "icons": [
                {"src": static(path), "sizes": sizes, "type": "image/png", "purpose": purpose}
                for path, sizes, purpose in ICONS
            ],
        }
    return JsonResponse(
        manifest,
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False, "indent": 2},
    )


@require_safe
@cache_control(no_cache=True, public=True)
def service_worker(request: HttpRequest) -> FileResponse:
    """static/js/service-worker.js at the root of the site, so that its scope is the whole
    site (a worker controls only the pages under its own address). No-cache: the browser
    asks for it again on each visit and installs a new version as soon as there is one."""
    path = settings.BASE_DIR / "static" / "js" / "service-worker.js"
    return FileResponse(path.open("rb"), content_type="text/javascript; charset=utf-8")


@require_safe
@cache_for_visitors("catalog")
def offline(request: HttpRequest) -> HttpResponse:
    """What the service worker shows for a page that was never read here while the network is
    out. The worker fetches it without cookies when it installs: a visitor's page."""
    return render(request, "etoile_app/offline.html")


@require_safe
@cache_control(max_age=86_400, public=True)
def favicon(request: HttpRequest) -> FileResponse:
    # Browsers ask for /favicon.ico whatever the page says; answer from the static copy.
    path = settings.BASE_DIR / "static" / "img" / "favicon.ico"
    return FileResponse(path.open("rb"), content_type="image/x-icon")


def bench_ok(request: HttpRequest) -> HttpResponse:
    """`make bench`'s ceiling: the whole middleware stack and nothing else."""
    return HttpResponse("ok", content_type="text/plain")


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: 503 when this app server cannot reach the database, so it is taken
    out. The cache is reported but does not decide: every server shares the rate-limit Redis,
    and without it pages are still read (only rate-limited writes answer 503), so taking every
    server out for it would turn refused writes into a site that answers nothing."""
    checks = {}
    try:
        Season.objects.exists()
        checks["database"] = "ok"
    except DatabaseError:
        checks["database"] = "unavailable"
    try:
        probe = f"healthz:{uuid.uuid4().hex}"
        cache.set(probe, 1, 10)
        checks["cache"] = "ok" if cache.get(probe) == 1 else "unavailable"
        cache.delete(probe)
    except Exception:  # noqa: BLE001 (any cache backend's failure means "unavailable")
        checks["cache"] = "unavailable"
    healthy = checks["database"] == "ok"
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
    )


def another_members_profile(request: HttpRequest, handle: str) -> bool:
    """A member reads another's profile as the skeleton shows it; their own shows what
    moderators hold back of theirs, and "hide unwatched" leaves ratings and means out."""
    return handle.lower() != request.user.handle and not request.user.hide_unwatched


@require_safe
@cache_for_visitors("catalog", "members", "member:{handle}")
@cache_for_members("catalog", "members", "member:{handle}", reader=another_members_profile)
def profile(request: HttpRequest, handle: str) -> HttpResponse:
    member = active_member_or_404(handle)
    ratings = member.ratings.select_related("episode__season").order_by(
        "episode__season__number", "episode__number"
    )
    # The member's own page shows them what moderators hold back, marked; replies show only
    # where their review is still up for everyone to read.
    reviews = with_author_scores(
        member.reviews.seen_by(request.user)
        .under_public_reviews()
        .select_related("episode__season", "parent__member")
    ).order_by("-created_at")[:PROFILE_REVIEWS]
    ratings = list(ratings)
    reviews = list(reviews)
    reader = reader_of(request)
    for rating in ratings:
        sight = sight_of_episode(reader, rating.episode, author_id=member.pk)
        rating.withheld = sight is Sight.WITHHELD
    with_decisions(reviews, request.user)
    with_known_mentions(reviews)
    for review in reviews:
        sight = sight_of_review(reader, review)
        review.withheld = sight is Sight.WITHHELD
        review.collapsed = sight is Sight.SHIELDED
    watch_stats = member.watches.aggregate(
        episodes=Count("episode", distinct=True), watches=Count("pk")
    )
    # The average and the chart tell nothing of an episode the reader is waiting to watch.
    given = [rating.score for rating in ratings if not rating.withheld]
    return render(
        request,
        "etoile_app/profile.html",
        {
            "member": member,
            "follow_counts": follow_counts(member),
            "ratings": ratings,
            "reviews": reviews,
            "watch_stats": watch_stats,
            "picks": member_picks(member),
            "average_given": round(sum(given) / len(given) / 2, 1) if given else None,
            "own_distribution": distribution_chart(
                EpisodeScores(**{f"count_{s}": given.count(s) for s in SCORES}), None
            ),
        },
    )


def another_members_recap(request: HttpRequest, handle: str, season: int) -> bool:
    return another_members_profile(request, handle)


@require_safe
@cache_for_visitors("catalog", "ratings", "members", "member:{handle}")
@cache_for_members("catalog", "ratings", "members", "member:{handle}", reader=another_members_recap)
def recap(request: HttpRequest, handle: str, season: int) -> HttpResponse:
    """A member's season recap (etoile_app/recap.py): their watches, their ratings beside
    everyone else's, their picks and their reviews, as the spoiler rule lets the reader see
    them; and its share image, drawn as for a visitor."""
    member = active_member_or_404(handle)
    season_obj = season_or_404(season)
    found = Recap(member=member, season=season_obj, lines=read_lines(member, season_obj))
    # As on the profile: the member sees what moderators hold back of theirs, marked.
    reviews = (
        member.reviews.seen_by(request.user)
        .under_public_reviews()
        .filter(episode__season=season_obj)
    )
    found.review_count, found.likes = review_totals(reviews)
    found.reviews = list(
        with_author_scores(reviews.select_related("episode__season", "parent__member")).order_by(
            "-like_count", "-created_at", "-pk"
        )[:RECAP_REVIEWS]
    )
    share_image = recap_share_image(request, found)  # as for a visitor: before the reader's
    reader = reader_of(request)
    figures = found.figures(reader)
    with_decisions(found.reviews, request.user)
    with_known_mentions(found.reviews)
    for review in found.reviews:
        sight = sight_of_review(reader, review)
        review.withheld = sight is Sight.WITHHELD
        review.collapsed = sight is Sight.SHIELDED
    picks = member_picks(member)
    ranking = next((episodes for s, episodes in picks.rankings if s.pk == season_obj.pk), [])
    return render(
        request,
        "etoile_app/recap.html",
        {
            "member": member,
            "season": season_obj,
            "recap": found,
            "lines": found.lines,
            "figures": figures,
            "chart": agreement_chart(found.lines),
            "own_distribution": distribution_chart(figures.distribution, None),
            "favourite_episodes": [
                e for e in picks.favourite_episodes if e.season_id == season_obj.pk
            ],
            "favourite_characters": picks.favourite_characters,
            "ranking": ranking,
            "share_image": share_image,
        },
    )


@require_safe
def recap_share_png(
    request: HttpRequest, language: str, handle: str, season: int, digest: str
) -> HttpResponse:
    if language not in LANGUAGE_CODES:
        raise Http404("No such language.")
    with translation.override(language):
        member = active_member_or_404(handle)
        season_obj = season_or_404(season)
        found = Recap(member=member, season=season_obj, lines=read_lines(member, season_obj))
        card = recap_card(found)
        return image_response(request, card, asked=digest, url=share_path(found, card))


@login_required
@require_safe
def export(request: HttpRequest) -> HttpResponse:
    stamp = timezone.now().strftime("%Y-%m-%d")
    return attachment(
        build_export(request.user),
        filename=f"etoile-{request.user.handle}-{stamp}.zip",
        content_type="application/zip",
    )


@login_required
@reauthentication_required(allow_get=False)
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        accounts.member_delete(request=request, member=request.user)
        messages.success(request, _("Your account and everything in it have been deleted."))
        return redirect("home")
    return render(
        request,
        "etoile_app/delete_account.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The 403 page (handler403). Under the admin it is drawn in the admin's design with a way
    back to the admin's index, so staff refused one page stay in their workplace; elsewhere it
    is the site's page."""
    from django.contrib import admin

    if request.path.startswith(reverse("admin:index")):
        context = {**admin.site.each_context(request), "title": _("Not allowed")}
        return render(request, "admin/403.html", context, status=403)
    return defaults.permission_denied(request, exception)
