"""A member's picks: favourite episodes and characters (three of each at most, in order), and
their ranking of a season's episodes; and the counters the community ranking is read from.

Favourites and ranked episodes keep an explicit position, unique per member (or ranking), so
the order is the database's; a change of order rewrites the member's few rows in one
transaction (picks/services.py). The limit of three favourites is held twice: the services
refuse a fourth under the member's row lock with a message, and the database allows only
positions 1 to 3, each once, so no race can store a fourth.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from catalog.models import Character, Episode, Season

FAVOURITES_MAX = 3


class Favourite(models.Model):
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField(_("position"))
    chosen_at = models.DateTimeField(_("chosen on"))

    class Meta:
        abstract = True

    @classmethod
    def favourite_constraints(cls, prefix: str, item: str) -> list:
        return [
            models.UniqueConstraint(fields=["member", item], name=f"{prefix}_once_per_member"),
            models.UniqueConstraint(fields=["member", "position"], name=f"{prefix}_one_per_place"),
            models.CheckConstraint(
                condition=Q(position__gte=1) & Q(position__lte=FAVOURITES_MAX),
                name=f"{prefix}_at_most_three",
            ),
        ]


class FavouriteEpisode(Favourite):
    episode = models.ForeignKey(
        Episode, on_delete=models.CASCADE, related_name="+", verbose_name=_("episode")
    )

    class Meta:
        verbose_name = _("favourite episode")
        verbose_name_plural = _("favourite episodes")
        default_related_name = "favourite_episodes"
        ordering = ["member", "position"]
        constraints = Favourite.favourite_constraints("favourite_episode", "episode")

    def __str__(self) -> str:
        return f"{self.member_id} · {self.position} · episode {self.episode_id}"

    @property
    def item(self) -> Episode:
        return self.episode


class FavouriteCharacter(Favourite):
    character = models.ForeignKey(
        Character, on_delete=models.CASCADE, related_name="+", verbose_name=_("character")
    )

    class Meta:
        verbose_name = _("favourite character")
        verbose_name_plural = _("favourite characters")
        default_related_name = "favourite_characters"
        ordering = ["member", "position"]
        constraints = Favourite.favourite_constraints("favourite_character", "character")

    def __str__(self) -> str:
        return f"{self.member_id} · {self.position} · character {self.character_id}"

    @property
    def item(self) -> Character:
        return self.character


class Ranking(models.Model):
    """A member's ranking of one season's episodes, best first. It may leave episodes out."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rankings"
    )
    season = models.ForeignKey(Season, on_delete=models.CASCADE, related_name="+")
    # Saved by every change (picks/services.py), which is also what marks the member's pages
    # changed for the visitors' cache (picks/apps.py).
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        verbose_name = _("ranking")
        verbose_name_plural = _("rankings")
        constraints = [
            models.UniqueConstraint(fields=["member", "season"], name="ranking_one_per_season")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} · season {self.season_id}"


class RankedEpisode(models.Model):
    ranking = models.ForeignKey(Ranking, on_delete=models.CASCADE, related_name="entries")
    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(_("place"))  # 1 is the best

    class Meta:
        verbose_name = _("ranked episode")
        verbose_name_plural = _("ranked episodes")
        ordering = ["ranking", "position"]
        constraints = [
            models.UniqueConstraint(fields=["ranking", "episode"], name="ranked_once"),
            models.UniqueConstraint(fields=["ranking", "position"], name="ranked_one_per_place"),
            models.CheckConstraint(condition=Q(position__gte=1), name="ranked_place_from_one"),
        ]

    def __str__(self) -> str:
        return f"{self.ranking_id} · {self.position} · episode {self.episode_id}"


class Preference(models.Model):
    """How many members' rankings put `preferred` above `over`: one cell of the community
    ranking's pairwise table (picks/community.py).

    Kept by picks.counters in the same transaction as each ranking change, with F()
    expressions, so the community ranking reads one row per pair of episodes whatever the
    number of rankings. A ranking puts each episode it ranks above the ones it ranks lower
    and above every episode of the season it leaves out. Suspended members' rankings are out.
    `recount` rebuilds them from the rankings."""

    preferred = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="+")
    over = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="+")
    members = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("pairwise preference")
        verbose_name_plural = _("pairwise preferences")
        constraints = [
            models.UniqueConstraint(fields=["preferred", "over"], name="preference_one_per_pair"),
            models.CheckConstraint(
                condition=~Q(preferred=F("over")), name="preference_of_two_episodes"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.preferred_id} over {self.over_id}: {self.members}"


class SeasonRankings(models.Model):
    """How many counted rankings (of members in good standing, with at least one episode) the
    season has: a counter kept with the preferences."""

    season = models.OneToOneField(
        Season, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    rankings = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("season's ranking count")
        verbose_name_plural = _("seasons' ranking counts")

    def __str__(self) -> str:
        return f"season {self.season_id}: {self.rankings} rankings"
