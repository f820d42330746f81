"""The follow, block and mute forms on a member's profile: the reader's own part of a page
kept as a skeleton (kernel/memberpages.py). The state holds everything the forms show."""

from django.db.models import CharField, Value

from kernel.memberpages import region
from members.models import Block, Follow, Mute


def follow_state(request, member) -> dict:
    if request is None or not request.user.is_authenticated:
        return {"signed_in": False}
    me = request.user.pk
    if member.pk == me:
        return {"signed_in": True, "own": True}
    # One query for the four facts: which of the relations between the two exist.
    rows = (
        Follow.objects.filter(follower_id=me, followed_id=member.pk)
        .annotate(fact=Value("following", output_field=CharField()))
        .values_list("fact")
        .union(
            Block.objects.filter(blocker_id=me, blocked_id=member.pk)
            .annotate(fact=Value("blocking", output_field=CharField()))
            .values_list("fact"),
            Block.objects.filter(blocker_id=member.pk, blocked_id=me)
            .annotate(fact=Value("blocked_by", output_field=CharField()))
            .values_list("fact"),
            Mute.objects.filter(muter_id=me, muted_id=member.pk)
            .annotate(fact=Value("muting", output_field=CharField()))
            .values_list("fact"),
            all=True,
        )
    )
    facts = {fact for (fact,) in rows}
    return {
        "signed_in": True,
        "own": False,
        **{name: name in facts for name in ("following", "blocking", "blocked_by", "muting")},
    }


region("follow", facts=lambda context: context["member"], state=follow_state)
