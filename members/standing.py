"""What a member's standing changes in other apps' aggregates.

A suspended member's contributions (their ratings in the episodes' distributions, their
rankings in the community ranking) leave the counters and come back on reinstatement.
Suspension is decided in reviews.moderation, which must not know the apps beside it, so each
app that counts members' rows registers its shift here in its AppConfig.ready(), as it
registers its page groups; the moderation service calls them all in its transaction.
"""

from collections.abc import Callable

from members.models import User

Shift = Callable[[User, int], None]  # (member, -1 to take out or +1 to put back)
_shifts: list[Shift] = []


def counts_contributions(shift: Shift) -> None:
    if shift not in _shifts:
        _shifts.append(shift)


def shift_contributions(member: User, sign: int) -> None:
    """Inside the transaction that changes the member's standing, with their row locked."""
    for shift in _shifts:
        shift(member, sign)
