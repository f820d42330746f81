"""Writes to a member's account. Views parse the request and call one of these."""

from functools import partial

from django.contrib.auth import logout
from django.core.files.base import ContentFile
from django.db import transaction

from etoile_app.images import build_renditions, delete_stored, stored_names
from etoile_app.models import User
from etoile_app.pagecache import content_changed
from reviews.services import member_contributions_delete


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
            content_changed()  # the avatar shows beside their reviews
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
        content_changed()


def member_delete(*, request, member: User) -> None:
    """The member deletes their own account: purge it, then sign them out."""
    member_purge(member=member)
    logout(request)


def member_purge(*, member: User) -> None:
    """Delete an account and everything that belongs to it (the member, or staff).

    Email addresses, two-factor authenticators, ratings, reviews (with the replies others
    wrote to them) and likes go with the User row through cascading foreign keys, after
    their counters are taken back; uploaded files are removed once the deletion commits.
    """
    previous = stored_names(member, User.AVATAR)
    with transaction.atomic():
        member_contributions_delete(member=member)
        member.delete()
        transaction.on_commit(partial(delete_stored, previous))
