"""`python manage.py recount`: every counter rebuilt from the rows it counts, and the drift
reported (reviews/counters.py)."""

import pytest
from django.core.management import call_command
from django.db.models import F

from catalog.models import Episode
from members.models import User
from reviews import services
from reviews.models import EpisodeScores, Review

pytestmark = pytest.mark.django_db


@pytest.fixture
def counted(seeded):
    odette = User.objects.create_user("odette@example.com", handle="odette")
    odile = User.objects.create_user("odile@example.com", handle="odile")
    episode = Episode.objects.get(season__number=1, number=3)
    review = services.review_post(member=odette, episode=episode, body="A luminous hour.")
    services.review_post(member=odile, episode=episode, body="Agreed.", parent=review)
    services.like_set(member=odile, review=review, liked=True)
    services.rating_set(member=odette, episode=episode, score=8)
    services.rating_set(member=odile, episode=episode, score=6)
    return episode, review


def counters(episode: Episode, review: Review) -> tuple:
    scores = EpisodeScores.objects.get(episode=episode)
    review.refresh_from_db()
    return scores.count_6, scores.count_8, review.like_count, review.reply_count


def test_recount_with_no_drift_reports_none_and_changes_nothing(counted, capsys):
    before = counters(*counted)
    call_command("recount")
    out = capsys.readouterr().out
    assert "rating distribution (EpisodeScores): 0 rows wrong" in out
    assert "Review.like_count: 0 rows wrong" in out
    assert "Review.reply_count: 0 rows wrong" in out
    assert counters(*counted) == before == (1, 1, 1, 1)


def test_recount_rebuilds_every_counter_and_reports_each_drift(counted, capsys):
    episode, review = counted
    EpisodeScores.objects.filter(episode=episode).update(count_8=F("count_8") + 4)
    other = Episode.objects.get(season__number=1, number=1)
    EpisodeScores.objects.create(episode=other, count_3=2)  # counts with no rating behind them
    Review.objects.filter(pk=review.pk).update(like_count=9, reply_count=0)

    call_command("recount")  # exits 0: drift is what it is for

    out = capsys.readouterr().out
    assert "rating distribution (EpisodeScores): 2 rows wrong" in out
    assert "Review.like_count: 1 row wrong" in out
    assert "Review.reply_count: 1 row wrong" in out
    assert counters(episode, review) == (1, 1, 1, 1)
    assert EpisodeScores.objects.get(episode=other).count_3 == 0
    call_command("recount")
    assert "0 rows wrong" in capsys.readouterr().out


def test_recount_leaves_suspended_members_ratings_out_as_the_counters_do(counted, capsys):
    from reviews import moderation

    episode, review = counted
    admin = User.objects.create_superuser("admin@example.com", handle="admin")
    moderation.member_suspend(member=review.member, moderator=admin, reason="Spam")
    call_command("recount")
    assert "rating distribution (EpisodeScores): 0 rows wrong" in capsys.readouterr().out
    assert counters(episode, review)[:2] == (1, 0)


def test_recount_ratings_is_still_there_for_the_rating_counters(counted, capsys):
    episode, review = counted
    EpisodeScores.objects.filter(episode=episode).update(count_6=0)
    call_command("recount_ratings")
    assert "Recounted the ratings of" in capsys.readouterr().out
    assert counters(episode, review)[0] == 1
