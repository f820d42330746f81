from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from catalog import urls as catalog_urls
from etoile_app import pages, sitemaps, views
from etoile_app.api import api
from etoile_app.pages import render_episode
from members import views as members_views
from reviews import urls as reviews_urls
from reviews import views as reviews_views

# Refusals under /admin/ in the admin's design, elsewhere in the site's (templates/403.html).
handler403 = views.permission_denied

# Addresses for machines and staff: one language, no prefix.
urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("favicon.ico", views.favicon, name="favicon"),
    path("manifest/<slug:language>.webmanifest", views.web_app_manifest, name="web-app-manifest"),
    path("sw.js", views.service_worker, name="service-worker"),
    path("healthz", views.healthz, name="healthz"),
    path("sitemap.xml", sitemaps.sitemap, name="sitemap"),
    path("robots.txt", sitemaps.robots_txt, name="robots-txt"),
    # kernel.languages' switcher, which also keeps a signed-in member's choice (members.views).
    path("language/<slug:language>/", members_views.switch_language, name="switch-language"),
    *reviews_urls.share_urls,
    path(
        "share/<slug:language>/u/<handle:handle>/season/<int:season>/<slug:digest>.png",
        views.recap_share_png,
        name="share-image-recap",
    ),
]

# The catalog's pages that show members' ratings, reviews and picks too, in the catalog's
# namespace.
catalog_pages = [
    path("season/<int:season>/", pages.season_detail, name="season"),
    path("season/<int:season>/episode/<int:episode>/", pages.episode_detail, name="episode"),
    path("characters/<slug:slug>/", pages.character_detail, name="character"),
]

# Pages people read: English as they are, French under /fr/ (kernel/languages.py).
urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("offline/", views.offline, name="offline"),
    # Before the catalog's and reviews' many patterns: resolving /me/activity/ through them
    # cost nearly a third of its kept page. Its two addresses overlap no other.
    path("", include("community.urls")),
    path("", include((catalog_urls.urlpatterns + catalog_pages, "catalog"))),
    path(
        "",
        include(
            (reviews_urls.urlpatterns + reviews_urls.episode_form_urls(render_episode), "reviews")
        ),
    ),
    # A handle in any case; the lower-case address is the page's (members/converters.py).
    path("", include("picks.urls")),
    path("u/<handle:handle>/", views.profile, name="profile"),
    path("u/<handle:handle>/season/<int:season>/", views.recap, name="recap"),
    path("", include("members.urls")),
    path("", include("search.urls")),
    path("", include("notifications.urls")),
    path("me/export/", views.export, name="member-export"),
    path("me/delete/", views.delete_account, name="member-delete"),
    # Before allauth's own: the inactive page says why and takes an appeal (reviews/views.py).
    path("accounts/inactive/", reviews_views.account_inactive, name="account-inactive"),
    path("accounts/", include("allauth.urls")),
    prefix_default_language=False,
)

if settings.BENCH_VIEW:
    urlpatterns.append(path("bench/ok", views.bench_ok))

if settings.SERVE_MEDIA:
    media_prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns += [
        re_path(rf"^{media_prefix}(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]
