"""The follow, block and mute forms on a member's profile: the reader's own part of a page
kept as a skeleton (kernel/memberpages.py). The state holds everything the forms show."""

from django.db.models import Q

from kernel.memberpages import region
from members.models import Block, Follow, Mute


def follow_state(request, member) -> dict:
    if request is None or not request.user.is_authenticated:
        return {"signed_in": False}
    me = request.user.pk
    if member.pk == me:
        return {"signed_in": True, "own": True}
    blocks = set(
        Block.objects.filter(
            Q(blocker_id=me, blocked_id=member.pk) | Q(blocker_id=member.pk, blocked_id=me)
        ).values_list("blocker_id", flat=True)
    )
    return {
        "signed_in": True,
        "own": False,
        "following": Follow.objects.filter(follower_id=me, followed_id=member.pk).exists(),
        "blocking": me in blocks,
        "blocked_by": member.pk in blocks,
        "muting": Mute.objects.filter(muter_id=me, muted_id=member.pk).exists(),
    }


region("follow", facts=lambda context: context["member"], state=follow_state)
