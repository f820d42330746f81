"""Headers every answer carries beyond Django's own (kernel/security.py), as a penetration
test asked: a Permissions-Policy that refuses the browser features the site never uses but
keeps passkeys, Cross-Origin-Resource-Policy: same-origin, and, on every answer made for a
signed-in member, `Cache-Control: private, no-store`, so that neither a shared cache nor the
browser's disk keeps a member's settings, tokens, watchlist or diary.

Every address of the site is listed below as a member's own or as open to anyone, so a new
member page fails here until it is classified (and so checked)."""

import uuid
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from catalog.models import Character, Episode, Person
from members.models import AccessToken, User
from reviews import services
from reviews.models import MemberImport, Review
from tests.factories import make_member, signed_in
from tests.pages import project_routes

pytestmark = pytest.mark.django_db


def EPISODE(m: User) -> list:
    return [1, 3]


def NONE(m: User) -> list:
    return []


def OWN_REVIEW(m: User) -> list:
    return [Review.objects.filter(member=m).values_list("pk", flat=True).get()]


def OWN_TOKEN(m: User) -> list:
    return [AccessToken.objects.filter(member=m).values_list("pk", flat=True).get()]


def OWN_IMPORT(m: User) -> list:
    return [MemberImport.objects.filter(member=m).values_list("pk", flat=True).get()]


def NO_SUCH_KEY(m: User) -> list:
    return [1]  # the member has no passkey: the answer is a refusal, for them all the same


# The addresses that act for the signed-in member or show what is theirs alone: each answer to
# the member must say private, no-store, whatever its status (a page, a 405 to a GET, a
# redirect to confirm the password first, a file).
MEMBER_PAGES: dict[str, Callable[[User], list]] = {
    "reviews:watchlist-toggle": EPISODE,
    "reviews:watch-undo": EPISODE,
    "reviews:season-track": lambda m: [1],
    "reviews:watchlist": NONE,
    "reviews:import": NONE,
    "reviews:import-confirm": NONE,
    "reviews:import-status": OWN_IMPORT,
    "reviews:export-trakt": NONE,
    "reviews:export-csv": NONE,
    "reviews:review-edit": OWN_REVIEW,
    "reviews:review-delete": OWN_REVIEW,
    "reviews:like-toggle": OWN_REVIEW,
    "reviews:review-report": OWN_REVIEW,
    "reviews:rating-set": EPISODE,
    "reviews:review-create": EPISODE,
    "reviews:watch-add": EPISODE,
    "reviews:reply-create": OWN_REVIEW,
    "reviews:review-appeal": OWN_REVIEW,
    "member-settings": NONE,
    "avatar-upload": NONE,
    "avatar-remove": NONE,
    "access-tokens": NONE,
    "access-token-revoke": OWN_TOKEN,
    "member-export": NONE,
    "member-delete": NONE,
    "account_logout": NONE,
    "account_reauthenticate": NONE,
    "account_request_reauthentication_code": NONE,
    "account_confirm_reauthentication_code": NONE,
    "account_email": NONE,
    "account_change_password": NONE,
    "account_set_password": NONE,
    "mfa_index": NONE,
    "mfa_reauthenticate": NONE,
    "mfa_activate_totp": NONE,
    "mfa_deactivate_totp": NONE,
    "mfa_view_recovery_codes": NONE,
    "mfa_generate_recovery_codes": NONE,
    "mfa_download_recovery_codes": NONE,
    "mfa_list_webauthn": NONE,
    "mfa_add_webauthn": NONE,
    "mfa_reauthenticate_webauthn": NONE,
    "mfa_remove_webauthn": NO_SUCH_KEY,
    "mfa_edit_webauthn": NO_SUCH_KEY,
    "picks:ranking": lambda m: [1],
    "picks:ranking-change": lambda m: [1],
    "picks:favourites": NONE,
    "picks:favourites-change": NONE,
    "community:activity": NONE,
    "follow": lambda m: ["odile"],
    "block": lambda m: ["odile"],
    "mute": lambda m: ["odile"],
    "notifications:list": NONE,
    "notifications:mark-all-read": NONE,
    "notifications:settings": NONE,
}
# Open to anyone: the catalog's pages, members' public pages and feeds, the forms one uses
# before signing in, and addresses for machines. A member reading one gets it private and
# no-store too (checked below on the pages that show their own progress).
OPEN_TO_ANYONE = {
    "favicon",
    "web-app-manifest",
    "service-worker",
    "offline",
    "share-image-episode",
    "share-image-review",
    "share-image-recap",
    "reviews:review",
    "healthz",
    "sitemap",
    "robots-txt",
    "switch-language",
    "home",
    "catalog:person",
    "catalog:character",
    "catalog:sources",
    "catalog:season",
    "catalog:episode",
    "search:results",
    "reviews:diary",
    "picks:community-ranking",
    "profile",
    "recap",
    "reviews:feed",
    "reviews:episode-feed",
    "reviews:member-feed",
    "community:member-activity-feed",
    "followers",
    "following",
    "notifications:unsubscribe",  # the signed token is the key: no session needed, never_cache
    "account_login",
    "account_inactive",
    "account-inactive",  # the site's own, with the moderator's reason: never_cache
    "account_signup",
    "account_email_verification_sent",
    "account_reset_password",
    "account_confirm_login_code",
    "account_confirm_email",
    "account_reset_password_from_key_done",
    "account_reset_password_from_key",
    "account_reset_password_done",
    "mfa_authenticate",
    "mfa_login_webauthn",
    "^media/(?P<path>.*)$",  # uploads, in development
    "bench/ok",  # `make bench` only
}
OPTIONAL_ROUTES = {"^media/(?P<path>.*)$", "bench/ok"}
# The admin's views are all never_cache (Django's own); the API is checked below.
OTHER_PREFIXES = ("admin/", "api/")


def test_every_address_is_classified_as_a_members_own_or_open_to_anyone():
    routes = {
        name: route
        for name, route in project_routes().items()
        if not route.startswith(OTHER_PREFIXES)
    }
    listed = MEMBER_PAGES.keys() | OPEN_TO_ANYONE

    unlisted = sorted(f"{name} (/{route})" for name, route in routes.items() if name not in listed)
    assert not unlisted, "New addresses: add each to MEMBER_PAGES or OPEN_TO_ANYONE: " + ", ".join(
        unlisted
    )
    gone = sorted(listed - OPTIONAL_ROUTES - routes.keys())
    assert not gone, "Listed here but no longer an address of the site: " + ", ".join(gone)
    assert not MEMBER_PAGES.keys() & OPEN_TO_ANYONE


def is_private_no_store(response) -> bool:
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return {"private", "no-store"} <= directives


@pytest.fixture
def member(seeded) -> User:
    make_member("odile@example.com", "odile", display_name="Odile Black")
    member = make_member("odette@example.com", "odette", display_name="Odette Swan")
    episode = Episode.objects.get(season__number=1, number=3)
    services.rating_set(member=member, episode=episode, score=8)
    services.review_post(member=member, episode=episode, body="Mine.")
    services.watch_add(
        member=member,
        episode=episode,
        watched_on=episode.season.show.premiere_date,
        submission_key=uuid.uuid4(),
    )
    AccessToken.objects.create_for(member, "Script")
    MemberImport.objects.create(member=member, language="en", status=MemberImport.Status.DONE)
    return member


def test_every_answer_to_a_member_on_their_own_pages_is_private_and_not_stored(member):
    client = signed_in(member)
    answers = {}
    for name, args in MEMBER_PAGES.items():
        response = client.get(reverse(name, args=args(member)))
        answers[name] = (response.status_code, response.get("Cache-Control", ""))

    kept = {name: answer for name, answer in answers.items() if "no-store" not in answer[1]}
    assert not kept, f"may be kept by a cache: {kept}"
    not_private = {name: answer for name, answer in answers.items() if "private" not in answer[1]}
    assert not not_private, f"may be kept by a shared cache: {not_private}"
    assert answers["member-settings"][0] == 200 and answers["access-tokens"][0] == 200


def test_a_public_page_read_signed_in_is_private_and_not_stored_but_a_visitors_is_revalidated(
    member, settings
):
    """Signed in, the episode page, the profile and the diary show the member's own rating,
    watches and menu; the same addresses for a visitor are the cacheable public pages."""
    settings.VISITOR_PAGE_CACHE_SECONDS = 600
    urls = ["/season/1/episode/3/", "/u/odette/", "/u/odette/diary/", "/me/watchlist/"]
    client = signed_in(member)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Odette Swan" in response.content.decode(), url
        assert is_private_no_store(response), (url, response.get("Cache-Control"))

    for url in urls[:3]:
        response = Client().get(url)
        assert response.status_code == 200, url
        assert "no-store" not in response["Cache-Control"], url
        assert "no-cache" in response["Cache-Control"] and response["ETag"], url


def test_an_api_answer_for_a_token_is_private_and_not_stored(member):
    _token, secret = AccessToken.objects.create_for(member, "Reader")

    response = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})

    assert response.status_code == 200
    assert response.json()["handle"] == "odette"
    assert is_private_no_store(response)


PASSKEYS = {"publickey-credentials-get": "(self)", "publickey-credentials-create": "(self)"}
REFUSED = ["camera", "microphone", "geolocation", "payment", "usb", "serial", "hid", "midi"]


def permissions(response) -> dict[str, str]:
    policy = response["Permissions-Policy"]
    return dict(part.strip().split("=", 1) for part in policy.split(","))


def assert_policy_headers(response) -> None:
    policy = permissions(response)
    for feature in REFUSED:
        assert policy[feature] == "()", feature
    for feature, allowed in PASSKEYS.items():
        assert policy[feature] == allowed, feature
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"


def test_pages_files_feeds_api_answers_and_errors_carry_the_two_policies(seeded, member):
    person = Person.objects.order_by("pk").first().get_absolute_url()
    character = Character.objects.order_by("pk").first().get_absolute_url()
    answers = {
        "page": Client().get("/season/1/episode/3/"),
        "person": Client().get(person),
        "character": Client().get(character),
        "not found": Client().get("/season/1/episode/99/"),
        "feed": Client().get("/feeds/reviews/"),
        "API": Client().get("/api/v1/show"),
        "API error": Client().get("/api/v1/nowhere"),
        "favicon": Client().get("/favicon.ico"),
        # Through WhiteNoise, which answers before the rest of the stack.
        "static file": Client().get("/static/css/site.css"),
        "member's page": signed_in(member).get("/me/settings/"),
    }
    for what, response in answers.items():
        assert response.status_code in {200, 404}, what
        assert_policy_headers(response)
    assert answers["static file"].streaming, "served by WhiteNoise"
    assert "public" in answers["favicon"]["Cache-Control"], "public answers stay public"
