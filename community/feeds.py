"""The Atom feed of one member's public activity: their ratings, reviews, replies, watches
and follows, as a visitor would read them (a feed reader is a visitor: reviews/visibility.py's
VISITOR decides, so a spoiler's text is never in it)."""

from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.template.defaultfilters import linebreaks_filter, urlize
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from community.activity import FOLLOW, RATING, REVIEW, Item, page_of
from kernel.pagecache import cache_for_visitors
from members.models import User
from members.views import active_member_or_404
from reviews.feeds import episode_name, review_url, xml_text
from reviews.models import stars_label
from reviews.visibility import VISITOR

FEED_ITEMS = 30


def item_link(item: Item) -> str:
    if item.kind == REVIEW:
        return review_url(item.review)
    if item.kind == FOLLOW:
        return item.followed.get_absolute_url()
    return item.episode.get_absolute_url()


def item_title(item: Item) -> str:
    name = item.member.public_name
    if item.kind == FOLLOW:
        return _("%(name)s followed %(other)s") % {"name": name, "other": item.followed.public_name}
    episode = episode_name(item.episode)
    if item.kind == REVIEW and item.is_reply:
        return _("%(name)s replied to %(other)s on %(episode)s") % {
            "name": name,
            "other": item.review.parent.member.public_name,
            "episode": episode,
        }
    if item.kind == REVIEW:
        return _("%(name)s reviewed %(episode)s") % {"name": name, "episode": episode}
    if item.kind == RATING:
        return _("%(name)s rated %(episode)s") % {"name": name, "episode": episode}
    return _("%(name)s watched %(episode)s") % {"name": name, "episode": episode}


class MemberActivityFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, handle: str) -> User:
        return active_member_or_404(handle)

    def link(self, obj: User) -> str:
        return obj.get_absolute_url()

    def title(self, obj: User) -> str:
        return xml_text(_("Activity of %(name)s · Étoile companion") % {"name": obj.public_name})

    def subtitle(self, obj: User) -> str:
        return _("What this member rated, reviewed, watched and followed on the Étoile companion.")

    def items(self, obj: User) -> list[Item]:
        return page_of([obj.pk], reader=VISITOR, limit=FEED_ITEMS, group=False).items

    def item_title(self, item: Item) -> str:
        return xml_text(item_title(item))

    def item_link(self, item: Item) -> str:
        return item_link(item)

    def item_guid(self, item: Item) -> str:
        # A rating and a watch of one episode link to the same page: each entry its own id.
        return (
            self.request.build_absolute_uri(
                reverse("community:member-activity-feed", args=[item.member.handle])
            )
            + f"#{item.kind}-{item.pk}"
        )

    item_guid_is_permalink = False

    def item_description(self, item: Item) -> str:
        if item.kind == RATING:
            if not item.shows_score:
                return ""
            return format_html(
                "<p>{}</p>", _("Rated %(stars)s.") % {"stars": stars_label(item.score)}
            )
        if item.kind != REVIEW:
            return ""
        if not item.sight.shows_text:
            link = self.request.build_absolute_uri(review_url(item.review))
            return format_html(
                '<p>{} <a href="{}">{}</a></p>',
                _("It contains spoilers."),
                link,
                _("Read it on the site."),
            )
        return linebreaks_filter(urlize(xml_text(item.review.body), autoescape=True))

    def item_author_name(self, item: Item) -> str:
        return xml_text(item.member.public_name)

    def item_author_link(self, item: Item) -> str:
        return self.request.build_absolute_uri(item.member.get_absolute_url())

    def item_pubdate(self, item: Item):
        return item.at

    def item_updateddate(self, item: Item):
        return item.at

    def __call__(self, request, *args, **kwargs):
        self.request = request
        return super().__call__(request, *args, **kwargs)


@require_safe
@cache_for_visitors("catalog", "members", "member:{handle}")
def member_activity_feed(request: HttpRequest, handle: str) -> HttpResponse:
    return MemberActivityFeed()(request, handle=handle)
