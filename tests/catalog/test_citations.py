"""Citations readers and editors can use: facts named by their labels (in English and
French), the article one click away when its address is known, and editors citing what they
add from the record's admin page."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils.html import escape

from catalog.models import Citation, Episode, Source
from tests.factories import staff_group
from tests.pages import admin_url, form_post_data, text_of

pytestmark = pytest.mark.django_db

ARTICLE_URL = "https://example.org/etoile-binge-watch?ref=<b>&x=1"
EDITOR_QUOTE = "Episode two opens on the Paris stage."


@pytest.fixture
def editor_client(client, django_user_model):
    editor = django_user_model.objects.create_user(
        email="citing.editor@example.com", password="an editor's long passphrase", is_staff=True
    )
    editor.groups.add(staff_group("Editors"))
    client.force_login(editor)
    return client


def citation_post(page, *, source: Source, fact: str, quote: str) -> dict:
    """The record's admin form as sent back with one new citation row filled in."""
    data = form_post_data(page)
    formset = next(
        inline.formset
        for inline in page.context["inline_admin_formsets"]
        if inline.formset.model is Citation
    )
    prefix = formset.prefix
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    data.update(
        {
            f"{prefix}-{index}-source": str(source.pk),
            f"{prefix}-{index}-fact": fact,
            f"{prefix}-{index}-quote": quote,
            f"{prefix}-{index}-note": "",
        }
    )
    return data


# Labels, never field names --------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/sources/"])
def test_show_facts_are_cited_by_their_labels_not_their_field_names(client, seeded, url):
    text = text_of(client.get(url))

    assert "New York premiere" in text
    assert "New york premiere" not in text
    for raw in ["new_york_premiere_date", "new_york_premiere_venue", "theme_song_note"]:
        assert raw not in text


def test_show_page_has_its_sources_before_its_credits(client, seeded):
    html = client.get("/").content.decode()

    sources = html.index('id="citations-heading"')
    assert html.index('href="#sources"') < sources < html.index('id="cast-heading"')
    premiere = seeded.citations.get(field="new_york_premiere_date")
    assert escape(premiere.quote) in html[sources:]
    # In the order the page lists the facts, each label once above its quotes.
    labels = [
        f'<p class="citation__field">{label}</p>'
        for label in ["Title", "Network", "Premiere date", "New York premiere"]
    ]
    assert all(html.count(label) == 1 for label in labels)
    assert sorted(labels, key=html.index) == labels


@pytest.mark.parametrize(
    ("url", "label", "raw"),
    [
        ("/people/daniel-palladino/", "Also known as", "also_known_as"),
        ("/characters/cheyenne/", "Description", "description_fr"),
        ("/sources/", "Also known as", "also_known_as"),
    ],
)
def test_person_and_character_pages_cite_by_label(client, seeded, url, label, raw):
    text = text_of(client.get(url))

    assert label in text
    assert raw not in text


def test_french_readers_see_french_labels(client, seeded):
    html = client.get("/fr/").content.decode()
    text = text_of(html)

    assert "D’où viennent ces informations" in text
    assert '<p class="citation__field">Avant-première à New York</p>' in html
    assert '<p class="citation__field">New York premiere</p>' not in html
    sources = text_of(client.get("/fr/sources/"))
    assert "Lieu de l’avant-première à New York" in sources
    assert "new_york_premiere_venue" not in sources


def test_admin_shows_citation_facts_by_label(seeded, admin_client):
    show_page = admin_client.get(admin_url("catalog", "show", "change", seeded.pk))
    changelist = admin_client.get(admin_url("catalog", "citation", "changelist"))

    for page in (show_page, changelist):
        text = text_of(page)
        assert "New York premiere" in text
        assert "new_york_premiere_date" not in text
        assert "theme_song_note" not in text


# Following a citation to its article -----------------------------------------------------------


def test_citation_links_to_the_article_when_its_address_is_known(client, seeded):
    source = Source.objects.get(key="binge-watch")
    assert 'rel="noopener' not in client.get("/").content.decode()
    source.url = ARTICLE_URL
    source.save()

    for url in ["/", "/sources/", "/people/luke-kirby/"]:
        html = client.get(url).content.decode()
        assert (
            '<a class="citation__link" href="https://example.org/etoile-binge-watch?ref=&lt;b&gt;&amp;x=1" '
            'rel="noopener noreferrer">'
            in html
            or url == "/sources/"
        ), url
        assert "<b>" not in html
        assert 'href="https://example.org/etoile-binge-watch' in html


def test_source_address_must_be_http_or_https(seeded):
    source = Source.objects.get(key="binge-watch")
    for address in ["javascript:alert(1)", "ftp://example.org/article.txt"]:
        source.url = address
        with pytest.raises(ValidationError) as error:
            source.full_clean()
        assert "url" in error.value.message_dict


def test_editor_fills_a_sources_address_date_and_publication(seeded, editor_client):
    source = Source.objects.get(key="binge-watch")
    url = admin_url("catalog", "source", "change", source.pk)
    data = form_post_data(editor_client.get(url))
    data.update(url="https://example.org/binge", published_on="2025-05-02", publication="Hello!")

    assert editor_client.post(url, data).status_code == 302

    source.refresh_from_db()
    assert (source.url, source.published_on.isoformat(), source.publication) == (
        "https://example.org/binge",
        "2025-05-02",
        "Hello!",
    )


def test_sources_api_returns_the_address_date_headline_and_publication(client, seeded):
    Source.objects.filter(key="binge-watch").update(url=ARTICLE_URL)

    sources = {item["key"]: item for item in client.get("/api/v1/sources").json()["results"]}

    assert sources["binge-watch"]["url"] == ARTICLE_URL
    assert sources["us-weekly-theme-song"]["publication"] == "Us Weekly"
    assert {"headline", "published_on"} <= set(sources["binge-watch"])


# Editors cite what they add -----------------------------------------------------------------


def test_editor_cites_a_fact_they_add_and_readers_see_it(seeded, editor_client, client):
    episode = Episode.objects.get(season__number=1, number=2)
    url = admin_url("catalog", "episode", "change", episode.pk)
    page = editor_client.get(url)
    assert "Runtime (minutes)" in text_of(page)  # the fact is chosen by its label
    data = citation_post(
        page,
        source=Source.objects.get(key="binge-watch"),
        fact="runtime_minutes",
        quote=EDITOR_QUOTE,
    )
    data["runtime_minutes"] = "52"

    response = editor_client.post(url, data)

    assert response.status_code == 302, response.context["errors"] if response.context else ""
    citation = Citation.objects.get(quote=EDITOR_QUOTE)
    assert (citation.content_object, citation.field, citation.from_seed) == (
        episode,
        "runtime_minutes",
        False,
    )
    text = text_of(client.get(episode.get_absolute_url()))
    assert EDITOR_QUOTE in text
    assert "Runtime (minutes)" in text

    # The citation vouches for the 52 it was saved with: changed later, the runtime is the
    # editors', and the quote no longer stands beside it.
    assert citation.seeded_value == 52
    Episode.objects.filter(pk=episode.pk).update(runtime_minutes=53)
    text = text_of(client.get(episode.get_absolute_url()))
    assert EDITOR_QUOTE not in text
    assert "Edited by the site’s editors" in text


def test_editor_citation_needs_a_quote_and_a_fact_of_that_record(seeded, editor_client):
    url = admin_url("catalog", "show", "change", seeded.pk)
    page = editor_client.get(url)
    source = Source.objects.get(key="binge-watch")
    before = Citation.objects.count()

    no_quote = editor_client.post(url, citation_post(page, source=source, fact="genre", quote=" "))
    foreign_field = editor_client.post(
        url, citation_post(page, source=source, fact="runtime_minutes", quote=EDITOR_QUOTE)
    )

    assert no_quote.status_code == foreign_field.status_code == 200
    assert "This field is required." in text_of(no_quote)
    assert "Select a valid choice." in text_of(foreign_field)
    assert Citation.objects.count() == before


def test_editor_cannot_cite_the_same_sentence_twice(seeded, editor_client):
    url = admin_url("catalog", "show", "change", seeded.pk)
    seeded_citation = Citation.objects.filter(
        content_type=ContentType.objects.get_for_model(seeded), field="genre"
    ).first()
    page = editor_client.get(url)

    response = editor_client.post(
        url,
        citation_post(
            page, source=seeded_citation.source, fact="genre", quote=seeded_citation.quote
        ),
    )

    assert response.status_code == 200
    assert "This record already cites this sentence for this fact." in text_of(response)


def test_editor_cannot_rewrite_or_delete_the_seeds_citations(seeded, editor_client):
    citation = Citation.objects.filter(from_seed=True).first()

    assert editor_client.get(admin_url("catalog", "citation", "add")).status_code == 403
    assert (
        editor_client.post(
            admin_url("catalog", "citation", "delete", citation.pk), {"post": "yes"}
        ).status_code
        == 403
    )
    assert Citation.objects.filter(pk=citation.pk).exists()


def test_reseeding_keeps_an_editors_citation(seeded, editor_client):
    url = admin_url("catalog", "show", "change", seeded.pk)
    data = citation_post(
        editor_client.get(url),
        source=Source.objects.get(key="us-weekly-theme-song"),
        fact="theme_song_note",
        quote="It is a fabulous song.",
    )
    assert editor_client.post(url, data).status_code == 302

    call_command("seed_etoile", verbosity=0)

    assert Citation.objects.filter(quote="It is a fabulous song.", from_seed=False).exists()


def test_superuser_can_delete_an_editors_citation_but_not_the_seeds(seeded, admin_client):
    source = Source.objects.get(key="binge-watch")
    mistaken = Citation.objects.create(
        source=source, content_object=seeded, field="genre", quote="A mistaken sentence."
    )
    seed_citation = Citation.objects.filter(from_seed=True).first()

    deleted = admin_client.post(
        admin_url("catalog", "citation", "delete", mistaken.pk), {"post": "yes"}
    )
    refused = admin_client.post(
        admin_url("catalog", "citation", "delete", seed_citation.pk), {"post": "yes"}
    )

    assert deleted.status_code == 302
    assert not Citation.objects.filter(pk=mistaken.pk).exists()
    assert refused.status_code == 403
    assert Citation.objects.filter(pk=seed_citation.pk).exists()
