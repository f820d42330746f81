from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PicksConfig(AppConfig):
    name = "picks"
    verbose_name = _("Favourites and rankings")

    def ready(self) -> None:
        from kernel import counters, pagecache
        from members import standing
        from members.pagegroups import member_group_of
        from picks import counters as pick_counters
        from picks import regions  # noqa: F401 (the favourite button registers itself)
        from picks.models import (
            FavouriteCharacter,
            FavouriteEpisode,
            Preference,
            Ranking,
            SeasonRankings,
        )

        # A member's favourites and ranking show on their profile. Ranked episodes are
        # rewritten with each change and show through their Ranking, whose updated_at every
        # change saves (picks/services.py). The counters show on the community ranking.
        pagecache.shows_on(FavouriteEpisode, groups=member_group_of)
        pagecache.shows_on(FavouriteCharacter, groups=member_group_of)
        pagecache.shows_on(Ranking, groups=member_group_of)
        pagecache.shows_on(Preference, groups=[pick_counters.RANKINGS])
        pagecache.shows_on(SeasonRankings, groups=[pick_counters.RANKINGS])

        # A suspended member's rankings leave the community ranking (members.standing), and
        # `recount` rebuilds its counters with every other app's.
        standing.counts_contributions(pick_counters.shift_member_rankings)
        counters.recounted_by("picks", pick_counters.recount)
