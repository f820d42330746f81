"""English and French: the address says the language, the switcher remembers the choice,
and a browser that prefers French is sent to the French page on its first visit."""

import re
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import Client

from reviews import services
from reviews.models import stars_label
from tests.factories import make_member

COOKIE = settings.LANGUAGE_COOKIE_NAME


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


@pytest.mark.parametrize(
    ("path", "lang", "words"),
    [
        ("/season/1/", "en", "Season 1"),
        ("/fr/season/1/", "fr", "Saison 1"),
        ("/fr/season/1/episode/3/", "fr", "Épisode 3"),
        ("/fr/sources/", "fr", "Sources"),
        ("/fr/accounts/login/", "fr", "Mot de passe"),
    ],
)
def test_the_address_says_the_language_and_html_lang_follows(seeded, client, path, lang, words):
    response = client.get(path)

    assert response.status_code == 200
    assert html_lang(response) == lang
    assert words in response.content.decode()


def test_a_french_page_that_does_not_exist_is_a_french_404(seeded, client):
    response = client.get("/fr/no-such-page/")

    assert response.status_code == 404
    assert html_lang(response) == "fr"


def test_a_browser_that_prefers_french_is_sent_to_french_pages_on_its_first_visit(seeded):
    response = Client(headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}).get(
        "/season/1/?sort=liked"
    )

    assert response.status_code == 302
    assert response["Location"] == "/fr/season/1/?sort=liked"
    assert {"Accept-Language", "Cookie"} <= {v.strip() for v in response["Vary"].split(",")}


def test_a_browser_that_prefers_english_stays_where_it_is(seeded):
    response = Client(headers={"Accept-Language": "en-GB,en;q=0.9"}).get("/season/1/")

    assert response.status_code == 200
    assert html_lang(response) == "en"
    assert "Accept-Language" in response["Vary"]


def test_machines_addresses_are_never_redirected_by_language(seeded):
    french = Client(headers={"Accept-Language": "fr"})
    for path in ["/api/v1/show", "/feeds/reviews/", "/sitemap.xml", "/robots.txt", "/healthz"]:
        assert french.get(path).status_code == 200, path


def test_the_switcher_shows_the_same_page_in_the_other_language_and_remembers(seeded):
    browser = Client(headers={"Accept-Language": "fr"})
    french_page = browser.get("/fr/season/1/episode/3/").content.decode()
    link = re.search(r'<a href="([^"]+)" lang="en" hreflang="en"[^>]*>English</a>', french_page)
    assert link, "the French page offers English"

    response = browser.get(link.group(1).replace("&amp;", "&"))

    assert response.status_code == 302
    assert response["Location"] == "/season/1/episode/3/"
    assert response.cookies[COOKIE].value == "en"
    # The cookie now outranks the browser's French: the English page stays English.
    english = browser.get("/season/1/episode/3/")
    assert english.status_code == 200
    assert html_lang(english) == "en"
    assert 'lang="fr" hreflang="fr"' in english.content.decode()


def test_a_reader_who_chose_french_is_sent_back_to_french_from_an_english_link(seeded):
    browser = Client()
    browser.get("/language/fr/?" + urlencode({"next": "/"}))

    response = browser.get("/season/1/")

    assert response.status_code == 302
    assert response["Location"] == "/fr/season/1/"


def test_an_unknown_language_is_a_404(seeded, client):
    assert client.get("/language/de/?next=/").status_code == 404


def test_public_pages_name_both_versions_for_search_engines(seeded, client):
    page = client.get("/fr/season/1/").content.decode()

    assert '<link rel="canonical" href="http://testserver/fr/season/1/">' in page
    assert '<link rel="alternate" hreflang="en" href="http://testserver/season/1/">' in page
    assert '<link rel="alternate" hreflang="fr" href="http://testserver/fr/season/1/">' in page
    assert '<link rel="alternate" hreflang="x-default" href="http://testserver/season/1/">' in page


def test_the_sitemap_lists_both_languages_as_alternates(seeded, client):
    sitemap = client.get("/sitemap.xml").content.decode()

    assert "<loc>http://testserver/fr/season/1/episode/3/</loc>" in sitemap
    assert 'hreflang="fr" href="http://testserver/fr/season/1/episode/3/"' in sitemap


def test_ratings_read_as_each_language_writes_them(seeded, client, settings):
    from django.utils import translation

    with translation.override("fr"):
        # French sets a non-breaking space between a number and its unit.
        assert [stars_label(s) for s in (1, 2, 7, 10)] == [
            "0,5\xa0étoile",
            "1\xa0étoile",
            "3,5\xa0étoiles",
            "5\xa0étoiles",
        ]
    assert [stars_label(s) for s in (1, 7)] == ["½ star", "3½ stars"]


def test_an_episode_page_in_french_shows_the_average_and_dates_the_french_way(seeded, client):
    from catalog.models import Episode

    episode = Episode.objects.get(season__number=1, number=3)
    for index, score in enumerate([7, 8, 8]):
        member = make_member(f"m{index}@example.com")
        services.rating_set(member=member, episode=episode, score=score)

    english = client.get("/season/1/episode/3/").content.decode()
    french = client.get("/fr/season/1/episode/3/").content.decode()

    assert "3.8" in english
    assert "3,8" in french
    assert "24 avril 2025" in client.get("/fr/season/1/").content.decode()


def test_visitors_pages_are_cached_apart_per_language(seeded, settings):
    settings.VISITOR_PAGE_CACHE_SECONDS = 300
    visitor = Client()

    english = visitor.get("/season/1/")
    french = visitor.get("/fr/season/1/")
    again = visitor.get("/season/1/")

    assert html_lang(english) == "en" and html_lang(again) == "en"
    assert html_lang(french) == "fr"


def po_entries(path) -> list[tuple[str, str, bool]]:
    """(msgid, first msgstr, fuzzy) for each entry of a .po file, header left out."""
    entries, fuzzy, field, values = [], False, None, {}

    def close():
        if values.get("msgid"):
            entries.append((values.get("msgctxt"), values["msgid"], values.get("msgstr"), fuzzy))

    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            close()
            fuzzy, field, values = False, None, {}
        elif line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith(("msgctxt", "msgid_plural", "msgid", "msgstr")):
            field, _, text = line.partition(" ")
            field = "msgstr" if field.startswith("msgstr") else field
            if field == "msgstr" and "msgstr" in values:
                field = "msgstr_more"
            values[field] = text.strip()[1:-1]
        elif line.startswith('"') and field:
            values[field] = values.get(field, "") + line[1:-1]
    return entries


def test_the_french_catalogue_is_complete_and_compiled():
    import gettext

    po = settings.BASE_DIR / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    entries = po_entries(po)
    assert len(entries) > 600
    assert not [e for e in entries if e[3]], "fuzzy entries left"
    assert not [e[1] for e in entries if not e[2]], "untranslated entries"
    # The committed .mo is the .po compiled: a fresh clone needs no gettext tools.
    with open(po.with_suffix(".mo"), "rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    for context, msgid, msgstr, _fuzzy in entries:
        msgid = msgid.encode().decode("unicode_escape").encode("latin-1").decode()
        found = (
            catalogue.pgettext(
                context.encode().decode("unicode_escape").encode("latin-1").decode(), msgid
            )
            if context
            else catalogue.gettext(msgid)
        )
        assert found != msgid or msgstr == msgid, f"{msgid!r} is not in the compiled catalogue"
