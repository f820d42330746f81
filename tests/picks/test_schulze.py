"""The community ranking's method (picks/community.py): the Schulze method on the pairwise
counts, and what a partial ranking contributes to them (picks/counters.py)."""

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from picks.community import schulze_order, strongest_paths
from picks.counters import ballot_changes, ballot_pairs
from tests.factories import fuzz


def pairwise(ballots: list[tuple[int, list[int]]], ids: list[int]) -> dict:
    """d[a][b] from (how many voters, their full or partial ranking) pairs."""
    d = {a: dict.fromkeys(ids, 0) for a in ids}
    for voters, order in ballots:
        for a, b in ballot_pairs(order, ids):
            d[a][b] += voters
    return d


# The worked example of the Schulze method on Wikipedia ("Schulze method", Example): 45 voters,
# five candidates A–E, the winner E and the order E > A > C > B > D.
A, B, C, D, E = 1, 2, 3, 4, 5
WIKIPEDIA_BALLOTS = [
    (5, [A, C, B, E, D]),
    (5, [A, D, E, C, B]),
    (8, [B, E, D, A, C]),
    (3, [C, A, B, E, D]),
    (7, [C, A, E, B, D]),
    (2, [C, B, A, D, E]),
    (7, [D, C, E, B, A]),
    (8, [E, B, A, D, C]),
]


def test_the_worked_example_comes_out_as_published():
    ids = [A, B, C, D, E]
    d = pairwise(WIKIPEDIA_BALLOTS, ids)
    assert (d[A][B], d[B][A], d[E][D], d[D][E]) == (20, 25, 31, 14)
    p = strongest_paths(ids, d)
    # The published table of strongest paths, row A and row E.
    assert [p[A][x] for x in (B, C, D, E)] == [28, 28, 30, 24]
    assert [p[E][x] for x in (A, B, C, D)] == [25, 28, 28, 31]
    assert schulze_order(ids, d) == [[E], [A], [C], [B], [D]]


def test_a_cycle_is_broken_by_the_strongest_chain_not_by_the_order_given():
    # Rock, paper, scissors with one side stronger: 4 prefer 1>2>3, 3 prefer 2>3>1, 2 prefer
    # 3>1>2. Head to head 1 beats 2 (6–3), 2 beats 3 (7–2), 3 beats 1 (5–4): the weakest
    # link of the cycle (3 over 1) gives way.
    ids = [1, 2, 3]
    d = pairwise([(4, [1, 2, 3]), (3, [2, 3, 1]), (2, [3, 1, 2])], ids)
    assert schulze_order(ids, d) == [[1], [2], [3]]
    assert schulze_order(list(reversed(ids)), d) == [[1], [2], [3]]


def test_episodes_nobody_separates_share_a_place():
    ids = [1, 2, 3]
    d = pairwise([(1, [1, 2]), (1, [1, 3])], ids)  # 2 and 3 are each above the other once
    assert schulze_order(ids, d) == [[1], [2, 3]]


def test_a_partial_ranking_puts_what_it_ranks_above_what_it_leaves_out():
    assert ballot_pairs([3, 1], [1, 2, 3, 4]) == {(3, 1), (3, 2), (3, 4), (1, 2), (1, 4)}
    assert ballot_pairs([], [1, 2, 3]) == set()


def test_moving_one_episode_up_changes_one_pair_each_way():
    changes = ballot_changes([1, 2, 3], [2, 1, 3], [1, 2, 3, 4])
    assert changes == Counter({(2, 1): 1, (1, 2): -1})


@fuzz(max_examples=60)
@given(
    before=st.permutations([1, 2, 3, 4, 5]).flatmap(
        lambda p: st.integers(0, 5).map(lambda n: list(p[:n]))
    ),
    after=st.permutations([1, 2, 3, 4, 5]).flatmap(
        lambda p: st.integers(0, 5).map(lambda n: list(p[:n]))
    ),
)
def test_the_changes_of_a_ranking_take_the_counts_from_one_ballot_to_the_other(before, after):
    ids = [1, 2, 3, 4, 5]
    counts = Counter(dict.fromkeys(ballot_pairs(before, ids), 1))
    counts.update(ballot_changes(before, after, ids))
    assert +counts == Counter(dict.fromkeys(ballot_pairs(after, ids), 1))


@fuzz(max_examples=60)
@given(
    ballots=st.lists(
        st.permutations([1, 2, 3, 4]).flatmap(
            lambda p: st.integers(1, 4).map(lambda n: (1, list(p[:n])))
        ),
        max_size=12,
    )
)
def test_the_order_is_transitive_and_a_condorcet_winner_is_first(ballots):
    ids = [1, 2, 3, 4]
    d = pairwise(ballots, ids)
    places = schulze_order(ids, d)
    assert sorted(pk for place in places for pk in place) == ids
    winners = [a for a in ids if all(d[a][b] > d[b][a] for b in ids if b != a)]
    if winners:
        assert places[0] == winners
