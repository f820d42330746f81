"""Numbers in markup are for parsers, not readers: SVG coordinates, progress values and the
like are written the same way in every language (issue 17, point 11). A French page once
wrote y1="139,2", which SVG reads as two numbers: dots in a corner, bars gone."""

import re

import pytest
from django.test import Client
from django.utils import timezone

from catalog.models import Episode
from reviews import services
from tests.factories import make_member, signed_in
from tests.pages import page_of

NUMBER = r"-?(?:\d+(?:\.\d+)?|\.\d+)"
SINGLE = re.compile(rf"^{NUMBER}$")
POINTS = re.compile(rf"^{NUMBER},{NUMBER}(?: {NUMBER},{NUMBER})*$")
VIEW_BOX = re.compile(rf"^{NUMBER} {NUMBER} {NUMBER} {NUMBER}$")
ROTATE = re.compile(rf"^rotate\({NUMBER} {NUMBER} {NUMBER}\)$")
NUMERIC = {"x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "width", "height"}

PAGES = ["/", "/season/1/", "/season/1/episode/3/", "/u/odette/"]


def bad_numbers(page) -> list[str]:
    """Every number attribute of every chart, and of progress bars, that a parser refuses."""
    problems = []
    charts = page.find_all("svg")
    for svg in charts:
        for node in svg.iter():
            for name, value in node.attrs.items():
                pattern = {
                    "points": POINTS,
                    "viewbox": VIEW_BOX,
                    "transform": ROTATE,
                }.get(name, SINGLE if name in NUMERIC else None)
                if pattern and not pattern.match(value or ""):
                    problems.append(f"<{node.tag} {name}={value!r}>")
    for node in page.find_all("progress"):
        for name in ("value", "max"):
            if not SINGLE.match(node.attrs.get(name) or ""):
                problems.append(f"<progress {name}={node.attrs.get(name)!r}>")
    return problems


@pytest.fixture
def rated(seeded):
    """Ratings that put fractions into every chart: means such as 3.3, bars of every height,
    and the reader's own marks (a diamond, "you")."""
    odette = make_member("odette@example.com", "odette", display_name="Odette Swan")
    episodes = list(Episode.objects.filter(season__number=1).order_by("number"))
    for n in range(3):
        rater = make_member(f"rater{n}@example.com", f"rater{n}")
        for episode in episodes[:5]:
            services.rating_set(
                member=rater, episode=episode, score=1 + (n * 3 + episode.number) % 10
            )
    for episode in episodes[:4]:
        services.rating_set(member=odette, episode=episode, score=episode.number + 4)
        services.watch_add(member=odette, episode=episode, watched_on=timezone.localdate())
    return odette


@pytest.mark.parametrize("language", ["", "/fr"])
@pytest.mark.parametrize("reader", ["visitor", "member"])
def test_every_chart_of_every_page_has_valid_numbers_in_both_languages(rated, language, reader):
    client = signed_in(rated) if reader == "member" else Client()
    for url in PAGES:
        response = client.get(language + url)
        assert response.status_code == 200, url
        page = page_of(response)
        # Inside main: the header's magnifier is an svg too.
        assert page.find("main").find_all("svg"), f"{language}{url}: no chart to check"
        assert bad_numbers(page) == [], f"{language}{url}"


def test_a_french_chart_keeps_its_text_in_french(rated):
    # The numbers for readers stay localised: only the markup's own numbers are not.
    page = page_of(Client().get("/fr/season/1/episode/3/"))
    title = page.find("main").find("svg").find("title").words
    assert "," in title and "étoile" in title, title
