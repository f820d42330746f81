from django.urls import path

from community import feeds, views

app_name = "community"

urlpatterns = [
    path("me/activity/", views.my_activity, name="activity"),
    path(
        "feeds/u/<handle:handle>/activity/",
        feeds.member_activity_feed,
        name="member-activity-feed",
    ),
]
