"""/sitemap.xml and /robots.txt: every public page worth finding, two queries per section.

No <lastmod>: an episode's page changes with each review, which the catalog's `updated_at`
does not record, and a wrong date is worse than none.
"""

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from catalog.models import Character, Episode, Person, Season
from kernel.pagecache import cache_for_visitors
from members.models import User
from reviews.models import Review


class BilingualSitemap(Sitemap):
    """Each page in English and in French, each listing the other as its alternate."""

    i18n = True
    alternates = True
    x_default = True


class PagesSitemap(BilingualSitemap):
    def items(self) -> list[str]:
        return ["home", "catalog:sources"]

    def location(self, name: str) -> str:
        return reverse(name)


class SeasonSitemap(BilingualSitemap):
    def items(self):
        return Season.objects.of_current_show().order_by("number")


class EpisodeSitemap(BilingualSitemap):
    def items(self):
        return (
            Episode.objects.of_current_show()
            .select_related("season")
            .order_by("season__number", "number")
        )


class PersonSitemap(BilingualSitemap):
    def items(self):
        return Person.objects.order_by("slug")


class CharacterSitemap(BilingualSitemap):
    def items(self):
        return Character.objects.order_by("slug")


class MemberSitemap(BilingualSitemap):
    """Profiles of members in good standing who have a review anyone can read: the profiles
    public pages link to, and no list of every account."""

    def items(self):
        return (
            User.objects.filter(is_active=True)
            .filter(Exists(Review.objects.public().top_level().filter(member=OuterRef("pk"))))
            .only("handle")
            .order_by("handle")
        )


class RecapSitemap(MemberSitemap):
    """Those members' season recaps (the season the profile links to)."""

    def location(self, member: User) -> str:
        return reverse("recap", args=[member.handle, 1])


SITEMAPS = {
    "pages": PagesSitemap,
    "seasons": SeasonSitemap,
    "episodes": EpisodeSitemap,
    "people": PersonSitemap,
    "characters": CharacterSitemap,
    "members": MemberSitemap,
    "recaps": RecapSitemap,
}


# The views: for machines, the same for everyone, kept in the page cache like the pages they
# list (a new review, say, may add a member's profile).


@require_safe
@cache_for_visitors("catalog", "members", "reviews")
def sitemap(request: HttpRequest) -> HttpResponse:
    # Django's view answers a TemplateResponse; the page cache stores rendered bytes.
    return sitemap_views.sitemap(request, sitemaps=SITEMAPS).render()


# Crawlers may read every public page and feed; not the member's own pages, sign-in forms,
# the admin, the API beyond its documentation (its data is the pages'), or search results
# (each a handful of full-text queries, and nothing the pages do not show).
IN_BOTH_LANGUAGES = ["/accounts/", "/me/", "/reviews/", "/search/"]
ROBOTS_DISALLOW = [
    "/admin/",
    *IN_BOTH_LANGUAGES,
    *(f"/fr{path}" for path in IN_BOTH_LANGUAGES),
    "/api/",
    "/language/",  # the switcher: the pages themselves are listed in both languages
]
ROBOTS_ALLOW = ["/api/v1/docs"]


@require_safe
@cache_control(max_age=86_400, public=True)
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = ["User-agent: *"]
    lines += [f"Allow: {path}" for path in ROBOTS_ALLOW]
    lines += [f"Disallow: {path}" for path in ROBOTS_DISALLOW]
    lines += ["", f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
