"""Favourite episodes and characters: three of each at most, in the member's order, chosen on
their favourites page or from an episode's or character's own page, shown on their profile,
in the API, the data export and gone with the account (picks/services.py, picks/views.py)."""

import csv
import io
import json

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from catalog.models import Character, Episode
from picks import services
from picks.models import FavouriteCharacter, FavouriteEpisode
from tests.factories import signed_in
from tests.pages import download_export, message_text, page_of, text_of

pytestmark = pytest.mark.django_db

PAGE = "/me/favourites/"
CHANGE = "/me/favourites/change/"


@pytest.fixture
def eps(seeded) -> dict[int, Episode]:
    return {e.number: e for e in Episode.objects.filter(season__number=1).select_related("season")}


@pytest.fixture
def jack(seeded) -> Character:
    return Character.objects.get(slug="jack")


def favourite_numbers(member) -> list[int]:
    return list(
        FavouriteEpisode.objects.filter(member=member)
        .order_by("position")
        .values_list("episode__number", flat=True)
    )


def choose(member, eps, numbers):
    for number in numbers:
        services.favourite_add(member=member, item=eps[number])


def status_of(response) -> str:
    return page_of(response).find(id="favourites-status").words


def test_favourites_keep_the_order_they_were_chosen_in_and_move(odette, eps):
    choose(odette, eps, [5, 2, 7])
    assert favourite_numbers(odette) == [5, 2, 7]
    assert services.favourite_move(member=odette, item=eps[7], by=-1) == 2
    assert favourite_numbers(odette) == [5, 7, 2]
    assert services.favourite_remove(member=odette, item=eps[5])
    assert favourite_numbers(odette) == [7, 2]
    assert not services.favourite_remove(member=odette, item=eps[5])


def test_a_fourth_favourite_is_refused_with_a_message(odette, eps):
    choose(odette, eps, [1, 2, 3])
    with pytest.raises(services.PickError, match="three favourite episodes"):
        services.favourite_add(member=odette, item=eps[4])
    assert not services.favourite_add(member=odette, item=eps[1])  # already: no error
    assert favourite_numbers(odette) == [1, 2, 3]


def test_the_database_holds_at_most_three_each_once(odette, eps, jack):
    choose(odette, eps, [1, 2, 3])
    now = timezone.now()
    for bad in [
        FavouriteEpisode(member=odette, episode=eps[4], position=4, chosen_at=now),
        FavouriteEpisode(member=odette, episode=eps[4], position=2, chosen_at=now),
        FavouriteEpisode(member=odette, episode=eps[1], position=1, chosen_at=now),
    ]:
        with pytest.raises(IntegrityError), transaction.atomic():
            bad.save()
    FavouriteCharacter.objects.create(member=odette, character=jack, position=1, chosen_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        FavouriteCharacter.objects.create(member=odette, character=jack, position=2, chosen_at=now)


def test_the_favourites_page_adds_moves_and_removes_with_a_status_and_focus(client, odette, eps):
    response = client.post(CHANGE, {"kind": "episode", "add": eps[4].pk})
    assert response.status_code == 302
    assert response["Location"] == PAGE
    page = client.get(PAGE)
    assert status_of(page) == f"“{eps[4].title}” is one of your favourites."
    client.post(CHANGE, {"kind": "episode", "add": eps[6].pk})
    client.get(PAGE)
    client.post(CHANGE, {"kind": "episode", "up": eps[6].pk})
    page = client.get(PAGE)
    assert status_of(page) == f"“{eps[6].title}” moved up to place 1."
    focused = [n for n in page_of(page).iter() if "autofocus" in n.attrs]
    assert [(n.attrs["name"], n.attrs["value"]) for n in focused] == [("up", str(eps[6].pk))]
    assert favourite_numbers(odette) == [6, 4]
    client.post(CHANGE, {"kind": "episode", "remove": eps[6].pk})
    page = client.get(PAGE)
    assert status_of(page) == f"“{eps[6].title}” is no longer one of your favourites."
    assert favourite_numbers(odette) == [4]


def test_the_page_offers_no_more_choices_at_three(client, odette, eps):
    choose(odette, eps, [1, 2, 3])
    page = page_of(client.get(PAGE))
    assert "That makes 3, as many as a profile shows" in page.find(id="episode-favourites").words
    assert page.find(id="character-favourites").find("select", id="add-character")


def test_characters_are_favourites_of_their_own(client, odette, jack):
    client.post(CHANGE, {"kind": "character", "add": jack.pk})
    assert list(
        FavouriteCharacter.objects.filter(member=odette).values_list("character__name", flat=True)
    ) == ["Jack"]
    assert status_of(client.get(PAGE)) == "“Jack” is one of your favourites."


@pytest.mark.parametrize(
    "data",
    [{}, {"kind": "film", "add": "1"}, {"kind": "episode"}, {"kind": "episode", "add": "99999"}],
    ids=["nothing", "unknown kind", "no item", "no such episode"],
)
def test_bad_input_is_a_400_that_says_what_to_do(client, odette, data):
    response = client.post(CHANGE, data)
    assert response.status_code == 400
    assert status_of(response).startswith("Choose")
    assert not FavouriteEpisode.objects.exists()


def test_posting_requires_the_csrf_token_and_a_get_changes_nothing(odette, eps):
    client = signed_in(odette, enforce_csrf_checks=True)
    assert client.post(CHANGE, {"kind": "episode", "add": eps[1].pk}).status_code == 403
    assert client.get(CHANGE, {"kind": "episode", "add": eps[1].pk}).status_code == 405
    assert not FavouriteEpisode.objects.exists()


def test_from_the_episode_page_the_button_comes_back_to_it_with_a_message(client, odette, eps):
    url = eps[3].get_absolute_url()
    button = page_of(client.get(url)).find(id="favourite").find("button")
    assert button.words == "♡ Add to your favourites"
    response = client.post(
        CHANGE, {"kind": "episode", "add": eps[3].pk, "next": f"{url}#favourite"}
    )
    assert response["Location"] == f"{url}#favourite"
    page = client.get(url)
    assert message_text(page_of(page)) == f"“{eps[3].title}” is one of your favourites."
    assert (
        page_of(page).find(id="favourite").find("button").words == "♥ Remove from your favourites"
    )


def test_the_episode_page_says_when_three_are_chosen_and_a_race_past_it_is_refused(
    client, odette, eps
):
    choose(odette, eps, [1, 2, 4])
    url = eps[3].get_absolute_url()
    assert (
        "You have three favourite episodes" in page_of(client.get(url)).find(id="favourite").words
    )
    response = client.post(CHANGE, {"kind": "episode", "add": eps[3].pk, "next": url})
    assert response["Location"] == url
    assert "remove one before adding another" in message_text(page_of(client.get(url)))


def test_the_character_page_has_the_button_for_members_and_nothing_for_visitors(
    client, odette, jack
):
    url = jack.get_absolute_url()
    assert "favourite" not in Client().get(url).content.decode().lower()
    client.post(CHANGE, {"kind": "character", "add": jack.pk, "next": url})
    assert "Remove from your favourites" in text_of(client.get(url))


def test_a_next_address_on_another_site_is_not_followed(client, odette, eps):
    response = client.post(
        CHANGE, {"kind": "episode", "add": eps[3].pk, "next": "https://evil.example/"}
    )
    assert response["Location"].startswith(PAGE)


def test_the_profile_shows_favourites_and_ranking_to_everyone(odette, eps, jack):
    choose(odette, eps, [6, 1])
    services.favourite_add(member=odette, item=jack)
    services.ranking_set(member=odette, season=eps[1].season, episodes=[eps[2], eps[8]])
    page = page_of(Client().get("/u/odette/"))
    favourites = page.find("section", **{"aria-labelledby": "picks-heading"})
    lists = favourites.find_all("ol")
    assert [a.words for a in lists[0].find_all("a")] == [eps[6].title, eps[1].title]
    assert [a.words for a in lists[1].find_all("a")] == ["Jack"]
    ranking = page.find("section", **{"aria-labelledby": "member-ranking-heading"})
    assert [a.words for a in ranking.find("ol").find_all("a")] == [eps[2].title, eps[8].title]
    assert "Choose your favourites" not in text_of(Client().get("/u/odette/"))


def test_the_export_holds_favourites_and_rankings(client, odette, eps, jack):
    choose(odette, eps, [3])
    services.favourite_add(member=odette, item=jack)
    services.ranking_set(member=odette, season=eps[1].season, episodes=[eps[5], eps[1]])
    _response, files = download_export(client)
    document = json.loads(files["etoile-export.json"])
    assert [(f["kind"], f["place"], f["name"]) for f in document["favourites"]] == [
        ("episode", 1, eps[3].title),
        ("character", 1, "Jack"),
    ]
    rows = list(csv.DictReader(io.StringIO(files["rankings.csv"].decode())))
    assert [(r["place"], r["episode"]) for r in rows] == [("1", "5"), ("2", "1")]


def test_deleting_the_account_deletes_the_picks(client, odette, eps, jack):
    from etoile_app.accounts import member_purge

    choose(odette, eps, [3])
    services.favourite_add(member=odette, item=jack)
    services.ranking_set(member=odette, season=eps[1].season, episodes=[eps[5]])
    member_purge(member=odette)
    assert not FavouriteEpisode.objects.exists()
    assert not FavouriteCharacter.objects.exists()
    from picks.models import RankedEpisode, Ranking

    assert not Ranking.objects.exists() and not RankedEpisode.objects.exists()


def test_the_favourites_page_in_french(client, odette, eps):
    choose(odette, eps, [1])
    text = text_of(client.get("/fr" + PAGE))
    assert "Vos favoris" in text
    assert "Monter" in text


@pytest.mark.parametrize("others", [0, 60])
def test_the_favourites_page_costs_the_same_few_queries_however_many_members(
    client, odette, eps, jack, django_assert_max_num_queries, others
):
    from members.models import User

    members = User.objects.bulk_create(
        User(email=f"fan{n}@example.com", handle=f"fan-{n}") for n in range(others)
    )
    for member in members:
        choose(member, eps, [1, 2, 3])
    choose(odette, eps, [4, 5])
    services.favourite_add(member=odette, item=jack)
    with django_assert_max_num_queries(9):
        assert client.get(PAGE).status_code == 200
