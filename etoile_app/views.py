from django.conf import settings
from django.db.models import Prefetch
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from catalog.models import Credit, Episode, Season, Show

ROLE_ORDER = list(Credit.Role.values)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    show = Show.objects.current()
    if show is None:
        return render(request, "etoile_app/empty.html", status=503)
    seasons = show.seasons.prefetch_related(
        Prefetch("episodes", queryset=Episode.objects.order_by("number"))
    )
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


@require_safe
@cache_control(max_age=86_400, public=True)
def favicon(request: HttpRequest) -> FileResponse:
    # Browsers ask for /favicon.ico whatever the page says; answer from the static copy.
    path = settings.BASE_DIR / "static" / "img" / "favicon.ico"
    return FileResponse(path.open("rb"), content_type="image/x-icon")


@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    Season.objects.exists()  # proves the database answers
    return HttpResponse("ok", content_type="text/plain")
