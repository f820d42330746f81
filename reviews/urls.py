from django.urls import path

from reviews import feeds, views
from reviews.views import PageRenderer

app_name = "reviews"


def episode_form_urls(render_episode: PageRenderer) -> list:
    """The forms on the episode page. A form with mistakes answers with the whole page, which
    the project composes above this app and hands in here (etoile_app/urls.py)."""
    page = {"render_episode": render_episode}
    return [
        path(
            "season/<int:season>/episode/<int:episode>/rating/",
            views.rating_set,
            page,
            name="rating-set",
        ),
        path(
            "season/<int:season>/episode/<int:episode>/reviews/",
            views.review_create,
            page,
            name="review-create",
        ),
        path(
            "season/<int:season>/episode/<int:episode>/watched/",
            views.watch_add,
            page,
            name="watch-add",
        ),
        path("reviews/<int:pk>/replies/", views.reply_create, page, name="reply-create"),
    ]


# Share images: one address per language and version of what they show, outside the
# language prefix (kernel/languages.py), as crawlers must not be redirected by theirs.
share_urls = [
    path(
        "share/<slug:language>/season/<int:season>/episode/<int:episode>/<slug:digest>.png",
        views.episode_share_png,
        name="share-image-episode",
    ),
    path(
        "share/<slug:language>/reviews/<int:pk>/<slug:digest>.png",
        views.review_share_png,
        name="share-image-review",
    ),
]

urlpatterns = [
    path(
        "season/<int:season>/episode/<int:episode>/reviews/<int:pk>/",
        views.review_detail,
        name="review",
    ),
    path(
        "season/<int:season>/episode/<int:episode>/watchlist/",
        views.watchlist_toggle,
        name="watchlist-toggle",
    ),
    path(
        "season/<int:season>/episode/<int:episode>/watched/undo/",
        views.watch_undo,
        name="watch-undo",
    ),
    path("season/<int:season>/track/", views.season_track, name="season-track"),
    path("me/watchlist/", views.watchlist, name="watchlist"),
    path("me/import/", views.data_import, name="import"),
    path("me/import/confirm/", views.data_import_confirm, name="import-confirm"),
    path("me/import/<uuid:pk>/", views.data_import_status, name="import-status"),
    path("me/export/trakt/", views.export_trakt, name="export-trakt"),
    path("me/export/csv/", views.export_csv, name="export-csv"),
    path("u/<handle:handle>/diary/", views.diary, name="diary"),
    path("reviews/<int:pk>/edit/", views.review_edit, name="review-edit"),
    path("reviews/<int:pk>/delete/", views.review_delete, name="review-delete"),
    path("reviews/<int:pk>/like/", views.like_toggle, name="like-toggle"),
    path("reviews/<int:pk>/report/", views.review_report, name="review-report"),
    path("reviews/<int:pk>/appeal/", views.review_appeal, name="review-appeal"),
    # Atom feeds: the site's machine addresses live under /feeds/, mirroring the pages'.
    path("feeds/reviews/", feeds.site_feed, name="feed"),
    path(
        "feeds/season/<int:season>/episode/<int:episode>/reviews/",
        feeds.episode_feed,
        name="episode-feed",
    ),
    path("feeds/u/<handle:handle>/reviews/", feeds.member_feed, name="member-feed"),
]
