"""The share images of an episode page and of a review (kernel/shareimages.py draws them):
the episode's title and its rating distribution, the same ten numbers its page's chart
shows; for a review, also who wrote it, their rating, and their words unless they spoil.

Images are public: crawlers read them and anyone a link is sent to sees them. So they are
made as for a visitor, whoever asks, and only of what a visitor may read: a public
top-level review, never a spoiler's text (`public_words`).
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils import formats
from django.utils.translation import get_language, gettext, ngettext, pgettext

from catalog.models import Episode
from kernel.addresses import site_origin
from kernel.shareimages import Bar, Card, Chart, ShareImage, drawable, printable
from reviews.charts import short_stars
from reviews.models import SCORES, EpisodeScores, Review, shortened, stars_label
from reviews.templatetags.ratings import mean_stars
from reviews.visibility import VISITOR, sight_of_review

# More than the image has room for: it cuts at a word with an ellipsis where its lines end.
QUOTED_CHARACTERS = 600


def public_words(review: Review) -> str:
    """The review's words that may go where nobody can choose to open a spoiler: its share
    image, and its page's description, which link previews show. Asked of the site's spoiler
    rule for a visitor, as images are public: nothing of a review marked as a spoiler, of
    its own episode or up to a later one. `review.episode` comes with its season."""
    if sight_of_review(VISITOR, review).shows_text:
        return review.body
    return ""


def _site_name() -> str:
    return gettext("Étoile companion")


def _footer() -> str:
    # The site's address as people type it: its host, without the scheme.
    return urlsplit(settings.ETOILE_SITE_URL).netloc


def _eyebrow(episode: Episode) -> str:
    return gettext("Season %(season)s · Episode %(number)s") % {
        "season": episode.season.number,
        "number": episode.number,
    }


def _title(episode: Episode) -> str:
    return printable(episode.localized("title")) or _eyebrow(episode)


def chart_heading(scores: EpisodeScores) -> str:
    if not scores.count:
        return gettext("No ratings yet.")
    return ngettext(
        "%(mean)s from %(count)s rating",
        "%(mean)s from %(count)s ratings",
        scores.count,
    ) % {
        "mean": mean_stars(scores.mean_stars),
        "count": formats.number_format(scores.count, force_grouping=True),
    }


def _chart(scores: EpisodeScores, *, marked: int | None = None, legend: str = "") -> Chart:
    return Chart(
        heading=chart_heading(scores),
        bars=tuple(
            Bar(label=short_stars(score), count=count, marked=score == marked)
            for score, count in zip(SCORES, scores.distribution, strict=True)
        ),
        legend=legend if marked else "",
    )


def _name(member) -> str:
    """The member's name as the image can draw it: a name in a script the face lacks is
    given as their handle, which is always plain letters and digits."""
    name = member.public_name
    return name if drawable(name) else f"@{member.handle}"


def episode_card(episode: Episode, scores: EpisodeScores) -> Card:
    return Card(
        site_name=_site_name(),
        eyebrow=_eyebrow(episode),
        title=_title(episode),
        chart=_chart(scores),
        footer=_footer(),
    )


def review_card(review: Review, scores: EpisodeScores) -> Card:
    """`review.author_score` is the author's rating of the episode (with_author_scores)."""
    episode = review.episode
    name = _name(review.member)
    score = getattr(review, "author_score", None)
    if score:
        byline = gettext("A review by %(name)s, who rated it %(stars)s") % {
            "name": name,
            "stars": stars_label(score),
        }
    else:
        byline = gettext("A review by %(name)s") % {"name": name}
    withheld = not public_words(review)
    words = printable(shortened(public_words(review), QUOTED_CHARACTERS))
    note = ""
    if withheld:
        note = gettext(
            "This review contains spoilers: read it on the site, where it stays hidden "
            "until you choose to show it."
        )
    elif not words:
        note = gettext("Read the review on the site.")  # it was all emoji, say
    return Card(
        site_name=_site_name(),
        eyebrow=_eyebrow(episode),
        title=_title(episode),
        byline=byline,
        quote=words,
        quote_marks=(
            pgettext("an opening quotation mark", "“"),
            pgettext("a closing quotation mark", "”"),
        ),
        note=note,
        chart=_chart(
            scores,
            marked=score,
            legend=gettext("%(name)s’s rating") % {"name": name},
        ),
        footer=_footer(),
    )


def _alt(episode: Episode, card: Card) -> str:
    """The image in words, for og:image:alt: what it says, in the order it says it."""
    if episode.title == episode.placeholder_title(episode.number):
        named = card.eyebrow  # "Episode 3" beside "Season 1 · Episode 3" says nothing more
    else:
        named = gettext("%(where)s: %(title)s") % {"where": card.eyebrow, "title": card.title}
    quote = shortened(card.quote, 200)
    if quote:
        quote = f"{card.quote_marks[0]}{quote}{card.quote_marks[1]}"
    parts = [named, card.byline, quote or card.note, card.chart.heading]
    ends = (".", "!", "?", "…", card.quote_marks[1])
    return " ".join(part if part.endswith(ends) else f"{part}." for part in parts if part)


def _language() -> str:
    return get_language() or settings.LANGUAGE_CODE


def episode_share_image(request: HttpRequest, episode: Episode, scores: EpisodeScores):
    """The episode page's share image, in the page's language."""
    card = episode_card(episode, scores)
    path = reverse(
        "share-image-episode",
        kwargs={
            "language": _language(),
            "season": episode.season.number,
            "episode": episode.number,
            "digest": card.digest(),
        },
    )
    return ShareImage(url=site_origin(request) + path, alt=_alt(episode, card))


def review_share_image(request: HttpRequest, review: Review, scores: EpisodeScores):
    """A public review's share image, in the page's language."""
    card = review_card(review, scores)
    episode = review.episode
    path = reverse(
        "share-image-review",
        kwargs={"language": _language(), "pk": review.pk, "digest": card.digest()},
    )
    return ShareImage(url=site_origin(request) + path, alt=_alt(episode, card))
