"""Who stands how towards whom: follows, blocks and mutes, read (members/services.py writes
them). The apps above ask here: reviews refuses a blocked member's reply, community leaves
blocked and muted members out of the activity, the notifications leave them out too.

A block works both ways (neither sees the other's activity, neither can follow or answer the
other); a mute is the muter's alone, and the muted member is never told.
"""

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q

from kernel.prepared import Prepared
from members.models import Block, Follow, Mute, User


def is_blocked_between(a_id: int, b_id: int) -> bool:
    """Whether either member blocked the other."""
    return Block.objects.filter(
        Q(blocker_id=a_id, blocked_id=b_id) | Q(blocker_id=b_id, blocked_id=a_id)
    ).exists()


def blocked_ids(member_id: int) -> set[int]:
    """The members this member blocked, and those who blocked them."""
    pairs = Block.objects.filter(Q(blocker_id=member_id) | Q(blocked_id=member_id)).values_list(
        "blocker_id", "blocked_id"
    )
    return {other for pair in pairs for other in pair} - {member_id}


def muted_ids(member_id: int) -> set[int]:
    """The members this member muted."""
    return set(Mute.objects.filter(muter_id=member_id).values_list("muted_id", flat=True))


def has_muted(muter_id: int, muted_id: int) -> bool:
    """Whether the first member muted the second."""
    return Mute.objects.filter(muter_id=muter_id, muted_id=muted_id).exists()


# Built and compiled once (kernel/prepared.py): it is asked at every notification (a like).
_SILENCED = Prepared(
    lambda speaker, listener: User.objects.filter(pk=listener).values(
        blocked=Exists(
            Block.objects.filter(
                Q(blocker_id=speaker, blocked_id=listener)
                | Q(blocker_id=listener, blocked_id=speaker)
            )
        ),
        muted=Exists(Mute.objects.filter(muter_id=listener, muted_id=speaker)),
    )
)


def is_silenced(speaker_id: int, listener_id: int) -> bool:
    """Whether the listener hears nothing of the speaker: a block between them, either way,
    or the listener muted the speaker (is_blocked_between or has_muted, in one query)."""
    rows = _SILENCED.rows(speaker=speaker_id, listener=listener_id)
    return bool(rows and (rows[0]["blocked"] or rows[0]["muted"]))


def followed_ids(member_id: int) -> set[int]:
    """The members this member follows."""
    return set(Follow.objects.filter(follower_id=member_id).values_list("followed_id", flat=True))


# The attribute the signed-in member's row carries (SIGNED_IN_EXTRAS, members/apps.py): whether
# any member is hidden from them. Most members block and mute nobody, and the home page and
# the activity then need no query of their own to learn who is left out.
SIGNED_IN_HIDES = "hides_anyone"


def hides_anyone_on_member_row() -> ExpressionWrapper:
    """Whether a block either way or a mute of theirs touches the member, on their row."""
    member = OuterRef("pk")
    return ExpressionWrapper(
        Q(Exists(Block.objects.filter(blocker_id=member)))
        | Q(Exists(Block.objects.filter(blocked_id=member)))
        | Q(Exists(Mute.objects.filter(muter_id=member))),
        output_field=BooleanField(),
    )
