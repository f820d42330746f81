"""An editor who works in French, in the admin at laptop width, tries to curate an episode
that still holds the seed's placeholders, is told what is missing, fills it in with a still
whose focal point they choose on its live preview, curates it, cites a source for a fact, and
finds every step in the record's history. By roles and labels, as people do. (Test values,
not facts: this is a test database.)"""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from catalog.models import Episode
from tests.browser import sign_in
from tests.factories import make_member, staff_group

pytestmark = pytest.mark.browser

PASSWORD = "entrechat quatre 1366"
TITLE = "Test title for the journey"
QUOTE = "A test sentence an editor quotes."
LAPTOP = {"width": 1366, "height": 900}


def wide_stripes() -> dict:
    """A picture much wider than 16:9 (red, green, blue from left to right), so where its
    crop centres shows."""
    image = Image.new("RGB", (1200, 300), (0, 200, 0))
    image.paste((220, 0, 0), (0, 0, 400, 300))
    image.paste((0, 0, 220), (800, 0, 1200, 300))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return {"name": "stripes.png", "mimeType": "image/png", "buffer": buffer.getvalue()}


def choose(admin, action: str) -> None:
    admin.get_by_label(re.compile(r"^Action\s*:")).select_option(label=action)
    admin.get_by_role("button", name="Envoyer").click()


def test_an_editor_curates_an_episode_in_french_and_the_history_says_who_did_what(
    new_context, seeded_live_server
):
    base_url = seeded_live_server.url
    editor = make_member(
        "bea@example.com",
        "ed-bea",
        password=PASSWORD,
        is_staff=True,
        display_name="Béa Editor",
        language="fr",
    )
    editor.groups.add(staff_group("Editors"))
    sixth = Episode.objects.get(season__number=1, number=6)

    admin = sign_in(new_context(viewport=LAPTOP), base_url, "bea@example.com", PASSWORD)
    admin.goto(base_url + "/admin/catalog/episode/")
    expect(admin.get_by_role("heading", name=re.compile("épisode"))).to_be_visible()

    # Curating the placeholder is refused, with the field that is missing.
    admin.get_by_role("row").filter(has_text="S01E06").get_by_role("checkbox").check()
    choose(admin, "Marquer la sélection comme vérifiée")
    expect(admin.get_by_text(re.compile("n’est pas marquée comme vérifiée"))).to_be_visible()
    expect(admin.get_by_text(re.compile("remplissez d’abord ces champs.*titre"))).to_be_visible()

    # The editor fills it in, adds a still and cites a source for the title.
    admin.get_by_role("link", name="S01E06").click()
    admin.get_by_label("Titre :", exact=True).fill(TITLE)
    admin.get_by_label("Date de sortie :").fill("2025-04-24")
    admin.get_by_label("Synopsis :", exact=True).fill("A test synopsis.")
    admin.get_by_label("Image de l’épisode :").set_input_files(wide_stripes())
    admin.get_by_label("Crédit de l’image :").fill("Test / Agence")
    admin.get_by_label("Licence ou autorisation de l’image :").fill("CC BY 4.0")
    admin.get_by_role("button", name=re.compile("Ajouter un objet citation", re.I)).click()
    # The new row's fields are named by their columns (static/js/admin-a11y.js).
    quote_box = admin.get_by_role("textbox", name="Phrase citée")
    row = admin.get_by_role("row").filter(has=quote_box).last
    row.get_by_role("combobox", name="Source").select_option(index=1)  # the first source
    row.get_by_role("combobox", name="Information").select_option(label="Titre")
    row.get_by_role("textbox", name="Phrase citée").fill(QUOTE)
    admin.get_by_role("button", name="Enregistrer et continuer les modifications").click()
    expect(admin.get_by_text("a été modifié avec succès", exact=False)).to_be_visible()

    # The focal point: the crop follows the number as it is typed, and a click on the whole
    # image moves the point there (static/js/focal-point.js).
    across = admin.get_by_label("Point focal horizontal (%) :")
    crop = admin.locator(".focal-preview__crop img")
    across.fill("0")
    expect(crop).to_have_css("object-position", "0% 50%")
    # The image is decoration (alt=""); the figure is named by its caption.
    whole = admin.get_by_role("figure", name=re.compile("L’image entière")).locator("img")
    box = whole.bounding_box()
    whole.click(position={"x": box["width"] * 0.9, "y": box["height"] * 0.5})
    expect(across).to_have_value("90")
    expect(crop).to_have_css("object-position", "90% 50%")
    admin.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(admin.get_by_text("a été modifié avec succès", exact=False)).to_be_visible()
    sixth.refresh_from_db()
    assert "-at-90-50-" in sixth.still_renditions["jpg"]["480"]  # the server cut the same

    admin.get_by_role("row").filter(has_text="S01E06").get_by_role("checkbox").check()
    choose(admin, "Marquer la sélection comme vérifiée")
    expect(admin.get_by_text("1 fiche marquée comme vérifiée.")).to_be_visible()
    assert admin.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]

    # Readers see the new title with its quote.
    reader = new_context().new_page()
    reader.goto(base_url + sixth.get_absolute_url())
    expect(reader.get_by_role("heading", name=re.compile(TITLE))).to_be_visible()
    expect(reader.get_by_text(QUOTE)).to_be_visible()

    # The record's history: who, the title before and after, and the action, in French.
    admin.get_by_role("link", name="S01E06").click()
    admin.get_by_role("link", name="Historique", exact=True).click()
    history = admin.get_by_role("main")
    expect(history.get_by_text(f"Titre : Episode 6 → {TITLE}", exact=False)).to_be_visible()
    expect(history.get_by_text("Marquer la sélection comme vérifiée").first).to_be_visible()
    expect(history.get_by_text("Béa Editor (@ed-bea)").first).to_be_visible()
    assert admin.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
