from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("season/<int:season>/", views.season_detail, name="season"),
    path("season/<int:season>/episode/<int:episode>/", views.episode_detail, name="episode"),
    path("people/<slug:slug>/", views.person_detail, name="person"),
    path("characters/<slug:slug>/", views.character_detail, name="character"),
    path("sources/", views.sources, name="sources"),
]
