"""Atom feeds of the latest reviews: the whole site's, one episode's, one member's.

A feed reader is a visitor: it gets what a visitor's page shows (public reviews of members in
good standing, no replies) and, as the spoiler rule decides for a visitor
(reviews/visibility.py), never a spoiler's text: a review marked as a spoiler says so and links
to the site, where the reader chooses to open it.
"""

import re

from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import linebreaks_filter, urlize
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from catalog.models import Episode
from kernel.pagecache import cache_for_visitors
from members.models import User
from members.views import active_member_or_404
from reviews.context import with_author_scores
from reviews.models import Review, stars_label
from reviews.visibility import VISITOR, sight_of_review

FEED_ITEMS = 30
# Characters XML 1.0 cannot carry; Django's feed writer refuses them with an exception (a 500),
# and a member's text may hold them.
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(text: str) -> str:
    return NOT_IN_XML.sub("", text)


def public_reviews():
    """Reviews anyone may read, newest first, with their author, episode and the author's
    rating: one query, whatever the number of reviews."""
    return with_author_scores(
        Review.objects.public().top_level().select_related("member", "episode__season")
    ).order_by("-created_at", "-pk")


def review_url(review: Review) -> str:
    return f"{review.episode.get_absolute_url()}#review-{review.pk}"


def episode_name(episode: Episode) -> str:
    return _("Season %(season)s, episode %(number)s: %(title)s") % {
        "season": episode.season.number,
        "number": episode.number,
        "title": episode.localized("title"),
    }


def review_summary(review: Review, link: str) -> str:
    """The entry's HTML, escaped: the review as its page shows it to a visitor."""
    parts = []
    if review.author_score:
        parts.append(
            format_html(
                "<p>{}</p>", _("Rated %(stars)s.") % {"stars": stars_label(review.author_score)}
            )
        )
    if not sight_of_review(VISITOR, review).shows_text:
        if review.spoils_up_to:
            warning = _("This review contains spoilers up to episode %(number)s.") % {
                "number": review.spoils_up_to
            }
        else:
            warning = _("This review contains spoilers.")
        parts.append(
            format_html('<p>{} <a href="{}">{}</a></p>', warning, link, _("Read it on the site."))
        )
    else:
        parts.append(linebreaks_filter(urlize(xml_text(review.body), autoescape=True)))
    return "\n".join(parts)


class ReviewFeed(Feed):
    feed_type = Atom1Feed

    def link(self, obj) -> str:
        return reverse("home")

    def title(self, obj) -> str:
        return _("Latest reviews · Étoile companion")

    def subtitle(self, obj) -> str:
        return _("The newest reviews members have written on the Étoile companion.")

    def reviews(self, obj):
        return public_reviews()

    def items(self, obj):
        return list(self.reviews(obj)[:FEED_ITEMS])

    def item_title(self, review: Review) -> str:
        return xml_text(
            _("%(name)s on %(episode)s")
            % {"name": review.member.public_name, "episode": episode_name(review.episode)}
        )

    def item_link(self, review: Review) -> str:
        return review_url(review)

    def item_description(self, review: Review) -> str:
        return review_summary(review, self.request.build_absolute_uri(review_url(review)))

    def item_author_name(self, review: Review) -> str:
        return xml_text(review.member.public_name)

    def item_author_link(self, review: Review) -> str:
        return self.request.build_absolute_uri(review.member.get_absolute_url())

    def item_pubdate(self, review: Review):
        return review.created_at

    def item_updateddate(self, review: Review):
        return review.edited_at or review.created_at

    def __call__(self, request, *args, **kwargs):
        self.request = request  # for absolute links inside the entries' HTML
        return super().__call__(request, *args, **kwargs)


class EpisodeReviewFeed(ReviewFeed):
    def get_object(self, request, season: int, episode: int) -> Episode:
        return get_object_or_404(
            Episode.objects.of_current_show().select_related("season"),
            season__number=season,
            number=episode,
        )

    def link(self, obj: Episode) -> str:
        return obj.get_absolute_url()

    def title(self, obj: Episode) -> str:
        return xml_text(
            _("Reviews of %(episode)s · Étoile companion") % {"episode": episode_name(obj)}
        )

    def subtitle(self, obj: Episode) -> str:
        return _("The newest reviews of this episode on the Étoile companion.")

    def reviews(self, obj: Episode):
        return public_reviews().filter(episode=obj)


class MemberReviewFeed(ReviewFeed):
    def get_object(self, request, handle: str) -> User:
        # As the profile page: a suspended or closed account has no public page, and no feed.
        return active_member_or_404(handle)

    def link(self, obj: User) -> str:
        return obj.get_absolute_url()

    def title(self, obj: User) -> str:
        return xml_text(_("Reviews by %(name)s · Étoile companion") % {"name": obj.public_name})

    def subtitle(self, obj: User) -> str:
        return _("The newest reviews this member has written on the Étoile companion.")

    def reviews(self, obj: User):
        return public_reviews().filter(member=obj)


@require_safe
@cache_for_visitors("catalog", "members", "ratings", "reviews")
def site_feed(request: HttpRequest) -> HttpResponse:
    return ReviewFeed()(request)


@require_safe
@cache_for_visitors("catalog", "members", "ratings", "reviews")
def episode_feed(request: HttpRequest, season: int, episode: int) -> HttpResponse:
    return EpisodeReviewFeed()(request, season=season, episode=episode)


@require_safe
@cache_for_visitors("catalog", "members", "member:{handle}")
def member_feed(request: HttpRequest, handle: str) -> HttpResponse:
    return MemberReviewFeed()(request, handle=handle)
