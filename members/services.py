"""Writes to a member's own account. Views parse the request and call one of these."""

from functools import partial

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Q

from jobs.queue import enqueue
from kernel.images import delete_stored, renditions_current, stored_names
from members.models import ACCESS_TOKENS_PER_MEMBER, AccessToken, Block, Follow, Mute, User
from members.relations import is_blocked_between
from members.tasks import make_avatar_renditions


class AccessTokenLimitReached(Exception):
    """The member already has ACCESS_TOKENS_PER_MEMBER tokens."""


def avatar_set(*, member: User, image: ContentFile) -> bool:
    """Store a cleaned avatar and queue the job that makes its renditions; until it has, pages
    show the avatar before (or the initials). The job removes the files of the avatar before;
    if it fails for good, the avatar before comes back (members.tasks). False when that has
    happened already, which only a job run at once, in this request, can do."""
    previous = member.avatar.name if member.avatar else ""
    written = ""
    try:
        with transaction.atomic():
            member.avatar = image
            member.save(update_fields=["avatar"])
            written = member.avatar.name
            enqueue(make_avatar_renditions, member_id=member.pk, image=written, previous=previous)
    except Exception:
        # Nothing half-written: the old avatar stays and the new file is removed.
        if written:
            delete_stored([written])
        raise
    finally:
        # As the job may have left it (at once, when jobs run in the request).
        member.refresh_from_db(fields=["avatar", "avatar_renditions"])
    return member.avatar.name == written


def avatar_pending(member: User) -> bool:
    """Whether the member's new avatar is still being made into the sizes pages show."""
    return not renditions_current(member, User.AVATAR)


def avatar_remove(*, member: User) -> None:
    previous = stored_names(member, User.AVATAR)
    with transaction.atomic():
        member.avatar = ""
        member.avatar_renditions = {}
        member.save(update_fields=["avatar", "avatar_renditions"])
        transaction.on_commit(partial(delete_stored, previous))


def access_token_create(*, member: User, name: str, scope: str) -> tuple[AccessToken, str]:
    """A new personal access token and its secret, which is shown once and never stored.

    The cap is counted under a lock on the member's row: the form's count alone let 16
    requests sent at once from 15 tokens all pass it and end with 21 (issue 18). Each
    request waits here for the one before it to commit, then counts its tokens. PostgreSQL
    takes the lock; SQLite ignores FOR UPDATE but lets only one writer in at a time anyway."""
    with transaction.atomic():
        User.objects.select_for_update().only("pk").get(pk=member.pk)
        if AccessToken.objects.filter(member=member).count() >= ACCESS_TOKENS_PER_MEMBER:
            raise AccessTokenLimitReached
        return AccessToken.objects.create_for(member, name, scope=scope)


def access_token_revoke(*, token: AccessToken) -> None:
    token.delete()


# Follows, blocks and mutes ------------------------------------------------------------------
# Each says the wanted state (as likes do): a double click finds it already so. Counts are
# plain COUNTs over the indexes of members.models.Follow, exact whatever runs at once.


class RelationRefused(Exception):
    """Not between these two members: oneself, or a block between them."""


def _lock_pair(a: User, b: User) -> None:
    """Hold both members' rows until the transaction ends, in one order (no deadlock): a
    follow and a block between the same two then run one after the other, so a follow
    checked before a block cannot be written after it."""
    list(User.objects.select_for_update().filter(pk__in=[a.pk, b.pk]).order_by("pk").values("pk"))


def follow_set(*, follower: User, followed: User, following: bool) -> bool:
    """Follow or stop following; returns whether `follower` now follows `followed`."""
    if not following:
        Follow.objects.filter(follower=follower, followed=followed).delete()
        return False
    if follower.pk == followed.pk:
        raise RelationRefused("Members do not follow themselves.")
    with transaction.atomic():
        _lock_pair(follower, followed)
        if is_blocked_between(follower.pk, followed.pk):
            raise RelationRefused("There is a block between these members.")
        Follow.objects.get_or_create(follower=follower, followed=followed)
    return True


def block_set(*, blocker: User, blocked: User, blocking: bool) -> bool:
    """Block (which ends the follows both ways, in the same transaction) or unblock."""
    if not blocking:
        Block.objects.filter(blocker=blocker, blocked=blocked).delete()
        return False
    if blocker.pk == blocked.pk:
        raise RelationRefused("Members do not block themselves.")
    with transaction.atomic():
        _lock_pair(blocker, blocked)
        Block.objects.get_or_create(blocker=blocker, blocked=blocked)
        Follow.objects.filter(follower=blocker, followed=blocked).delete()
        Follow.objects.filter(follower=blocked, followed=blocker).delete()
    return True


def mute_set(*, muter: User, muted: User, muting: bool) -> bool:
    if not muting:
        Mute.objects.filter(muter=muter, muted=muted).delete()
        return False
    if muter.pk == muted.pk:
        raise RelationRefused("Members do not mute themselves.")
    Mute.objects.get_or_create(muter=muter, muted=muted)
    return True


def follow_counts(member: User) -> dict[str, int]:
    """How many follow the member and how many they follow: one query, two index scans
    (members.models.Follow's indexes), exact whatever runs at once."""
    return Follow.objects.filter(Q(followed=member) | Q(follower=member)).aggregate(
        followers=Count("pk", filter=Q(followed=member)),
        following=Count("pk", filter=Q(follower=member)),
    )
