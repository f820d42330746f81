"""Every image an admin adds names its credit and its licence or permission: the admin
refuses one without them, pages show them as a caption, and the seed adds none."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalog.models import Episode, Person, Show
from tests.pages import admin_url, form_post_data, text_of

pytestmark = pytest.mark.django_db

CREDIT = "Jane Doe / Agence Lumière"
LICENCE = "Used with permission of Prime Video"


def jpeg() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 640), (120, 40, 90)).save(buffer, "JPEG")
    return SimpleUploadedFile("image.jpg", buffer.getvalue(), "image/jpeg")


def post_image(client, obj, field: str, **credits):
    model = type(obj)._meta.model_name
    url = admin_url("catalog", model, "change", obj.pk)
    data = form_post_data(client.get(url))
    data.update(credits)
    data[field] = jpeg()
    return client.post(url, data)


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("credit", "Name who made this image (the photographer and agency, say) before adding it."),
        ("licence", "Give the licence of this image, or the permission we have to show it."),
    ],
)
def test_the_admin_refuses_a_headshot_without_its_credit_or_licence(
    admin_client, seeded, missing, message
):
    person = Person.objects.get(slug="kelly-bishop")
    given = {"headshot_credit": CREDIT, "headshot_licence": LICENCE}
    given[f"headshot_{missing}"] = ""
    response = post_image(admin_client, person, "headshot", **given)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors[f"headshot_{missing}"] == [message]
    person.refresh_from_db()
    assert not person.headshot


@pytest.mark.parametrize(
    ("get", "field", "page"),
    [
        (lambda: Show.objects.get(), "poster", "/"),
        (lambda: Episode.objects.get(season__number=1, number=3), "still", "/season/1/episode/3/"),
        (lambda: Person.objects.get(slug="kelly-bishop"), "headshot", "/people/kelly-bishop/"),
    ],
    ids=["poster", "still", "headshot"],
)
def test_an_image_with_its_credit_is_shown_with_it_as_a_caption(
    admin_client, client, seeded, get, field, page
):
    obj = get()
    response = post_image(
        admin_client, obj, field, **{f"{field}_credit": CREDIT, f"{field}_licence": LICENCE}
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    html = client.get(page).content.decode()
    caption = f'<figcaption class="image-credit">Image: {CREDIT} · {LICENCE}</figcaption>'
    assert caption in html
    assert html.index(f"frame--{field}") < html.index(caption)


def test_the_french_caption_is_french(admin_client, client, seeded):
    person = Person.objects.get(slug="kelly-bishop")
    post_image(admin_client, person, "headshot", headshot_credit=CREDIT, headshot_licence=LICENCE)
    assert f"Image : {CREDIT} · {LICENCE}" in text_of(client.get("/fr/people/kelly-bishop/"))


def test_the_seed_adds_no_image_and_no_credit(seeded):
    for model, field in [(Show, "poster"), (Episode, "still"), (Person, "headshot")]:
        assert not model.objects.exclude(**{field: ""}).exists()
        assert not model.objects.exclude(**{f"{field}_credit": ""}).exists()
        assert not model.objects.exclude(**{f"{field}_licence": ""}).exists()
