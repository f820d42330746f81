"""The rows tests make: members, and the activity that fills every part of a page.

Every test module makes its members here, so a member means the same thing everywhere: an
account as sign-up and email confirmation leave it.
"""

import datetime
import importlib
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from catalog.models import Character, Citation, Credit, Episode, Person, Season, Show, Source
from members.models import AccessToken, User
from reviews import moderation, services
from reviews.models import EpisodeScores, Like, Review

PASSWORD = "pas de deux under the rain 7"


def make_member(
    email: str | None = None,
    handle: str | None = None,
    *,
    password: str | None = PASSWORD,
    confirmed: bool = True,
    **fields,
) -> User:
    """A member with a verified primary address (`confirmed=False`: none, as before they
    confirm it). Without an email, the handle's at example.com. `password=None` makes an account that cannot sign in with a password."""
    if handle is not None:
        fields["handle"] = handle
    if email is None:
        email = f"{handle}@example.com"
    member = User.objects.create_user(email=email, password=password, **fields)
    if confirmed:
        EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
    return member


def signed_in(member: User, **client_options) -> Client:
    client = Client(**client_options)
    client.force_login(member)
    return client


# The member of the page-quality and accessibility checks, who has done a bit of everything.
ACTIVE_MEMBER_EMAIL = "page.quality@example.com"
ACTIVE_MEMBER_PASSWORD = "arabesque penchee 1841"


def make_active_member() -> User:
    """The member, and enough of other members' activity for every part of the pages to show:
    ratings and both charts, reviews with and without spoilers, a reply, a like."""
    member = make_member(
        ACTIVE_MEMBER_EMAIL, "page-quality", password=ACTIVE_MEMBER_PASSWORD, bio="Pas de chat."
    )
    critic = make_member("critic@example.com", "critic", password=None, confirmed=False)
    episodes = list(Episode.objects.order_by("number")[:4])
    for index, episode in enumerate(episodes):
        services.rating_set(member=critic, episode=episode, score=4 + index)
        services.rating_set(member=member, episode=episode, score=9 - index)
    third = episodes[2]
    review = services.review_post(
        member=critic,
        episode=third,
        body="The rehearsal scene!\nSee https://example.com/ballet <b>now</b>.",
    )
    services.review_post(member=critic, episode=third, body="The ending.", is_spoiler=True)
    services.review_post(member=member, episode=third, body="Agreed.", parent=review)
    services.like_toggle(member=member, review=review)
    services.review_post(member=member, episode=third, body="My own review, with my rating.")
    services.review_post(
        member=critic, episode=third, body="Up to the finale.", is_spoiler=True, spoils_up_to=8
    )
    # Their own reply that members reported: only they see it, with a moderation note.
    held = services.review_post(member=member, episode=third, body="An aside.", parent=review)
    type(held).objects.filter(pk=held.pk).update(status="held")
    today = datetime.date.today()
    for episode in episodes[:3]:
        services.watch_add(member=member, episode=episode, watched_on=today)
    services.watch_add(member=member, episode=episodes[0], watched_on=today)  # a rewatch
    services.watchlist_add(member=member, episodes=list(Episode.objects.filter(number__gte=5)))
    # Favourites and rankings, theirs and the critic's, so that the profile, the ranking
    # page and the community ranking (with its pairwise table) show every part.
    from picks import services as picks

    season = episodes[0].season
    all_episodes = list(Episode.objects.filter(season=season).order_by("number"))
    picks.favourite_add(member=member, item=third)
    picks.favourite_add(member=member, item=episodes[0])
    picks.favourite_add(member=member, item=Character.objects.order_by("name").first())
    picks.ranking_set(member=member, season=season, episodes=[third, *episodes[:2]])
    picks.ranking_set(member=critic, season=season, episodes=list(reversed(all_episodes)))
    # A token, so that the tokens page shows its table (the widest a member owns).
    AccessToken.objects.create_for(member, "My tracker script")
    # Notifications of each look: a mention whose words show, one held back as a spoiler of
    # an episode they have not watched, read and unread.
    fifth = Episode.objects.get(season=season, number=5)
    services.review_post(
        member=critic, episode=fifth, body="@page-quality, the gala!", is_spoiler=True
    )
    services.review_post(member=critic, episode=episodes[3], body="Ask @page-quality about it.")
    # They follow each other (the activity page, the lists, the profiles' counts), and the
    # member muted someone (the settings page lists them).
    from members import services as member_services

    member_services.follow_set(follower=member, followed=critic, following=True)
    member_services.follow_set(follower=critic, followed=member, following=True)
    quiet = make_member("quiet@example.com", "quiet", password=None, confirmed=False)
    member_services.mute_set(muter=member, muted=quiet, muting=True)
    return member


def empty_the_catalog() -> None:
    """No show, season, episode, person, character or source (the test database holds the seeded
    catalog: see django_db_setup in tests/conftest.py)."""
    Citation.objects.all().delete()
    Credit.objects.all().delete()
    Character.objects.all().delete()
    Show.objects.all().delete()  # with its seasons and episodes
    Person.objects.all().delete()
    Source.objects.all().delete()


# Reviews, reports and the catalog ----------------------------------------------------------


def add_many_credits(show: Show, count: int) -> None:
    people = Person.objects.bulk_create(
        Person(name=f"Dancer {n}", slug=f"dancer-{n}") for n in range(count)
    )
    characters = Character.objects.bulk_create(
        Character(show=show, name=f"Corps member {n}", slug=f"corps-{n}") for n in range(count)
    )
    Credit.objects.bulk_create(
        Credit(show=show, person=p, role="cast", character=c, billing_order=200)
        for p, c in zip(people, characters, strict=True)
    )


def fill_in_episode(episode: Episode) -> Episode:
    """An editor's work on a placeholder episode (test values, not facts): what curating it
    requires. A plain update(), which sends no signal, so that cached pages stay as they were."""
    details = {
        "title": f"Test title {episode.number}",
        "release_date": datetime.date(2025, 4, 24),
        "synopsis": "A test synopsis.",
    }
    Episode.objects.filter(pk=episode.pk).update(**details)
    for name, value in details.items():
        setattr(episode, name, value)
    return episode


def reported_by(members: list[User], review: Review, reason: str = "spam") -> None:
    for member in members:
        moderation.report_create(reporter=member, review=review, reason=reason)


def refresh(review: Review) -> Review:
    review.refresh_from_db()
    return review


def score_counts(episode: Episode) -> list[int]:
    row = EpisodeScores.objects.filter(episode=episode).first()
    return row.distribution if row else [0] * 10


def take_down(state: str, review: Review, *, reporters, moderator) -> None:
    if state == "held":
        reported_by(reporters[:3], review)
    elif state == "hidden":
        moderation.review_hide(review=review, moderator=moderator, reason="Insults.")
    elif state == "removed":
        moderation.review_remove(review=review, moderator=moderator, reason="Spam.")
    else:
        moderation.member_suspend(member=review.member, moderator=moderator, reason="Spam.")


def staff_group(name: str) -> Group:
    """The group a data migration made. Transactional and live-server tests empty the database,
    data migrations included, so make it again the way the migration does when it is gone."""
    migrations = {
        "Editors": ("catalog.migrations.0002_editors_group", "create_editors_group"),
        "Moderators": ("reviews.migrations.0004_moderators_group", "create_moderators_group"),
    }
    if not Group.objects.filter(name=name).exists():
        module, function = migrations[name]
        getattr(importlib.import_module(module), function)(apps, None)
        if name == "Moderators":
            importlib.import_module("reviews.migrations.0010_appeals").grant_moderators_appeals(
                apps, None
            )
        if name == "Editors":
            importlib.import_module(
                "catalog.migrations.0009_citations_by_editors"
            ).editors_may_add_citations(apps, None)
        importlib.import_module(
            "members.migrations.0009_history_visits"
        ).grant_staff_groups_history(apps, None)
    return Group.objects.get(name=name)


STAFF_PASSWORD = "a moderator's long passphrase"


def make_staff(handle: str, group: str | None) -> User:
    user = User.objects.create_user(
        f"{handle}@example.com", STAFF_PASSWORD, handle=handle, is_staff=True
    )
    if group:
        user.groups.add(staff_group(group))
    return user


def fuzz(max_examples: int):
    return hypothesis_settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,  # the same examples on every run and in CI
        database=None,  # no .hypothesis/ example database
        print_blob=False,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,  # the fixtures hold no per-example state
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )


def write(member: User, episode: Episode, body: str = "A luminous hour.", **kwargs) -> Review:
    return services.review_post(member=member, episode=episode, body=body, **kwargs)


def snapshot() -> dict:
    """Everything a review action could change, to prove that an action changed nothing."""
    return {
        "reviews": list(
            Review.objects.order_by("pk").values_list(
                "pk",
                "body",
                "is_spoiler",
                "status",
                "like_count",
                "reply_count",
                "edited_at",
                "parent_id",
            )
        ),
        "likes": list(Like.objects.order_by("pk").values_list("member_id", "review_id")),
    }


def many_reviews(member: User, episode: Episode, count: int) -> list[Review]:
    """`count` reviews, oldest first, one minute apart."""
    start = timezone.now() - timedelta(days=1)
    reviews = Review.objects.bulk_create(
        Review(member=member, episode=episode, body=f"Review number {n}.") for n in range(count)
    )
    for n, review in enumerate(reviews):
        review.created_at = start + timedelta(minutes=n)
    Review.objects.bulk_update(reviews, ["created_at"])
    return reviews


IMPORT_PREMIERE = datetime.date(2025, 4, 24)


def make_import_catalog() -> Show:
    """A smaller catalog than the seed's, with the dates imports are checked against (the
    caller empties the seeded one first)."""
    show = Show.objects.create(
        title="Étoile",
        slug="etoile",
        premiere_date=IMPORT_PREMIERE,
        new_york_premiere_date=datetime.date(2025, 4, 22),
    )
    season = Season.objects.create(show=show, number=1, episode_count=8)
    for number in range(1, 9):
        Episode.objects.create(season=season, number=number, title=f"Episode {number}")
    return show
