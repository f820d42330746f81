""" "Hide ratings and reviews of episodes I have not watched" holds on other members' pages
too (issue 17, point 13): their profile and diary keep back their score and words about an
episode the reader has not watched, as the episode page does."""

import pytest
from django.utils import timezone

from members.models import User
from reviews import services
from tests.factories import make_member, signed_in, write
from tests.pages import page_of, table_in, text_of

HIDDEN = "Hidden until you watch it"


@pytest.fixture
def critic(episode, other_episode):
    """Rated and reviewed episodes 3 (4½ stars) and 4 (1 star), and watched both."""
    critic = make_member("critic@example.com", "critic", display_name="Critic")
    services.rating_set(member=critic, episode=episode, score=9)
    services.rating_set(member=critic, episode=other_episode, score=2)
    write(critic, episode, "The swap in act two is the best thing on television.")
    write(critic, other_episode, "Episode four drags.")
    for watched in (episode, other_episode):
        services.watch_add(member=critic, episode=watched, watched_on=timezone.localdate())
    return critic


@pytest.fixture
def careful(episode):
    """Watched episode 3 but not 4, and asked to see nothing of unwatched episodes."""
    reader = make_member("careful@example.com", "careful", hide_unwatched=True)
    services.watch_add(member=reader, episode=episode, watched_on=timezone.localdate())
    return reader


def test_a_profile_holds_back_scores_and_reviews_of_episodes_the_reader_has_not_watched(
    critic, careful
):
    response = signed_in(careful).get("/u/critic/")
    page = page_of(response)
    text = text_of(response)

    ratings = page.find("ul", class_="member-ratings").find_all("li")
    watched, unwatched = ratings
    # The rating shown says when it was given; the one held back says nothing of it.
    date_given = watched.find("time").words
    assert watched.words == f"Episode 3 ★★★★½ {date_given}"
    assert unwatched.words == f"Episode 4 {HIDDEN}" and not unwatched.find_all("time")
    assert "The swap in act two" in text
    assert "Episode four drags." not in text
    # The average and the chart are of what the reader may see: episode 3 alone.
    assert "4.5 stars" in text and "2.8" not in text
    steps = table_in(response.content.decode(), "Ratings given at each half-star step")
    counts = {row["cells"][0]: row["cells"][1] for row in steps[1:]}
    assert counts["1 star"] == "0" and counts["4½ stars"] == "1"


def test_a_diary_holds_back_scores_of_episodes_the_reader_has_not_watched(critic, careful):
    page = page_of(signed_in(careful).get("/u/critic/diary/"))

    rows = {row.find("th").words: row.find_all("td")[-1].words for row in page.find_all("tr")[1:]}
    assert rows == {"Episode 3": "★★★★½", "Episode 4": HIDDEN}


def test_everyone_else_sees_everything(critic, careful, client):
    User.objects.filter(pk=careful.pk).update(hide_unwatched=False)
    for reader in (client, signed_in(careful), signed_in(critic)):
        text = text_of(reader.get("/u/critic/"))
        assert "Episode four drags." in text and HIDDEN not in text
        assert HIDDEN not in text_of(reader.get("/u/critic/diary/"))


def test_a_reader_who_hides_unwatched_episodes_still_sees_their_own(critic):
    User.objects.filter(pk=critic.pk).update(hide_unwatched=True)
    services.rating_set(member=critic, episode=critic.ratings.first().episode, score=9)
    assert HIDDEN not in text_of(signed_in(critic).get("/u/critic/"))
