"""Queries compiled once and run with each request's values (kernel/prepared.py) answer what
the ORM answers, for each member and each length of list, on SQLite and PostgreSQL."""

import datetime

import pytest
from django.db.models import Count, Max

from kernel.prepared import Prepared
from members.models import User
from reviews import services
from reviews.models import Like, Watch
from reviews.regions import LIKES
from tests.factories import many_reviews

pytestmark = pytest.mark.django_db

PREMIERE = datetime.date(2025, 4, 24)


def test_each_member_gets_their_own_rows_converted_as_the_orm_would(odette, odile, episodes):
    services.watch_add(member=odette, episode=episodes[0], watched_on=PREMIERE)
    services.watch_add(member=odette, episode=episodes[0], watched_on=PREMIERE.replace(day=30))
    services.watch_add(member=odile, episode=episodes[1], watched_on=PREMIERE)
    watches = Prepared(
        lambda member: (
            Watch.objects.filter(member=member)
            .values("episode_id")
            .annotate(times=Count("pk"), last=Max("watched_on"))
            .order_by()
        )
    )

    for member in (odette, odile, odette):
        expected = list(
            Watch.objects.filter(member=member)
            .values("episode_id")
            .annotate(times=Count("pk"), last=Max("watched_on"))
            .order_by()
        )
        assert watches.rows(member=member.pk) == expected
    # A date, as the ORM gives it (SQLite hands the cursor a string).
    assert watches.rows(member=odette.pk)[0]["last"] == datetime.date(2025, 4, 30)


def test_a_list_of_any_length_asks_for_those_rows_only(odette, odile, episode):
    reviews = many_reviews(odile, episode, 12)
    for review in reviews[::3]:
        services.like_set(member=odette, review=review, liked=True)

    for length in (1, 5, 12, 5):
        asked = [review.pk for review in reviews[:length]]
        liked = {row["review_id"] for row in LIKES.rows(member=odette.pk, reviews=asked)}
        assert liked == set(
            Like.objects.filter(member=odette, review_id__in=asked).values_list(
                "review_id", flat=True
            )
        )
    assert LIKES.rows(member=odile.pk, reviews=[r.pk for r in reviews]) == []


def test_a_query_whose_sql_depends_on_a_value_is_refused(db):
    # A slice is written into the SQL, not passed as a parameter.
    by_slice = Prepared(lambda n: Watch.objects.values("pk")[:n])
    with pytest.raises(ValueError, match="depends on its values"):
        by_slice.rows(n=3)


def test_the_signed_in_member_read_by_key_is_the_whole_row(odette, odile):
    """members.models.UserManager.get(pk=…), which authentication calls on every request."""
    odette.avatar_renditions = {"webp": {"48": "a.webp"}}
    odette.save()
    read = User.objects.get(pk=odette.pk)
    expected = User.objects.filter(pk=odette.pk).first()
    fields = [field.attname for field in User._meta.concrete_fields]
    assert [getattr(read, f) for f in fields] == [getattr(expected, f) for f in fields]
    assert read.avatar_renditions == {"webp": {"48": "a.webp"}}
    assert not read._state.adding and read.get_deferred_fields() == set()
    with pytest.raises(User.DoesNotExist):
        User.objects.get(pk=odile.pk + 1000)
    # Any other call is the ORM's.
    assert User.objects.get(pk=odile.pk, handle="odile") == odile
    with pytest.raises(User.DoesNotExist):
        User.objects.get(pk=odile.pk, handle="odette")


@pytest.mark.parametrize(
    "url", ["/season/1/episode/99999999999999999999999/", "/season/99999999999999999999/episode/1/"]
)
def test_a_number_too_large_for_any_column_is_a_404(client, odette, settings, url):
    settings.MEMBER_PAGE_CACHE_BYTES = 1024 * 1024  # the member's page read by episode_reader
    assert client.get(url).status_code == 404


def test_posting_to_a_number_beyond_any_column_is_a_404(client, odette, seeded):
    assert client.post("/reviews/99999999999999999999999/like/", {"liked": "1"}).status_code == 404
    rating = "/season/1/episode/99999999999999999999999/rating/"
    assert client.post(rating, {"score": "7"}).status_code == 404


def test_the_readers_episode_has_its_own_numbers(odette, seeded):
    from reviews.views import reader_episode_by_numbers

    found = reader_episode_by_numbers(1, 4, reader=odette)
    assert (found.season.number, found.number) == (1, 4)
    assert found.get_absolute_url() == "/season/1/episode/4/"
    assert found.reader_score is None and found.on_reader_watchlist is False
