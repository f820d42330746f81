from functools import cached_property

from notifications.services import unread_count

# The header shows "99+" from here: the count reads at most this many index entries.
UNREAD_CAP = 100


class Unread:
    """The header's unread counter, read only where a template shows it, once a request."""

    def __init__(self, request):
        self.request = request

    @cached_property
    def count(self) -> int:
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated:
            return 0
        return unread_count(user, UNREAD_CAP)

    @property
    def label(self) -> str:
        return "99+" if self.count >= UNREAD_CAP else str(self.count)


def notifications(request):
    return {"notifications": Unread(request)}
