from django.urls import path

from members import views

urlpatterns = [
    path("me/settings/", views.settings_view, name="member-settings"),
    path("me/avatar/", views.avatar_upload, name="avatar-upload"),
    path("me/avatar/remove/", views.avatar_remove, name="avatar-remove"),
    path("me/tokens/", views.access_tokens, name="access-tokens"),
    path("me/tokens/<int:pk>/revoke/", views.access_token_revoke, name="access-token-revoke"),
]
