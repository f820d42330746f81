from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from etoile_app import languages, sitemaps, views
from etoile_app.api import api

# Addresses for machines and staff: one language, no prefix.
urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("favicon.ico", views.favicon, name="favicon"),
    path("healthz", views.healthz, name="healthz"),
    path("sitemap.xml", sitemaps.sitemap, name="sitemap"),
    path("robots.txt", sitemaps.robots_txt, name="robots-txt"),
    path("language/<slug:language>/", languages.switch_language, name="switch-language"),
]

# Pages people read: English as they are, French under /fr/ (etoile_app/languages.py).
urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("", include("catalog.urls")),
    path("", include("reviews.urls")),
    # A slug, as handles are: anything else (a NUL byte, say) is a 404 before any query.
    path("u/<slug:handle>/", views.profile, name="profile"),
    path("me/settings/", views.settings_view, name="member-settings"),
    path("me/avatar/", views.avatar_upload, name="avatar-upload"),
    path("me/avatar/remove/", views.avatar_remove, name="avatar-remove"),
    path("me/export/", views.export, name="member-export"),
    path("me/delete/", views.delete_account, name="member-delete"),
    path("me/tokens/", views.access_tokens, name="access-tokens"),
    path("me/tokens/<int:pk>/revoke/", views.access_token_revoke, name="access-token-revoke"),
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
