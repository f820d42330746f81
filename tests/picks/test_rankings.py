"""A member's ranking of the season, by its buttons with and without htmx and by drag and drop,
and the community ranking built from everyone's (picks/services.py, picks/views.py)."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from catalog.models import Episode, Season
from members.models import User
from picks import counters, services
from picks.community import community_ranking
from picks.models import Preference, RankedEpisode, SeasonRankings
from reviews import moderation
from tests.factories import signed_in
from tests.pages import page_of, text_of

pytestmark = pytest.mark.django_db

PAGE = "/me/ranking/season/1/"
CHANGE = "/me/ranking/season/1/change/"
COMMUNITY = "/season/1/ranking/"


@pytest.fixture
def season(seeded) -> Season:
    return Season.objects.get(show=seeded, number=1)


@pytest.fixture
def eps(season) -> dict[int, Episode]:
    """The season's episodes by number."""
    return {e.number: e for e in Episode.objects.filter(season=season).select_related("season")}


def ranked(member: User, season: Season) -> list[int]:
    """The member's ranking as episode numbers, best first."""
    return list(
        RankedEpisode.objects.filter(ranking__member=member, ranking__season=season)
        .order_by("position")
        .values_list("episode__number", flat=True)
    )


def rank(member, season, eps, numbers):
    services.ranking_set(member=member, season=season, episodes=[eps[n] for n in numbers])


def counts(season) -> dict[tuple[int, int], int]:
    rows = Preference.objects.filter(preferred__season=season).values_list(
        "preferred__number", "over__number", "members"
    )
    return {(a, b): n for a, b, n in rows if n}


def status_of(response) -> str:
    return page_of(response).find(id="ranking-status").words


def autofocused(response) -> list[str]:
    return [node.attrs.get("id") for node in page_of(response).iter() if "autofocus" in node.attrs]


# The services and their counters ---------------------------------------------------------------


def test_a_ranking_counts_each_pair_once_and_the_unranked_below(odette, season, eps):
    rank(odette, season, eps, [3, 1])
    pairs = counts(season)
    assert pairs[(3, 1)] == 1
    assert all(pairs[(3, n)] == 1 and pairs[(1, n)] == 1 for n in (2, 4, 5, 6, 7, 8))
    assert (1, 3) not in pairs and (2, 4) not in pairs  # left out: not compared
    assert SeasonRankings.objects.get(season=season).rankings == 1


def test_moving_an_episode_up_swaps_it_with_the_one_above(odette, season, eps):
    rank(odette, season, eps, [1, 2, 3])
    place = services.ranking_move(member=odette, season=season, episode=eps[3], by=-1)
    assert place == 2
    assert ranked(odette, season) == [1, 3, 2]
    assert counts(season)[(3, 2)] == 1 and (2, 3) not in counts(season)


def test_moving_past_either_end_changes_nothing(odette, season, eps):
    rank(odette, season, eps, [1, 2])
    assert services.ranking_move(member=odette, season=season, episode=eps[1], by=-1) == 1
    assert services.ranking_move(member=odette, season=season, episode=eps[2], by=1) == 2
    assert services.ranking_move(member=odette, season=season, episode=eps[5], by=1) is None
    assert ranked(odette, season) == [1, 2]


def test_add_remove_and_clear_keep_the_counters_equal_to_a_recount(odette, odile, season, eps):
    rank(odile, season, eps, [8, 7, 6])
    services.ranking_add(member=odette, season=season, episode=eps[4])
    services.ranking_add(member=odette, season=season, episode=eps[2])
    services.ranking_add(member=odette, season=season, episode=eps[4])  # already there: stays
    assert ranked(odette, season) == [4, 2]
    services.ranking_remove(member=odette, season=season, episode=eps[4])
    assert ranked(odette, season) == [2]
    assert SeasonRankings.objects.get(season=season).rankings == 2
    assert services.ranking_clear(member=odette, season=season)
    assert SeasonRankings.objects.get(season=season).rankings == 1
    before = counts(season)
    assert counters.recount() == {"community ranking (Preference, SeasonRankings)": 0}
    assert counts(season) == before


def test_a_ranking_of_another_seasons_episode_or_twice_the_same_is_refused(odette, season, eps):
    with pytest.raises(services.PickError):
        rank(odette, season, eps, [1, 1])
    assert ranked(odette, season) == []


def test_a_suspended_members_ranking_leaves_the_community_ranking_and_comes_back(
    odette, odile, season, eps, superuser
):
    rank(odette, season, eps, [5])
    rank(odile, season, eps, [6])
    assert counts(season)[(5, 6)] == 1
    moderation.member_suspend(member=odette, moderator=superuser, reason="Brigading")
    assert (5, 6) not in counts(season)
    assert SeasonRankings.objects.get(season=season).rankings == 1
    # While suspended (an open session, say) a change is kept but not counted.
    services.ranking_move(
        member=User.objects.get(pk=odette.pk), season=season, episode=eps[5], by=1
    )
    call_command("recount", verbosity=0)
    assert (5, 6) not in counts(season)
    moderation.member_reinstate(member=odette, moderator=superuser, reason="Appeal upheld")
    assert counts(season)[(5, 6)] == 1
    assert SeasonRankings.objects.get(season=season).rankings == 2


def test_deleting_an_account_takes_its_ranking_out_of_the_counters(odette, odile, season, eps):
    from etoile_app.accounts import member_purge

    rank(odette, season, eps, [1, 2])
    rank(odile, season, eps, [2, 1])
    member_purge(member=odette)
    assert counts(season)[(2, 1)] == 1 and (1, 2) not in counts(season)
    assert SeasonRankings.objects.get(season=season).rankings == 1


def test_recount_puts_drifted_counters_right_and_says_how_many(odette, season, eps, capsys):
    rank(odette, season, eps, [1, 2])
    Preference.objects.filter(preferred=eps[1], over=eps[2]).update(members=9)
    SeasonRankings.objects.filter(season=season).update(rankings=4)
    call_command("recount")
    out = capsys.readouterr().out
    assert "community ranking (Preference, SeasonRankings): 2 rows wrong" in out
    assert "rating distribution (EpisodeScores): 0 rows wrong" in out
    assert counts(season)[(1, 2)] == 1
    assert SeasonRankings.objects.get(season=season).rankings == 1


def test_the_community_ranking_follows_the_majority_with_the_margins_of_each_place(
    season, eps, odette, odile, reporters
):
    for member in [odette, odile, reporters[0]]:
        rank(member, season, eps, [2, 1, 3])
    rank(reporters[1], season, eps, [1, 2])
    ranking = community_ranking(season)
    assert ranking.rankings == 4
    assert [p.episode.number for p in ranking.places[:3]] == [2, 1, 3]
    first = ranking.places[0]
    assert (first.next_episode.number, first.ahead, first.behind) == (1, 3, 1)
    # Nobody ranked 4 to 8: they share the last place.
    assert {p.number for p in ranking.places[3:]} == {4}
    assert all(p.tied for p in ranking.places[3:])


# The member's page, without JavaScript ---------------------------------------------------------


def test_the_page_lists_the_ranking_then_the_episodes_left_out(client, odette, season, eps):
    rank(odette, season, eps, [4, 2])
    page = page_of(client.get(PAGE))
    ranked_list = page.find("ol", class_="ranking")  # the member's, first
    assert [a.words for a in ranked_list.find_all("a")] == [eps[4].title, eps[2].title]
    assert page.find("button", id=f"rank-up-{eps[4].pk}").attrs.get("aria-disabled") == "true"
    assert "aria-disabled" not in page.find("button", id=f"rank-up-{eps[2].pk}").attrs
    assert len(page.with_class("ranking--unranked")[0].find_all("button")) == 6


def test_move_up_without_javascript_comes_back_saying_what_moved_with_the_focus_on_the_button(
    client, odette, season, eps
):
    rank(odette, season, eps, [1, 2, 3])
    response = client.post(CHANGE, {"up": eps[3].pk})
    assert response.status_code == 302
    assert response["Location"] == PAGE
    page = client.get(PAGE)
    assert status_of(page) == f"“{eps[3].title}” moved up to place 2 of 3."
    assert autofocused(page) == [f"rank-up-{eps[3].pk}"]
    button = page_of(page).find("button", id=f"rank-up-{eps[3].pk}")
    assert button.attrs["aria-describedby"] == "ranking-status"
    assert ranked(odette, season) == [1, 3, 2]
    # Said once: a reload is a quiet page.
    assert status_of(client.get(PAGE)) == ""


def test_move_up_on_the_first_says_it_is_already_first(client, odette, season, eps):
    rank(odette, season, eps, [1, 2])
    client.post(CHANGE, {"up": eps[1].pk})
    assert status_of(client.get(PAGE)) == f"“{eps[1].title}” is already first."


def test_adding_puts_the_episode_last_and_the_focus_on_its_move_up(client, odette, season, eps):
    rank(odette, season, eps, [1])
    client.post(CHANGE, {"add": eps[6].pk})
    page = client.get(PAGE)
    assert status_of(page) == f"“{eps[6].title}” added at place 2 of 2."
    assert autofocused(page) == [f"rank-up-{eps[6].pk}"]


def test_taking_out_and_clearing(client, odette, season, eps):
    rank(odette, season, eps, [1, 2])
    client.post(CHANGE, {"remove": eps[1].pk})
    page = client.get(PAGE)
    assert status_of(page) == f"“{eps[1].title}” is out of your ranking."
    assert autofocused(page) == [f"rank-add-{eps[1].pk}"]
    client.post(CHANGE, {"clear": "1"})
    page = client.get(PAGE)
    assert status_of(page) == "Your ranking is empty."
    assert autofocused(page) == ["ranked-heading"]
    assert ranked(odette, season) == []


@pytest.mark.parametrize(
    "data",
    [{}, {"up": "999999"}, {"up": "x"}, {"add": "-1"}, {"dropped": "1", "order": ["a"]}],
    ids=["nothing", "no such episode", "not a number", "negative", "bad order"],
)
def test_a_change_that_names_nothing_is_a_400_that_says_so_and_changes_nothing(
    client, odette, season, eps, data
):
    rank(odette, season, eps, [1, 2])
    response = client.post(CHANGE, data)
    assert response.status_code == 400
    assert "That change could not be made" in status_of(response)
    assert ranked(odette, season) == [1, 2]


def test_another_seasons_episode_cannot_be_ranked(client, odette, season, eps, seeded):
    other = Season.objects.create(show=seeded, number=2)
    stranger = Episode.objects.create(season=other, number=1, title="Elsewhere")
    response = client.post(CHANGE, {"add": stranger.pk})
    assert response.status_code == 400
    assert ranked(odette, season) == []


def test_the_change_address_refuses_a_get_and_a_forged_post(odette, season, eps):
    client = signed_in(odette, enforce_csrf_checks=True)
    assert client.get(CHANGE, {"add": eps[1].pk}).status_code == 405
    assert client.post(CHANGE, {"add": eps[1].pk}).status_code == 403
    assert ranked(odette, season) == []


def test_a_visitor_is_sent_to_sign_in_and_an_unknown_season_is_not_found(client, odette, seeded):
    visitor = Client()
    response = visitor.post(CHANGE, {"add": "1"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert visitor.get(PAGE).status_code == 302
    assert client.get("/me/ranking/season/9/").status_code == 404
    assert client.post("/me/ranking/season/9/change/", {"add": "1"}).status_code == 404


def test_past_the_rate_limit_a_change_is_refused_with_a_message(
    client, odette, season, eps, settings
):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "picks_change": "2/m/user"}
    for number in (1, 2):
        assert client.post(CHANGE, {"add": eps[number].pk}).status_code == 302
    response = client.post(CHANGE, {"add": eps[3].pk})
    assert response.status_code == 429
    assert "faster than we allow" in status_of(response)
    assert ranked(odette, season) == [1, 2]


# With htmx, and the drag and drop's order ------------------------------------------------------


def test_with_htmx_the_editor_comes_back_with_the_status_out_of_band(client, odette, season, eps):
    rank(odette, season, eps, [1, 2])
    response = client.post(CHANGE, {"down": eps[1].pk}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    page = page_of(response)
    editor = page.find(id="ranking-editor")
    assert editor.find("p", id="ranking-status").attrs["data-hx-swap-oob"] == "innerHTML"
    assert page.find(id="ranking-status").words == f"“{eps[1].title}” moved down to place 2 of 2."
    button = page.find("button", id=f"rank-down-{eps[1].pk}")
    assert "autofocus" in button.attrs and "aria-describedby" not in button.attrs
    assert ranked(odette, season) == [2, 1]


def test_a_drop_saves_the_whole_order_and_names_the_episode_that_moved(client, odette, season, eps):
    rank(odette, season, eps, [1, 2, 3])
    order = [eps[3].pk, eps[1].pk, eps[2].pk]
    response = client.post(
        CHANGE, {"dropped": eps[3].pk, "order": order}, headers={"HX-Request": "true"}
    )
    assert page_of(response).find(id="ranking-status").words == (
        f"“{eps[3].title}” moved to place 1 of 3."
    )
    assert ranked(odette, season) == [3, 1, 2]


# The community ranking page --------------------------------------------------------------------


def test_the_community_page_explains_the_method_and_shows_the_pairwise_table(
    client, odette, odile, season, eps
):
    rank(odette, season, eps, [2, 1])
    rank(odile, season, eps, [2])
    response = Client().get(COMMUNITY)
    assert response.status_code == 200
    text = text_of(response)
    assert "from 2 members’ rankings" in text
    assert "Schulze method" in text
    assert "Episodes it leaves out are not compared with each other" in text
    page = page_of(response)
    places = page.with_class("ranking--community")[0]
    assert places.find_all("li")[0].find("a").words == eps[2].title
    table = page.with_class("pairwise")[0]
    first_row = table.find("tbody").find_all("tr")[0]
    assert first_row.find("th").words == f"2. {eps[2].title}"
    # Episode 2 over episode 1: both members.
    assert first_row.find_all("td")[1].words.startswith("2")
    assert "Sign in to rank the episodes yourself" in text


def test_a_member_sees_their_own_ranking_beside_the_communitys(client, odette, season, eps):
    rank(odette, season, eps, [7, 8])
    page = page_of(client.get(COMMUNITY))
    mine = page.with_class("ranking--mine")[0]
    assert [a.words for a in mine.find_all("a")] == [eps[7].title, eps[8].title]


def test_the_community_page_says_when_nobody_has_ranked(client, season):
    text = text_of(Client().get(COMMUNITY))
    assert "Nobody has ranked the episodes yet." in text
    assert "from 0 members’ rankings" in text


def test_the_community_page_in_french(client, odette, season, eps):
    rank(odette, season, eps, [1])
    text = text_of(Client().get("/fr" + COMMUNITY))
    assert "Classement de la communauté" in text
    assert "méthode de Schulze" in text


def many_rankings(season, eps, count: int) -> None:
    members = User.objects.bulk_create(
        User(email=f"ranker{n}@example.com", handle=f"ranker-{n}") for n in range(count)
    )
    numbers = sorted(eps)
    for n, member in enumerate(members):
        turn = n % len(numbers)
        rank(member, season, eps, numbers[turn:] + numbers[:turn])


@pytest.mark.parametrize("rankings", [0, 120])
def test_the_community_page_costs_the_same_few_queries_however_many_rankings(
    client, season, eps, django_assert_max_num_queries, rankings, odette
):
    many_rankings(season, eps, rankings)
    with django_assert_max_num_queries(5):
        assert Client().get(COMMUNITY).status_code == 200
    rank(odette, season, eps, [1, 2])
    with django_assert_max_num_queries(11):  # the header's unread-notifications counter too
        assert client.get(COMMUNITY).status_code == 200


def test_the_members_ranking_page_and_a_move_cost_the_same_few_queries_with_many_rankings(
    client, odette, season, eps, django_assert_max_num_queries
):
    rank(odette, season, eps, sorted(eps))

    def cost() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as page:
            assert client.get(PAGE).status_code == 200
        with CaptureQueriesContext(connection) as move:
            assert client.post(CHANGE, {"up": eps[5].pk}).status_code == 302
        client.post(CHANGE, {"down": eps[5].pk})
        return len(page), len(move)

    few = cost()
    many_rankings(season, eps, 120)
    assert cost() == few
    # The page: session, member, season, episodes, ranking, the menu's progress (2), the
    # session written (the notice read). The move adds the rate limit's cache reads and
    # writes and the page cache's version bumps to its dozen queries.
    assert few[0] <= 10
    assert few[1] <= 45
