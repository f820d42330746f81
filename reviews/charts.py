"""Geometry for the server-rendered SVG charts; templates only draw what this computes.

Every chart comes with the same numbers as a table, so nothing is only in the picture.
"""

from django.utils import formats
from django.utils.translation import pgettext

from reviews.models import SCORES, EpisodeScores, stars_label

# Distribution: ten vertical bars in a 300 × 150 box, labels beneath.
DIST_WIDTH, DIST_HEIGHT = 300, 150
DIST_TOP, DIST_BASE = 18, 124
DIST_SLOT = DIST_WIDTH / len(SCORES)
DIST_BAR = DIST_SLOT * 0.72

# Season: one mark per episode on a 0–5 star scale in a 400 × 210 box.
SEASON_WIDTH, SEASON_HEIGHT = 400, 210
SEASON_LEFT, SEASON_RIGHT = 44, 388
SEASON_TOP, SEASON_BASE = 16, 170


def short_stars(score: int) -> str:
    """A chart's label for a score, in stars without the word, as the reader's language
    writes them (stars_label's own translations): "3½" and "½", "3,5" and "0,5"."""
    whole, half = divmod(score, 2)
    if not half:
        return formats.number_format(whole)
    if whole:
        return pgettext("a whole number of stars and a half", "%(whole)s½") % {
            "whole": formats.number_format(whole)
        }
    return pgettext("half a star, on its own", "½")


def distribution_chart(scores: EpisodeScores, own_score: int | None) -> dict:
    counts = scores.distribution
    total = sum(counts)
    tallest = max(counts) or 1
    bars = []
    for index, (score, count) in enumerate(zip(SCORES, counts, strict=True)):
        height = (DIST_BASE - DIST_TOP) * count / tallest
        x = index * DIST_SLOT + (DIST_SLOT - DIST_BAR) / 2
        bars.append(
            {
                "score": score,
                "label": stars_label(score),
                "short": short_stars(score),
                "count": count,
                "percent": round(100 * count / total) if total else 0,
                "x": round(x, 1),
                "y": round(DIST_BASE - height, 1),
                "width": round(DIST_BAR, 1),
                "height": round(height, 1),
                "label_x": round(x + DIST_BAR / 2, 1),
                "marker_y": round(max(DIST_BASE - height - 5, 12), 1),
                "is_own": score == own_score,
            }
        )
    return {
        "bars": bars,
        "total": total,
        "mean_stars": scores.mean_stars,
        "width": DIST_WIDTH,
        "height": DIST_HEIGHT,
        "base": DIST_BASE,
        "label_y": DIST_BASE + 18,
        "own_score": own_score,
        "own_label": stars_label(own_score) if own_score else None,
    }


def _season_y(stars: float) -> float:
    return round(SEASON_BASE - (SEASON_BASE - SEASON_TOP) * stars / 5, 1)


def season_chart(
    episode_scores: list, own_scores: dict[int, int], hidden: set[int] | None = None
) -> dict:
    """episode_scores: [(episode, EpisodeScores)] in order; own_scores: {episode_id: score};
    hidden: episodes whose mean the member chose not to see before watching them."""
    hidden = hidden or set()
    count = len(episode_scores) or 1
    step = (SEASON_RIGHT - SEASON_LEFT) / count
    points = []
    for index, (episode, scores) in enumerate(episode_scores):
        x = round(SEASON_LEFT + step * (index + 0.5), 1)
        mean = scores.mean_stars
        own = own_scores.get(episode.pk)
        points.append(
            {
                "episode": episode,
                "x": x,
                "mean": mean,
                "hidden": episode.pk in hidden,
                "count": scores.count,
                "y": _season_y(mean) if mean is not None else None,
                "own": own,
                "own_label": stars_label(own) if own else None,
                "own_stars": own / 2 if own else None,
                "own_y": _season_y(own / 2) if own else None,
                # The diamond: a 10 × 10 square turned 45° about the point.
                "own_square_x": round(x - 5, 1),
                "own_square_y": round(_season_y(own / 2) - 5, 1) if own else None,
            }
        )
    rated = [p for p in points if p["mean"] is not None]
    return {
        "points": points,
        "line": " ".join(f"{p['x']},{p['y']}" for p in rated),
        "grid": [{"stars": stars, "y": _season_y(stars)} for stars in range(1, 6)],
        "width": SEASON_WIDTH,
        "height": SEASON_HEIGHT,
        "left": SEASON_LEFT,
        "grid_label_x": SEASON_LEFT - 8,
        "right": SEASON_RIGHT,
        "base": SEASON_BASE,
        "label_y": SEASON_BASE + 22,
        "has_own": bool(own_scores),
        "any_rated": bool(rated),
    }
