"""A member's season recap (`/u/<handle>/season/<n>/`) and its share image.

The recap reads what several apps hold of one member and one season (their watches, ratings
and reviews in `reviews`, their favourites and ranking in `picks`), so it is composed here,
above both, beside the profile. It is read in a fixed number of queries whatever the member
has done: the season's episodes with the member's rating and watches as subqueries (one
query), their reviews of the season (one, at most RECAP_REVIEWS of them) and their totals
(one), their picks (two, picks/context.py).

What a reader sees is decided by the spoiler rule (reviews/visibility.py) as on the profile:
a rating of an episode the reader keeps hidden until they watch it is left out of every
figure, the chart and the table (its watches show, as in the diary); a spoiler's words stay behind "Show spoiler" (the
`review-body` region). The share image is drawn as for a visitor, whoever asks.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Count, Max, Min, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import formats
from django.utils.translation import get_language, gettext, ngettext

from catalog.models import Episode, Season
from kernel.addresses import site_origin
from kernel.shareimages import Bar, Card, Chart, ShareImage, drawable
from members.models import User
from reviews.charts import season_chart, short_stars
from reviews.context import scores_of
from reviews.models import SCORES, EpisodeScores, Rating, Review, Watch
from reviews.templatetags.ratings import mean_stars
from reviews.visibility import VISITOR, Reader, Sight, sight_of_episode

RECAP_REVIEWS = 20


@dataclass
class Line:
    """One episode of the season as the member lived it."""

    episode: Episode
    own: int | None  # their rating, 1–10
    watches: int
    first_watched: date | None
    last_watched: date | None
    others: EpisodeScores  # everyone else's ratings: the counters less the member's own
    withheld: bool = False  # the reader keeps this episode's scores hidden until they watch it

    @property
    def rewatches(self) -> int:
        return max(self.watches - 1, 0)

    @property
    def own_stars(self) -> Decimal | None:
        return Decimal(self.own) / 2 if self.own else None

    @property
    def others_mean(self) -> Decimal | None:
        return self.others.mean_stars

    @property
    def difference(self) -> Decimal | None:
        """Their rating less everyone else's average, in stars: + is kinder than the rest."""
        if self.own is None or self.others_mean is None:
            return None
        return self.own_stars - self.others_mean

    @property
    def difference_label(self) -> str:
        """The difference as the reader's language writes it, signed: "+0.5", "−1,2"."""
        gap = self.difference
        if gap is None:
            return ""
        sign = "+" if gap > 0 else "−" if gap < 0 else "±"
        return sign + formats.number_format(abs(gap), 1)


@dataclass
class Figures:
    """What the recap says in numbers, for one reader."""

    watched: int
    watches: int
    rewatched: int
    ratings: int
    own_mean: Decimal | None  # of every rating the reader may see
    others_mean: Decimal | None  # everyone else's ratings of the episodes the member rated
    distribution: EpisodeScores
    withheld_ratings: int = 0  # ratings of episodes the reader keeps hidden until they watch
    agree: Line | None = None
    disagree: Line | None = None


@dataclass
class Recap:
    member: User
    season: Season
    lines: list[Line]
    reviews: list[Review] = field(default_factory=list)
    review_count: int = 0
    likes: int = 0

    def seen_by(self, reader: Reader) -> list[Line]:
        """The lines with the ratings the reader keeps hidden until they watch marked (a
        member's rating of an episode: sight_of_episode). Their watches show, as the diary
        shows them, with no score."""
        for line in self.lines:
            sight = sight_of_episode(reader, line.episode, author_id=self.member.pk)
            line.withheld = sight is Sight.WITHHELD
        return self.lines

    def figures(self, reader: Reader) -> Figures:
        lines = self.seen_by(reader)
        shown = [line for line in lines if not line.withheld]
        rated = [line for line in shown if line.own]
        own = _scores([line.own for line in rated])
        compared = [line for line in rated if line.difference is not None]
        others = _pooled([line.others for line in compared])
        figures = Figures(
            # Watches show as in the diary, whoever reads; only scores wait (sight_of_episode).
            watched=sum(1 for line in lines if line.watches),
            watches=sum(line.watches for line in lines),
            rewatched=sum(1 for line in lines if line.watches > 1),
            ratings=len(rated),
            own_mean=own.mean_stars,
            others_mean=others.mean_stars if compared else None,
            distribution=own,
            withheld_ratings=sum(1 for line in lines if line.withheld and line.own),
        )
        if len(compared) >= 2:
            by_gap = sorted(compared, key=lambda line: (abs(line.difference), line.episode.number))
            figures.agree = by_gap[0]
            if abs(by_gap[-1].difference) > abs(by_gap[0].difference):
                figures.disagree = max(
                    compared, key=lambda line: (abs(line.difference), -line.episode.number)
                )
        return figures


def _scores(scores: list[int]) -> EpisodeScores:
    return EpisodeScores(**{f"count_{s}": scores.count(s) for s in SCORES})


def _pooled(all_scores: list[EpisodeScores]) -> EpisodeScores:
    """Everyone else's ratings of several episodes, as one set of counters."""
    return EpisodeScores(
        **{
            f"count_{score}": sum(scores.distribution[index] for scores in all_scores)
            for index, score in enumerate(SCORES)
        }
    )


def _others(scores: EpisodeScores, own: int | None) -> EpisodeScores:
    counts = list(scores.distribution)
    if own and counts[own - 1]:
        counts[own - 1] -= 1
    return EpisodeScores(**{f"count_{s}": n for s, n in zip(SCORES, counts, strict=True)})


def season_or_404(number: int) -> Season:
    return get_object_or_404(Season.objects.of_current_show(), number=number)


def read_lines(member: User, season: Season) -> list[Line]:
    """The season's episodes with the member's rating and watches: one query."""
    rating = Rating.objects.filter(member=member, episode=OuterRef("pk"))
    watches = Watch.objects.filter(member=member, episode=OuterRef("pk")).order_by()
    watches = watches.values("episode")
    episodes = (
        Episode.objects.filter(season=season)
        .select_related("season", "scores")
        .annotate(
            own_score=Subquery(rating.values("score")[:1]),
            watch_count=Subquery(watches.annotate(n=Count("pk")).values("n")[:1]),
            first_watched=Subquery(watches.annotate(d=Min("watched_on")).values("d")[:1]),
            last_watched=Subquery(watches.annotate(d=Max("watched_on")).values("d")[:1]),
        )
        .order_by("number")
    )
    return [
        Line(
            episode=episode,
            own=episode.own_score,
            watches=episode.watch_count or 0,
            first_watched=episode.first_watched,
            last_watched=episode.last_watched,
            others=_others(scores_of(episode), episode.own_score),
        )
        for episode in episodes
    ]


def review_totals(reviews) -> tuple[int, int]:
    """How many reviews and replies, and the likes they got: one query."""
    totals = reviews.order_by().aggregate(count=Count("pk"), likes=Coalesce(Sum("like_count"), 0))
    return totals["count"], totals["likes"]


# The chart: their rating of each episode beside everyone else's average -----------------------


def agreement_chart(lines: list[Line]) -> dict:
    """The season chart's geometry (reviews/charts.py): everyone else's average as the line
    of circles, the member's rating as diamonds, and a stroke between the two where both are
    shown. Withheld episodes are drawn empty."""
    shown = [(line.episode, EpisodeScores() if line.withheld else line.others) for line in lines]
    own = {line.episode.pk: line.own for line in lines if line.own and not line.withheld}
    chart = season_chart(shown, own)
    for point, line in zip(chart["points"], lines, strict=True):
        point["line"] = line
        point["gap"] = point["own"] is not None and point["mean"] is not None
    return chart


# The share image ---------------------------------------------------------------------------------


def _name(member: User) -> str:
    name = member.public_name
    return name if drawable(name) else f"@{member.handle}"


def _footer() -> str:
    return urlsplit(settings.ETOILE_SITE_URL).netloc


def recap_card(recap: Recap) -> Card:
    """The recap's share image, as a visitor reads the recap: no review's words at all."""
    figures = recap.figures(VISITOR)
    count = formats.number_format
    watched = ngettext(
        "%(count)s episode watched", "%(count)s episodes watched", figures.watched
    ) % {"count": count(figures.watched)}
    rated = ngettext("%(count)s rating", "%(count)s ratings", figures.ratings) % {
        "count": count(figures.ratings)
    }
    byline = gettext("%(watched)s, %(rated)s") % {"watched": watched, "rated": rated}
    if figures.others_mean is not None:
        note = gettext("Their average: %(own)s; everyone else’s: %(others)s") % {
            "own": mean_stars(figures.own_mean),
            "others": mean_stars(figures.others_mean),
        }
    elif figures.ratings:
        note = gettext(
            "Their average: %(own)s; nobody else has rated the episodes they rated yet."
        ) % {"own": mean_stars(figures.own_mean)}
    else:
        note = gettext("No ratings yet.")
    if figures.ratings:
        heading = ngettext(
            "Their %(count)s rating, by stars", "Their %(count)s ratings, by stars", figures.ratings
        ) % {"count": count(figures.ratings)}
    else:
        heading = gettext("No ratings yet.")
    return Card(
        site_name=gettext("Étoile companion"),
        eyebrow=gettext("Season %(number)s recap") % {"number": recap.season.number},
        title=_name(recap.member),
        byline=byline,
        note=note,
        chart=Chart(
            heading=heading,
            bars=tuple(
                Bar(label=short_stars(score), count=n)
                for score, n in zip(SCORES, figures.distribution.distribution, strict=True)
            ),
        ),
        footer=_footer(),
    )


def _alt(card: Card) -> str:
    named = gettext("%(where)s: %(title)s") % {"where": card.eyebrow, "title": card.title}
    parts = [named, card.byline, card.note]
    return " ".join(part if part.endswith((".", "!", "?")) else f"{part}." for part in parts)


def share_path(recap: Recap, card: Card) -> str:
    return reverse(
        "share-image-recap",
        kwargs={
            "language": get_language() or settings.LANGUAGE_CODE,
            "handle": recap.member.handle,
            "season": recap.season.number,
            "digest": card.digest(),
        },
    )


def recap_share_image(request: HttpRequest, recap: Recap) -> ShareImage:
    card = recap_card(recap)
    return ShareImage(url=site_origin(request) + share_path(recap, card), alt=_alt(card))
