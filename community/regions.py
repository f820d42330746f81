"""The signed-in member's newest activity on the home page, a region (kernel/memberpages.py)
kept per reader for a short while.

Rendered for every request, it cost a member's home page more than the rest of it (a query
for the items, one for each kind on them, five items drawn). Its state is what it shows of
the reader: who they are, what they have watched and whether they hide unwatched episodes
(the spoiler rule's input: reviews/visibility.py's Reader), whom they blocked or muted; so a
new watch, a mute or a block shows on their next page, and no member's copy is another's.
What the state cannot hold is what the people they follow did since: that is the time
window, so a new review, rating, watch or follow by someone they follow (and a follow or
unfollow of theirs) shows within `KEPT_SECONDS`, or at once when the home page itself
changes (its skeleton is rendered again). The activity page's first page is kept per
reader the same way, as a private skeleton (community/views.py).
"""

import time

from community.activity import hidden_for
from kernel.memberpages import region
from reviews.visibility import reader_of

KEPT_SECONDS = 30


def home_activity_state(request, facts) -> dict:
    if request is None or not request.user.is_authenticated:
        return {}
    return {
        # The template asks `user.is_authenticated`: the skeleton's own user is a visitor.
        "user": request.user,
        "activity_reader": reader_of(request),
        "activity_hidden": frozenset(hidden_for(request)),
        "activity_window": int(time.time() // KEPT_SECONDS),
    }


region("home-activity", state=home_activity_state)
