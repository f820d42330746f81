from dataclasses import dataclass
from functools import cached_property

# The header shows "99+" from UNREAD_CAP: the count reads at most this many index entries.
from notifications.services import UNREAD_CAP, unread_count


class Unread:
    """The header's unread counter, read only where a template shows it, once a request."""

    def __init__(self, request):
        self.request = request

    @cached_property
    def count(self) -> int:
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated:
            return 0
        return unread_count(user)

    @property
    def label(self) -> str:
        return "99+" if self.count >= UNREAD_CAP else str(self.count)


def notifications(request):
    return {"notifications": Unread(request)}


@dataclass(frozen=True)
class Counted:
    """The counter as plain values: the member menu's state (reviews/regions.py), compared
    and kept with the menu's HTML."""

    count: int
    label: str


def menu_state(request) -> dict:
    unread = Unread(request)
    return {"notifications": Counted(unread.count, unread.label)}
