"""The parts of the pages that are the reader's own (`{% reader %}` in the templates; see
kernel/memberpages.py): what state each reader is in, decided here from the request, the
spoiler shield by reviews/visibility.py as everywhere else.

Each state holds everything its template shows of the reader: the HTML rendered for one
member in a state is served to the next member in the same state.
"""

from django.utils import timezone

from kernel.memberpages import MARKERS, kept_for_member, region
from kernel.prepared import Prepared
from reviews.charts import distribution_chart, season_chart
from reviews.forms import RatingForm, WatchForm
from reviews.models import Like, Rating, WatchlistEntry
from reviews.services import earliest_watch_date
from reviews.tracking import season_progress, show_progress, watch_summary
from reviews.visibility import Sight, reader_of, sight_of_review

# The episode of the page with the reader's own rating, latest review and watchlist entry,
# read in the page's one query (etoile_app/pages.py); otherwise read here.
PAGE_EPISODE = "_reader_episode"


def _member(request) -> bool:
    # A page drawn before the authentication middleware ran (an early 403) has no user.
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated


def reader_episode(request, episode):
    found = getattr(request, PAGE_EPISODE, None)
    return found if found is not None and found.pk == episode.pk else episode


# A review or reply in a list ------------------------------------------------------------------


def _liked(request, review) -> bool:
    liked = getattr(review, "liked_by_reader", None)  # read with the list by a full render
    if liked is not None:
        return liked
    found = getattr(request, "_liked_reviews", None)
    if found is None or review.pk not in found[1]:
        _read_likes(request, [review])
        found = request._liked_reviews
    return review.pk in found[0]


# Compiled once per number of reviews (kernel/prepared.py), which is padded to a multiple of
# LIKES_STEP so that a page's list compiles to one of a few statements.
LIKES = Prepared(
    lambda member, reviews: Like.objects.filter(member=member, review_id__in=reviews).values(
        "review_id"
    )
)
LIKES_STEP = 8


def _read_likes(request, reviews) -> None:
    """Which of the reviews the member likes. On a kept page, kept in the process for the
    version of the member's page group, which each of their likes moves
    (reviews/pagegroups.py): no query until they like or unlike something."""
    ids = {review.pk for review in reviews}
    asked = sorted(ids)
    if asked:
        asked += asked[-1:] * (-len(asked) % LIKES_STEP)
    member = request.user
    liked = kept_for_member(
        request,
        ("likes", *asked),
        lambda: frozenset(
            row["review_id"]
            for row in (LIKES.rows(member=member.pk, reviews=asked) if asked else [])
        ),
    )
    request._liked_reviews = (liked, ids)


def review_actions_state(request, review) -> dict:
    if not _member(request):
        return {"member": False}
    if review.member_id == request.user.pk:
        return {"member": True, "own": True}
    return {"member": True, "own": False, "liked": _liked(request, review)}


region(
    "review-actions",
    facts=lambda context: context["review"],
    state=review_actions_state,
    prepare=lambda request, reviews: _read_likes(request, reviews) if _member(request) else None,
)


def review_body_state(request, facts) -> dict:
    review, episode = facts
    parent = review.parent if review.parent_id is not None else None
    sight = sight_of_review(reader_of(request), review, episode=episode, parent=parent)
    return {"collapsed": sight is Sight.SHIELDED}


def _never_shielded(facts) -> dict | None:
    """Words that are no spoiler (nor an answer to one) are shielded from nobody: the spoiler
    rule (reviews/visibility.py) collapses only those. A reader who would have them withheld
    hides unwatched episodes, and gets the page in full (etoile_app/pages.py)."""
    review, _ = facts
    flags = review.parent if review.parent_id is not None else review
    return None if flags.is_spoiler or flags.spoils_up_to else {"collapsed": False}


region(
    "review-body",
    facts=lambda context: (context["review"], context.get("episode") or context["review"].episode),
    state=lambda request, facts: review_body_state(request, facts),
    every_member=_never_shielded,
)


# A reply form under each review: the same for every member, so in the skeleton itself.
region(
    "reply-form",
    state=lambda request, facts: {"member": _member(request)},
    every_member=lambda facts: {"member": True},
)


# The episode's panels -------------------------------------------------------------------------


def own_review_state(request, episode) -> dict:
    from reviews.context import own_review_id

    if not _member(request):
        return {"member": False}
    return {
        "member": True,
        "own_review_id": own_review_id(request.user, reader_episode(request, episode)),
    }


region("review-compose", facts=lambda context: context["episode"], state=own_review_state)


def rating_state(request, episode) -> dict:
    from reviews.context import own_score

    if not _member(request):
        return {"member": False}
    return {"member": True, "own_score": own_score(request.user, reader_episode(request, episode))}


def _rating_extra(state, context) -> dict:
    from reviews.context import scores_of

    own = state.get("own_score")
    return {
        "distribution": distribution_chart(scores_of(context["episode"]), own),
        "rating_form": RatingForm(initial={"score": own} if own else None),
    }


region(
    "rating-panel",
    facts=lambda context: context["episode"],
    state=rating_state,
    fill_context=_rating_extra,
)


def watch_state(request, episode) -> dict:
    if not _member(request):
        return {"member": False}
    times, last = watch_summary(request).by_episode.get(episode.pk, (0, None))
    listed = getattr(reader_episode(request, episode), "on_reader_watchlist", None)
    if listed is None:
        listed = WatchlistEntry.objects.filter(member=request.user, episode=episode).exists()
    return {
        "member": True,
        "watch_times": times,
        "last_watched_on": last,
        "on_watchlist": listed,
        "today": timezone.localdate(),
    }


def _watch_extra(state, context) -> dict:
    if not state["member"]:
        return {}
    return {
        "watch_min": earliest_watch_date(context["episode"]),
        "watch_max": state["today"],
        # Each form's submission key is its own: the marker becomes a new one on each page.
        "watch_form": WatchForm(
            initial={"watched_on": state["today"], "submission_key": MARKERS.uuid}
        ),
    }


region(
    "watch-panel",
    facts=lambda context: context["episode"],
    state=watch_state,
    fill_context=_watch_extra,
)


# The season at a glance (home and season pages) ------------------------------------------------


# The reader's own scores and watchlist on the season at a glance, compiled once per process
# (kernel/prepared.py): built with the ORM on each request, they cost the season page a
# tenth of its instructions. On a kept page they are kept in the process for the version of
# the member's page group, which each of their ratings and watchlist changes moves
# (reviews/apps.py, and the bulk writes in reviews/services.py), as their watches are
# (reviews/tracking.py): no query until they change.
OWN_SCORES = Prepared(
    lambda member: Rating.objects.filter(member=member).values("episode_id", "score")
)
LISTED = Prepared(lambda member: WatchlistEntry.objects.filter(member=member).values("episode_id"))


def _kept_for_member(request, name: str, compute):
    """`compute(member_id)`, once per request, and on a kept page once per version of the
    member's page group (kernel.memberpages.kept_for_member)."""
    attribute = f"_kept_{name}"
    found = getattr(request, attribute, None)
    if found is None:
        member = request.user
        found = kept_for_member(request, name, lambda: compute(member.pk))
        setattr(request, attribute, found)
    return found


def _own_scores(request) -> dict:
    return _kept_for_member(
        request,
        "own_scores",
        lambda member: {row["episode_id"]: row["score"] for row in OWN_SCORES.rows(member=member)},
    )


def _listed(request) -> frozenset:
    """The episodes on the member's watchlist (at most the catalog's)."""
    return _kept_for_member(
        request,
        "watchlist",
        lambda member: frozenset(row["episode_id"] for row in LISTED.rows(member=member)),
    )


def season_actions_state(request, episodes) -> dict:
    if not _member(request):
        return {"member": False}
    if all(hasattr(e, "on_reader_watchlist") for e in episodes):
        listed = {e.pk for e in episodes if e.on_reader_watchlist}
    else:
        listed = _listed(request) & {e.pk for e in episodes}
    progress = season_progress(request, episodes)
    return {
        "member": True,
        "progress": progress,
        "season_on_watchlist": bool(episodes) and len(listed) == len(episodes),
        "today": timezone.localdate(),
    }


region(
    "season-actions",
    facts=lambda context: list(context["season"].episodes.all()),
    state=season_actions_state,
)


def season_chart_state(request, episodes) -> dict:
    if not _member(request):
        return {"own": ()}
    own = _own_scores(request)
    return {"own": tuple(sorted((e.pk, own[e.pk]) for e in episodes if e.pk in own))}


def _season_chart_extra(state, context) -> dict:
    from reviews.context import scores_of

    # Members who hide unwatched episodes' means get the full render (etoile_app/pages.py).
    shown = [(e, scores_of(e)) for e in context["season"].episodes.all()]
    return {"chart": season_chart(shown, dict(state["own"]), hidden=set())}


region(
    "season-chart",
    facts=lambda context: list(context["season"].episodes.all()),
    state=season_chart_state,
    fill_context=_season_chart_extra,
    fill_only=True,
)

# The member menu (templates/etoile_app/_member_menu.html): the reader's name, picture,
# progress, and what apps above this one add (notifications: the unread count). Its HTML is
# each member's own, kept per member with everything it shows of them, so a new name, watch
# or notification is another state and shows at once. Whatever the menu shows must be in
# this state: a value it took from the request's context instead would be the skeleton's
# (a visitor's) in a kept copy. Rendering it for every request cost a member's page about a
# quarter of its instructions (docs/PERFORMANCE.md).

# Functions of the request giving plain, comparable values for the menu's context; apps
# above reviews register theirs in their AppConfig.ready() (notifications/apps.py).
MENU_STATE: list = []


def member_menu_state(request, facts) -> dict:
    if not _member(request):
        return {}  # the sign-in links, from the request's own context
    user = request.user
    state = {
        "user": user,
        "shown": (user.handle, user.public_name, user.avatar.name, repr(user.avatar_renditions)),
        "member_progress": show_progress(request),
    }
    for extra in MENU_STATE:
        state.update(extra(request))
    return state


region("member-menu", state=member_menu_state)
