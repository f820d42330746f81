from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.static import serve

from etoile_app import views

admin.site.site_header = _("Étoile administration")
admin.site.site_title = _("Étoile admin")
admin.site.index_title = _("Catalog and members")
# Staff sign in through allauth, so its rate limits and two-factor checks apply to them.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", views.home, name="home"),
    path("", include("catalog.urls")),
    path("", include("reviews.urls")),
    path("u/<str:handle>/", views.profile, name="profile"),
    path("me/settings/", views.settings_view, name="member-settings"),
    path("me/avatar/", views.avatar_upload, name="avatar-upload"),
    path("me/avatar/remove/", views.avatar_remove, name="avatar-remove"),
    path("me/export/", views.export, name="member-export"),
    path("me/delete/", views.delete_account, name="member-delete"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("favicon.ico", views.favicon, name="favicon"),
    path("healthz", views.healthz, name="healthz"),
]

if settings.SERVE_MEDIA:
    media_prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns += [
        re_path(rf"^{media_prefix}(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]
