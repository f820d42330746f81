""" "It spoils episodes up to" offers the reviewed episode and the later ones only (issue 17,
point 14): on episode 3, "episode 1" made the review say "Spoils up to episode 2"."""

from django.urls import reverse

from reviews.models import Review
from tests.factories import make_member, signed_in, write
from tests.pages import page_of


def offered(response) -> list[str]:
    select = page_of(response).find("select", name="spoils_up_to")
    return [option.attrs["value"] for option in select.find_all("option")]


def test_the_episode_page_offers_this_episode_and_later_ones(episode):
    client = signed_in(make_member("odette@example.com", "odette"))

    assert offered(client.get("/season/1/episode/3/")) == ["", "3", "4", "5", "6", "7", "8"]
    assert offered(client.get("/season/1/episode/8/")) == ["", "8"]


def test_an_earlier_episode_is_refused_and_nothing_is_published(episode):
    client = signed_in(make_member("odette@example.com", "odette"))

    response = client.post(
        reverse("reviews:review-create", args=[1, 3]), {"body": "Twist!", "spoils_up_to": "2"}
    )

    assert response.status_code == 400
    assert not Review.objects.exists()
    assert offered(response) == ["", "3", "4", "5", "6", "7", "8"]


def test_editing_a_review_offers_the_same_choices(episode):
    member = make_member("odette@example.com", "odette")
    review = write(member, episode, "Twist!", spoils_up_to=5)
    client = signed_in(member)

    response = client.get(reverse("reviews:review-edit", args=[review.pk]))

    assert offered(response) == ["", "3", "4", "5", "6", "7", "8"]
    response = client.post(
        reverse("reviews:review-edit", args=[review.pk]), {"body": "Twist!", "spoils_up_to": "1"}
    )
    assert response.status_code == 400
