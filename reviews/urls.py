from django.urls import path

from reviews import views

app_name = "reviews"

urlpatterns = [
    path("season/<int:season>/episode/<int:episode>/rating/", views.rating_set, name="rating-set"),
    path(
        "season/<int:season>/episode/<int:episode>/reviews/",
        views.review_create,
        name="review-create",
    ),
    path(
        "season/<int:season>/episode/<int:episode>/watchlist/",
        views.watchlist_toggle,
        name="watchlist-toggle",
    ),
    path("season/<int:season>/episode/<int:episode>/watched/", views.watch_add, name="watch-add"),
    path(
        "season/<int:season>/episode/<int:episode>/watched/undo/",
        views.watch_undo,
        name="watch-undo",
    ),
    path("season/<int:season>/track/", views.season_track, name="season-track"),
    path("me/watchlist/", views.watchlist, name="watchlist"),
    path("u/<slug:handle>/diary/", views.diary, name="diary"),
    path("reviews/<int:pk>/replies/", views.reply_create, name="reply-create"),
    path("reviews/<int:pk>/edit/", views.review_edit, name="review-edit"),
    path("reviews/<int:pk>/delete/", views.review_delete, name="review-delete"),
    path("reviews/<int:pk>/like/", views.like_toggle, name="like-toggle"),
    path("reviews/<int:pk>/report/", views.review_report, name="review-report"),
]
