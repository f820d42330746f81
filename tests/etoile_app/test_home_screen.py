"""The site on a phone's home screen (issue 22): a web app manifest in each language, icons
drawn from the site's mark, the service worker at the root of the site, and the page it
shows offline. The worker itself is tried in a browser: tests/test_offline_journey.py."""

import json

import pytest
from django.conf import settings
from PIL import Image

from kernel.management.commands.draw_app_icons import SIZES
from tests.pages import page_of

STATIC = settings.BASE_DIR / "static"


def manifest_of(client, language: str) -> dict:
    response = client.get(f"/manifest/{language}.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    assert response["Cache-Control"] == "max-age=86400, public"
    return json.loads(response.content)


@pytest.mark.parametrize(
    ("language", "name", "start"),
    [("en", "Étoile companion", "/"), ("fr", "Étoile, le site compagnon", "/fr/")],
)
def test_the_manifest_names_the_site_and_opens_it_in_the_pages_language(
    client, db, language, name, start
):
    manifest = manifest_of(client, language)

    assert manifest["name"] == name
    assert manifest["short_name"] == "Étoile"
    assert manifest["lang"] == language
    assert manifest["start_url"] == start
    assert manifest["scope"] == "/"
    assert manifest["id"] == "/"
    assert manifest["display"] == "standalone"
    # The light scheme's paper; pages name the dark one for dark devices (theme-color).
    assert manifest["background_color"] == manifest["theme_color"] == "#faf7f2"


def test_the_manifests_icons_exist_at_their_sizes_with_maskable_ones(client, db):
    icons = manifest_of(client, "en")["icons"]

    purposes = {(icon["sizes"], icon["purpose"]) for icon in icons}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= purposes
    for icon in icons:
        path = STATIC / icon["src"].removeprefix(settings.STATIC_URL)
        width, height = (int(n) for n in icon["sizes"].split("x"))
        with Image.open(path) as image:
            assert image.size == (width, height), icon
            assert icon["type"] == "image/png" and image.format == "PNG"
            if icon["purpose"] == "maskable":
                # A phone cuts the square to its own shape: the corners must be painted.
                assert image.convert("RGBA").getpixel((0, 0))[3] == 255


def test_the_committed_icons_are_the_ones_the_command_draws():
    for name, (size, _maskable) in SIZES.items():
        with Image.open(STATIC / "img" / "icons" / name) as image:
            assert image.size == (size, size), name


def test_every_page_links_its_languages_manifest_and_theme_colours(client, seeded):
    head = page_of(client.get("/season/1/")).find("head")
    assert head.find("link", rel="manifest").attrs["href"] == "/manifest/en.webmanifest"
    colours = {
        m.attrs["media"]: m.attrs["content"] for m in head.find_all("meta", name="theme-color")
    }
    assert colours == {
        "(prefers-color-scheme: light)": "#faf7f2",
        "(prefers-color-scheme: dark)": "#15131a",
    }
    assert head.find("link", rel="apple-touch-icon")
    french = page_of(client.get("/fr/season/1/")).find("head")
    assert french.find("link", rel="manifest").attrs["href"] == "/manifest/fr.webmanifest"


def test_the_service_worker_is_served_at_the_root_and_registered_by_a_script(client, seeded):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Cache-Control"] == "no-cache, public"
    body = b"".join(response.streaming_content).decode()
    assert 'addEventListener("fetch"' in body
    # Registered from a file, as the Content-Security-Policy allows no inline script.
    script = page_of(client.get("/")).find("script", data_worker="/sw.js")
    assert script.attrs["src"].startswith(settings.STATIC_URL)
    assert "defer" in script.attrs


@pytest.mark.parametrize(
    ("path", "heading"),
    [("/offline/", "You are offline"), ("/fr/offline/", "Vous êtes hors ligne")],
)
def test_the_offline_page_says_so_in_each_language_and_is_not_indexed(
    client, seeded, path, heading
):
    page = page_of(client.get(path))
    assert page.find("h1").words == heading
    assert page.find("meta", name="robots").attrs["content"] == "noindex"
    assert not page.find("head").find_all("link", rel="canonical")


def test_a_manifest_in_another_language_is_a_404(client, db):
    assert client.get("/manifest/de.webmanifest").status_code == 404
    assert client.post("/manifest/en.webmanifest").status_code == 405
    assert client.post("/sw.js").status_code == 405
