"""Follows, blocks and mutes between members: the profile's forms, the lists, the settings
section, and what a block refuses (a follow, a reply)."""

import pytest
from django.db import IntegrityError, transaction

from members import relations, services
from members.models import Block, Follow, Mute
from reviews import services as review_services
from reviews.models import Review
from tests.factories import make_member, signed_in
from tests.pages import page_of, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def critic(db):
    return make_member("critic@example.com", "critic", display_name="The Critic")


def test_the_database_refuses_a_second_follow_and_following_oneself(odette, odile):
    Follow.objects.create(follower=odette, followed=odile)
    for model, a, b in [
        (Follow, "follower", "followed"),
        (Block, "blocker", "blocked"),
        (Mute, "muter", "muted"),
    ]:
        with pytest.raises(IntegrityError), transaction.atomic():
            model.objects.create(**{a: odette, b: odette})
    with pytest.raises(IntegrityError), transaction.atomic():
        Follow.objects.create(follower=odette, followed=odile)


def test_relations_read_both_directions_of_a_block(odette, odile, critic):
    services.follow_set(follower=odette, followed=critic, following=True)
    services.mute_set(muter=odette, muted=critic, muting=True)
    services.block_set(blocker=odile, blocked=odette, blocking=True)
    assert relations.is_blocked_between(odette.pk, odile.pk)
    assert relations.is_blocked_between(odile.pk, odette.pk)
    assert not relations.is_blocked_between(odette.pk, critic.pk)
    assert relations.blocked_ids(odette.pk) == {odile.pk}
    assert relations.blocked_ids(odile.pk) == {odette.pk}
    assert relations.muted_ids(odette.pk) == {critic.pk}
    assert relations.muted_ids(critic.pk) == set()
    assert relations.followed_ids(odette.pk) == {critic.pk}


def test_following_from_the_profile_without_and_with_htmx(client, odette, odile):
    page = client.get("/u/odile/")
    assert "Follow Odile Black" in text_of(page)
    assert "0 followers" in text_of(page)
    response = client.post("/u/odile/follow/", {"on": "1"}, follow=True)
    assert "You follow Odile Black." in text_of(response)
    assert "1 follower" in text_of(response)
    assert "Following Odile Black" in text_of(response)
    response = client.post("/u/odile/follow/", {"on": "0"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "You no longer follow Odile Black." in text_of(response)
    assert 'id="follow"' in response.content.decode()
    assert not Follow.objects.exists()
    # Twice the same wanted state is one follow.
    client.post("/u/odile/follow/", {"on": "1"})
    client.post("/u/odile/follow/", {"on": "1"})
    assert Follow.objects.count() == 1


def test_no_follow_button_for_oneself_and_no_following_oneself(client, odette):
    assert 'id="follow-button"' not in client.get("/u/odette/").content.decode()
    response = client.post("/u/odette/follow/", {"on": "1"}, follow=True)
    assert "This is you." in text_of(response)
    assert not Follow.objects.exists()


def test_a_visitor_is_asked_to_sign_in(odile):
    from django.test import Client

    visitor = Client()
    assert "Follow (sign in first)" in text_of(visitor.get("/u/odile/"))
    response = visitor.post("/u/odile/follow/", {"on": "1"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_blocking_ends_follows_both_ways_and_refuses_new_ones(client, odette, odile):
    services.follow_set(follower=odette, followed=odile, following=True)
    services.follow_set(follower=odile, followed=odette, following=True)
    response = client.post("/u/odile/block/", {"on": "1"}, follow=True)
    assert "You blocked Odile Black." in text_of(response)
    assert not Follow.objects.exists()
    # The blocked member cannot follow back: a clear message, no follow.
    odile_client = signed_in(odile)
    assert 'id="follow-button"' not in odile_client.get("/u/odette/").content.decode()
    response = odile_client.post("/u/odette/follow/", {"on": "1"}, follow=True)
    assert "there is a block between you" in text_of(response)
    assert not Follow.objects.exists()


def test_a_blocked_member_cannot_reply(client, odette, odile, episode):
    review = review_services.review_post(member=odette, episode=episode, body="Her solo.")
    services.block_set(blocker=odette, blocked=odile, blocking=True)
    response = signed_in(odile).post(
        f"/reviews/{review.pk}/replies/", {f"reply-{review.pk}-body": "I disagree."}
    )
    assert response.status_code == 403
    assert "You cannot reply to this member: there is a block between you." in text_of(response)
    assert "I disagree." in response.content.decode()  # the form keeps what was typed
    assert not Review.objects.filter(parent=review).exists()


def test_settings_list_blocked_and_muted_members_and_undo_them(client, odette, odile, critic):
    client.post("/u/odile/block/", {"on": "1"})
    client.post("/u/critic/mute/", {"on": "1"})
    page = page_of(client.get("/me/settings/"))
    section = page.find(id="blocked-and-muted").words
    assert "Unblock Odile Black" in section and "Unmute The Critic" in section
    client.post("/u/odile/block/", {"on": "0", "next": "/me/settings/"})
    client.post("/u/critic/mute/", {"on": "0", "next": "/me/settings/"})
    section = page_of(client.get("/me/settings/")).find(id="blocked-and-muted").words
    assert "You have blocked nobody." in section and "You have muted nobody." in section
    assert not Block.objects.exists() and not Mute.objects.exists()


def test_followers_and_following_lists_are_paged(client, odette, odile):
    from members.models import User

    fans = User.objects.bulk_create(
        User(email=f"fan{i}@example.com", handle=f"fan-{i}", display_name=f"Fan {i}")
        for i in range(60)
    )
    Follow.objects.bulk_create(Follow(follower=fan, followed=odile) for fan in fans)
    first = client.get("/u/odile/followers/")
    assert first.status_code == 200
    assert "Fan 59" in text_of(first) and "Fan 0 " not in text_of(first)
    second = client.get("/u/odile/followers/?page=2")
    assert "Fan 0" in text_of(second)
    assert "Odile Black" in text_of(client.get("/u/fan-3/following/"))
    assert "60 followers" in text_of(client.get("/u/odile/"))


def test_the_export_holds_the_members_follows_blocks_and_mutes(client, odette, odile, critic):
    import io
    import json
    import zipfile

    services.follow_set(follower=odette, followed=odile, following=True)
    services.follow_set(follower=critic, followed=odette, following=True)
    services.block_set(blocker=odette, blocked=critic, blocking=True)
    services.mute_set(muter=odette, muted=odile, muting=True)
    archive = zipfile.ZipFile(io.BytesIO(client.get("/me/export/").content))
    document = json.loads(archive.read("etoile-export.json"))
    assert [row["handle"] for row in document["following"]] == ["odile"]
    assert [row["handle"] for row in document["blocked"]] == ["critic"]
    assert [row["handle"] for row in document["muted"]] == ["odile"]
    assert archive.read("following.csv").decode().splitlines()[0] == "handle,since"


def test_deleting_an_account_takes_its_follows_blocks_and_mutes_with_it(odette, odile, critic):
    from etoile_app.accounts import member_purge

    services.follow_set(follower=odette, followed=odile, following=True)
    services.follow_set(follower=odile, followed=odette, following=True)
    services.follow_set(follower=critic, followed=odile, following=True)
    services.block_set(blocker=odette, blocked=critic, blocking=True)
    services.mute_set(muter=critic, muted=odette, muting=True)
    member_purge(member=odette)
    assert list(Follow.objects.values_list("follower__handle", "followed__handle")) == [
        ("critic", "odile")
    ]
    assert not Block.objects.exists() and not Mute.objects.exists()
    assert services.follow_counts(odile) == {"followers": 1, "following": 0}


def test_a_refused_follow_with_htmx_answers_the_form_with_the_reason(client, odette, odile):
    services.block_set(blocker=odile, blocked=odette, blocking=True)
    response = client.post("/u/odile/follow/", {"on": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200  # htmx swaps only a 2xx answer in
    assert "there is a block between you" in text_of(response)
    assert 'id="follow-button"' not in response.content.decode()
    assert not Follow.objects.exists()


@pytest.mark.parametrize("viewer", ["visitor", "member"])
def test_a_profile_costs_the_same_queries_with_one_follower_or_five_thousand(
    client, odette, odile, viewer
):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from members.models import User

    reader = client if viewer == "member" else Client()
    services.follow_set(follower=odette, followed=odile, following=True)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = reader.get("/u/odile/")
        assert response.status_code == 200
        return len(captured), text_of(response)

    few, _ = queries()
    fans = User.objects.bulk_create(
        User(email=f"fan{i}@example.com", handle=f"fan-{i}") for i in range(5000)
    )
    Follow.objects.bulk_create(Follow(follower=fan, followed=odile) for fan in fans)
    Follow.objects.bulk_create(Follow(follower=odile, followed=fan) for fan in fans[:300])
    many, words = queries()
    assert "5001 followers" in words and "follows 300 members" in words
    assert few == many
