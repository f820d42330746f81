"""The page groups (kernel.pagecache) that members' ratings, reviews, likes and watches show
on. Pages name the same groups in `@cache_for_visitors`.

- "ratings": the rating counters and each review's author score (home, season, episode
  pages, the review feeds);
- "reviews": reviews and replies with their likes and reply counts (the episode pages, the
  feeds, the sitemap's list of profiles);
- "member:<handle>": one member's own pages (profile, diary, review feed), so that a review
  on one episode does not empty every profile (members/pagegroups.py), and what is kept of
  them for the pages they read (their watches, scores, watchlist and likes).
"""

from members.pagegroups import member_group
from members.pagegroups import member_group_of as _member_group_of
from reviews.models import Like, Rating, Review, Watch

RATINGS = "ratings"
REVIEWS = "reviews"


def rating_groups(rating: Rating) -> set[str]:
    return {RATINGS, *_member_group_of(rating)}


def new_review_groups(review: Review) -> set[str]:
    """A review or reply just written: no replies answer it yet."""
    groups = {REVIEWS, *_member_group_of(review)}
    if review.parent_id is not None:
        # The reply count under the review, on its author's profile too.
        groups |= review_author_groups(review.parent_id)
    return groups


def review_groups(review: Review) -> set[str]:
    groups = new_review_groups(review)
    if review.parent_id is None:
        # Replies show on their authors' profiles only while the review they answer does.
        handles = Review.objects.filter(parent_id=review.pk).values_list(
            "member__handle", flat=True
        )
        groups |= {member_group(handle) for handle in handles}
    return groups


def review_author_groups(*review_ids: int) -> set[str]:
    """Where a change to the reviews' counters shows: reviews, and their authors' pages."""
    handles = Review.objects.filter(pk__in=review_ids).values_list("member__handle", flat=True)
    return {REVIEWS, *(member_group(handle) for handle in set(handles))}


def like_groups(like: Like) -> set[str]:
    """The review's count, on its author's pages; and the member who likes it, whose own likes
    are kept for their group's version on the pages they read (reviews/regions.py)."""
    liker = _member_group_of(like)
    # The review and its author are usually in hand (reviews.services.like_set).
    if Like._meta.get_field("review").is_cached(like):
        review = like.review
        if Review._meta.get_field("member").is_cached(review):
            return {REVIEWS, member_group(review.member.handle), *liker}
    return review_author_groups(like.review_id) | liker


def watch_groups(watch: Watch) -> set[str]:
    return _member_group_of(watch)
