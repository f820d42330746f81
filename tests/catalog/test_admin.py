"""The admin as editors use it: every page opens, curation, edits the seed keeps, permissions,
bounded queries, and image uploads that are cleaned before anything is stored."""

import io
import mimetypes

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import escape
from PIL import ExifTags, Image

from catalog.models import Character, Citation, Credit, Episode, Person, Show, Source
from tests.factories import fill_in_episode, staff_group
from tests.pages import admin_url, form_post_data

EDITOR_PASSWORD = "an editor's long passphrase"

ADMIN_MODELS = [
    ("catalog", "show"),
    ("catalog", "season"),
    ("catalog", "episode"),
    ("catalog", "person"),
    ("catalog", "character"),
    ("catalog", "credit"),
    ("catalog", "source"),
    ("catalog", "citation"),
    ("etoile_app", "user"),
    ("auth", "group"),
]
ADDABLE_MODELS = [model for model in ADMIN_MODELS if model != ("catalog", "citation")]


def stored_files(media_root) -> list:
    return [path for path in media_root.rglob("*") if path.is_file()] if media_root.exists() else []


def placeholder_episode(number: int) -> Episode:
    return Episode.objects.get(season__number=1, number=number)


# Every admin page opens ---------------------------------------------------------------------


@pytest.mark.parametrize(("app_label", "model_name"), ADMIN_MODELS)
def test_superuser_can_open_every_changelist(seeded, admin_client, app_label, model_name):
    response = admin_client.get(admin_url(app_label, model_name, "changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


@pytest.mark.parametrize(("app_label", "model_name"), ADMIN_MODELS)
def test_superuser_can_open_the_change_form_of_a_seeded_record(
    seeded, admin_client, app_label, model_name
):
    record = apps.get_model(app_label, model_name)._default_manager.order_by("pk").first()

    response = admin_client.get(admin_url(app_label, model_name, "change", record.pk))

    assert response.status_code == 200
    assert response.context["original"] == record


@pytest.mark.parametrize(("app_label", "model_name"), ADDABLE_MODELS)
def test_superuser_can_open_every_add_form(db, admin_client, app_label, model_name):
    response = admin_client.get(admin_url(app_label, model_name, "add"))

    assert response.status_code == 200
    assert response.context["add"] is True


def test_citation_change_view_shows_the_quote_read_only(seeded, admin_client):
    citation = Citation.objects.order_by("pk").first()

    response = admin_client.get(admin_url("catalog", "citation", "change", citation.pk))

    assert response.status_code == 200
    content = response.content.decode()
    assert escape(citation.quote) in content
    assert 'name="_save"' not in content
    assert 'name="quote"' not in content


def test_citations_cannot_be_added_even_by_a_superuser(seeded, admin_client):
    assert admin_client.get(admin_url("catalog", "citation", "add")).status_code == 403


# Curation -----------------------------------------------------------------------------------


def test_awaiting_curation_filter_lists_the_eight_placeholder_episodes(seeded, admin_client):
    response = admin_client.get(
        admin_url("catalog", "episode", "changelist"), {"awaiting_curation__exact": "1"}
    )

    assert response.status_code == 200
    listed = response.context["cl"].result_list
    assert sorted(episode.number for episode in listed) == list(range(1, 9))
    assert "8 episodes" in response.content.decode()


def test_marking_an_episode_curated_removes_it_from_the_awaiting_list(seeded, admin_client):
    url = admin_url("catalog", "episode", "changelist") + "?awaiting_curation__exact=1"
    third = fill_in_episode(placeholder_episode(3))

    response = admin_client.post(
        url,
        {"action": "mark_curated", "_selected_action": [third.pk], "index": "0"},
        follow=True,
    )

    assert response.status_code == 200
    assert "1 record marked as curated." in response.content.decode()
    listed = response.context["cl"].result_list
    assert sorted(episode.number for episode in listed) == [1, 2, 4, 5, 6, 7, 8]
    third.refresh_from_db()
    assert third.awaiting_curation is False


# Admin edits survive a re-seed ---------------------------------------------------------------


def test_episode_title_edited_in_admin_survives_reseeding(seeded, admin_client):
    episode = placeholder_episode(3)
    url = admin_url("catalog", "episode", "change", episode.pk)
    data = form_post_data(admin_client.get(url))
    data["title"] = "Le Sacre"

    response = admin_client.post(url, data)

    assert response.status_code == 302
    episode.refresh_from_db()
    assert episode.title == "Le Sacre"

    call_command("seed_etoile", stdout=io.StringIO())

    episode.refresh_from_db()
    assert episode.title == "Le Sacre"


def test_person_about_edited_in_admin_survives_reseeding(seeded, admin_client):
    person = Person.objects.get(slug="luke-kirby")
    url = admin_url("catalog", "person", "change", person.pk)
    data = form_post_data(admin_client.get(url))
    data["about"] = "Plays Jack, who runs the New York company."

    response = admin_client.post(url, data)

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.about == "Plays Jack, who runs the New York company."

    output = io.StringIO()
    call_command("seed_etoile", stdout=output)

    person.refresh_from_db()
    assert person.about == "Plays Jack, who runs the New York company."
    assert "kept admin edit  person luke-kirby.about" in output.getvalue()


# Editors and members -------------------------------------------------------------------------


@pytest.fixture
def editor(db, django_user_model):
    user = django_user_model.objects.create_user(
        email="editor@example.com", password=EDITOR_PASSWORD, is_staff=True
    )
    user.groups.add(staff_group("Editors"))
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def test_editors_group_is_created_by_migrations_with_catalog_permissions(db):
    editors = staff_group("Editors")
    codenames = set(editors.permissions.values_list("codename", flat=True))

    assert {"change_episode", "add_person", "delete_credit", "view_citation"} <= codenames
    # Editors cite what they add (on the record's page) but never rewrite a citation.
    assert "add_citation" in codenames
    assert not {"change_citation", "delete_citation"} & codenames
    # And the staff history ("admin", view_logentry), which shows them the catalog's entries.
    assert set(editors.permissions.values_list("content_type__app_label", flat=True)) == {
        "catalog",
        "admin",
    }


def test_editor_can_open_and_change_an_episode(seeded, editor_client):
    episode = placeholder_episode(2)
    url = admin_url("catalog", "episode", "change", episode.pk)
    page = editor_client.get(url)
    assert page.status_code == 200
    data = form_post_data(page)
    data["title"] = "Les Répétitions"
    data["runtime_minutes"] = "52"

    response = editor_client.post(url, data)

    assert response.status_code == 302
    episode.refresh_from_db()
    assert (episode.title, episode.runtime_minutes) == ("Les Répétitions", 52)


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:etoile_app_user_changelist"),
        reverse("admin:auth_group_changelist"),
        reverse("admin:etoile_app_user_add"),
    ],
)
def test_editor_cannot_manage_members_or_groups(editor_client, url):
    assert editor_client.get(url).status_code == 403


def test_editor_can_read_citations_but_not_add_or_change_them(seeded, editor_client):
    citation = Citation.objects.order_by("pk").first()
    change_url = admin_url("catalog", "citation", "change", citation.pk)

    assert editor_client.get(admin_url("catalog", "citation", "changelist")).status_code == 200
    assert editor_client.get(change_url).status_code == 200
    assert editor_client.get(admin_url("catalog", "citation", "add")).status_code == 403
    response = editor_client.post(change_url, {"quote": "Invented words.", "_save": "Save"})
    assert response.status_code == 403
    citation.refresh_from_db()
    assert citation.quote != "Invented words."


def test_member_who_is_not_staff_is_refused_the_admin(client, django_user_model):
    member = django_user_model.objects.create_user(email="fan@example.com", password="x" * 20)
    client.force_login(member)

    response = client.get("/admin/", follow=True)

    # allauth's secure_admin_login refuses a signed-in member who is not staff outright.
    assert response.status_code == 403
    shown = {template.name for template in response.templates}
    assert "admin/index.html" not in shown and "admin/login.html" not in shown


def test_anonymous_visitor_signs_in_to_the_admin_through_allauth(client, db):
    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[0] == (f"{reverse('admin:login')}?next=/admin/", 302)
    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))
    assert "account/login.html" in {template.name for template in response.templates}


# Query counts -------------------------------------------------------------------------------


@pytest.fixture
def catalog_rows(empty_catalog):
    """Make `count` people, each with a credit (cast as a character, or crew) and an article
    cited for both the person and the credit."""

    def make(count: int) -> None:
        show = Show.objects.create(title="Étoile", slug="etoile")
        people = Person.objects.bulk_create(
            Person(name=f"Dancer {index:03d}", slug=f"dancer-{index:03d}") for index in range(count)
        )
        characters = Character.objects.bulk_create(
            Character(show=show, name=f"Role {index:03d}", slug=f"role-{index:03d}")
            for index in range(0, count, 2)
        )
        credits = Credit.objects.bulk_create(
            Credit(
                show=show,
                person=person,
                role=Credit.Role.CAST if index % 2 == 0 else Credit.Role.WRITER,
                character=characters[index // 2] if index % 2 == 0 else None,
                billing_order=index,
            )
            for index, person in enumerate(people)
        )
        sources = Source.objects.bulk_create(
            Source(key=f"article-{index:03d}", headline=f"Article {index}")
            for index in range(count)
        )
        Citation.objects.bulk_create(
            Citation(
                source=source,
                content_type=ContentType.objects.get_for_model(cited),
                object_id=cited.pk,
                quote=f"{person.name} joins the company.",
            )
            for source, person, credit in zip(sources, people, credits, strict=True)
            for cited in (person, credit)
        )

    return make


# Measured on the first page (100 rows) with people and credits on it; the bound must not
# depend on how many rows there are. Citations: one query per cited model on the page.
CHANGELIST_QUERY_BOUNDS = {"person": 7, "credit": 6, "citation": 9}


@pytest.mark.parametrize("rows", [3, 300])
@pytest.mark.parametrize("model_name", sorted(CHANGELIST_QUERY_BOUNDS))
def test_changelist_query_count_does_not_grow_with_rows(
    admin_client, catalog_rows, django_assert_max_num_queries, model_name, rows
):
    catalog_rows(rows)
    url = admin_url("catalog", model_name, "changelist")
    admin_client.get(url)  # warm per-process caches (content types), as on a running site

    with django_assert_max_num_queries(CHANGELIST_QUERY_BOUNDS[model_name]):
        response = admin_client.get(url)

    assert response.status_code == 200
    assert response.context["cl"].result_count == rows * (2 if model_name == "citation" else 1)


# Image uploads ------------------------------------------------------------------------------


def sideways_jpeg_with_gps() -> bytes:
    """A 40×20 camera JPEG whose EXIF says "turn 90° clockwise" and where it was taken.
    The left half is red, the right half blue, so the turn can be seen."""
    image = Image.new("RGB", (40, 20), (0, 0, 220))
    image.paste((220, 0, 0), (0, 0, 20, 20))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (48.0, 52.0, 18.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=95)
    with Image.open(buffer) as check:
        assert check.getexif().get_ifd(ExifTags.IFD.GPSInfo), "the source must carry GPS data"
    return buffer.getvalue()


def png_bytes(size=(20, 20)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 60)).save(buffer, "PNG")
    return buffer.getvalue()


def gif_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 120, 60)).save(buffer, "GIF")
    return buffer.getvalue()


@pytest.fixture
def person(db):
    return Person.objects.create(name="Ada Dancer", slug="ada-dancer", about="First soloist.")


def post_headshot(client, person, upload, **changes):
    url = admin_url("catalog", "person", "change", person.pk)
    data = form_post_data(client.get(url))
    # Every image names its credit and licence (CreditedImages); tests may override them.
    data.update(headshot_credit="Jane Doe / Agence", headshot_licence="CC BY 4.0")
    data.update(changes, headshot=upload)
    return client.post(url, data)


def test_upload_with_gps_data_is_stored_without_it_and_upright(admin_client, person, media_root):
    upload = SimpleUploadedFile("IMG_1234.jpg", sideways_jpeg_with_gps(), "image/jpeg")

    response = post_headshot(admin_client, person, upload)

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.headshot.name.startswith("headshots/")
    with Image.open(media_root / person.headshot.name) as stored:
        assert not stored.getexif()
        assert stored.size == (20, 40)
        red, _green, blue = stored.getpixel((10, 5))
        assert red > 150 and blue < 80, "the red left half must now be at the top"


def test_uploaded_headshot_gets_webp_and_jpeg_renditions(admin_client, person, media_root):
    upload = SimpleUploadedFile("IMG_1234.jpg", sideways_jpeg_with_gps(), "image/jpeg")

    post_headshot(admin_client, person, upload)

    person.refresh_from_db()
    renditions = person.headshot_renditions
    assert set(renditions) == {"webp", "jpg"}
    for extension, pil_format in (("webp", "WEBP"), ("jpg", "JPEG")):
        assert set(renditions[extension]) == {"160", "320"}
        for width, name in renditions[extension].items():
            with Image.open(media_root / name) as rendition:
                assert rendition.format == pil_format
                assert rendition.size == (int(width), int(width))


def test_change_page_previews_the_uploaded_headshot(admin_client, person):
    post_headshot(admin_client, person, SimpleUploadedFile("a.jpg", sideways_jpeg_with_gps()))
    person.refresh_from_db()

    response = admin_client.get(admin_url("catalog", "person", "change", person.pk))

    preview = f'<img src="/media/{person.headshot_renditions["jpg"]["160"]}"'
    assert preview in response.content.decode()


@pytest.mark.parametrize(
    ("file_name", "content", "message"),
    [
        ("notes.png", b"Remember to book the rehearsal room.", "This file is not an image"),
        ("dance.gif", gif_bytes(), "Only JPEG, PNG and WebP images are accepted."),
        ("huge.png", png_bytes(size=(20, 20)), "This image is 20 × 20 pixels"),
    ],
    ids=["text-named-png", "gif", "over-pixel-cap"],
)
def test_bad_upload_re_renders_the_form_with_an_error_and_stores_nothing(
    admin_client, person, media_root, settings, file_name, content, message
):
    settings.MAX_IMAGE_PIXELS = 100
    before = Person.objects.values().get(pk=person.pk)

    response = post_headshot(
        admin_client,
        person,
        SimpleUploadedFile(file_name, content, mimetypes.guess_type(file_name)[0]),
        about="Principal dancer.",
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["adminform"].form.errors["headshot"]
    assert stored_files(media_root) == []
    assert Person.objects.values().get(pk=person.pk) == before
