"""Writes to a member's own account. Views parse the request and call one of these."""

from functools import partial

from django.core.files.base import ContentFile
from django.db import transaction

from kernel.images import build_renditions, delete_stored, stored_names
from members.models import ACCESS_TOKENS_PER_MEMBER, AccessToken, User


class AccessTokenLimitReached(Exception):
    """The member already has ACCESS_TOKENS_PER_MEMBER tokens."""


def avatar_set(*, member: User, image: ContentFile) -> None:
    """Store a cleaned avatar and its renditions; the old files go once this commits."""
    previous = stored_names(member, User.AVATAR)
    written: list[str] = []
    try:
        with transaction.atomic():
            member.avatar = image
            member.save(update_fields=["avatar"])
            written.append(member.avatar.name)
            renditions = build_renditions(member, User.AVATAR)
            written.extend(name for widths in renditions.values() for name in widths.values())
            member.avatar_renditions = renditions
            member.save(update_fields=["avatar_renditions"])
            transaction.on_commit(partial(delete_stored, previous))
    except Exception:
        # Nothing half-written: the old avatar stays and the new files are removed.
        delete_stored(written)
        member.refresh_from_db(fields=["avatar", "avatar_renditions"])
        raise


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
