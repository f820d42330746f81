"""Requests a member never meant to send: forged from another site, crafted into a link,
aimed at another host, or repeated to guess a password.

Each test sends the request as an attacker would get a member's browser to send it, then
checks what the member or the operator would notice: the answer (403, 405, 400, where a
redirect leads, a refusal message) and, in the database, that nothing changed. Where a
refusal could be vacuous (a table entry that would change nothing anyway), the same request
made properly is shown to change what it says, so the refusal is the token's, not the data's.
"""

import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode, urlsplit

import pytest
from allauth.account.internal.flows.login import record_authentication
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string
from PIL import Image

from catalog.models import Character, Episode, Person, Season, Show
from members.models import AccessToken, Block, Follow, Mute, User
from notifications.models import EmailPreferences, Notification
from picks.models import FavouriteCharacter, FavouriteEpisode, Preference, RankedEpisode
from reviews import imports, moderation, services
from reviews.models import (
    Appeal,
    EpisodeScores,
    Like,
    MemberImport,
    ModerationAction,
    Rating,
    Report,
    Review,
    Watch,
    WatchlistEntry,
)
from tests.factories import PASSWORD, empty_the_catalog, fill_in_episode, make_member
from tests.pages import project_routes

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "sixty-four fouettes in a row"
ALT_EMAIL = "odette.alt@example.com"
# What the CSRF cookie holds in the member's browser; the attacker's page cannot read it.
CSRF_SECRET = get_random_string(32)

# allauth's wording, as the member reads it on the sign-in page.
WRONG_PASSWORD = "The email address and/or password you specified are not correct."
TOO_MANY_ATTEMPTS = "Too many failed login attempts. Try again later."


# The world an attacker aims at ----------------------------------------------------------------


@dataclass
class World:
    episode: Episode
    odette: User  # the member whose browser is made to send the requests
    odile: User
    admin: User
    mine: Review
    theirs: Review
    rating: Rating
    awaiting_curation: list[int] = field(default_factory=list)


def small_catalog() -> Episode:
    """One show, one season of four episodes, a person and a character: all these views
    need, instead of the seeded catalog."""
    empty_the_catalog()
    show = Show.objects.create(
        title="Étoile",
        slug="etoile",
        premiere_date=date(2025, 4, 24),
        new_york_premiere_date=date(2025, 4, 22),
    )
    season = Season.objects.create(show=show, number=1, episode_count=4)
    for number in range(1, 5):
        episode = Episode.objects.create(
            season=season, number=number, title=f"Episode {number}", awaiting_curation=number > 2
        )
        if episode.awaiting_curation:
            fill_in_episode(episode)  # so that the admin's own form may curate it
    Person.objects.create(name="Luke Kirby", slug="luke-kirby")
    Character.objects.create(show=show, name="Jack", slug="jack")
    return Episode.objects.select_related("season").get(season=season, number=3)


@pytest.fixture
def catalog(db) -> Episode:
    return small_catalog()


@pytest.fixture
def world(catalog) -> World:
    episode = catalog
    odette = make_member("odette@example.com", "odette", display_name="Odette Swan")
    EmailAddress.objects.create(user=odette, email=ALT_EMAIL, verified=True, primary=False)
    User.objects.filter(pk=odette.pk).update(avatar=f"avatars/{'0' * 32}.jpg")
    odette.refresh_from_db()
    odile = make_member("odile@example.com", "odile", display_name="Odile Black")
    admin = User.objects.create_superuser(email="admin@example.com", password=PASSWORD)
    EmailAddress.objects.create(user=admin, email=admin.email, verified=True, primary=True)
    rating = services.rating_set(member=odette, episode=episode, score=6)
    mine = services.review_post(member=odette, episode=episode, body="Mine, as I wrote it.")
    theirs = services.review_post(member=odile, episode=episode, body="Theirs, as they wrote it.")
    services.watch_add(
        member=odette,
        episode=episode,
        watched_on=timezone.localdate(),
        submission_key=uuid.uuid4(),
    )
    # Someone mentioned odette: "Mark all as read" has something to mark.
    Notification.objects.create(recipient=odette, kind="mention", actor=odile, review=theirs)
    # Counters out of step with the ratings, as only the admin's "recount all" puts right.
    EpisodeScores.objects.filter(episode=episode).update(count_1=F("count_1") + 3)
    awaiting = list(
        Episode.objects.filter(awaiting_curation=True).order_by("pk").values_list("pk", flat=True)
    )
    return World(episode, odette, odile, admin, mine, theirs, rating, awaiting)


def state(client: Client | None = None) -> dict:
    """Everything a forged request could change, to prove that it changed nothing."""
    return {
        "ratings": list(
            Rating.objects.order_by("pk").values_list("pk", "member_id", "episode_id", "score")
        ),
        "counters": list(EpisodeScores.objects.order_by("pk").values()),
        "reviews": list(
            Review.objects.order_by("pk").values_list(
                "pk", "body", "is_spoiler", "status", "like_count", "reply_count", "edited_at"
            )
        ),
        "likes": list(Like.objects.order_by("pk").values_list("member_id", "review_id")),
        "reports": list(
            Report.objects.order_by("pk").values_list("reporter_id", "review_id", "reason")
        ),
        "appeals": list(Appeal.objects.order_by("pk").values_list("member_id", "decision_id")),
        "watchlist": list(
            WatchlistEntry.objects.order_by("pk").values_list("member_id", "episode_id")
        ),
        "watches": list(
            Watch.objects.order_by("pk").values_list("pk", "member_id", "episode_id", "watched_on")
        ),
        "members": list(
            User.objects.order_by("pk").values_list(
                "pk",
                "email",
                "handle",
                "display_name",
                "bio",
                "avatar",
                "password",
                "is_active",
                "suspended_at",
                "hide_unwatched",
            )
        ),
        "emails": list(
            EmailAddress.objects.order_by("pk").values_list(
                "user_id", "email", "verified", "primary"
            )
        ),
        "curation": list(Episode.objects.order_by("pk").values_list("pk", "awaiting_curation")),
        "decisions": list(ModerationAction.objects.order_by("pk").values_list("pk", "kind")),
        "tokens": list(AccessToken.objects.order_by("pk").values_list("pk", "member_id", "name")),
        "imports": list(MemberImport.objects.order_by("pk").values_list("pk", "status")),
        "favourites": list(
            FavouriteEpisode.objects.order_by("member_id", "position").values_list(
                "member_id", "episode_id", "position"
            )
        )
        + list(
            FavouriteCharacter.objects.order_by("member_id", "position").values_list(
                "member_id", "character_id", "position"
            )
        ),
        "rankings": list(
            RankedEpisode.objects.order_by("ranking__member_id", "position").values_list(
                "ranking__member_id", "episode_id", "position"
            )
        ),
        "preferences": list(Preference.objects.order_by("pk").values_list("pk", "members")),
        "relations": [
            list(model.objects.order_by("pk").values_list("pk")) for model in (Follow, Block, Mute)
        ],
        "notifications": list(
            Notification.objects.order_by("pk").values_list("pk", "recipient_id", "read_at")
        ),
        "notification_emails": list(EmailPreferences.objects.order_by("pk").values()),
        "signed_in": client.session.get(SESSION_KEY) if client is not None else None,
    }


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (180, 40, 90)).save(buffer, "PNG")
    return buffer.getvalue()


def just_typed_their_password(client: Client, member: User) -> None:
    """As allauth records a password typed again, so pages that ask for it (deleting the
    account, adding an email) act at once: the forged request has every chance."""
    session = client.session
    request = RequestFactory().get("/")
    request.session = session
    request.user = member
    record_authentication(request, member, "password", reauthenticated=True)
    session.save()


def browser_of(member: User, *, enforce_csrf_checks: bool = True) -> Client:
    """The member's browser: signed in, with the CSRF cookie every page of ours sets."""
    client = Client(enforce_csrf_checks=enforce_csrf_checks)
    client.force_login(member)
    just_typed_their_password(client, member)
    client.cookies[settings.CSRF_COOKIE_NAME] = CSRF_SECRET
    return client


# Every address that changes something ---------------------------------------------------------


@dataclass(frozen=True)
class Mutation:
    label: str
    url_name: str
    args: Callable[[World], list]
    data: Callable[[World], dict]
    changes: str  # the part of state() a real submission changes
    on_get: int  # 405 for a POST-only address, 200 for a page that shows its form
    actor: str = "member"  # or "admin"

    def url(self, world: World) -> str:
        return reverse(self.url_name, args=self.args(world))

    def client(self, world: World, **options) -> Client:
        return browser_of(world.admin if self.actor == "admin" else world.odette, **options)


def EPISODE(w):
    return [1, 3]


def ODILE(w):
    return [w.odile.handle]


def SEASON(w):
    return [1]


def MINE(w):
    return [w.mine.pk]


def THEIRS(w):
    return [w.theirs.pk]


def NONE(w):
    return []


def MINE_HIDDEN(w):
    """A review of odette's that a moderator hid: what its author may appeal."""
    review = services.review_post(member=w.odette, episode=w.episode, body="Hidden by them.")
    moderation.review_hide(review=review, moderator=w.admin, reason="Off-topic.")
    return [review.pk]


def MY_TOKEN(w):
    token = w.odette.access_tokens.filter(name="Script").first()
    return [(token or AccessToken.objects.create_for(w.odette, "Script")[0]).pk]


def fixed(data: dict) -> Callable[[World], dict]:
    return lambda w: dict(data)


# An import's first step reads the file and shows what would change: it writes nothing, even
# with the token, so the test below checks that it answers and still changes nothing.
PREVIEW_ONLY = ""
TRAKT_RATING = (
    b'[{"rated_at": "2025-05-02T10:00:00.000Z", "rating": 9, "type": "episode",'
    b' "episode": {"season": 1, "number": 1}, "show": {"title": "Etoile"}}]'
)


MUTATIONS = [
    Mutation("rating set", "reviews:rating-set", EPISODE, fixed({"score": "8"}), "ratings", 405),
    Mutation(
        "rating remove", "reviews:rating-set", EPISODE, fixed({"remove": "1"}), "ratings", 405
    ),
    Mutation(
        "review create",
        "reviews:review-create",
        EPISODE,
        fixed({"body": "Forged review."}),
        "reviews",
        405,
    ),
    Mutation(
        "reply create",
        "reviews:reply-create",
        THEIRS,
        lambda w: {f"reply-{w.theirs.pk}-body": "Forged reply."},
        "reviews",
        405,
    ),
    Mutation(
        "review edit", "reviews:review-edit", MINE, fixed({"body": "Forged edit."}), "reviews", 200
    ),
    Mutation("review delete", "reviews:review-delete", MINE, fixed({}), "reviews", 200),
    Mutation("like", "reviews:like-toggle", THEIRS, fixed({"liked": "1"}), "likes", 405),
    Mutation("report", "reviews:review-report", THEIRS, fixed({"reason": "spam"}), "reports", 200),
    Mutation(
        "appeal", "reviews:review-appeal", MINE_HIDDEN, fixed({"text": "Forged."}), "appeals", 200
    ),
    Mutation(
        "watchlist toggle",
        "reviews:watchlist-toggle",
        EPISODE,
        fixed({"action": "add"}),
        "watchlist",
        405,
    ),
    Mutation(
        "watch add",
        "reviews:watch-add",
        EPISODE,
        lambda w: {
            "watched_on": timezone.localdate().isoformat(),
            "submission_key": str(uuid.uuid4()),
        },
        "watches",
        405,
    ),
    Mutation("watch undo", "reviews:watch-undo", EPISODE, fixed({}), "watches", 405),
    Mutation(
        "season track",
        "reviews:season-track",
        SEASON,
        fixed({"action": "watchlist"}),
        "watchlist",
        405,
    ),
    Mutation(
        "profile settings save",
        "member-settings",
        NONE,
        fixed({"display_name": "Forged Name", "handle": "forged", "bio": "Forged."}),
        "members",
        200,
    ),
    Mutation(
        "avatar upload",
        "avatar-upload",
        NONE,
        lambda w: {"avatar": SimpleUploadedFile("me.png", png_bytes(), "image/png")},
        "members",
        405,
    ),
    Mutation("avatar remove", "avatar-remove", NONE, fixed({}), "members", 405),
    Mutation(
        "notifications mark all read",
        "notifications:mark-all-read",
        NONE,
        fixed({}),
        "notifications",
        405,
    ),
    Mutation(
        "notification emails save",
        "notifications:settings",
        NONE,
        fixed({"reply": "on", "like": "on", "digest": "on"}),
        "notification_emails",
        200,
    ),
    Mutation("API token create", "access-tokens", NONE, fixed({"name": "Forged"}), "tokens", 200),
    Mutation("API token revoke", "access-token-revoke", MY_TOKEN, fixed({}), "tokens", 405),
    Mutation("delete account", "member-delete", NONE, fixed({"confirm": "on"}), "members", 200),
    Mutation(
        "import preview",
        "reviews:import",
        NONE,
        lambda w: {"file": SimpleUploadedFile("ratings-episodes.json", TRAKT_RATING)},
        PREVIEW_ONLY,
        200,
    ),
    Mutation(
        "import confirm",
        "reviews:import-confirm",
        NONE,
        lambda w: {
            "plan": imports.plan_sign(
                member=w.odette,
                ratings=[[Episode.objects.get(season__number=1, number=1).pk, 9, None]],
                watches=[],
                watchlist=[],
            )
        },
        "ratings",
        405,
    ),
    Mutation(
        "favourite add",
        "picks:favourites-change",
        NONE,
        lambda w: {"kind": "episode", "add": str(w.episode.pk)},
        "favourites",
        405,
    ),
    Mutation(
        "ranking add",
        "picks:ranking-change",
        SEASON,
        lambda w: {"add": str(w.episode.pk)},
        "rankings",
        405,
    ),
    Mutation("follow", "follow", ODILE, fixed({"on": "1"}), "relations", 405),
    Mutation("block", "block", ODILE, fixed({"on": "1"}), "relations", 405),
    Mutation("mute", "mute", ODILE, fixed({"on": "1"}), "relations", 405),
    Mutation("sign out", "account_logout", NONE, fixed({}), "signed_in", 200),
    Mutation(
        "email add",
        "account_email",
        NONE,
        fixed({"action_add": "", "email": "forged@example.com"}),
        "emails",
        200,
    ),
    Mutation(
        "email remove",
        "account_email",
        NONE,
        fixed({"action_remove": "", "email": ALT_EMAIL}),
        "emails",
        200,
    ),
    Mutation(
        "email make primary",
        "account_email",
        NONE,
        fixed({"action_primary": "", "email": ALT_EMAIL}),
        "emails",
        200,
    ),
    Mutation(
        "password change",
        "account_change_password",
        NONE,
        fixed({"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}),
        "members",
        200,
    ),
    Mutation(
        "admin action: mark curated",
        "admin:catalog_episode_changelist",
        NONE,
        lambda w: {
            "action": "mark_curated",
            "_selected_action": w.awaiting_curation,
            "index": "0",
        },
        "curation",
        302,  # the list refuses unknown query parameters ("?e=1") and acts on nothing
        actor="admin",
    ),
    Mutation(
        "admin action: suspend member",
        "admin:etoile_app_user_changelist",
        NONE,
        lambda w: {
            "action": "suspend",
            "_selected_action": [w.odile.pk],
            "reason": "Forged.",
            "index": "0",
        },
        "members",
        302,
        actor="admin",
    ),
    Mutation(
        "admin delete: rating",
        "admin:reviews_rating_delete",
        lambda w: [w.rating.pk],
        fixed({"post": "yes"}),
        "ratings",
        200,
        actor="admin",
    ),
    Mutation(
        "admin: recount all ratings",
        "admin:reviews_episodescores_recount_all",
        NONE,
        fixed({}),
        "counters",
        405,
        actor="admin",
    ),
]

# Addresses that only show something. Each is checked to refuse a POST (below), so a view
# that starts writing cannot hide here. None: served by Django itself, nothing to post to.
READ_ONLY: dict[str, Callable[[World], str] | None] = {
    "home": lambda w: reverse("home"),
    "catalog:season": lambda w: reverse("catalog:season", args=[1]),
    "catalog:episode": lambda w: reverse("catalog:episode", args=[1, 3]),
    "catalog:person": lambda w: reverse(
        "catalog:person", args=[Person.objects.order_by("pk").first().slug]
    ),
    "catalog:character": lambda w: reverse(
        "catalog:character", args=[Character.objects.order_by("pk").first().slug]
    ),
    "catalog:sources": lambda w: reverse("catalog:sources"),
    "search:results": lambda w: f"{reverse('search:results')}?q=gala",
    "reviews:watchlist": lambda w: reverse("reviews:watchlist"),
    "reviews:diary": lambda w: reverse("reviews:diary", args=[w.odette.handle]),
    "picks:community-ranking": lambda w: reverse("picks:community-ranking", args=[1]),
    "picks:ranking": lambda w: reverse("picks:ranking", args=[1]),
    "picks:favourites": lambda w: reverse("picks:favourites"),
    "profile": lambda w: reverse("profile", args=[w.odette.handle]),
    "recap": lambda w: reverse("recap", args=[w.odette.handle, 1]),
    "member-export": lambda w: reverse("member-export"),
    "reviews:export-trakt": lambda w: reverse("reviews:export-trakt"),
    "reviews:export-csv": lambda w: reverse("reviews:export-csv"),
    "reviews:import-status": lambda w: reverse(
        "reviews:import-status",
        args=[MemberImport.objects.create(member=w.odette, language="en", status="done").pk],
    ),
    "favicon": lambda w: reverse("favicon"),
    "web-app-manifest": lambda w: reverse("web-app-manifest", args=["en"]),
    "service-worker": lambda w: reverse("service-worker"),
    "offline": lambda w: reverse("offline"),
    "share-image-episode": lambda w: reverse(
        "share-image-episode", kwargs={"language": "en", "season": 1, "episode": 3, "digest": "x"}
    ),
    "share-image-review": lambda w: reverse(
        "share-image-review", kwargs={"language": "en", "pk": w.theirs.pk, "digest": "x"}
    ),
    "share-image-recap": lambda w: reverse(
        "share-image-recap",
        kwargs={"language": "en", "handle": w.odette.handle, "season": 1, "digest": "x"},
    ),
    "reviews:review": lambda w: reverse("reviews:review", args=[1, 3, w.theirs.pk]),
    "healthz": lambda w: reverse("healthz"),
    "sitemap": lambda w: reverse("sitemap"),
    "robots-txt": lambda w: reverse("robots-txt"),
    "switch-language": lambda w: reverse("switch-language", args=["fr"]),
    "reviews:feed": lambda w: reverse("reviews:feed"),
    "reviews:episode-feed": lambda w: reverse("reviews:episode-feed", args=[1, 3]),
    "reviews:member-feed": lambda w: reverse("reviews:member-feed", args=[w.odette.handle]),
    "community:member-activity-feed": lambda w: reverse(
        "community:member-activity-feed", args=[w.odette.handle]
    ),
    "community:activity": lambda w: reverse("community:activity"),
    "followers": lambda w: reverse("followers", args=[w.odile.handle]),
    "following": lambda w: reverse("following", args=[w.odile.handle]),
    "notifications:list": lambda w: reverse("notifications:list"),
    # Unnamed, optional routes, by their pattern: uploads in development, `make bench`.
    f"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$": None,
    "bench/ok": None,
}
OPTIONAL_ROUTES = {f"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$", "bench/ok"}
# Posted by design without a session or a CSRF token, and why that is safe: each has its own
# test that a GET changes nothing and a forged address changes nothing either.
WITHOUT_CSRF = {
    # RFC 8058's one-click unsubscribe, which the mail provider posts: the signed token in the
    # address names the member and the email, and the worst a forged post can do is what the
    # member's own email client would (tests/notifications: a forged token is a 400).
    "notifications:unsubscribe": "signed token",
}
# Served by django-allauth and the Django admin, whose own tests cover their addresses; the
# ones that change something are in MUTATIONS.
THIRD_PARTY_PREFIXES = ("admin/", "accounts/")
# The JSON API lists its own addresses in its OpenAPI schema, and tests/api/ calls each one:
# schemathesis for every operation, test_api.py for CSRF on session writes and ownership.
API_PREFIX = "api/"


# 1. Forged cross-site posts --------------------------------------------------------------------


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.label)
def test_a_forged_post_without_the_csrf_token_is_refused_and_changes_nothing(world, mutation):
    client = mutation.client(world)
    url = mutation.url(world)
    before = state(client)

    # The attacker's page posts the same fields; the browser adds the cookies, not the token.
    response = client.post(url, mutation.data(world))
    assert response.status_code == 403, response
    assert state(client) == before

    # A token that is not this browser's, or the right one posted from another site's page.
    response = client.post(url, {**mutation.data(world), "csrfmiddlewaretoken": "x" * 32})
    assert response.status_code == 403
    response = client.post(
        url,
        {**mutation.data(world), "csrfmiddlewaretoken": CSRF_SECRET},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert state(client) == before

    # The member's own form, token included, does what it says: the refusals were the token's.
    response = client.post(url, {**mutation.data(world), "csrfmiddlewaretoken": CSRF_SECRET})
    assert response.status_code in {200, 302}, response
    if mutation.changes == PREVIEW_ONLY:
        assert b'name="plan"' in response.content  # the preview, ready to confirm
        assert state(client) == before
    else:
        assert state(client)[mutation.changes] != before[mutation.changes]


def test_every_address_of_the_site_is_listed_as_changing_something_or_read_only():
    """A new address must be added to MUTATIONS (and so be tested against forged posts) or to
    READ_ONLY (and so be tested to refuse posts): the tables cannot silently go stale."""
    routes = project_routes()
    ours = {
        name: route
        for name, route in routes.items()
        if not route.startswith((*THIRD_PARTY_PREFIXES, API_PREFIX))
    }
    listed = {m.url_name for m in MUTATIONS} | READ_ONLY.keys() | WITHOUT_CSRF.keys()

    unlisted = sorted(f"{name} (/{route})" for name, route in ours.items() if name not in listed)
    assert not unlisted, (
        "New addresses, neither in MUTATIONS nor in READ_ONLY of this file: " + ", ".join(unlisted)
    )
    gone = sorted(name for name in listed - OPTIONAL_ROUTES if name not in routes)
    assert not gone, "Listed here but no longer an address of the site: " + ", ".join(gone)


@pytest.mark.parametrize("name", [name for name, url in READ_ONLY.items() if url])
def test_a_read_only_address_refuses_a_post_and_changes_nothing(world, name):
    client = browser_of(world.odette)
    url = READ_ONLY[name](world)
    before = state(client)

    response = client.post(url, {"csrfmiddlewaretoken": CSRF_SECRET, "body": "Posted."})

    assert response.status_code == 405
    assert "POST" not in response["Allow"]
    assert state(client) == before


# 2. A GET changes nothing ----------------------------------------------------------------------


def as_query(data: dict) -> str:
    """The form's fields as a link would carry them (a file cannot travel in a link)."""
    return urlencode(
        {key: value for key, value in data.items() if isinstance(value, str | list)}, doseq=True
    )


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.label)
def test_a_link_to_an_address_that_changes_something_changes_nothing(world, mutation):
    client = mutation.client(world, enforce_csrf_checks=False)
    url = mutation.url(world)
    before = state(client)

    # The fields of the form, carried in a link an attacker could post anywhere.
    response = client.get(f"{url}?{as_query(mutation.data(world))}")

    assert response.status_code == mutation.on_get
    if mutation.on_get == 405:
        assert response["Allow"] == "POST"
    elif mutation.on_get == 200:
        # The page asks first: a form that the member must submit themselves.
        assert 'method="post"' in response.content.decode().lower()
    assert state(client) == before


# 3. Open redirects -----------------------------------------------------------------------------

ELSEWHERE = [
    "https://evil.example/",
    "http://evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\t/evil.example",
    " //evil.example",
    "https:evil.example",
    "http:evil.example",
    "https:/evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "http://testserver@evil.example/",
    "https://evil.example\\@testserver/",
    "https://testserver.evil.example/",
]
HERE = "/season/1/episode/3/#reviews"


def assert_stays_on_site(location: str) -> None:
    """Where a browser goes with this Location: browsers drop leading spaces and control
    characters and every tab or newline, and read a backslash as a slash."""
    seen = location.lstrip("".join(map(chr, range(33))))
    seen = "".join(c for c in seen if c not in "\t\n\r").replace("\\", "/")
    parts = urlsplit(seen)
    assert parts.scheme in {"", "http", "https"}, location
    if parts.scheme:
        # "http:evil.example" on an https page goes to evil.example.
        assert parts.netloc == "testserver", location
    else:
        assert not seen.startswith("//") and not parts.netloc, location


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("target", ELSEWHERE)
def test_switching_language_never_sends_the_reader_to_another_site(target, language):
    switch = reverse("switch-language", args=[language])

    response = Client().get(f"{switch}?{urlencode({'next': target})}")

    assert response.status_code == 302
    assert_stays_on_site(response["Location"])
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == language, "remembered"


@pytest.mark.parametrize(
    ("language", "here", "there"),
    [("fr", HERE, "/fr/season/1/episode/3/"), ("en", "/fr/season/1/?sort=liked", "/season/1/")],
)
def test_switching_language_shows_the_same_page_in_the_other_language(db, language, here, there):
    switch = reverse("switch-language", args=[language])

    response = Client().get(f"{switch}?{urlencode({'next': here})}")

    assert response["Location"].startswith(there)


def sign_in(client: Client, url: str, email: str = "odette@example.com", password=PASSWORD, **kw):
    return client.post(url, {"login": email, "password": password, **kw.pop("data", {})}, **kw)


@pytest.mark.parametrize("target", ELSEWHERE)
def test_signing_in_never_sends_the_member_to_another_site(target):
    make_member("odette@example.com", "odette")
    login = reverse("account_login")

    in_the_address, in_the_form = Client(), Client()
    for client, response in [
        (in_the_address, sign_in(in_the_address, f"{login}?{urlencode({'next': target})}")),
        (in_the_form, sign_in(in_the_form, login, data={"next": target})),
    ]:
        assert response.status_code == 302
        assert_stays_on_site(response["Location"])
        assert client.session.get(SESSION_KEY), "signed in all the same"


@pytest.mark.parametrize("target", ELSEWHERE)
def test_signing_out_never_sends_the_member_to_another_site(target):
    member = make_member("odette@example.com", "odette")
    logout = reverse("account_logout")

    client = signed_in_client(member)
    response = client.post(logout, {"next": target})
    assert response.status_code == 302
    assert_stays_on_site(response["Location"])
    assert not client.session.get(SESSION_KEY), "signed out all the same"

    client = signed_in_client(member)
    response = client.post(f"{logout}?{urlencode({'next': target})}")
    assert_stays_on_site(response["Location"])

    # A visitor who follows a sign-out link is sent on at once.
    response = Client().get(f"{logout}?{urlencode({'next': target})}")
    assert response.status_code == 302
    assert_stays_on_site(response["Location"])


@pytest.mark.parametrize("target", ELSEWHERE)
def test_confirming_the_password_again_never_sends_the_member_to_another_site(target):
    member = make_member("odette@example.com", "odette")
    client = signed_in_client(member)

    response = client.post(
        f"{reverse('account_reauthenticate')}?{urlencode({'next': target})}",
        {"password": PASSWORD},
    )

    assert response.status_code == 302
    assert_stays_on_site(response["Location"])


def signed_in_client(member: User) -> Client:
    client = Client()
    client.force_login(member)
    return client


def test_sign_in_sign_out_and_reauthentication_return_to_a_page_on_this_site():
    """The counterpart of the tests above: `next` is honoured, so they test something."""
    member = make_member("odette@example.com", "odette")
    response = sign_in(Client(), f"{reverse('account_login')}?{urlencode({'next': HERE})}")
    assert response["Location"] == HERE
    response = signed_in_client(member).post(reverse("account_logout"), {"next": HERE})
    assert response["Location"] == HERE
    response = signed_in_client(member).post(
        f"{reverse('account_reauthenticate')}?{urlencode({'next': HERE})}", {"password": PASSWORD}
    )
    assert response["Location"] == HERE


@pytest.mark.parametrize(
    ("url_name", "data"),
    [
        ("reviews:watchlist-toggle", lambda: {"action": "add"}),
        (
            "reviews:watch-add",
            lambda: {
                "watched_on": timezone.localdate().isoformat(),
                "submission_key": str(uuid.uuid4()),
            },
        ),
    ],
    ids=["watchlist toggle", "watch add"],
)
def test_tracking_buttons_return_to_the_page_they_were_on_never_another_site(
    catalog, url_name, data
):
    member = make_member("odette@example.com", "odette")
    client = signed_in_client(member)
    url = reverse(url_name, args=[1, 3])

    response = client.post(url, {**data(), "next": "/me/watchlist/"})
    assert response["Location"] == "/me/watchlist/"

    for target in ELSEWHERE:
        response = client.post(url, {**data(), "next": target})
        assert response.status_code == 302, target
        assert_stays_on_site(response["Location"])


def test_the_admin_sign_in_hand_over_never_leads_to_another_site():
    admin = User.objects.create_superuser(email="admin@example.com", password=PASSWORD)
    EmailAddress.objects.create(user=admin, email=admin.email, verified=True, primary=True)
    client = Client()

    response = client.get(f"{reverse('admin:login')}?{urlencode({'next': ELSEWHERE[0]})}")
    assert response.status_code == 302
    assert_stays_on_site(response["Location"])
    response = sign_in(client, response["Location"], email=admin.email)
    assert response.status_code == 302
    assert_stays_on_site(response["Location"])
    response = client.get(response["Location"])
    assert response.status_code in {200, 302}
    if response.status_code == 302:
        assert_stays_on_site(response["Location"])


# 4. Forged Host header -------------------------------------------------------------------------


@pytest.fixture
def only_our_host(settings):
    """As in production, where DJANGO_ALLOWED_HOSTS names the site (tests add "testserver")."""
    settings.ALLOWED_HOSTS = ["testserver"]


@pytest.mark.parametrize(
    "path", ["/", "/season/1/episode/3/", "/accounts/login/"], ids=["home", "episode", "sign-in"]
)
@pytest.mark.parametrize(
    "host", ["evil.example", "testserver.evil.example", "testserver:80@evil.example"]
)
def test_a_page_asked_for_under_another_host_name_is_refused(catalog, only_our_host, path, host):
    assert Client().get(path).status_code == 200

    response = Client().get(path, headers={"Host": host})

    assert response.status_code == 400
    assert b"evil.example" not in response.content


def test_signing_in_or_resetting_a_password_under_another_host_name_is_refused(only_our_host):
    make_member("odette@example.com", "odette")
    client = Client()

    response = sign_in(client, reverse("account_login"), headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert not client.session.get(SESSION_KEY)

    # The classic poisoning: a reset link pointing at the attacker's host.
    response = client.post(
        reverse("account_reset_password"),
        {"email": "odette@example.com"},
        headers={"Host": "evil.example"},
    )
    assert response.status_code == 400
    assert mail.outbox == []


def test_a_forwarded_host_header_does_not_change_the_links_in_emails(only_our_host):
    make_member("odette@example.com", "odette")

    response = Client().post(
        reverse("account_reset_password"),
        {"email": "odette@example.com"},
        headers={"X-Forwarded-Host": "evil.example"},
    )

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "evil.example" not in mail.outbox[0].body
    assert "http://testserver/accounts/password/reset/key/" in mail.outbox[0].body


# 5. Sign-in rate limits ------------------------------------------------------------------------


def attempt(email: str, password: str, *, ip: str = "192.0.2.10", **options):
    client = Client(REMOTE_ADDR=ip)
    response = sign_in(client, reverse("account_login"), email=email, password=password, **options)
    return client, response


def assert_refused_clearly(client: Client, response) -> None:
    assert response.status_code in {200, 429}, response.status_code
    if response.status_code == 200:
        assert TOO_MANY_ATTEMPTS in response.content.decode()
    assert not client.session.get(SESSION_KEY)


def test_the_sixth_sign_in_for_one_account_is_refused_even_with_the_right_password():
    make_member("odette@example.com", "odette")
    for _ in range(5):
        client, response = attempt("odette@example.com", "not my password")
        assert response.status_code == 200
        assert WRONG_PASSWORD in response.content.decode()

    client, response = attempt("odette@example.com", PASSWORD)
    assert_refused_clearly(client, response)
    # From another address too: the limit is the account's.
    client, response = attempt("odette@example.com", PASSWORD, ip="198.51.100.7")
    assert_refused_clearly(client, response)


def test_guesses_spread_over_many_addresses_and_spellings_still_lock_the_account():
    make_member("odette@example.com", "odette")
    spellings = [
        "odette@example.com",
        "Odette@Example.com",
        " ODETTE@EXAMPLE.COM ",
        "odette@EXAMPLE.com",
    ]
    for n in range(5):
        client, response = attempt(spellings[n % 4], f"guess {n}", ip=f"203.0.113.{n + 1}")
        assert WRONG_PASSWORD in response.content.decode()

    client, response = attempt("odette@example.com", PASSWORD, ip="203.0.113.99")
    assert_refused_clearly(client, response)


def test_a_locked_account_does_not_lock_out_other_members_on_the_same_network():
    make_member("odette@example.com", "odette")
    make_member("odile@example.com", "odile")
    for _ in range(5):
        attempt("odette@example.com", "not my password")

    client, response = attempt("odile@example.com", PASSWORD)

    assert response.status_code == 302
    assert client.session.get(SESSION_KEY)


def test_ten_failures_from_one_address_refuse_the_next_even_with_a_forged_forwarded_for():
    make_member("odette@example.com", "odette")
    for n in range(10):
        # Not behind a proxy, X-Forwarded-For is the client's own word: it must not count.
        attempt(
            f"guess{n}@example.com", "not my password", headers={"X-Forwarded-For": f"10.0.0.{n}"}
        )

    client, response = attempt(
        "odette@example.com", PASSWORD, headers={"X-Forwarded-For": "10.0.0.200"}
    )
    assert_refused_clearly(client, response)

    # Another address is not refused: the limit is this one's.
    client, response = attempt("odette@example.com", PASSWORD, ip="198.51.100.7")
    assert response.status_code == 302


def test_behind_the_proxy_the_limit_follows_the_clients_address_not_what_it_claims(settings):
    """DJANGO_BEHIND_PROXY: the proxy appends the real address to whatever the client sent."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    make_member("odette@example.com", "odette")
    proxy = "10.0.0.1"
    for n in range(10):
        attempt(
            f"guess{n}@example.com",
            "not my password",
            ip=proxy,
            headers={"X-Forwarded-For": f"192.0.2.{n}, 198.51.100.20"},
        )

    client, response = attempt(
        "odette@example.com",
        PASSWORD,
        ip=proxy,
        headers={"X-Forwarded-For": "192.0.2.99, 198.51.100.20"},
    )
    assert_refused_clearly(client, response)

    # Members behind the same proxy are not refused with the attacker.
    client, response = attempt(
        "odette@example.com", PASSWORD, ip=proxy, headers={"X-Forwarded-For": "198.51.100.21"}
    )
    assert response.status_code == 302


def test_a_flood_of_sign_in_posts_gets_a_429_page_not_an_error():
    for n in range(30):
        _client, response = attempt(f"flood{n}@example.com", "not my password")
        assert response.status_code == 200

    client, response = attempt("flood@example.com", "not my password")

    assert response.status_code == 429
    assert "too many" in response.content.decode().lower()
    # The sign-in page itself still opens, to read and to try later.
    assert Client(REMOTE_ADDR="192.0.2.10").get(reverse("account_login")).status_code == 200
