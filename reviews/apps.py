import datetime

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Reviews and tracking")

    def ready(self) -> None:
        from jobs import periodic
        from kernel import counters, pagecache
        from members import standing
        from reviews import moderation, pagegroups, regions  # noqa: F401 (regions register themselves)
        from reviews.counters import recount
        from reviews.models import EpisodeScores, Like, Rating, Review, Watch, WatchlistEntry

        # What visitors see of each model, and where (reviews/pagegroups.py). Report,
        # ModerationAction and ModerationQueueItem show on no page a visitor sees: reports and
        # the audit trail are the moderators'.
        pagecache.shows_on(Rating, groups=pagegroups.rating_groups)
        pagecache.shows_on(EpisodeScores, groups=[pagegroups.RATINGS])
        pagecache.shows_on(
            Review, groups=pagegroups.review_groups, created_groups=pagegroups.new_review_groups
        )
        pagecache.shows_on(Like, groups=pagegroups.like_groups)
        pagecache.shows_on(Watch, groups=pagegroups.watch_groups)
        # Nobody else sees a watchlist, but the member's own page is kept as a skeleton under
        # their group's version (kernel/memberpages.py).
        pagecache.shows_on(WatchlistEntry, groups=pagegroups.watch_groups)

        # A suspended member's ratings leave the aggregates (reviews.moderation); `recount`
        # rebuilds these counters with every other app's.
        standing.counts_contributions(moderation.shift_member_ratings)
        counters.recounted_by("reviews", recount)
        # Suspensions whose end has come end by themselves once a day even if the member never
        # signs in (`manage.py end_suspensions` does the same at any time).
        periodic.every(
            datetime.timedelta(days=1), "reviews.end_suspensions", moderation.end_due_suspensions
        )
