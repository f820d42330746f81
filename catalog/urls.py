from django.urls import path

from catalog import views

# The season and episode pages, which show ratings and reviews too, and the character page,
# which offers members a favourite button, are composed by the project (etoile_app/pages.py)
# and added to this namespace there (etoile_app/urls.py).
app_name = "catalog"

urlpatterns = [
    path("people/<slug:slug>/", views.person_detail, name="person"),
    path("sources/", views.sources, name="sources"),
]
