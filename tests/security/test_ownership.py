"""Ownership: every member-owned object and every action on it, tried by another member and by
a visitor.

The project's rule: someone else's is a 404, never a 403 or a 500 (only the admin answers 403,
to signed-in members who are not staff); a visitor is sent to sign in; a view keyed on "me"
acts on the signed-in member's own data and nothing else. Whatever the answer, the database
does not change: every row of every member-owned table, all fields, is read before and after,
and so are the owner's avatar files.

`CASES` is the table, as data: one row per action on a kind of object, each tried by the
intruder (another member, signed in and freshly reauthenticated, so that allauth's "type your
password again" gate is passed and only ownership stands in the way) and by a visitor, with
and without htmx where the view answers htmx. `test_the_table_covers_every_member_owned_model`
fails as soon as a model with a foreign key to the member appears without a row here.
"""

import csv
import io
import json
import re
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models, transaction
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from PIL import Image

from catalog.models import Character, Episode, Season, Show
from members import services as member_services
from members.models import AccessToken, Block, Follow, HistoryVisit, Mute, User
from notifications import services as notifications
from notifications.models import EmailPreferences, Notification
from picks import services as picks
from picks.models import FavouriteCharacter, FavouriteEpisode, RankedEpisode, Ranking
from reviews import imports, moderation, services
from reviews.models import (
    Appeal,
    EpisodeScores,
    Like,
    MemberImport,
    ModerationAction,
    ModerationQueueItem,
    Rating,
    Report,
    Review,
    Watch,
    WatchlistEntry,
)
from tests.factories import PASSWORD, empty_the_catalog, make_member, write

pytestmark = pytest.mark.django_db

SIGN_IN = "/accounts/login/"
ADMIN_SIGN_IN = "/admin/login/"
REAUTHENTICATE = "/accounts/reauthenticate/"
OWNER_ADDRESSES = {"odette@example.com", "odette.private@example.com"}

THEIRS = "theirs"  # the address names the owner's object: another member gets a 404
MINE = "mine"  # the address means "my own": it may only ever touch the actor's own rows
ADMIN = "admin"  # the admin: a member who is not staff is refused (403), a visitor signs in

ACTORS = ["member", "visitor"]


# The world: an owner with one of everything, the intruder, and a third member ---------------


def png(color=(200, 40, 90)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), color).save(buffer, "PNG")
    return buffer.getvalue()


AVATAR_BYTES = png()


def give_avatar(member: User) -> None:
    """An avatar and its renditions, named as `avatar_set` names them, without paying for
    the image processing (uploading one is a row of the table). The files themselves are
    written into each test's own MEDIA_ROOT by `write_avatar_files`."""
    member.avatar = f"avatars/{member.handle}.png"
    member.avatar_renditions = {
        extension: {
            width: f"renditions/avatar/{member.handle}-{width}.{extension}"
            for width in ("48", "96", "192")
        }
        for extension in ("webp", "jpg")
    }
    member.save(update_fields=["avatar", "avatar_renditions"])


def write_avatar_files(member: User) -> None:
    names = [name for widths in member.avatar_renditions.values() for name in widths.values()]
    for name in [member.avatar.name, *names]:
        assert default_storage.save(name, ContentFile(AVATAR_BYTES)) == name


@dataclass
class World:
    owner: User
    intruder: User
    bystander: User
    moderator: User
    episode: Episode
    other_episode: Episode
    review: Review  # the owner's review of `episode`
    their_review: Review  # the bystander's, which the owner replied to, liked and reported
    reply: Review  # the owner's reply to `their_review`
    like: Like
    rating: Rating
    entry: WatchlistEntry  # on `other_episode`
    watch: Watch  # of `episode`
    report: Report
    second_email: EmailAddress  # the owner's, unverified
    webauthn: Authenticator
    totp: Authenticator
    recovery_codes: Authenticator
    decision: ModerationAction  # a moderator's decision on the owner's review
    token: AccessToken  # the owner's personal access token for the API
    appeal: Appeal  # the owner's appeal of the decision on their review
    member_import: MemberImport  # the owner's confirmed import, applied
    pristine: dict | None = None  # `snapshot()` as built, which every test starts from

    def client_for(self, actor: str) -> Client:
        client = Client()
        if actor == "member":
            client.force_login(self.intruder)
            response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
            assert response.status_code == 302, "the intruder could not reauthenticate"
        return client


def minimal_catalog() -> tuple[Episode, Episode]:
    """One show, one season, two episodes: all these views need, instead of the seeded catalog."""
    empty_the_catalog()
    show = Show.objects.create(
        title="Étoile",
        slug="etoile",
        premiere_date=date(2025, 4, 24),
        new_york_premiere_date=date(2025, 4, 22),
    )
    season = Season.objects.create(show=show, number=1, episode_count=2)
    first = Episode.objects.create(season=season, number=1, title="Episode 1")
    second = Episode.objects.create(season=season, number=2, title="Episode 2")
    Character.objects.create(show=show, name="Jack", slug="jack")
    return first, second


def build_world() -> World:
    episode, other_episode = minimal_catalog()
    owner = make_member(
        "odette@example.com",
        "odette",
        display_name="Odette Swan",
        bio="The white swan's secret diary.",
        hide_unwatched=True,
    )
    intruder = make_member("odile@example.com", "odile", display_name="Odile Black")
    bystander = make_member("siegfried@example.com", "siegfried", display_name="Siegfried")
    moderator = User.objects.create_superuser(email="rothbart@example.com", password=PASSWORD)

    give_avatar(owner)
    second_email = EmailAddress.objects.create(
        user=owner, email="odette.private@example.com", verified=False, primary=False
    )
    totp = TOTP.activate(owner, generate_totp_secret()).instance
    recovery_codes = RecoveryCodes.activate(owner).instance
    webauthn = Authenticator.objects.create(
        user=owner,
        type=Authenticator.Type.WEBAUTHN,
        data={"name": "Odette's security key", "credential": {}, "passwordless": True},
    )

    rating = services.rating_set(member=owner, episode=episode, score=9)
    review = write(owner, episode, "Odette's own words about the first night.")
    their_review = write(bystander, episode, "Siegfried's review.")
    reply = write(owner, episode, "Odette's reply to Siegfried.", parent=their_review)
    services.like_set(member=owner, review=their_review, liked=True)
    services.watchlist_add(member=owner, episodes=[other_episode])
    watch = services.watch_add(
        member=owner, episode=episode, watched_on=date(2025, 5, 1), submission_key=uuid.uuid4()
    )
    report = moderation.report_create(
        reporter=owner, review=their_review, reason="other", note="Odette's private note."
    )
    moderation.report_create(reporter=bystander, review=review, reason="spam")
    assert moderation.review_approve(review=review, moderator=moderator, reason="Fine as it is.")

    # Favourites and a ranking: the owner's both episodes, the intruder's one.
    season = episode.season
    picks.favourite_add(member=owner, item=episode)
    picks.favourite_add(member=owner, item=other_episode)
    picks.favourite_add(member=owner, item=Character.objects.get())
    picks.ranking_set(member=owner, season=season, episodes=[other_episode, episode])

    # Whom the owner follows, blocks and mutes: the intruder's forms name the same member.
    member_services.follow_set(follower=owner, followed=bystander, following=True)
    member_services.mute_set(muter=owner, muted=bystander, muting=True)
    member_services.block_set(blocker=owner, blocked=moderator, blocking=True)

    # A notification for the owner (the bystander's mention), and their email choices.
    notifications.notify(owner, Notification.Kind.MENTION, bystander, review=their_review)
    notifications.preferences_save(owner, like=True, digest=True)

    # The intruder's own data, for the "mine" actions to act on.
    picks.favourite_add(member=intruder, item=episode)
    picks.ranking_set(member=intruder, season=season, episodes=[episode])
    give_avatar(intruder)
    services.rating_set(member=intruder, episode=episode, score=4)
    services.watchlist_add(member=intruder, episodes=[other_episode])
    services.watch_add(member=intruder, episode=episode, watched_on=date(2025, 5, 2))
    AccessToken.objects.create_for(intruder, "Odile's script")

    return World(
        owner=owner,
        intruder=intruder,
        bystander=bystander,
        moderator=moderator,
        episode=episode,
        other_episode=other_episode,
        review=review,
        their_review=their_review,
        reply=reply,
        like=Like.objects.get(member=owner),
        rating=rating,
        entry=WatchlistEntry.objects.get(member=owner),
        watch=watch,
        report=report,
        second_email=second_email,
        webauthn=webauthn,
        totp=totp,
        recovery_codes=recovery_codes,
        decision=ModerationAction.objects.get(review=review),
        token=AccessToken.objects.create_for(owner, "Odette's tracker")[0],
        appeal=Appeal.objects.create(
            decision=ModerationAction.objects.get(review=review),
            member=owner,
            text="Odette's appeal.",
        ),
        member_import=MemberImport.objects.create(
            member=owner, language="en", status=MemberImport.Status.DONE, ratings=1
        ),
    )


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    """The world is built once for this module, in a transaction of its own that is rolled
    back at the end. Each test runs in a savepoint inside it (pytest-django's `db`) and rolls
    back to it, so every test starts from this same world, as if built for it alone."""
    with django_db_blocker.unblock(), transaction.atomic():
        try:
            world = build_world()
            world.pristine = snapshot()
            yield world
        finally:
            transaction.set_rollback(True)


@pytest.fixture
def world(shared_world, db, media_root) -> World:
    assert snapshot() == shared_world.pristine, "a previous test's writes outlived it"
    for member in (shared_world.owner, shared_world.intruder):
        write_avatar_files(member)
    return shared_world


# Snapshots of the database and of the owner's files -----------------------------------------

# Each member-owned table (the concrete ones) and the field that names its owner.
OWNER_FIELD: dict[type[models.Model], str] = {
    User: "pk",
    User.groups.through: "user",
    User.user_permissions.through: "user",
    EmailAddress: "user",
    Authenticator: "user",
    Rating: "member",
    Review: "member",
    Like: "member",
    WatchlistEntry: "member",
    Watch: "member",
    Report: "reporter",
    ModerationAction: "member",
    AccessToken: "member",
    Appeal: "member",
    MemberImport: "member",
    FavouriteEpisode: "member",
    FavouriteCharacter: "member",
    Ranking: "member",
    RankedEpisode: "ranking__member",
    Follow: "follower",
    Block: "blocker",
    Mute: "muter",
    Notification: "recipient",
    EmailPreferences: "member",
}


def snapshot(of: User | None = None) -> dict:
    """Every row, all fields, of every member-owned table and the rating counters; or, given
    a member, only the rows that are theirs."""
    tables = {}
    for model, owner_field in OWNER_FIELD.items():
        rows = model.objects.all()
        if of is not None:
            rows = rows.filter(**{owner_field: of.pk})
        tables[model._meta.label] = list(rows.order_by("pk").values())
    if of is None:
        tables["reviews.EpisodeScores"] = list(EpisodeScores.objects.order_by("pk").values())
    return tables


def avatar_files(member: User) -> dict[str, bytes]:
    member = User.objects.get(pk=member.pk)
    names = [name for widths in member.avatar_renditions.values() for name in widths.values()]
    names.append(member.avatar.name)
    return {name: default_storage.open(name).read() for name in names}


def mail_to_owner() -> list:
    return [message for message in mail.outbox if set(message.to) & OWNER_ADDRESSES]


# How a refusal looks ------------------------------------------------------------------------


def redirect_target(response) -> str | None:
    if response.status_code == 200 and response.headers.get("HX-Redirect"):
        return response.headers["HX-Redirect"]
    if response.status_code in (301, 302, 303, 307, 308):
        return response["Location"]
    return None


def assert_sent_to_sign_in(client: Client, response) -> None:
    """A redirect to /accounts/login/?next=<a path on this site> (for htmx, the HX-Redirect
    header), directly or by way of the admin's sign-in page or allauth's reauthentication
    page, which send visitors on."""
    target = redirect_target(response)
    for _hop in range(2):
        if target is None or urlsplit(target).path not in {ADMIN_SIGN_IN, REAUTHENTICATE}:
            break
        target = redirect_target(client.get(target))
    assert target is not None, f"answered {response.status_code}, not a redirect to sign in"
    parts = urlsplit(target)
    assert parts.path == SIGN_IN, target
    (next_url,) = parse_qs(parts.query)["next"]
    assert next_url.startswith("/") and not next_url.startswith("//"), next_url


def assert_refused_by_the_admin(client: Client, response, path: str) -> None:
    """A member who is not staff is sent to the admin's sign-in, which refuses them: a 403,
    the one place the rule allows it."""
    assert response.status_code == 302, response.status_code
    parts = urlsplit(response["Location"])
    assert parts.path == ADMIN_SIGN_IN
    assert parse_qs(parts.query)["next"] == [path]
    assert client.get(response["Location"]).status_code == 403


# The table ----------------------------------------------------------------------------------


def shows(response, text: str) -> bool:
    """Whether a page shows the text, as typed or as the templates escape it."""
    content = response.content.decode()
    return text in content or escape(text) in content


def nothing(world: World) -> dict:
    return {}


@dataclass(frozen=True)
class Case:
    object: str
    action: str
    scope: str  # THEIRS, MINE or ADMIN
    covers: tuple[type[models.Model], ...]  # the member-owned models this row is about
    method: str
    url: Callable[[World], str]
    data: Callable[[World], dict] = nothing
    htmx: bool = False
    # MINE rows, tried by the intruder: true when the intruder's own data shows the action
    # ran on it (so a view that did nothing at all would not pass for a safe one).
    then: Callable[[World, object], bool] | None = None
    # allauth's answer to "add an address another member already has" is a confirmation
    # mail to that address (see `address_cannot_be_confirmed_away`).
    mails_owner: bool = False

    @property
    def id(self) -> str:
        return f"{self.object}: {self.action}" + (" (htmx)" if self.htmx else "")


def with_htmx(case: Case) -> list[Case]:
    return [case, replace(case, htmx=True)]


def episode_url(name: str, episode: Callable[[World], Episode] = lambda w: w.episode):
    def url(world: World) -> str:
        target = episode(world)
        return reverse(f"reviews:{name}", args=[target.season.number, target.number])

    return url


def review_url(name: str, review: Callable[[World], Review]):
    return lambda world: reverse(f"reviews:{name}", args=[review(world).pk])


def intruders(model, world: World):
    return model.objects.filter(member=world.intruder)


def export_is_the_intruders_alone(world: World, response) -> bool:
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert json.loads(archive.read("etoile-export.json"))["member"] == "odile"
    text = "".join(
        archive.read(name).decode()
        for name in archive.namelist()
        if name.endswith((".json", ".csv"))
    )
    for secret in (
        "odette",
        world.owner.bio,
        world.review.body,
        world.reply.body,
        world.report.note,
    ):
        assert secret not in text, secret
    return True


CONFIRMATION_LINK = re.compile(r"https?://testserver(/accounts/confirm-email/\S+/)")


def address_cannot_be_confirmed_away(world: World, response) -> bool:
    """The intruder typed the owner's address into their own email page. allauth, which must
    not tell them the address is taken, stores it unverified on the intruder's account and
    mails a confirmation link to the owner. Following that link (the owner, confused) must
    not verify it for the intruder, and the owner keeps their address."""
    (message,) = mail_to_owner()
    (link,) = CONFIRMATION_LINK.findall(message.body)
    Client().post(link)
    claim = EmailAddress.objects.get(user=world.intruder, email="odette@example.com")
    return not claim.verified and not claim.primary


def settings_form(**changes) -> Callable[[World], dict]:
    return lambda world: {
        "display_name": "Odile, renamed",
        "handle": "odile",
        "bio": "Thirty-two fouettés.",
        **changes,
    }


REVIEW_CASES = [
    # The owner's review and reply: edit and delete are addressed by the item's id.
    *[
        Case(kind, action, THEIRS, (Review,), method, review_url(name, target), data)
        for kind, target in [("review", lambda w: w.review), ("reply", lambda w: w.reply)]
        for action, name, method, data in [
            ("edit form", "review-edit", "get", nothing),
            ("edit", "review-edit", "post", lambda w: {"body": "Defaced.", "is_spoiler": "on"}),
            ("delete form", "review-delete", "get", nothing),
            ("delete", "review-delete", "post", nothing),
        ]
    ],
    Case(
        "reply",
        "reply to it (replies are one level deep)",
        THEIRS,
        (Review,),
        "post",
        review_url("reply-create", lambda w: w.reply),
        lambda w: {f"reply-{w.reply.pk}-body": "Nested."},
    ),
]

LIKE_CASES = [
    # The owner's like is on Siegfried's review. The address names the review and acts on
    # the signed-in member's like alone.
    *with_htmx(
        Case(
            "like",
            "take back (liked=0)",
            MINE,
            (Like,),
            "post",
            review_url("like-toggle", lambda w: w.their_review),
            lambda w: {"liked": "0"},
            then=lambda w, r: not intruders(Like, w).exists(),
        )
    ),
    *with_htmx(
        Case(
            "like",
            "toggle",
            MINE,
            (Like,),
            "post",
            review_url("like-toggle", lambda w: w.their_review),
            then=lambda w, r: intruders(Like, w).filter(review=w.their_review).exists(),
        )
    ),
]

RATING_CASES = [
    *with_htmx(
        Case(
            "rating",
            "set",
            MINE,
            (Rating,),
            "post",
            episode_url("rating-set"),
            lambda w: {"score": "2"},
            then=lambda w, r: intruders(Rating, w).get().score == 2,
        )
    ),
    *with_htmx(
        Case(
            "rating",
            "remove",
            MINE,
            (Rating,),
            "post",
            episode_url("rating-set"),
            lambda w: {"remove": "1"},
            then=lambda w, r: not intruders(Rating, w).exists(),
        )
    ),
]

WATCHING_CASES = [
    Case(
        "watchlist entry",
        "remove",
        MINE,
        (WatchlistEntry,),
        "post",
        episode_url("watchlist-toggle", lambda w: w.other_episode),
        lambda w: {"action": "remove"},
        then=lambda w, r: not intruders(WatchlistEntry, w).exists(),
    ),
    Case(
        "watchlist entry",
        "take the season off",
        MINE,
        (WatchlistEntry,),
        "post",
        lambda w: reverse("reviews:season-track", args=[1]),
        lambda w: {"action": "unwatchlist"},
        then=lambda w, r: not intruders(WatchlistEntry, w).exists(),
    ),
    Case(
        "watchlist entry",
        "list (/me/watchlist/)",
        MINE,
        (WatchlistEntry,),
        "get",
        lambda w: reverse("reviews:watchlist"),
        then=lambda w, r: [e.member_id for e in r.context["entries"]] == [w.intruder.pk],
    ),
    *with_htmx(
        Case(
            "watch",
            "mark watched",
            MINE,
            (Watch,),
            "post",
            episode_url("watch-add"),
            lambda w: {"watched_on": "2025-06-01", "submission_key": str(uuid.uuid4())},
            then=lambda w, r: intruders(Watch, w).count() == 2,
        )
    ),
    Case(
        "watch",
        "mark watched with the owner's submission key",
        MINE,
        (Watch,),
        "post",
        episode_url("watch-add"),
        lambda w: {"watched_on": "2025-06-01", "submission_key": str(w.watch.submission_key)},
        then=lambda w, r: (
            intruders(Watch, w).filter(submission_key=w.watch.submission_key).exists()
        ),
    ),
    *with_htmx(
        Case(
            "watch",
            "undo",
            MINE,
            (Watch,),
            "post",
            episode_url("watch-undo"),
            then=lambda w, r: not intruders(Watch, w).exists(),
        )
    ),
    Case(
        "watch",
        "mark the season watched",
        MINE,
        (Watch,),
        "post",
        lambda w: reverse("reviews:season-track", args=[1]),
        lambda w: {"watched_on": "2025-06-01"},
        then=lambda w, r: intruders(Watch, w).filter(episode=w.other_episode).exists(),
    ),
]

APPEAL_CASES = [
    # The author's appeal of a decision on their review, addressed by the review's id.
    Case(
        "appeal",
        "appeal a decision on it",
        THEIRS,
        (Appeal,),
        "post",
        review_url("review-appeal", lambda w: w.review),
        lambda w: {"text": "In Odette's name."},
    ),
]

REPORT_CASES = [
    # The owner's report is on Siegfried's review; the report page names the review and
    # shows the signed-in member's own report, if any.
    Case(
        "report",
        "report page",
        MINE,
        (Report,),
        "get",
        review_url("review-report", lambda w: w.their_review),
        then=lambda w, r: (
            r.status_code == 200 and r.context["already"] is None and not shows(r, w.report.note)
        ),
    ),
    Case(
        "report",
        "report",
        MINE,
        (Report,),
        "post",
        review_url("review-report", lambda w: w.their_review),
        lambda w: {"reason": "spam"},
        then=lambda w, r: Report.objects.filter(reporter=w.intruder).count() == 1,
    ),
]

ACCOUNT_CASES = [
    Case(
        "profile",
        "settings page",
        MINE,
        (User,),
        "get",
        lambda w: reverse("member-settings"),
        then=lambda w, r: r.status_code == 200 and not shows(r, w.owner.bio),
    ),
    Case(
        "profile",
        "save display name, bio, hide-unwatched",
        MINE,
        (User,),
        "post",
        lambda w: reverse("member-settings"),
        settings_form(hide_unwatched="on"),
        then=lambda w, r: User.objects.filter(
            pk=w.intruder.pk, display_name="Odile, renamed", hide_unwatched=True
        ).exists(),
    ),
    Case(
        "profile",
        "save with fields the form does not have (email, staff, active)",
        MINE,
        (User,),
        "post",
        lambda w: reverse("member-settings"),
        settings_form(email="odette@example.com", is_staff="on", is_superuser="on", is_active=""),
        then=lambda w, r: User.objects.filter(
            pk=w.intruder.pk,
            email="odile@example.com",
            is_staff=False,
            is_superuser=False,
            is_active=True,
            display_name="Odile, renamed",
        ).exists(),
    ),
    Case(
        "profile",
        "take the owner's handle",
        MINE,
        (User,),
        "post",
        lambda w: reverse("member-settings"),
        settings_form(handle="ODETTE"),
        then=lambda w, r: r.status_code == 400,
    ),
    Case(
        "avatar",
        "upload",
        MINE,
        (User,),
        "post",
        lambda w: reverse("avatar-upload"),
        lambda w: {"avatar": SimpleUploadedFile("new.png", png((9, 9, 9)), "image/png")},
        then=lambda w, r: User.objects.get(pk=w.intruder.pk).avatar.name != w.intruder.avatar.name,
    ),
    Case(
        "avatar",
        "remove",
        MINE,
        (User,),
        "post",
        lambda w: reverse("avatar-remove"),
        then=lambda w, r: not User.objects.get(pk=w.intruder.pk).avatar,
    ),
    Case(
        "data export",
        "download (/me/export/)",
        MINE,
        (User, Rating, Review, Like, Watch, WatchlistEntry, EmailAddress, Authenticator),
        "get",
        lambda w: reverse("member-export"),
        then=export_is_the_intruders_alone,
    ),
    Case(
        "account",
        "delete page",
        MINE,
        (User,),
        "get",
        lambda w: reverse("member-delete"),
        then=lambda w, r: r.status_code == 200,
    ),
    Case(
        "account",
        "delete",
        MINE,
        (User,),
        "post",
        lambda w: reverse("member-delete"),
        lambda w: {"confirm": "on"},
        then=lambda w, r: not User.objects.filter(pk=w.intruder.pk).exists(),
    ),
    Case(
        "account",
        "change password",
        MINE,
        (User,),
        "post",
        lambda w: reverse("account_change_password"),
        lambda w: {
            "oldpassword": PASSWORD,
            "password1": "a brand new arabesque 9",
            "password2": "a brand new arabesque 9",
        },
        then=lambda w, r: User.objects.get(pk=w.intruder.pk).check_password(
            "a brand new arabesque 9"
        ),
    ),
]

EMAIL_CASES = [
    # allauth's email page names addresses, not ids: the owner's must be out of its reach.
    Case(
        "email address",
        "list",
        MINE,
        (EmailAddress,),
        "get",
        lambda w: reverse("account_email"),
        then=lambda w, r: not shows(r, w.second_email.email),
    ),
    *[
        Case(
            "email address",
            action,
            MINE,
            (EmailAddress,),
            "post",
            lambda w: reverse("account_email"),
            lambda w, button=button, address=address: {button: "", "email": address},
            then=lambda w, r: r.status_code == 302,
        )
        for action, button, address in [
            ("remove", "action_remove", "odette.private@example.com"),
            ("remove the primary", "action_remove", "odette@example.com"),
            ("make primary", "action_primary", "odette.private@example.com"),
            ("resend the verification", "action_send", "odette.private@example.com"),
        ]
    ],
    Case(
        "email address",
        "add the owner's to one's own account",
        MINE,
        (EmailAddress,),
        "post",
        lambda w: reverse("account_email"),
        lambda w: {"action_add": "", "email": "Odette@Example.com"},
        then=address_cannot_be_confirmed_away,
        mails_owner=True,
    ),
]

MFA_CASES = [
    # Passkeys are addressed by id; the authenticator app and recovery codes are "mine".
    *[
        Case("passkey", action, THEIRS, (Authenticator,), method, url, data)
        for action, method, url, data in [
            ("remove page", "get", "mfa_remove_webauthn", nothing),
            ("remove", "post", "mfa_remove_webauthn", nothing),
            ("rename page", "get", "mfa_edit_webauthn", nothing),
            ("rename", "post", "mfa_edit_webauthn", lambda w: {"name": "Odile's now"}),
        ]
        for url in [lambda w, url=url: reverse(url, args=[w.webauthn.pk])]
    ],
    Case(
        "passkey",
        "list",
        MINE,
        (Authenticator,),
        "get",
        lambda w: reverse("mfa_list_webauthn"),
        then=lambda w, r: not shows(r, w.webauthn.data["name"]),
    ),
    Case(
        "two-factor",
        "overview",
        MINE,
        (Authenticator,),
        "get",
        lambda w: reverse("mfa_index"),
        then=lambda w, r: r.status_code == 200 and not shows(r, w.webauthn.data["name"]),
    ),
    # The intruder has no authenticator app and no recovery codes: theirs are "not found",
    # and the owner's stay untouched.
    *[
        Case(
            kind,
            action,
            MINE,
            (Authenticator,),
            method,
            lambda w, url=url: reverse(url),
            then=lambda w, r: r.status_code == 404,
        )
        for kind, action, method, url in [
            ("authenticator app", "deactivate page", "get", "mfa_deactivate_totp"),
            ("authenticator app", "deactivate", "post", "mfa_deactivate_totp"),
            ("recovery codes", "view", "get", "mfa_view_recovery_codes"),
            ("recovery codes", "download", "get", "mfa_download_recovery_codes"),
        ]
    ],
    Case(
        "recovery codes",
        "generate",
        MINE,
        (Authenticator,),
        "post",
        lambda w: reverse("mfa_generate_recovery_codes"),
    ),
]


def admin_url(view: str, target: Callable[[World], models.Model], model=None):
    def url(world: World) -> str:
        obj = target(world)
        opts = (model or type(obj))._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[obj.pk])

    return url


ADMIN_TARGETS = [
    ("account", (User, User.groups.through, User.user_permissions.through), lambda w: w.owner),
    ("email address", (EmailAddress,), lambda w: w.owner.emailaddress_set.get(primary=True)),
    ("passkey", (Authenticator,), lambda w: w.webauthn),
    ("rating", (Rating,), lambda w: w.rating),
    ("review", (Review,), lambda w: w.review),
    ("like", (Like,), lambda w: w.like),
    ("watchlist entry", (WatchlistEntry,), lambda w: w.entry),
    ("watch", (Watch,), lambda w: w.watch),
    ("report", (Report,), lambda w: w.report),
    ("moderation decision", (ModerationAction,), lambda w: w.decision),
    ("personal access token", (AccessToken,), lambda w: w.token),
    ("appeal", (Appeal,), lambda w: w.appeal),
]

ADMIN_CASES = [
    *[
        Case(f"{label} (admin)", action, ADMIN, covers, method, admin_url(view, target), data)
        for label, covers, target in ADMIN_TARGETS
        for action, view, method, data in [
            ("change form", "change", "get", nothing),
            ("change", "change", "post", lambda w: {"body": "Defaced.", "score": "1"}),
            ("delete", "delete", "post", lambda w: {"post": "yes"}),
        ]
    ],
    *[
        Case(
            "review in the moderation queue (admin)",
            action,
            ADMIN,
            (ModerationQueueItem,),
            method,
            admin_url(view, lambda w: w.review, ModerationQueueItem),
            data,
        )
        for action, view, method, data in [
            ("change form", "change", "get", nothing),
            ("hide", "change", "post", lambda w: {"status": "hidden", "reason": "Because."}),
        ]
    ],
    Case(
        "account (admin)",
        "set password",
        ADMIN,
        (User,),
        "post",
        lambda w: reverse("admin:auth_user_password_change", args=[w.owner.pk]),
        lambda w: {"password1": "taken over 1234", "password2": "taken over 1234"},
    ),
]


def trakt_export_is_the_intruders_alone(world: World, response) -> bool:
    """The intruder's own rating (2 stars), viewing (2 May) and watchlist entry; none of the
    owner's (4½ stars, 1 May)."""
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    ratings = json.loads(archive.read("ratings/ratings-episodes.json"))
    history = json.loads(archive.read("watched/history.json"))
    watchlist = json.loads(archive.read("lists/watchlist.json"))
    return (
        [item["rating"] for item in ratings] == [4]
        and [item["watched_at"][:10] for item in history] == ["2025-05-02"]
        and len(watchlist) == 1
    )


def csv_export_is_the_intruders_alone(world: World, response) -> bool:
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    return (
        [row["Rating"] for row in rows if row["Rating"]] == ["2"]
        and [row["Watched Date"] for row in rows if row["Watched Date"]] == ["2025-05-02"]
        and [row["Watchlist"] for row in rows if row["Watchlist"]] == ["Yes"]
    )


def owners_import_plan(world: World) -> dict:
    """The confirmation of an import the owner previewed: signed for the owner."""
    return {
        "plan": imports.plan_sign(
            member=world.owner,
            ratings=[[world.other_episode.pk, 2, None]],
            watches=[[world.other_episode.pk, world.watch.watched_on.isoformat(), 3]],
            watchlist=[world.episode.pk],
        )
    }


IMPORT_CASES = [
    Case(
        "import",
        "see how it went",
        THEIRS,
        (MemberImport,),
        "get",
        lambda w: reverse("reviews:import-status", args=[w.member_import.pk]),
    ),
    Case(
        "import",
        "confirm the owner's previewed plan",
        MINE,
        (Rating, Watch, WatchlistEntry),
        "post",
        lambda w: reverse("reviews:import-confirm"),
        owners_import_plan,
        then=lambda w, r: (
            r.status_code == 400 and list(w.intruder.ratings.values_list("score", flat=True)) == [4]
        ),
    ),
    Case(
        "export",
        "download for Trakt",
        MINE,
        (Rating, Watch, WatchlistEntry),
        "get",
        lambda w: reverse("reviews:export-trakt"),
        then=trakt_export_is_the_intruders_alone,
    ),
    Case(
        "export",
        "download as CSV",
        MINE,
        (Rating, Watch, WatchlistEntry),
        "get",
        lambda w: reverse("reviews:export-csv"),
        then=csv_export_is_the_intruders_alone,
    ),
]

TOKEN_CASES = [
    # Revoking names the token by id; the page and making one are the member's own.
    Case(
        "access token",
        "revoke",
        THEIRS,
        (AccessToken,),
        "post",
        lambda w: reverse("access-token-revoke", args=[w.token.pk]),
    ),
    Case(
        "access token",
        "list (/me/tokens/)",
        MINE,
        (AccessToken,),
        "get",
        lambda w: reverse("access-tokens"),
        then=lambda w, r: (
            r.status_code == 200 and shows(r, "Odile's script") and not shows(r, w.token.name)
        ),
    ),
    Case(
        "access token",
        "make one named as the owner's",
        MINE,
        (AccessToken,),
        "post",
        lambda w: reverse("access-tokens"),
        lambda w: {"name": w.token.name},
        then=lambda w, r: intruders(AccessToken, w).filter(name=w.token.name).exists(),
    ),
]


def intruders_ranking(world: World) -> list[int]:
    return list(
        RankedEpisode.objects.filter(ranking__member=world.intruder)
        .order_by("position")
        .values_list("episode_id", flat=True)
    )


PICK_CASES = [
    # Favourites and rankings are addressed as the member's own: the ids in the form name
    # episodes and characters, never another member's rows.
    Case(
        "favourite",
        "take out an episode the owner also chose",
        MINE,
        (FavouriteEpisode,),
        "post",
        lambda w: reverse("picks:favourites-change"),
        lambda w: {"kind": "episode", "remove": str(w.episode.pk)},
        then=lambda w, r: not intruders(FavouriteEpisode, w).exists(),
    ),
    Case(
        "favourite",
        "move up the owner's second",
        MINE,
        (FavouriteEpisode,),
        "post",
        lambda w: reverse("picks:favourites-change"),
        lambda w: {"kind": "episode", "up": str(w.other_episode.pk)},
        then=lambda w, r: (
            list(intruders(FavouriteEpisode, w).values_list("episode", flat=True)) == [w.episode.pk]
        ),
    ),
    Case(
        "favourite",
        "add the owner's character",
        MINE,
        (FavouriteCharacter,),
        "post",
        lambda w: reverse("picks:favourites-change"),
        lambda w: {"kind": "character", "add": str(Character.objects.get().pk)},
        then=lambda w, r: intruders(FavouriteCharacter, w).exists(),
    ),
    Case(
        "favourite",
        "list (/me/favourites/)",
        MINE,
        (FavouriteEpisode, FavouriteCharacter),
        "get",
        lambda w: reverse("picks:favourites"),
        then=lambda w, r: [e.pk for e in r.context["favourite_episodes"]] == [w.episode.pk],
    ),
    *with_htmx(
        Case(
            "ranking",
            "move an episode the owner ranked too",
            MINE,
            (Ranking,),
            "post",
            lambda w: reverse("picks:ranking-change", args=[1]),
            lambda w: {"add": str(w.other_episode.pk)},
            then=lambda w, r: intruders_ranking(w) == [w.episode.pk, w.other_episode.pk],
        )
    ),
    Case(
        "ranking",
        "clear",
        MINE,
        (Ranking,),
        "post",
        lambda w: reverse("picks:ranking-change", args=[1]),
        lambda w: {"clear": "1"},
        then=lambda w, r: intruders_ranking(w) == [],
    ),
    Case(
        "ranking",
        "page (/me/ranking/season/1/)",
        MINE,
        (Ranking,),
        "get",
        lambda w: reverse("picks:ranking", args=[1]),
        then=lambda w, r: [e.pk for e in r.context["ranked"]] == [w.episode.pk],
    ),
]

RELATION_CASES = [
    # Follows, blocks and mutes are addressed by the other member's handle and act on the
    # signed-in member's own relation: the owner's, with the same member, stays.
    *with_htmx(
        Case(
            "follow",
            "unfollow the member the owner follows",
            MINE,
            (Follow,),
            "post",
            lambda w: reverse("follow", args=[w.bystander.handle]),
            lambda w: {"on": "0"},
            then=lambda w, r: not Follow.objects.filter(follower=w.intruder).exists(),
        )
    ),
    Case(
        "mute",
        "unmute the member the owner muted",
        MINE,
        (Mute,),
        "post",
        lambda w: reverse("mute", args=[w.bystander.handle]),
        lambda w: {"on": "0"},
        then=lambda w, r: not Mute.objects.filter(muter=w.intruder).exists(),
    ),
    Case(
        "block",
        "unblock the member the owner blocked",
        MINE,
        (Block,),
        "post",
        lambda w: reverse("block", args=[w.moderator.handle]),
        lambda w: {"on": "0"},
        then=lambda w, r: not Block.objects.filter(blocker=w.intruder).exists(),
    ),
]

NOTIFICATION_CASES = [
    # Keyed on "me": the signed-in member's own notifications and email choices alone.
    Case(
        "notifications",
        "page (/me/notifications/)",
        MINE,
        (Notification,),
        "get",
        lambda w: reverse("notifications:list"),
        then=lambda w, r: r.status_code == 200 and not shows(r, w.bystander.display_name),
    ),
    Case(
        "notifications",
        "mark all read",
        MINE,
        (Notification,),
        "post",
        lambda w: reverse("notifications:mark-all-read"),
    ),
    Case(
        "notification emails",
        "save the choices",
        MINE,
        (EmailPreferences,),
        "post",
        lambda w: reverse("notifications:settings"),
        lambda w: {"reply": "on", "mention": "on"},
        then=lambda w, r: EmailPreferences.objects.filter(
            member=w.intruder, mention=True, like=False, digest=False
        ).exists(),
    ),
]

CASES = [
    *REVIEW_CASES,
    *RELATION_CASES,
    *NOTIFICATION_CASES,
    *PICK_CASES,
    *LIKE_CASES,
    *RATING_CASES,
    *WATCHING_CASES,
    *REPORT_CASES,
    *APPEAL_CASES,
    *ACCOUNT_CASES,
    *IMPORT_CASES,
    *TOKEN_CASES,
    *EMAIL_CASES,
    *MFA_CASES,
    *ADMIN_CASES,
]


def send(client: Client, method: str, url: str, data: dict, htmx: bool):
    headers = {"HX-Request": "true"} if htmx else {}
    return getattr(client, method)(url, data, headers=headers)


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_nobody_else_can_act_on_a_members_data(
    world, case, actor, django_capture_on_commit_callbacks
):
    client = world.client_for(actor)
    url = case.url(world)
    everything = snapshot()
    owners = snapshot(of=world.owner)
    owners_files = avatar_files(world.owner)

    # Commit hooks run, as in production: file deletions and cache refreshes happen here.
    with django_capture_on_commit_callbacks(execute=True):
        response = send(client, case.method, url, case.data(world), case.htmx)

    assert response.status_code < 500
    if actor == "visitor":
        assert response.status_code != 403
        if response.status_code != 404:
            assert_sent_to_sign_in(client, response)
        assert snapshot() == everything
    elif case.scope == THEIRS:
        assert response.status_code == 404
        assert snapshot() == everything
    elif case.scope == ADMIN:
        assert_refused_by_the_admin(client, response, url)
        assert snapshot() == everything
    else:
        assert response.status_code != 403
        assert snapshot(of=world.owner) == owners
        if case.then is not None:
            assert case.then(world, response), "the action did not run on the actor's own data"
    assert avatar_files(world.owner) == owners_files
    if not (case.mails_owner and actor == "member"):
        assert not mail_to_owner()


@pytest.mark.parametrize(
    "case",
    [case for case in CASES if case.scope == THEIRS and case.method == "get"],
    ids=lambda case: case.id,
)
def test_the_owner_reaches_what_others_cannot(world, case):
    """The control: the addresses in the table are right, and answer the owner."""
    owner = Client()
    owner.force_login(world.owner)
    assert owner.post(reverse("account_reauthenticate"), {"password": PASSWORD}).status_code == 302

    assert owner.get(case.url(world)).status_code == 200


@pytest.mark.parametrize("pk", [0, 2**31, 2**63, 10**30])
def test_an_id_that_names_nothing_is_not_found_never_an_error(world, pk):
    client = world.client_for("member")
    for name in [
        "reviews:review-edit",
        "reviews:review-delete",
        "reviews:review-report",
        "reviews:reply-create",
        "reviews:like-toggle",
        "mfa_remove_webauthn",
        "mfa_edit_webauthn",
    ]:
        response = client.post(reverse(name, args=[pk]), {"body": "x", "reason": "spam"})
        assert response.status_code == 404, (name, response.status_code)


# Held, hidden and removed writing, and suspended owners --------------------------------------


def set_status(review: Review, status: str) -> Review:
    Review.objects.filter(pk=review.pk).update(status=status)
    return review


def suspend(world: World, review: Review) -> Review:
    moderation.member_suspend(member=world.owner, moderator=world.moderator, reason="Trolling.")
    return review


def hold_the_review_it_answers(world: World) -> Review:
    set_status(world.their_review, Review.Status.HELD)
    return world.reply


OUT_OF_SIGHT: dict[str, Callable[[World], Review]] = {
    "held review": lambda w: set_status(w.review, Review.Status.HELD),
    "hidden review": lambda w: set_status(w.review, Review.Status.HIDDEN),
    "removed review": lambda w: set_status(w.review, Review.Status.REMOVED),
    "held reply": lambda w: set_status(w.reply, Review.Status.HELD),
    "reply under a held review": hold_the_review_it_answers,
    "suspended owner's review": lambda w: suspend(w, w.review),
    "suspended owner's reply": lambda w: suspend(w, w.reply),
}

ON_AN_ITEM: list[tuple[str, str, str, Callable[[Review], dict], bool]] = [
    ("edit form", "review-edit", "get", lambda r: {}, False),
    ("edit", "review-edit", "post", lambda r: {"body": "Defaced."}, False),
    ("delete form", "review-delete", "get", lambda r: {}, False),
    ("delete", "review-delete", "post", lambda r: {}, False),
    ("report page", "review-report", "get", lambda r: {}, False),
    ("report", "review-report", "post", lambda r: {"reason": "spam"}, False),
    ("reply", "reply-create", "post", lambda r: {f"reply-{r.pk}-body": "Hello?"}, False),
    ("like", "like-toggle", "post", lambda r: {"liked": "1"}, False),
    ("like", "like-toggle", "post", lambda r: {"liked": "1"}, True),
]


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(
    ("action", "url_name", "method", "data", "htmx"),
    ON_AN_ITEM,
    ids=[f"{action}{' (htmx)' if htmx else ''}" for action, *_, htmx in ON_AN_ITEM],
)
@pytest.mark.parametrize("target", OUT_OF_SIGHT)
def test_writing_out_of_sight_cannot_be_reached_by_anyone_else(
    world, target, action, url_name, method, data, htmx, actor
):
    item = OUT_OF_SIGHT[target](world)
    client = world.client_for(actor)
    everything = snapshot()

    response = send(
        client, method, reverse(f"reviews:{url_name}", args=[item.pk]), data(item), htmx
    )

    if actor == "member" or response.status_code == 404:
        assert response.status_code == 404
    else:
        assert_sent_to_sign_in(client, response)
    assert snapshot() == everything


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("target", OUT_OF_SIGHT)
def test_writing_out_of_sight_is_not_shown_to_anyone_else(world, target, actor):
    client = world.client_for(actor)
    pages = [world.episode.get_absolute_url(), reverse("profile", args=["odette"])]
    shown = escape(world.reply.body if "reply" in target else world.review.body)
    for page in pages:  # the control: in sight, it is shown
        assert shown in client.get(page).content.decode(), page

    OUT_OF_SIGHT[target](world)

    for page in pages:
        response = client.get(page)
        assert response.status_code in (200, 404), (page, response.status_code)
        assert shown not in response.content.decode(), page


@pytest.mark.parametrize("target", [t for t in OUT_OF_SIGHT if not t.startswith("suspended")])
def test_the_author_still_reaches_their_writing_out_of_sight(world, target):
    """The control: the author of a held, hidden or removed item can still delete it."""
    item = OUT_OF_SIGHT[target](world)
    owner = Client()
    owner.force_login(world.owner)

    assert owner.get(reverse("reviews:review-delete", args=[item.pk])).status_code == 200


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("page", ["profile", "reviews:diary"])
def test_a_suspended_members_profile_and_diary_are_not_found(world, page, actor):
    suspend(world, world.review)
    client = world.client_for(actor)

    response = client.get(reverse(page, args=["odette"]))

    assert response.status_code == 404
    assert not shows(response, world.owner.bio)


def test_a_suspended_owners_open_session_can_no_longer_touch_their_own_writing(world):
    owner = Client()
    owner.force_login(world.owner)
    suspend(world, world.review)
    everything = snapshot()

    for url, data in [
        (reverse("reviews:review-edit", args=[world.review.pk]), {"body": "Still here."}),
        (reverse("reviews:review-delete", args=[world.reply.pk]), {}),
        (reverse("member-settings"), {"handle": "odette", "bio": "Back."}),
        (episode_url("rating-set")(world), {"score": "1"}),
    ]:
        response = owner.post(url, data)
        assert_sent_to_sign_in(owner, response)
    assert snapshot() == everything


# The table is complete ----------------------------------------------------------------------

# Models with a foreign key to the member that are not the member's: each with the reason.
NOT_MEMBER_OWNED = {
    LogEntry: "Django's history of staff edits in the admin: it names the staff member who "
    "acted, is written by the admin alone, and no page shows it to members",
    HistoryVisit: "when a staff member last opened the staff history: written only by that "
    "page, for its own filter, shown to no one, and deleted with the account",
}


def member_owned_models() -> set[type[models.Model]]:
    """The member model, and every model (proxies and many-to-many tables included) with a
    foreign key or one-to-one field to it, in any installed app."""
    user = get_user_model()
    return {user} | {
        model
        for model in apps.get_models(include_auto_created=True)
        if any(
            field.is_relation
            and field.concrete
            and (field.many_to_one or field.one_to_one)
            and field.related_model is user
            for field in model._meta.get_fields()
        )
    }


def test_the_table_covers_every_member_owned_model():
    owned = member_owned_models() - NOT_MEMBER_OWNED.keys()
    reviews_models = {m for m in owned if m._meta.app_label == "reviews"}
    assert reviews_models >= {Rating, Review, Like, WatchlistEntry, Watch, Report}, (
        "the discovery of member-owned models is broken"
    )

    covered = {model for case in CASES for model in case.covers}
    assert not owned - covered, f"member-owned models missing from CASES: {owned - covered}"

    in_the_admin = {model for model in owned if model in admin.site._registry}
    by_the_admin = {model for case in CASES if case.scope == ADMIN for model in case.covers}
    assert not in_the_admin - by_the_admin, (
        f"member-owned models in the admin without an admin row: {in_the_admin - by_the_admin}"
    )

    snapshotted = {model._meta.concrete_model for model in owned}
    assert not snapshotted - OWNER_FIELD.keys(), (
        f"member-owned tables missing from the snapshot: {snapshotted - OWNER_FIELD.keys()}"
    )

    with_a_view = {model for case in CASES if case.scope != ADMIN for model in case.covers}
    admin_only = owned - with_a_view
    assert admin_only <= {
        ModerationAction,
        ModerationQueueItem,
        User.groups.through,
        User.user_permissions.through,
    }, f"member-owned models with no member-facing row: {admin_only}"


def test_every_case_is_named_once():
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))
