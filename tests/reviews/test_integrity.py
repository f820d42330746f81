"""Counters stay exact whoever deletes what, and repeated requests change nothing more; the
rules that reach across rows hold in the database, whoever writes."""

from collections import Counter

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from catalog.models import Episode
from etoile_app.accounts import member_purge
from etoile_app.admin import MemberCreationForm
from members.models import User
from reviews import moderation, services
from reviews.models import EpisodeScores, Like, ModerationAction, Rating, Review

pytestmark = pytest.mark.django_db


@pytest.fixture
def episode(seeded) -> Episode:
    return Episode.objects.get(season__number=1, number=3)


def members(n: int) -> list[User]:
    return [User.objects.create_user(email=f"m{i}@example.com") for i in range(n)]


def counters_match_ratings(episode: Episode) -> bool:
    scores = EpisodeScores.objects.get(episode=episode)
    counts = Counter(Rating.objects.filter(episode=episode).values_list("score", flat=True))
    return scores.distribution == [counts.get(score, 0) for score in range(1, 11)]


def test_deleting_a_member_in_the_admin_takes_their_ratings_and_likes_back(admin_client, episode):
    author, fan = members(2)
    services.rating_set(member=author, episode=episode, score=8)
    services.rating_set(member=fan, episode=episode, score=2)
    review = services.review_post(member=author, episode=episode, body="Bravo.")
    services.like_set(member=fan, review=review, liked=True)

    response = admin_client.post(
        reverse("admin:etoile_app_user_delete", args=[fan.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not User.objects.filter(pk=fan.pk).exists()
    assert counters_match_ratings(episode)
    assert EpisodeScores.objects.get(episode=episode).count == 1
    review.refresh_from_db()
    assert review.like_count == 0


def test_deleting_an_account_takes_its_replies_off_the_reply_counts(admin_client, episode):
    # Staff no longer delete reviews in the admin (moderators take them down, recorded);
    # deleting the replier's account is the way a reply disappears from the admin.
    author, replier = members(2)
    review = services.review_post(member=author, episode=episode, body="Bravo.")
    services.review_post(member=replier, episode=episode, body="Agreed.", parent=review)

    admin_client.post(reverse("admin:etoile_app_user_delete", args=[replier.pk]), {"post": "yes"})

    review.refresh_from_db()
    assert review.reply_count == 0
    assert not Review.objects.filter(parent=review).exists()


def test_staff_deleting_a_rating_or_a_like_keeps_the_counters_exact(admin_client, episode):
    member, other = members(2)
    rating = services.rating_set(member=member, episode=episode, score=6)
    services.rating_set(member=other, episode=episode, score=9)
    review = services.review_post(member=other, episode=episode, body="Hm.")
    services.like_set(member=member, review=review, liked=True)

    admin_client.post(reverse("admin:reviews_rating_delete", args=[rating.pk]), {"post": "yes"})
    admin_client.post(
        reverse("admin:reviews_like_delete", args=[Like.objects.get().pk]), {"post": "yes"}
    )

    assert counters_match_ratings(episode)
    assert EpisodeScores.objects.get(episode=episode).count == 1
    review.refresh_from_db()
    assert review.like_count == 0 and not Like.objects.exists()


def test_the_counters_row_cannot_be_deleted_in_the_admin(admin_client, episode):
    services.rating_set(member=members(1)[0], episode=episode, score=6)

    response = admin_client.post(
        reverse("admin:reviews_episodescores_delete", args=[episode.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert counters_match_ratings(episode)


def test_a_double_click_on_like_leaves_one_like(client, episode):
    author, fan = members(2)
    review = services.review_post(member=author, episode=episode, body="Bravo.")
    client.force_login(fan)
    url = reverse("reviews:like-toggle", args=[review.pk])

    client.post(url, {"liked": "1"})
    client.post(url, {"liked": "1"})

    review.refresh_from_db()
    assert Like.objects.filter(member=fan, review=review).count() == 1
    assert review.like_count == 1

    client.post(url, {"liked": "0"})
    client.post(url, {"liked": "0"})
    review.refresh_from_db()
    assert review.like_count == 0 and not Like.objects.exists()


def test_a_like_of_a_review_deleted_meanwhile_writes_nothing(episode):
    """The view read the review, then it was deleted: the like finds no review to lock and
    writes no like, whose foreign key would fail at the commit (a 500)."""
    author, fan = members(2)
    review = services.review_post(member=author, episode=episode, body="Bravo.")
    Review.objects.filter(pk=review.pk).delete()

    with transaction.atomic():
        assert services.like_set(member=fan, review=review, liked=True) is False
    assert not Like.objects.exists()


def test_a_deactivated_members_reviews_leave_the_episode_page(client, episode):
    author, replier = members(2)
    review = services.review_post(member=author, episode=episode, body="Gone soon.")
    services.review_post(member=replier, episode=episode, body="Reply stays?", parent=review)
    User.objects.filter(pk=author.pk).update(is_active=False)

    html = client.get(episode.get_absolute_url()).content.decode()

    assert "Gone soon." not in html


@pytest.mark.parametrize(
    "model", ["rating", "episodescores", "review", "like", "watch", "watchlistentry"]
)
def test_staff_can_read_every_member_activity_list_and_record(admin_client, episode, model):
    member, other = members(2)
    rating = services.rating_set(member=member, episode=episode, score=6)
    review = services.review_post(member=other, episode=episode, body="Lovely.")
    services.like_set(member=member, review=review, liked=True)
    watch = services.watch_add(
        member=member, episode=episode, watched_on=episode.season.premiere_date
    )
    services.watchlist_add(member=other, episodes=[episode])
    pk = {
        "rating": rating.pk,
        "episodescores": episode.pk,
        "review": review.pk,
        "like": Like.objects.get().pk,
        "watch": watch.pk,
        "watchlistentry": other.watchlist.get().pk,
    }[model]

    listing = admin_client.get(reverse(f"admin:reviews_{model}_changelist"))
    record = admin_client.get(reverse(f"admin:reviews_{model}_change", args=[pk]))

    assert listing.status_code == 200
    assert record.status_code == 200


# Rules the database holds, written past the services ------------------------------------------


def refused():
    """The database's refusal, in a savepoint so that the test can go on."""
    return pytest.raises(IntegrityError)


def saved(statement) -> None:
    with refused(), transaction.atomic():
        statement()


@pytest.fixture
def thread(episode):
    author, replier = members(2)
    review = services.review_post(member=author, episode=episode, body="Bravo.")
    reply = services.review_post(member=replier, episode=episode, body="Agreed.", parent=review)
    return review, reply


def test_the_database_refuses_a_reply_to_a_reply(thread, episode):
    review, reply = thread
    other = Review.objects.create(member=reply.member, episode=episode, body="Alone.")

    saved(
        lambda: Review.objects.create(
            member=review.member, episode=episode, parent=reply, body="No."
        )
    )
    # Nor can a review that has replies become a reply itself.
    saved(lambda: Review.objects.filter(pk=review.pk).update(parent=other))
    saved(lambda: Review.objects.filter(pk=other.pk).update(parent=reply))

    answer = Review.objects.create(member=other.member, episode=episode, parent=review, body="Yes.")
    Review.objects.filter(pk=other.pk).update(parent=review)
    assert set(review.replies.all()) == {reply, answer, other}


def test_the_database_refuses_a_reply_on_another_episode(thread, episode, seeded):
    review, reply = thread
    elsewhere = Episode.objects.get(season__number=1, number=4)

    saved(
        lambda: Review.objects.create(
            member=reply.member, episode=elsewhere, parent=review, body="No."
        )
    )
    saved(lambda: Review.objects.filter(pk=reply.pk).update(episode=elsewhere))
    saved(lambda: Review.objects.filter(pk=review.pk).update(episode=elsewhere))  # its replies stay

    reply.refresh_from_db()
    assert reply.episode_id == review.episode_id == episode.pk
    alone = Review.objects.create(member=reply.member, episode=episode, body="Moved.")
    Review.objects.filter(pk=alone.pk).update(episode=elsewhere)  # no replies: it may move


def test_the_database_refuses_a_like_of_ones_own_review(thread):
    review, reply = thread
    author, fan = review.member, reply.member

    saved(lambda: Like.objects.create(member=author, review=review))
    like = Like.objects.create(member=fan, review=review)
    saved(lambda: Like.objects.filter(pk=like.pk).update(member=author))
    saved(lambda: Review.objects.filter(pk=review.pk).update(member=fan))  # the liker as author
    with pytest.raises(services.ReviewError):
        services.like_set(member=author, review=review, liked=True)

    assert list(Like.objects.values_list("member", "review")) == [(fan.pk, review.pk)]
    assert services.like_set(member=author, review=reply, liked=True)


def unique_indexes(table: str) -> list[list[str]]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return sorted(
        found_columns
        for found_columns, info in ((c["columns"], c) for c in found.values())
        if info["unique"] and not info["primary_key"]
    )


def test_email_and_handle_have_one_unique_index_each_and_it_ignores_case(db):
    assert unique_indexes(User._meta.db_table) == [["email"], ["handle"]]
    User.objects.create(email="giselle@example.com", handle="giselle")

    # Another spelling of a taken address or handle could only be stored in capitals.
    saved(lambda: User.objects.create(email="Giselle@example.com", handle="giselle-two"))
    saved(lambda: User.objects.create(email="g2@example.com", handle="Giselle"))
    saved(lambda: User.objects.create(email="Myrtha@Example.com", handle="myrtha"))  # even new
    assert User.objects.create_user(email="Myrtha@Example.com").email == "myrtha@example.com"


def test_the_admin_says_an_address_or_handle_is_taken_in_any_case(db):
    User.objects.create_user(email="giselle@example.com", handle="giselle")

    for email, handle, field, label in [
        ("GISELLE@example.com", "willi", "email", "Email address"),
        ("willi@example.com", "giselle", "handle", "Handle"),
    ]:
        form = MemberCreationForm(
            data={"email": email, "handle": handle, "usable_password": "false"}
        )
        assert not form.is_valid()
        assert form.errors[field] == [f"Member with this {label} already exists."]


@pytest.fixture
def decision(thread):
    review, reply = thread
    staff = User.objects.create_user(email="mod@example.com", handle="mod-ada", is_staff=True)
    moderation.review_hide(review=reply, moderator=staff, reason="Off topic.")
    return ModerationAction.objects.get()


def test_the_database_refuses_to_change_or_delete_the_audit_trail(decision):
    others = User.objects.create_user(email="siegfried@example.com")
    record = ModerationAction.objects.filter(pk=decision.pk)

    saved(lambda: record.update(reason="Nothing happened."))
    saved(lambda: record.update(member=others))  # a foreign key may only go to NULL
    saved(lambda: record.delete())
    decision.text = "Something kinder."
    saved(lambda: decision.save())

    assert record.values_list("reason", "text").get() == ("Off topic.", "Agreed.")


def test_deleting_the_review_the_member_or_the_moderator_keeps_the_record(decision):
    reply, member, staff = decision.review, decision.member, decision.moderator

    services.review_delete(review=reply)
    member_purge(member=member)
    User.objects.get(pk=staff.pk).delete()

    record = ModerationAction.objects.values_list(
        "review", "member", "moderator", "moderator_handle", "subject", "text", "reason"
    ).get()
    assert record == (None, None, None, "mod-ada", decision.subject, "Agreed.", "Off topic.")
    assert decision.subject.startswith(f"Reply {reply.pk} by @{member.handle}")


@pytest.mark.django_db(transaction=True)
def test_only_emptying_the_whole_database_removes_the_audit_trail(seeded):
    author, replier = members(2)
    review = services.review_post(member=author, episode=Episode.objects.first(), body="Hm.")
    moderation.review_hide(review=review, moderator=replier, reason="Off topic.")

    call_command("flush", interactive=False, verbosity=0)

    assert not ModerationAction.objects.exists()
    action = ModerationAction.objects.create(kind="hold", subject="Something", reason="Test.")
    saved(lambda: ModerationAction.objects.filter(pk=action.pk).delete())  # locked again
