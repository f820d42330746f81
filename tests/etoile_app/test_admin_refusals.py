"""A 403 under /admin/ keeps staff in the admin: its design, and a way back to its index.
Elsewhere the site's own 403 page stays."""

import pytest
from django.urls import reverse
from django.utils import translation

from catalog.models import Show
from tests.factories import make_member, signed_in

ADMIN_HEADER = '<div id="site-name"><a href="/admin/">Étoile administration</a></div>'


@pytest.fixture
def show(seeded) -> Show:
    return seeded


def test_a_moderator_refused_a_catalog_page_stays_in_the_admin(moderator_client, show):
    response = moderator_client.get(reverse("admin:catalog_show_change", args=[show.pk]))
    assert response.status_code == 403
    page = response.content.decode()
    assert ADMIN_HEADER in page
    assert '<a href="/admin/">Back to the administration</a>' in page
    assert "Back to the show" not in page


def test_the_admin_refusal_is_translated(rf, moderator, show):
    """The admin answers in English (its addresses have no /fr/); the page's words are in the
    French catalogue all the same, for the day it does."""
    from etoile_app.views import permission_denied

    request = rf.get(reverse("admin:catalog_show_change", args=[show.pk]))
    request.user = moderator
    with translation.override("fr"):
        response = permission_denied(request)
    assert response.status_code == 403
    page = response.content.decode()
    assert '<a href="/admin/">Administration d’Étoile</a>' in page
    assert '<a href="/admin/">Retour à l’administration</a>' in page
    assert "Accès refusé" in page


def test_a_member_refused_the_admin_password_page_gets_the_admin_refusal(db):
    client = signed_in(make_member("plie@example.com", "plie"))
    response = client.get(reverse("admin:password_change"), follow=True)
    assert response.status_code == 403
    page = response.content.decode()
    assert '<div id="site-name"><a href="/admin/">' in page
    assert '<a href="/admin/">Back to the administration</a>' in page


def test_a_refusal_outside_the_admin_keeps_the_site_page(rf):
    from etoile_app.views import permission_denied

    response = permission_denied(rf.get("/me/settings/"))
    assert response.status_code == 403
    page = response.content.decode()
    assert "Back to the show" in page
    assert "site-name" not in page
