"""The follow, block and mute forms on a member's profile: the reader's own part of a page
kept as a skeleton (kernel/memberpages.py). The state holds everything the forms show."""

from django.db.models import Exists, OuterRef

from kernel.memberpages import kept_for_member, region
from kernel.prepared import Prepared
from members.models import Block, Follow, Mute, User
from members.pagegroups import member_group

# The four facts between the reader and the member in one row, the query compiled once per
# process (kernel/prepared.py): built with the ORM for each request, its union of four
# queries cost a member's profile page a fifth of its instructions.
RELATIONS = Prepared(
    lambda me, member: (
        User.objects.filter(pk=member)
        .annotate(
            following=Exists(Follow.objects.filter(follower_id=me, followed_id=OuterRef("pk"))),
            blocking=Exists(Block.objects.filter(blocker_id=me, blocked_id=OuterRef("pk"))),
            blocked_by=Exists(Block.objects.filter(blocker_id=OuterRef("pk"), blocked_id=me)),
            muting=Exists(Mute.objects.filter(muter_id=me, muted_id=OuterRef("pk"))),
        )
        .values("following", "blocking", "blocked_by", "muting")
    )
)


def follow_state(request, member) -> dict:
    if request is None or not request.user.is_authenticated:
        return {"signed_in": False}
    me = request.user.pk
    if member.pk == me:
        return {"signed_in": True, "own": True}
    owner = member_group(member.handle)
    version = getattr(request, "group_versions", {}).get(owner)

    def read() -> dict:
        rows = RELATIONS.rows(me=me, member=member.pk)
        return rows[0] if rows else {}

    if version is None:
        facts = read()
    else:
        # On a kept page, kept for the versions of both members' page groups: a follow moves
        # both, a block or a mute the group of who made it (members/apps.py).
        facts = kept_for_member(request, ("relations", owner, version), read)
    return {
        "signed_in": True,
        "own": False,
        **{
            name: bool(facts.get(name))
            for name in ("following", "blocking", "blocked_by", "muting")
        },
    }


region("follow", facts=lambda context: context["member"], state=follow_state)
