from django.urls import path

from members import views

urlpatterns = [
    path("u/<handle:handle>/followers/", views.followers_list, name="followers"),
    path("u/<handle:handle>/following/", views.following_list, name="following"),
    # Posted from the profile; each takes `on` ("1" or "0"): follow or unfollow, and so on.
    *(
        path(
            f"u/<handle:handle>/{relation}/",
            views.relation_change,
            {"relation": relation},
            name=relation,
        )
        for relation in ("follow", "block", "mute")
    ),
    path("me/settings/", views.settings_view, name="member-settings"),
    path("me/avatar/", views.avatar_upload, name="avatar-upload"),
    path("me/avatar/remove/", views.avatar_remove, name="avatar-remove"),
    path("me/tokens/", views.access_tokens, name="access-tokens"),
    path("me/tokens/<int:pk>/revoke/", views.access_token_revoke, name="access-token-revoke"),
]
