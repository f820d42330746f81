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


def test_a_member_someone_blocked_no_longer_sees_them_on_their_next_page(
    client, seeded, odette, member_pages_kept
):
    """Whether anyone is hidden from a member comes with their row on each request
    (members.relations.SIGNED_IN_HIDES), so a block the other member made shows on the blocked
    member's next page, kept pages or not."""
    e3 = Episode.objects.select_related("season").get(season__number=1, number=3)
    critic = make_member(handle="critic", display_name="The Critic")
    services.review_post(member=critic, episode=e3, body="The critic speaks.")
    assert "The critic speaks." in community(client).words
    member_services.block_set(blocker=critic, blocked=odette, blocking=True)
    assert "The critic speaks." not in community(client).words
    assert "The critic speaks." in community(Client()).words


def activity(client) -> object:
    return community(client).find("div", **{"class": "community__activity"})


def test_the_newest_activity_is_kept_a_short_while_and_never_past_a_spoiler(
    client,
    seeded,
    odette,
    odile,
    monkeypatch,
    member_pages_kept,
    django_capture_on_commit_callbacks,
):
    """Kept per reader (community/regions.py): what someone they follow did shows within the
    window; their own watches, which decide the spoiler shield, show at once (once committed:
    the reader's watches are kept for their page group's version, reviews/tracking.py)."""

    def commit():
        return django_capture_on_commit_callbacks(execute=True)

    from community import regions

    now = [1_000_000.0]
    monkeypatch.setattr(regions.time, "time", lambda: now[0])
    e3 = Episode.objects.select_related("season").get(season__number=1, number=3)
    member_services.follow_set(follower=odette, followed=odile, following=True)
    services.review_post(member=odile, episode=e3, body="The lift in act three.", is_spoiler=True)
    section = activity(client)
    assert "The lift in act three." in section.find("details", **{"class": "spoiler"}).words
    # (A rating or a review would change the home page itself: it is drawn again.)
    with commit():
        services.watch_add(member=odile, episode=e3, watched_on=DAY)
    assert "Odile Black watched" not in activity(client).words  # kept
    with commit():
        services.watch_add(member=odette, episode=e3, watched_on=DAY)
    section = activity(client)  # another state: the reader's own watch shows at once
    assert "Odile Black watched" in section.words
    assert "The lift in act three." in section.words
    assert not section.find_all("details", **{"class": "spoiler"})
    with commit():
        services.watch_undo_last(member=odette, episode=e3)
    section = activity(client)  # and its undoing: the shield is back at once
    assert "The lift in act three." in section.find("details", **{"class": "spoiler"}).words
    now[0] += regions.KEPT_SECONDS
    with commit():
        services.review_post(member=odile, episode=e3, body="And the bows.")
    assert "And the bows." in activity(client).words  # the window moved on


def test_no_member_is_shown_anothers_kept_activity(
    client, seeded, odette, odile, member_pages_kept
):
    e3 = Episode.objects.select_related("season").get(season__number=1, number=3)
    critic = make_member(handle="critic", display_name="The Critic")
    member_services.follow_set(follower=odette, followed=critic, following=True)
    services.review_post(member=critic, episode=e3, body="The critic speaks.")
    assert "The critic speaks." in activity(client).words
    assert "The critic speaks." not in activity(signed_in(odile)).words
