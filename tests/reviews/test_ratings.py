"""Ratings as a member meets them: half-star scores, the counters behind every average,
the rating panel on an episode page and the charts on the season and home pages.

The counters in EpisodeScores are a cache of the Rating rows; most tests end by checking
them against a recount of those rows, which is what a member's average is supposed to be.
"""

import itertools
import re
from collections import Counter
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client, RequestFactory
from django.urls import reverse

from catalog.models import Episode
from etoile_app.accounts import member_delete
from members.models import User
from reviews import services
from reviews.models import SCORES, EpisodeScores, Rating
from tests.pages import season_rows, table_in, text_of

pytestmark = pytest.mark.django_db

EPISODE_URL = "/season/1/episode/3/"
RATE_URL = "/season/1/episode/3/rating/"
PLAIN_AVERAGE = (
    "The score is the plain average of every member’s rating from ½ to 5 stars, "
    "each member counted once, with nothing weighted or hidden."
)
CHOOSE_STARS = "Choose from ½ to 5 stars."
DISTRIBUTION_CAPTION = "Ratings of this episode at each half-star step"
HTMX = {"HTTP_HX_REQUEST": "true"}


# --- helpers -------------------------------------------------------------------------


class _ElementText(HTMLParser):
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"}

    def __init__(self, element_id: str):
        super().__init__(convert_charrefs=True)
        self.element_id = element_id
        self.depth = 0
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        if self.depth:
            self.depth += 1
        elif dict(attrs).get("id") == self.element_id:
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth and tag not in self.VOID:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.text.append(data)


def text_inside(html: str, element_id: str) -> str:
    parser = _ElementText(element_id)
    parser.feed(html)
    return " ".join(" ".join(parser.text).split())


def figures_in(html: str, kind: str) -> list[str]:
    return re.findall(rf'<figure class="chart chart--{kind}">.*?</figure>', html, re.S)


def svg_title(figure: str) -> str:
    match = re.search(r"<title[^>]*>(.*?)</title>", figure, re.S)
    assert match, "the chart has no <title>"
    return " ".join(match.group(1).split())


def recount(episode: Episode) -> list[int]:
    """The distribution the counters should hold: counted from the Rating rows."""
    scores = Counter(Rating.objects.filter(episode=episode).values_list("score", flat=True))
    return [scores[score] for score in SCORES]


def counters(episode: Episode) -> list[int]:
    row = EpisodeScores.objects.filter(episode=episode).first()
    return row.distribution if row else [0] * len(SCORES)


def assert_counters_match_ratings():
    for episode in Episode.objects.all():
        assert counters(episode) == recount(episode), episode


def distribution(**counts: int) -> list[int]:
    """distribution(s7=2, s10=1) → the ten counts with those steps set."""
    return [counts.get(f"s{score}", 0) for score in SCORES]


_serial = itertools.count()


def make_members(count: int) -> list[User]:
    numbers = [next(_serial) for _ in range(count)]
    return User.objects.bulk_create(
        User(email=f"rater{n}@example.com", handle=f"rater-{n}", password="!unusable")
        for n in numbers
    )


def add_raters(episodes: list[Episode], count: int) -> None:
    """`count` new members each rate every one of `episodes`, straight into the table."""
    members = make_members(count)
    Rating.objects.bulk_create(
        Rating(member=member, episode=episode, score=SCORES[(n + episode.number) % 10])
        for n, member in enumerate(members)
        for episode in episodes
    )


def rate_all(episode: Episode, scores: list[int]) -> list[User]:
    members = make_members(len(scores))
    for member, score in zip(members, scores, strict=True):
        services.rating_set(member=member, episode=episode, score=score)
    return members


# --- fixtures ------------------------------------------------------------------------


@pytest.fixture
def episode(seeded) -> Episode:
    return Episode.objects.get(season__number=1, number=3)


@pytest.fixture
def member(db, django_user_model):
    return django_user_model.objects.create_user(
        email="margot@example.com", password="arabesque en pointe 42", handle="margot"
    )


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


# --- database constraints -------------------------------------------------------------


def test_database_refuses_a_second_rating_by_the_same_member(episode, member):
    Rating.objects.create(member=member, episode=episode, score=6)
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(member=member, episode=episode, score=8)
    assert list(Rating.objects.values_list("score", flat=True)) == [6]


@pytest.mark.parametrize("score", [0, 11])
def test_database_refuses_a_score_outside_half_to_five_stars(episode, member, score):
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(member=member, episode=episode, score=score)
    assert not Rating.objects.exists()


@pytest.mark.parametrize("score", [1, 10])
def test_database_accepts_half_a_star_and_five_stars(episode, member, score):
    Rating.objects.create(member=member, episode=episode, score=score)
    assert Rating.objects.get().score == score


# --- services ------------------------------------------------------------------------


def test_first_rating_counts_once_at_its_step(episode, member):
    rating = services.rating_set(member=member, episode=episode, score=7)
    assert rating.score == 7
    assert counters(episode) == distribution(s7=1)
    assert_counters_match_ratings()


def test_rerating_moves_the_count_to_the_new_step(episode, member):
    services.rating_set(member=member, episode=episode, score=7)
    services.rating_set(member=member, episode=episode, score=3)
    assert counters(episode) == distribution(s3=1)
    assert Rating.objects.get().score == 3
    assert_counters_match_ratings()


def test_same_score_twice_changes_nothing(episode, member):
    first = services.rating_set(member=member, episode=episode, score=9)
    second = services.rating_set(member=member, episode=episode, score=9)
    assert second.pk == first.pk
    assert Rating.objects.get().updated_at == first.updated_at
    assert counters(episode) == distribution(s9=1)


def test_removing_a_rating_takes_it_out_of_the_counts(episode, member):
    services.rating_set(member=member, episode=episode, score=4)
    assert services.rating_remove(member=member, episode=episode) is True
    assert not Rating.objects.exists()
    assert counters(episode) == distribution()


def test_removing_twice_is_harmless(episode, member):
    other = make_members(1)[0]
    services.rating_set(member=member, episode=episode, score=4)
    services.rating_set(member=other, episode=episode, score=4)
    assert services.rating_remove(member=member, episode=episode) is True
    assert services.rating_remove(member=member, episode=episode) is False
    assert counters(episode) == distribution(s4=1)
    assert list(Rating.objects.values_list("member", flat=True)) == [other.pk]


def test_removing_a_rating_that_never_existed_answers_false(episode, member):
    assert services.rating_remove(member=member, episode=episode) is False
    assert counters(episode) == distribution()


@pytest.mark.parametrize("score", [0, 11, -1, "7", None, 7.5])
def test_rating_set_refuses_an_invalid_score_and_writes_nothing(episode, member, score):
    with pytest.raises(ValueError, match="from 1 to 10"):
        services.rating_set(member=member, episode=episode, score=score)
    assert not Rating.objects.exists()
    assert not EpisodeScores.objects.exists()


def test_rating_set_with_an_invalid_score_keeps_the_previous_rating(episode, member):
    services.rating_set(member=member, episode=episode, score=6)
    with pytest.raises(ValueError):
        services.rating_set(member=member, episode=episode, score=12)
    assert Rating.objects.get().score == 6
    assert counters(episode) == distribution(s6=1)


# --- aggregates ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "mean_stars"),
    [
        ([10], 5.0),
        ([1], 0.5),
        ([1, 2], 0.8),  # 0.75 stars
        ([10, 9, 9], 4.7),  # 4.666… stars
        # 3.25 stars: halves round up, as people round, so 3.3.
        ([10, 7, 7, 2], 3.3),
    ],
)
def test_mean_is_in_stars_to_one_decimal(episode, scores, mean_stars):
    rate_all(episode, scores)
    assert EpisodeScores.objects.get(episode=episode).mean_stars == Decimal(str(mean_stars))


def test_distribution_counts_each_half_star_step(episode):
    rate_all(episode, [10, 7, 7, 2])
    scores = EpisodeScores.objects.get(episode=episode)
    assert scores.distribution == distribution(s2=1, s7=2, s10=1)
    assert scores.count == 4
    assert scores.mean_score == 6.5


def test_episode_page_shows_the_mean_with_the_number_of_ratings(client, episode):
    rate_all(episode, [10, 7, 7, 2])
    text = text_of(client.get(EPISODE_URL).content.decode())
    assert "3.3 out of 5 from 4 ratings" in text
    assert "No ratings yet." not in text


def test_one_rating_is_counted_in_the_singular(client, episode):
    rate_all(episode, [5])
    text = text_of(client.get(EPISODE_URL).content.decode())
    assert "2.5 out of 5 from 1 rating " in text


def test_episode_page_explains_how_the_score_is_made(client, episode):
    rate_all(episode, [8])
    text = text_of(client.get(EPISODE_URL).content.decode())
    assert text.count(PLAIN_AVERAGE) == 1


def test_episode_without_ratings_says_so(client, episode):
    html = client.get(EPISODE_URL).content.decode()
    assert "No ratings yet." in text_of(html)
    assert " out of 5" not in text_of(html)
    (figure,) = figures_in(html, "distribution")
    assert svg_title(figure) == "No ratings yet for this episode."
    rows = table_in(html, DISTRIBUTION_CAPTION)[1:]
    assert [row["cells"][1:] for row in rows] == [["0", "0%"]] * 10


def test_episode_whose_ratings_were_all_removed_says_no_ratings_yet(client, episode, member):
    services.rating_set(member=member, episode=episode, score=7)
    services.rating_remove(member=member, episode=episode)
    assert EpisodeScores.objects.filter(episode=episode).exists()
    html = client.get(EPISODE_URL).content.decode()
    assert "No ratings yet." in text_of(html)
    assert svg_title(figures_in(html, "distribution")[0]) == "No ratings yet for this episode."


# --- recount_ratings -------------------------------------------------------------------


def test_recount_ratings_repairs_corrupted_counters(seeded):
    episodes = list(Episode.objects.all())
    add_raters(episodes[:5], 23)
    services.recount_ratings()
    assert_counters_match_ratings()
    EpisodeScores.objects.filter(episode__in=episodes[:3]).update(count_1=999, count_7=0)
    EpisodeScores.objects.filter(episode=episodes[4]).update(count_10=5)
    EpisodeScores.objects.filter(episode=episodes[6]).update(count_3=42)
    assert counters(episodes[0]) != recount(episodes[0])

    call_command("recount_ratings", verbosity=0)

    assert_counters_match_ratings()
    assert counters(episodes[6]) == distribution()
    assert sum(counters(episodes[0])) == 23


def test_recount_ratings_creates_missing_counter_rows(episode, member):
    Rating.objects.create(member=member, episode=episode, score=5)  # behind the services' back
    assert not EpisodeScores.objects.exists()
    call_command("recount_ratings", verbosity=0)
    assert counters(episode) == distribution(s5=1)
    assert EpisodeScores.objects.count() == Episode.objects.count()
    assert_counters_match_ratings()


def test_recount_ratings_reports_how_many_episodes(seeded, capsys):
    call_command("recount_ratings")
    assert "Recounted the ratings of 8 episodes." in capsys.readouterr().out


# --- members leaving --------------------------------------------------------------------


def request_for(member: User):
    request = RequestFactory().post("/settings/delete/")
    SessionMiddleware(lambda r: None).process_request(request)
    request.session.save()
    request.user = member
    return request


def test_deleting_a_member_takes_their_ratings_out_of_the_counts(seeded, member):
    episodes = list(Episode.objects.all())
    others = make_members(3)
    for n, episode in enumerate(episodes[:4]):
        services.rating_set(member=member, episode=episode, score=n + 5)
        for other in others:
            services.rating_set(member=other, episode=episode, score=n + 1)

    member_delete(request=request_for(member), member=member)

    assert not User.objects.filter(pk=member.pk).exists()
    assert not Rating.objects.filter(member_id=member.pk).exists()
    assert_counters_match_ratings()
    assert counters(episodes[0]) == distribution(s1=3)


def test_member_contributions_delete_then_delete_keeps_counts_exact(seeded, member):
    episode = Episode.objects.get(season__number=1, number=1)
    services.rating_set(member=member, episode=episode, score=10)
    services.rating_set(member=make_members(1)[0], episode=episode, score=10)
    services.member_contributions_delete(member=member)
    member.delete()
    assert counters(episode) == distribution(s10=1)
    assert_counters_match_ratings()


def test_the_average_no_longer_includes_a_deleted_member(client, episode, member):
    rate_all(episode, [2, 2])
    services.rating_set(member=member, episode=episode, score=10)
    member_delete(request=request_for(member), member=member)
    text = text_of(client.get(EPISODE_URL).content.decode())
    assert "1.0 out of 5 from 2 ratings" in text


# --- the rating view --------------------------------------------------------------------


def test_rate_url_is_the_episode_address_plus_rating():
    assert reverse("reviews:rating-set", args=[1, 3]) == RATE_URL


def test_member_rates_an_episode_and_sees_their_rating(member_client, episode, member):
    response = member_client.post(reverse("reviews:rating-set", args=[1, 3]), {"score": "7"})
    assert response.status_code == 302
    assert response["Location"] == f"{EPISODE_URL}#rating"
    assert Rating.objects.get(member=member, episode=episode).score == 7

    page = member_client.get(EPISODE_URL)
    html = page.content.decode()
    text = text_of(html)
    assert "Your rating has been saved." in text
    assert "Your rating: 3½ stars" in text
    assert "3.5 out of 5 from 1 rating" in text
    checked = re.findall(r'<input class="stars__input"[^>]*value="(\d+)"[^>]*\bchecked\b', html)
    assert checked == ["7"]
    assert "Remove my rating" in text


def test_member_changes_their_rating(member_client, episode, member):
    member_client.post(RATE_URL, {"score": "7"})
    member_client.post(RATE_URL, {"score": "2"})
    assert Rating.objects.get(member=member).score == 2
    assert counters(episode) == distribution(s2=1)
    text = text_of(member_client.get(EPISODE_URL).content.decode())
    assert "Your rating: 1 star" in text


def test_member_removes_their_rating(member_client, episode, member):
    member_client.post(RATE_URL, {"score": "7"})
    response = member_client.post(RATE_URL, {"remove": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"{EPISODE_URL}#rating"
    assert not Rating.objects.exists()
    assert counters(episode) == distribution()

    html = member_client.get(EPISODE_URL).content.decode()
    text = text_of(html)
    assert "Your rating has been removed." in text
    assert "No ratings yet." in text
    assert "Your rating:" not in text
    assert "Remove my rating" not in text
    assert not re.search(r'<input class="stars__input"[^>]*\bchecked\b', html)


def test_remove_wins_over_a_score_sent_with_it(member_client, episode):
    member_client.post(RATE_URL, {"score": "7"})
    member_client.post(RATE_URL, {"score": "9", "remove": "1"})
    assert not Rating.objects.exists()
    assert counters(episode) == distribution()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"score": "11"}, "Select a valid choice. 11 is not one of the available choices."),
        ({"score": "0"}, "Select a valid choice. 0 is not one of the available choices."),
        ({"score": "abc"}, "Select a valid choice. abc is not one of the available choices."),
        ({"score": ""}, CHOOSE_STARS),
        ({}, CHOOSE_STARS),
    ],
)
def test_invalid_score_shows_the_error_on_the_episode_page(member_client, episode, data, error):
    response = member_client.post(RATE_URL, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "<html" in html
    errors = re.search(r'<div id="rating-errors">(.*?)</div>', html, re.S)
    assert errors, "no error next to the stars"
    assert text_of(errors.group(1)) == error
    assert 'aria-describedby="rating-errors"' in html
    assert not Rating.objects.exists()
    assert counters(episode) == distribution()


def test_invalid_score_keeps_the_existing_rating(member_client, member, episode):
    member_client.post(RATE_URL, {"score": "4"})
    response = member_client.post(RATE_URL, {"score": "99"})
    assert response.status_code == 400
    assert Rating.objects.get(member=member).score == 4
    assert counters(episode) == distribution(s4=1)


def test_htmx_rating_returns_only_the_updated_panel(member_client, episode):
    rate_all(episode, [10, 2])
    response = member_client.post(RATE_URL, {"score": "7"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert html.startswith('<section class="rating-panel" id="rating-panel"')
    text = text_of(html)
    assert "Your rating: 3½ stars" in text
    assert "3.2 out of 5 from 3 ratings" in text  # (10 + 7 + 2) / 3 / 2 = 3.17
    rows = table_in(html, DISTRIBUTION_CAPTION)[1:]
    assert [int(row["cells"][1]) for row in rows] == distribution(s2=1, s7=1, s10=1)


def test_htmx_first_rating_of_an_episode_shows_in_the_panel(member_client, episode):
    response = member_client.post(RATE_URL, {"score": "8"}, **HTMX)
    assert response.status_code == 200
    text = text_of(response.content.decode())
    assert "4.0 out of 5 from 1 rating" in text
    assert "No ratings yet." not in text


def test_htmx_removal_returns_the_panel_without_the_rating(member_client, episode):
    member_client.post(RATE_URL, {"score": "8"})
    response = member_client.post(RATE_URL, {"remove": "1"}, **HTMX)
    assert response.status_code == 200
    text = text_of(response.content.decode())
    assert "No ratings yet." in text
    assert "Your rating:" not in text
    assert not Rating.objects.exists()


def test_htmx_rating_does_not_leave_a_message_for_the_next_page(member_client, episode):
    member_client.post(RATE_URL, {"score": "8"}, **HTMX)
    text = text_of(member_client.get(EPISODE_URL).content.decode())
    assert "Your rating has been saved." not in text


def swapped_by_htmx(page: str, response: str) -> str:
    """The text of `response` that htmx puts on the page when the rating form posts: the
    elements its hx-select and hx-select-oob name, or the whole answer without them."""
    form = re.search(r'<form class="rating-form"[^>]*>', page, re.S).group(0)
    selectors = []
    for name in ("hx-select", "hx-select-oob"):
        value = re.search(rf'\s(?:data-)?{name}="([^"]*)"', form)
        if value:
            selectors += [s.split(":")[0].strip() for s in value.group(1).split(",")]
    if not selectors:
        return text_of(response)
    return " ".join(text_inside(response, s.removeprefix("#")) for s in selectors if s)


def test_htmx_missing_score_shows_the_error_where_htmx_will_swap_it(member_client, episode):
    """htmx 2 does not swap a 4xx answer unless the page's htmx-config says so, and only
    swaps what the form selects: the member who presses "Save rating" without choosing a
    star must still see why nothing happened."""
    page = member_client.get(EPISODE_URL).content.decode()
    response = member_client.post(RATE_URL, {}, **HTMX)
    html = response.content.decode()
    assert "<html" not in html
    assert not Rating.objects.exists()
    config = re.search(r'<meta name="htmx-config" content=\'([^\']*)\'', page).group(1)
    assert response.status_code < 400 or '"responseHandling"' in config, (
        f"htmx does not swap a {response.status_code} answer: the error never shows"
    )
    assert CHOOSE_STARS in swapped_by_htmx(page, html)


def test_visitor_is_sent_to_sign_in_and_back(client, episode):
    response = client.post(RATE_URL, {"score": "7"})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={EPISODE_URL}"
    assert not Rating.objects.exists()
    assert not EpisodeScores.objects.exists()


def test_visitor_rating_with_htmx_redirects_the_whole_page(client, episode):
    response = client.post(RATE_URL, {"score": "7"}, **HTMX)
    assert response["HX-Redirect"] == f"{reverse('account_login')}?next={EPISODE_URL}"
    assert not Rating.objects.exists()


def test_visitor_sees_an_invitation_to_sign_in_instead_of_buttons(client, episode):
    html = client.get(EPISODE_URL).content.decode()
    assert "Sign in to rate this episode" in text_of(html)
    assert f'href="{reverse("account_login")}?next={EPISODE_URL}%23rating"' in html
    assert "Save rating" not in text_of(html)


def test_rating_url_refuses_get(member_client, episode):
    response = member_client.get(RATE_URL)
    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_rating_without_csrf_token_is_refused(member, episode):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post(RATE_URL, {"score": "7"})
    assert response.status_code == 403
    assert not Rating.objects.exists()
    assert counters(episode) == distribution()


def test_rating_with_csrf_token_from_the_page_is_accepted(member, episode):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    html = client.get(EPISODE_URL).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response = client.post(RATE_URL, {"score": "7", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Rating.objects.get().score == 7


@pytest.mark.parametrize("url", ["/season/1/episode/99/rating/", "/season/9/episode/3/rating/"])
def test_rating_an_unknown_episode_is_not_found(member_client, seeded, url):
    response = member_client.post(url, {"score": "7"})
    assert response.status_code == 404
    assert not Rating.objects.exists()


def test_rating_an_unknown_episode_is_not_found_for_visitors_too(client, seeded):
    assert client.post("/season/1/episode/99/rating/", {"score": "7"}).status_code == 404


# --- charts ---------------------------------------------------------------------------


def test_distribution_table_matches_the_counters_and_marks_the_members_row(
    member_client, episode, member
):
    rate_all(episode, [10, 7, 2, 7, 7, 1])
    services.rating_set(member=member, episode=episode, score=7)
    html = member_client.get(EPISODE_URL).content.decode()

    header, *rows = table_in(html, DISTRIBUTION_CAPTION)
    assert header["cells"] == ["Rating", "Members", "Share"]
    expected = EpisodeScores.objects.get(episode=episode).distribution
    assert (
        [int(row["cells"][1]) for row in rows] == expected == distribution(s1=1, s2=1, s7=4, s10=1)
    )
    assert [row["cells"][0] for row in rows] == [
        "½ star",
        "1 star",
        "1½ stars",
        "2 stars",
        "2½ stars",
        "3 stars",
        "3½ stars (yours)",
        "4 stars",
        "4½ stars",
        "5 stars",
    ]
    assert [row["cells"][2] for row in rows] == [
        "14%",
        "14%",
        "0%",
        "0%",
        "0%",
        "0%",
        "57%",
        "0%",
        "0%",
        "14%",
    ]
    own_rows = [row for row in rows if row["class"] == "data-table__own"]
    assert [row["cells"][0] for row in own_rows] == ["3½ stars (yours)"]


def test_distribution_chart_is_an_image_with_a_title_naming_count_and_mean(
    member_client, episode, member
):
    rate_all(episode, [10, 7, 7])
    services.rating_set(member=member, episode=episode, score=2)
    html = member_client.get(EPISODE_URL).content.decode()
    (figure,) = figures_in(html, "distribution")
    svg = re.search(r"<svg[^>]*>", figure).group(0)
    assert 'role="img"' in svg
    assert f'aria-labelledby="distribution-title-{episode.pk}"' in svg
    assert f'<title id="distribution-title-{episode.pk}">' in figure
    assert svg_title(figure) == (
        "How 4 members rated this episode: 3.3 stars on average. Your rating: 1 star."
    )
    assert figure.count("<rect ") == 10
    assert figure.count("chart__bar--own") == 1


def test_distribution_title_for_a_visitor_has_no_own_rating(client, episode):
    rate_all(episode, [6])
    (figure,) = figures_in(client.get(EPISODE_URL).content.decode(), "distribution")
    assert svg_title(figure) == "How 1 member rated this episode: 3.0 stars on average."
    assert "(yours)" not in figure
    assert "chart__bar--own" not in figure


def season_figure(html: str) -> str:
    (figure,) = figures_in(html, "season")
    return figure


@pytest.mark.parametrize("url", ["/season/1/", "/"])
def test_season_chart_lists_every_episode_with_its_mean(client, seeded, url):
    episodes = list(Episode.objects.filter(season__number=1).order_by("number"))
    rate_all(episodes[0], [10, 7, 7, 2])
    services.rating_set(member=make_members(1)[0], episode=episodes[4], score=3)

    html = client.get(url).content.decode()
    rows = season_rows(html)
    assert rows[0] == ["Episode", "Average", "Ratings"]
    assert rows[1:] == [
        [
            e.title,
            {0: "3.3 stars", 4: "1.5 stars"}.get(i, "No ratings yet"),
            {0: "4", 4: "1"}.get(i, "0"),
        ]
        for i, e in enumerate(episodes)
    ]
    figure = season_figure(html)
    assert figure.count("<circle ") == 8
    assert figure.count("chart__point--empty") == 6
    assert "chart__own" not in figure
    svg = re.search(r"<svg[^>]*>", figure).group(0)
    assert 'role="img"' in svg
    assert svg_title(figure) == (
        "Season 1 at a glance: the average rating of each episode, from 0 to 5 stars."
    )


@pytest.mark.parametrize("url", ["/season/1/", "/"])
def test_season_chart_shows_a_members_own_ratings(member_client, member, seeded, url):
    episodes = list(Episode.objects.filter(season__number=1).order_by("number"))
    services.rating_set(member=member, episode=episodes[1], score=9)
    services.rating_set(member=member, episode=episodes[7], score=1)
    rate_all(episodes[1], [1])

    html = member_client.get(url).content.decode()
    rows = season_rows(html)
    assert rows[0] == ["Episode", "Average", "Ratings", "Yours"]
    assert [row[3] for row in rows[1:]] == [
        "—",
        "4½ stars",
        "—",
        "—",
        "—",
        "—",
        "—",
        "½ star",
    ]
    assert [row[1] for row in rows[1:]] == [
        "No ratings yet",
        "2.5 stars",
        *["No ratings yet"] * 5,
        "0.5 stars",
    ]
    figure = season_figure(html)
    assert figure.count("<circle ") == 8
    assert figure.count('class="chart__own"') == 2
    assert svg_title(figure).endswith("Your own ratings are marked with diamonds.")


def test_season_chart_has_no_yours_column_for_a_member_who_rated_nothing(member_client, seeded):
    rate_all(Episode.objects.get(season__number=1, number=2), [4])
    rows = season_rows(member_client.get("/season/1/").content.decode())
    assert rows[0] == ["Episode", "Average", "Ratings"]


# --- queries do not grow with the number of ratings -----------------------------------


def measure(client, url, assert_queries, limit):
    with assert_queries(limit) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.mark.parametrize(("as_member", "limit"), [(False, 6), (True, 10)])
def test_episode_page_queries_do_not_grow_with_ratings(
    client, member, episode, django_assert_max_num_queries, as_member, limit
):
    services.rating_set(member=member, episode=episode, score=7)
    if as_member:
        client.force_login(member)
    few, html = measure(client, EPISODE_URL, django_assert_max_num_queries, limit)
    assert "from 1 rating" in text_of(html)

    add_raters([episode], 9_999)
    call_command("recount_ratings", verbosity=0)
    many, html = measure(client, EPISODE_URL, django_assert_max_num_queries, limit)
    assert "from 10000 ratings" in text_of(html)
    assert many == few


# Measured on SQLite and PostgreSQL: visitor / member.
# A member adds the session, their user row, their ratings, their watches (progress and
# spoilers) and the show's episodes for the progress in their menu. The home page also reads
# the show's citations.
# A member's header also counts their unread notifications, with their user row.
SEASON_QUERIES = {False: 4, True: 9}
# The home page's community section adds two (the latest reviews, the most discussed); for a
# member, their newest activity: the items' keys (one), then the rows of each kind among them
# (none here: the member follows nobody). Whom they blocked or muted comes with their row: a
# member who hides nobody needs no query for it.
HOME_QUERIES = {False: 7, True: 13}


@pytest.mark.parametrize("as_member", [False, True])
@pytest.mark.parametrize(("url", "expected"), [("/season/1/", SEASON_QUERIES), ("/", HOME_QUERIES)])
def test_season_and_home_queries_do_not_grow_with_ratings(
    client, member, seeded, django_assert_num_queries, as_member, url, expected
):
    episodes = list(Episode.objects.filter(season__number=1))
    services.rating_set(member=member, episode=episodes[0], score=7)
    if as_member:
        client.force_login(member)
    _, html = measure(client, url, django_assert_num_queries, expected[as_member])
    assert season_rows(html)[1][2] == "1"

    add_raters(episodes, 1_250)  # 10,000 ratings over the eight episodes
    services.rating_set(member=member, episode=episodes[5], score=3)
    call_command("recount_ratings", verbosity=0)
    assert Rating.objects.count() == 10_002
    _, html = measure(client, url, django_assert_num_queries, expected[as_member])
    assert season_rows(html)[1][2] == "1251"
