"""The rating control as a reader meets it: its radio labels in the page's language
(issue 17, point 12) and a "Save rating" button only where it is needed (point 15)."""

from tests.factories import make_member, signed_in
from tests.pages import page_of

EPISODE = "/season/1/episode/3/"


def radio_labels(response) -> list[str]:
    fieldset = page_of(response).find("fieldset", class_="stars")
    return [label.words for label in fieldset.find_all("label")]


def test_the_stars_are_named_in_french_on_french_pages(seeded):
    client = signed_in(make_member("odette@example.com", "odette"))

    french = radio_labels(client.get("/fr" + EPISODE))
    english = radio_labels(client.get(EPISODE))

    assert french[0] == "0,5 étoile" and french[6] == "3,5 étoiles" and french[-1] == "5 étoiles"
    assert english[0] == "½ star" and english[6] == "3½ stars" and english[-1] == "5 stars"
