"""What pages tell machines about themselves: the canonical address, Open Graph tags and
schema.org data (JSON-LD), built from what each view has already loaded, so that no page
makes a query more for them.

Descriptions come from the catalog only: a record awaiting curation holds placeholders,
which are not given to search engines as descriptions. An episode page awaiting curation is
still named as the page names it ("Episode 3", "Épisode 3"): a neutral name, nothing
invented, and a reviewed item without a name is refused by the search engines' rules.

What is emitted for ratings and reviews is what schema.org defines for AggregateRating,
Review and Rating and what the search engines require of them (a review with its rating,
an aggregate with its count); tests/catalog/test_structured_data.py checks both.

On a French page a record's text is given in French when every text of that record has a
French version, with "inLanguage": "fr" (the language of the text given here); otherwise in
the original throughout, as on an English page, so that no record mixes two languages.
"""

from django.http import HttpRequest
from django.urls import reverse

from catalog.models import Episode, Show
from kernel.metadata import SCHEMA, image_url, without_empty


def _person(request: HttpRequest, person) -> dict:
    return {
        "@type": "Person",
        "name": person.name,
        "url": request.build_absolute_uri(person.get_absolute_url()),
    }


def _series_ref(request: HttpRequest, show) -> dict:
    return {
        "@type": "TVSeries",
        "name": show.title,
        "url": request.build_absolute_uri(reverse("home")),
    }


def _texts(record, names: list[str], *, given: bool = True) -> dict:
    """The record's texts as the page's reader sees them, plus inLanguage when French."""
    if not given:
        return dict.fromkeys(names)
    shown = {name: record.localized_with_language(name) for name in names}
    present = [language for text, language in shown.values() if text]
    if present and all(language == "fr" for language in present):
        return {**{name: text for name, (text, _language) in shown.items()}, "inLanguage": "fr"}
    return {name: getattr(record, name) for name in names}


def series_data(request: HttpRequest, show, *, seasons, cast, creators) -> dict:
    texts = _texts(show, ["premise", "genre"])
    return without_empty(
        {
            "@context": SCHEMA,
            "@type": "TVSeries",
            "name": show.title,
            "url": request.build_absolute_uri(reverse("home")),
            "description": texts["premise"],
            "genre": texts["genre"],
            "inLanguage": texts.get("inLanguage"),
            "startDate": show.premiere_date,
            "image": image_url(request, show, Show.POSTER),
            "numberOfSeasons": len(seasons),
            "containsSeason": [
                {
                    "@type": "TVSeason",
                    "seasonNumber": season.number,
                    "url": request.build_absolute_uri(season.get_absolute_url()),
                }
                for season in seasons
            ],
            "creator": [_person(request, credit.person) for credit in creators],
            "actor": [_person(request, credit.person) for credit in cast],
        }
    )


def _episode_ref(request: HttpRequest, episode) -> dict:
    texts = _texts(episode, ["title"], given=not episode.awaiting_curation)
    return without_empty(
        {
            "@type": "TVEpisode",
            "episodeNumber": episode.number,
            "name": texts["title"],
            "inLanguage": texts.get("inLanguage"),
            "url": request.build_absolute_uri(episode.get_absolute_url()),
        }
    )


def season_data(request: HttpRequest, season, *, show, episodes) -> dict:
    return without_empty(
        {
            "@context": SCHEMA,
            "@type": "TVSeason",
            "name": str(season),
            "seasonNumber": season.number,
            "url": request.build_absolute_uri(season.get_absolute_url()),
            "startDate": season.premiere_date,
            "numberOfEpisodes": len(episodes),
            "partOfSeries": _series_ref(request, show),
            "episode": [_episode_ref(request, episode) for episode in episodes],
        }
    )


def episode_data(request: HttpRequest, episode, *, show, season, scores, reviews) -> dict:
    """The episode as the page shows it: the same mean and count as the rating panel (in
    stars, ½ to 5), and those of `reviews` that anyone may read: the caller gives the page's
    reviews a visitor reads in full (the spoiler rule is reviews/visibility.py's, which this
    app cannot import). `scores` is None where the page hides them (a member's "until
    watched")."""
    page_url = request.build_absolute_uri(episode.get_absolute_url())
    texts = _texts(episode, ["title", "synopsis"], given=not episode.awaiting_curation)
    if episode.awaiting_curation:
        name, language = episode.localized_with_language("title")
        texts = {"title": name, "synopsis": None, "inLanguage": "fr" if language == "fr" else None}
    data = {
        "@context": SCHEMA,
        "@type": "TVEpisode",
        "episodeNumber": episode.number,
        "name": texts["title"],
        "description": texts["synopsis"],
        "inLanguage": texts.get("inLanguage"),
        "url": page_url,
        "datePublished": episode.release_date,
        "timeRequired": f"PT{episode.runtime_minutes}M" if episode.runtime_minutes else None,
        "image": image_url(request, episode, Episode.STILL),
        "partOfSeason": {
            "@type": "TVSeason",
            "seasonNumber": season.number,
            "url": request.build_absolute_uri(season.get_absolute_url()),
        },
        "partOfSeries": _series_ref(request, show),
    }
    if scores is not None and scores.count:
        # Google refuses a ratingCount of 0: without ratings there is no AggregateRating.
        data["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": float(scores.mean_stars),
            "ratingCount": scores.count,
            "bestRating": 5,
            "worstRating": 0.5,
        }
    if scores is not None:
        data["review"] = [
            review_data(request, review, page_url=page_url)
            for review in reviews
            if review.is_visible
            # A Review needs its reviewRating: a review by someone who has not rated
            # the episode is read on the page, not given to search engines.
            and getattr(review, "author_score", None)
            and review.member.is_active
            and not review.is_reply
        ]
    return without_empty(data)


def review_data(request: HttpRequest, review, *, page_url: str) -> dict:
    data = {
        "@type": "Review",
        "url": f"{page_url}#review-{review.pk}",
        "author": {
            "@type": "Person",
            "name": review.member.public_name,
            "url": request.build_absolute_uri(review.member.get_absolute_url()),
        },
        "datePublished": review.created_at,
        "reviewBody": review.body,
    }
    data["reviewRating"] = {
        "@type": "Rating",
        "ratingValue": review.author_score / 2,
        "bestRating": 5,
        "worstRating": 0.5,
    }
    return data
