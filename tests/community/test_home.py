"""The home page's community section: the latest public reviews (spoilers collapsed as the
reader's progress decides), the best-rated and most-discussed episodes, and for a member the
newest activity of the people they follow, without those they muted."""

import datetime

import pytest
from django.test import Client

from catalog.models import Episode
from members import services as member_services
from reviews import services
from tests.factories import make_member, signed_in
from tests.pages import page_of

pytestmark = pytest.mark.django_db
DAY = datetime.date(2025, 5, 1)


def community(client) -> object:
    return page_of(client.get("/")).find("section", **{"class": "section community"})


def test_visitors_see_the_latest_reviews_the_best_rated_and_the_most_discussed(
    seeded, odette, odile
):
    e3 = Episode.objects.select_related("season").get(season__number=1, number=3)
    e5 = Episode.objects.select_related("season").get(season__number=1, number=5)
    critic = make_member(handle="critic", display_name="The Critic")
    for member, score in ((odette, 9), (odile, 10), (critic, 8)):
        services.rating_set(member=member, episode=e5, score=score)
    plain = services.review_post(member=odile, episode=e3, body="The rehearsal.")
    services.review_post(member=critic, episode=e3, body="Agreed.", parent=plain)
    services.review_post(member=odette, episode=e5, body="Her fall at the end.", is_spoiler=True)
    section = community(Client())
    words = section.words
    assert "Odile Black on Episode 3" in words and "The rehearsal." in words
    spoiler = section.find("details", **{"class": "spoiler"})
    assert "Her fall at the end." in spoiler.words  # behind "Show spoiler"
    assert "Best rated Episode 5 4.5 stars, 3 ratings" in words
    assert "Most discussed Episode 3 2 reviews and replies Episode 5 1 review or reply" in words
    assert "People you follow" not in words
    # A member who has watched episode 5 reads it whole.
    services.watch_add(member=odile, episode=e5, watched_on=DAY)
    assert not community(signed_in(odile)).find_all("details", **{"class": "spoiler"})


def test_a_member_sees_the_newest_activity_without_those_they_muted(client, seeded, odette, odile):
    e3 = Episode.objects.select_related("season").get(season__number=1, number=3)
    critic = make_member(handle="critic", display_name="The Critic")
    member_services.follow_set(follower=odette, followed=odile, following=True)
    services.watch_add(member=odile, episode=e3, watched_on=DAY)
    services.review_post(member=critic, episode=e3, body="The critic speaks.")
    words = community(client).words
    assert "People you follow Odile Black watched Episode 3" in words
    assert "The critic speaks." in words
    member_services.mute_set(muter=odette, muted=critic, muting=True)
    assert "The critic speaks." not in community(client).words
    assert "The critic speaks." in community(Client()).words
