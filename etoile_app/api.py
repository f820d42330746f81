"""The JSON API under /api/v1/: django-ninja, with the schema at /api/v1/openapi.json and its
interactive documentation at /api/v1/docs.

Reading is open to anyone, as the pages are. Writing acts for a member, who proves it with
a read-and-write personal access token (`Authorization: Bearer …`, made in their settings;
members.api.TokenAuth refuses a read-only token's writes) or with their session, in which case the request carries the CSRF token as a form would.
"""

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError

from kernel import outage

api = NinjaAPI(
    title="Étoile API",
    version="1",
    description=(
        "Open data about the series *Étoile*: its seasons, episodes, people and characters, "
        "the members' ratings, public reviews, favourites and rankings, and the community "
        "ranking; and, for a member, their own ratings, watchlist, watches, favourites and "
        "rankings. Write requests need a read-and-write personal access token "
        "(`Authorization: Bearer …`, made at /me/tokens/; a read-only token's writes are "
        "refused with 403) or a signed-in session with its CSRF token. Scores are whole numbers from 1 to 10: half stars, 10 is five stars."
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


# Ninja answers a view's exceptions itself (a traceback page with DEBUG on): a rate limit
# that cannot be counted is the same 503 here as on the site's pages.
for _error in outage.STORE_UNAVAILABLE:
    api.add_exception_handler(_error, outage.refuse)

api.add_router("", "catalog.api.router")
api.add_router("", "reviews.api.episodes_router")
api.add_router("", "reviews.api.router")
api.add_router("", "picks.api.router")
api.add_router("", "notifications.api.router")
api.add_router("", "community.api.router")
