"""The page groups (kernel.pagecache) that members' ratings, reviews, likes and watches show
on. Pages name the same groups in `@cache_for_visitors`.

- "ratings": the rating counters and each review's author score (home, season, episode
  pages, the review feeds);
- "reviews": reviews and replies with their likes and reply counts (the episode pages, the
  feeds, the sitemap's list of profiles);
- "member:<handle>": one member's own pages (profile, diary, review feed), so that a review
  on one episode does not empty every profile.
"""

from members.models import User
from reviews.models import Like, Rating, Review, Watch

RATINGS = "ratings"
REVIEWS = "reviews"


def member_group(handle: str) -> str:
    return f"member:{handle.lower()}"


def _member_group_of(row, field: str = "member") -> set[str]:
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


def rating_groups(rating: Rating) -> set[str]:
    return {RATINGS, *_member_group_of(rating)}


def review_groups(review: Review) -> set[str]:
    groups = {REVIEWS, *_member_group_of(review)}
    if review.parent_id is not None:
        # The reply count under the review, on its author's profile too.
        groups |= review_author_groups(review.parent_id)
    else:
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
    return review_author_groups(like.review_id)


def watch_groups(watch: Watch) -> set[str]:
    return _member_group_of(watch)
