from django.urls import path

from picks import views

app_name = "picks"

urlpatterns = [
    path("season/<int:season>/ranking/", views.community, name="community-ranking"),
    path("me/ranking/season/<int:season>/", views.my_ranking, name="ranking"),
    path("me/ranking/season/<int:season>/change/", views.ranking_change, name="ranking-change"),
    path("me/favourites/", views.my_favourites, name="favourites"),
    path("me/favourites/change/", views.favourites_change, name="favourites-change"),
]
