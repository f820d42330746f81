"""An editor chooses where an image's crops centre: the renditions the pages show are cut
around that point (server-side, as the CSP allows no inline styles), the admin previews the
crop, and moving the point re-crops the image already stored."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalog.models import Person
from tests.pages import admin_url, form_post_data, page_of

pytestmark = pytest.mark.django_db

RED, GREEN, BLUE = (220, 0, 0), (0, 200, 0), (0, 0, 220)


def three_stripes() -> bytes:
    """A wide picture: red on the left, green in the middle, blue on the right."""
    image = Image.new("RGB", (300, 100), GREEN)
    image.paste(RED, (0, 0, 100, 100))
    image.paste(BLUE, (200, 0, 300, 100))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def person(db):
    return Person.objects.create(name="Ada Dancer", slug="ada-dancer", about="First soloist.")


def change_url(person) -> str:
    return admin_url("catalog", "person", "change", person.pk)


def save(client, person, **changes):
    data = form_post_data(client.get(change_url(person)))
    data.update(headshot_credit="Jane Doe / Agence", headshot_licence="CC BY 4.0")
    data.update(changes)
    return client.post(change_url(person), data)


def colour_of_headshot(media_root, person) -> tuple[int, int, int]:
    """The colour at the centre of the square headshot the pages show."""
    with Image.open(media_root / person.headshot_renditions["jpg"]["160"]) as rendition:
        return rendition.convert("RGB").getpixel((80, 80))


def close_to(colour, expected) -> bool:
    return all(abs(a - b) < 40 for a, b in zip(colour, expected, strict=True))


def test_the_crop_centres_on_the_middle_by_default(admin_client, person, media_root):
    save(admin_client, person, headshot=SimpleUploadedFile("ada.png", three_stripes()))

    person.refresh_from_db()
    assert person.image_focus == (50, 50)
    assert close_to(colour_of_headshot(media_root, person), GREEN)


def test_a_focal_point_on_the_left_keeps_the_left_in_the_square(admin_client, person, media_root):
    response = save(
        admin_client,
        person,
        headshot=SimpleUploadedFile("ada.png", three_stripes()),
        image_focus_x="0",
    )

    assert response.status_code == 302
    person.refresh_from_db()
    assert close_to(colour_of_headshot(media_root, person), RED)


def test_moving_the_focal_point_re_crops_the_stored_image(
    admin_client, person, media_root, django_capture_on_commit_callbacks
):
    save(admin_client, person, headshot=SimpleUploadedFile("ada.png", three_stripes()))
    person.refresh_from_db()
    image_name = person.headshot.name
    old_renditions = [n for widths in person.headshot_renditions.values() for n in widths.values()]

    with django_capture_on_commit_callbacks(execute=True):
        response = save(admin_client, person, image_focus_x="100")

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.headshot.name == image_name
    assert (media_root / image_name).exists(), "the image itself is kept"
    assert close_to(colour_of_headshot(media_root, person), BLUE)
    assert not any((media_root / name).exists() for name in old_renditions)


def test_the_change_form_previews_the_crop_at_the_site_s_size(admin_client, person):
    save(
        admin_client,
        person,
        headshot=SimpleUploadedFile("ada.png", three_stripes()),
        image_focus_x="0",
    )
    person.refresh_from_db()

    content = admin_client.get(change_url(person)).content.decode()

    crop = person.headshot_renditions["jpg"]["160"]
    assert f'<img src="/media/{crop}" alt="" width="160" height="160">' in content
    assert "Cropped to 1:1 around the focal point" in content
    assert 'name="image_focus_x"' in content and 'name="image_focus_y"' in content


def test_the_person_page_shows_the_crop_around_the_focal_point(client, admin_client, person):
    save(
        admin_client,
        person,
        headshot=SimpleUploadedFile("ada.png", three_stripes()),
        image_focus_x="0",
    )
    person.refresh_from_db()

    page = client.get(person.get_absolute_url()).content.decode()

    assert person.headshot_renditions["jpg"]["160"] in page
    assert "-at-0-50-" in person.headshot_renditions["jpg"]["160"]


@pytest.mark.parametrize("value", ["101", "-5", "left"])
def test_a_focal_point_outside_the_image_is_refused_with_a_message(admin_client, person, value):
    response = save(admin_client, person, image_focus_x=value)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["image_focus_x"]
    person.refresh_from_db()
    assert person.image_focus_x == 50


def test_the_preview_carries_what_its_script_needs_to_follow_the_numbers(admin_client, person):
    save(admin_client, person, headshot=SimpleUploadedFile("ada.png", three_stripes()))
    person.refresh_from_db()

    page = page_of(admin_client.get(change_url(person)))

    preview = page.find("div", class_="focal-preview")
    assert preview.attrs["data-source"] == f"/media/{person.headshot.name}"
    assert (preview.attrs["data-width"], preview.attrs["data-height"]) == ("160", "160")
    assert "as you change it" in preview.attrs["data-live-note"]
    # The script comes from the site's own files (no inline script under the CSP).
    scripts = [node.attrs.get("src", "") for node in page.find_all("script")]
    assert any(src.endswith("/js/focal-point.js") for src in scripts)
