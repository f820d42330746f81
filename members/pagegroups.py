"""The page group of one member's own pages (kernel.pagecache): their profile, diary and
review feed show what they rated, wrote, watched and picked, and a change to one of those
empties their pages only. Every app whose rows show there marks it."""

from django.db import models

from members.models import User


def member_group(handle: str) -> str:
    return f"member:{handle.lower()}"


def member_group_of(row: models.Model, field: str = "member") -> set[str]:
    """The group of the member a row belongs to."""
    # The member is usually in hand (services pass it); otherwise one small query. A member
    # already gone needs no group of their own: deleting them marked "members".
    if row._meta.get_field(field).is_cached(row):
        handle = getattr(row, field).handle
    else:
        handle = (
            User.objects.filter(pk=getattr(row, f"{field}_id"))
            .values_list("handle", flat=True)
            .first()
        )
    return {member_group(handle)} if handle else set()
