"""Visitors see what the sources state and nothing of the curation workflow; staff see what
still awaits curation. Visitors' pages are cached and staff pages never are."""

import re

import pytest

from tests.factories import make_staff, signed_in
from tests.pages import text_of

pytestmark = pytest.mark.django_db

WORKFLOW = re.compile(r"curation|await|Not yet recorded|Our editors", re.I)
PAGES = [
    "/",
    "/season/1/",
    "/season/1/episode/3/",
    "/characters/the-matriarch/",
    "/people/kelly-bishop/",
    "/fr/",
    "/fr/season/1/",
    "/fr/season/1/episode/3/",
    "/fr/characters/the-matriarch/",
]
FRENCH_WORKFLOW = re.compile(r"curation|attente|Pas encore|Non renseign|rédaction", re.I)


@pytest.mark.parametrize("path", PAGES)
def test_visitors_see_nothing_of_the_curation_workflow(client, seeded, path):
    response = client.get(path)
    assert response.status_code == 200
    text = text_of(response)
    pattern = FRENCH_WORKFLOW if path.startswith("/fr/") else WORKFLOW
    assert not pattern.findall(text), pattern.findall(text)


def test_visitors_see_the_known_facts_of_an_episode_and_no_empty_ones(client, seeded):
    text = text_of(client.get("/season/1/episode/3/"))
    assert "Where to watch" in text
    assert "Released" not in text and "Runtime" not in text


def test_the_character_awaiting_a_name_is_headed_as_the_sources_describe_her(client, seeded):
    html = client.get("/characters/the-matriarch/").content.decode()
    assert re.search(r"<h1[^>]*>The matriarch</h1>", html)


def test_the_theme_song_without_a_title_names_who_wrote_it(client, seeded):
    text = text_of(client.get("/"))
    assert re.search(r"Theme song\s+Sons of Raphael", text)


def test_staff_see_what_awaits_curation(seeded):
    staff = signed_in(make_staff("curator", None))
    episode = text_of(staff.get("/season/1/episode/3/"))
    assert "do not yet give this episode’s title" in episode
    assert "Not yet recorded" in episode
    assert "Details awaiting curation" in text_of(staff.get("/season/1/"))
    assert "do not name them yet" in text_of(staff.get("/characters/the-matriarch/"))
    assert "Title awaiting curation" in text_of(staff.get("/"))
