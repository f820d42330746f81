"""Hostile uploads, end to end: the member's avatar (/me/avatar/) and the catalog's poster,
still and headshot (through the admin change form, as a superuser).

Each bad file — a decompression bomb, an SVG, a PDF renamed .png, a truncated image, a 50 MB
file — is refused with a message the uploader can act on, never a 500; nothing is written to
MEDIA_ROOT (nor left in the upload temp folder) and the image already in place is unchanged,
byte for byte. A valid file that is accepted is stored re-encoded: what was hidden after or
inside it (an HTML trailer, a JPEG comment, EXIF GPS in PNG and WebP) does not survive.

kernel.images.clean_upload itself is tested in tests/etoile_app/test_images.py, and the
avatar refusals of a member who already has one in tests/etoile_app/test_profiles.py; this file
covers what those leave open.
"""

import hashlib
import io
import os
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from PIL import ExifTags, Image, PngImagePlugin

from catalog.models import Episode, Person, Season, Show
from members.models import User
from tests.factories import empty_the_catalog, make_member
from tests.images import camera_exif, png_claiming
from tests.pages import admin_url, error_announced_for, form_post_data

pytestmark = pytest.mark.django_db

FIFTY_MEGABYTES = 50 * 1024 * 1024
HTML_TRAILER = b"<html><body><script>alert(document.cookie)</script></body></html>"

NOT_AN_IMAGE = "This file is not an image we can read. Upload a JPEG, PNG or WebP picture."
DAMAGED = "This image is damaged or incomplete. Please upload another copy."
TOO_MANY_PIXELS = "This image has too many pixels; the limit is 16 megapixels."
OVER_PIXEL_LIMIT = "This image is 5000 × 5000 pixels; the limit is 16 megapixels."
# Django's own ImageField message, which the admin's image fields answer with first.
DJANGO_INVALID_IMAGE = (
    "Upload a valid image. The file you uploaded was either not an image or a corrupted image."
)


def too_large(limit_mb: int) -> re.Pattern:
    # 50 MB and a small PNG, rounded up to the next tenth (kernel.images._megabytes).
    return re.compile(rf"This file is 50\.1 MB; images may be at most {limit_mb} MB\.")


def is_one_of(text: str, *expected: str | re.Pattern) -> bool:
    return any(
        want.fullmatch(text) if isinstance(want, re.Pattern) else want == text for want in expected
    )


# Pictures -----------------------------------------------------------------------------------


def image_bytes(image_format: str, size=(64, 48), color=(200, 40, 40), **save) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, image_format, **save)
    return buffer.getvalue()


def noisy_bytes(image_format: str, size=(96, 96)) -> bytes:
    """Random pixels: the pixel data, not the header, is most of the file."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(buffer, image_format)
    return buffer.getvalue()


def truncated(image_format: str) -> bytes:
    data = noisy_bytes(image_format)
    return data[: len(data) // 2]


def with_gps(image_format: str) -> bytes:
    """A PNG (eXIf chunk) or WebP (EXIF chunk) carrying where it was taken, and XMP."""
    xmp = '<x:xmpmeta xmlns:x="adobe:ns:meta/">secret-home-address</x:xmpmeta>'
    if image_format == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_itxt("XML:com.adobe.xmp", xmp)
        data = image_bytes(image_format, exif=camera_exif(), pnginfo=info)
    else:
        data = image_bytes(image_format, exif=camera_exif(), xmp=xmp.encode())
    with Image.open(io.BytesIO(data)) as check:
        assert check.getexif().get_ifd(ExifTags.IFD.GPSInfo), "the source must carry GPS data"
    assert b"PhoneCo" in data and b"secret-home-address" in data
    return data


def jpeg_with_html_comment() -> bytes:
    data = image_bytes("JPEG", comment=HTML_TRAILER)
    assert HTML_TRAILER in data
    return data


def fifty_megabyte_png() -> bytes:
    """A real PNG followed by 50 MB of nothing: readers stop at its end, so only the byte
    limit can refuse it. (The test client builds the request body in memory: two copies.)"""
    return image_bytes("PNG") + bytes(FIFTY_MEGABYTES)


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

# name, content, content type
BAD_FILES = {
    "decompression-bomb": ("bomb.png", lambda: png_claiming(50_000, 50_000), "image/png"),
    "over-pixel-limit": ("large.png", lambda: png_claiming(5_000, 5_000), "image/png"),
    "svg": ("logo.svg", lambda: SVG, "image/svg+xml"),
    "pdf-renamed-png": ("poster.png", lambda: PDF, "image/png"),
    "truncated-png": ("cut.png", lambda: truncated("PNG"), "image/png"),
    "truncated-jpeg": ("cut.jpg", lambda: truncated("JPEG"), "image/jpeg"),
    "fifty-megabytes": ("huge.png", fifty_megabyte_png, "image/png"),
}


def bad_upload(case: str) -> SimpleUploadedFile:
    name, content, content_type = BAD_FILES[case]
    return SimpleUploadedFile(name, content(), content_type)


# What is on disk ----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def upload_temp_dir(settings, tmp_path):
    """Uploads over FILE_UPLOAD_MAX_MEMORY_SIZE are spooled here while the request runs."""
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "upload-tmp")
    os.makedirs(settings.FILE_UPLOAD_TEMP_DIR)
    return tmp_path / "upload-tmp"


def files_in(root) -> dict[str, str]:
    """Every file under root, by relative path, with a digest of its bytes."""
    if not root.exists():
        return {}
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in root.rglob("*")
        if path.is_file()
    }


def assert_nothing_written(media_root, before: dict, upload_temp_dir) -> None:
    assert files_in(media_root) == before, "a refused upload must leave MEDIA_ROOT as it was"
    assert files_in(upload_temp_dir) == {}, "the spooled upload must not outlive the request"


def assert_re_encoded_without(stored: bytes, uploaded: bytes, *hidden: bytes) -> None:
    assert stored != uploaded, "the stored file must be re-encoded, not the uploaded bytes"
    for secret in hidden:
        assert secret not in stored


# Avatars ------------------------------------------------------------------------------------


@pytest.fixture
def member(client) -> User:
    user = make_member("giselle@example.com", "giselle", display_name="Giselle Willis")
    client.force_login(user)
    return user


@pytest.fixture
def member_with_avatar(client, member, django_capture_on_commit_callbacks) -> User:
    with django_capture_on_commit_callbacks(execute=True):
        response = post_avatar(client, SimpleUploadedFile("me.png", image_bytes("PNG")))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.avatar and member.avatar_renditions
    return member


def post_avatar(client, upload):
    return client.post(reverse("avatar-upload"), {"avatar": upload})


AVATAR_MESSAGES = {
    "decompression-bomb": TOO_MANY_PIXELS,
    "over-pixel-limit": OVER_PIXEL_LIMIT,
    "svg": NOT_AN_IMAGE,
    "pdf-renamed-png": NOT_AN_IMAGE,
    "truncated-png": DAMAGED,
    "truncated-jpeg": DAMAGED,
    "fifty-megabytes": too_large(5),
}


def assert_avatar_refused(response, case: str) -> None:
    assert response.status_code == 400
    announced = error_announced_for(response, "avatar")
    assert is_one_of(announced, AVATAR_MESSAGES[case]), announced
    assert escape(announced) in response.content.decode()


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_first_avatar_is_refused_and_nothing_at_all_is_stored(
    client, member, media_root, upload_temp_dir, django_capture_on_commit_callbacks, case
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_avatar(client, bad_upload(case))

    assert_avatar_refused(response, case)
    assert_nothing_written(media_root, {}, upload_temp_dir)
    member.refresh_from_db()
    assert not member.avatar
    assert member.avatar_renditions == {}


# test_profiles.py refuses a bomb, an SVG, text and a truncated JPEG over an existing avatar;
# these are the cases it leaves out, checked byte for byte.
@pytest.mark.parametrize("case", ["pdf-renamed-png", "truncated-png", "fifty-megabytes"])
def test_bad_avatar_leaves_the_existing_one_byte_for_byte(
    client,
    member_with_avatar,
    media_root,
    upload_temp_dir,
    django_capture_on_commit_callbacks,
    case,
):
    before_files = files_in(media_root)
    before_row = User.objects.values("avatar", "avatar_renditions").get(pk=member_with_avatar.pk)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_avatar(client, bad_upload(case))

    assert_avatar_refused(response, case)
    assert_nothing_written(media_root, before_files, upload_temp_dir)
    after_row = User.objects.values("avatar", "avatar_renditions").get(pk=member_with_avatar.pk)
    assert after_row == before_row


def stored_avatar(member: User, media_root) -> tuple[bytes, list[bytes]]:
    member.refresh_from_db()
    renditions = [
        (media_root / name).read_bytes()
        for widths in member.avatar_renditions.values()
        for name in widths.values()
    ]
    return (media_root / member.avatar.name).read_bytes(), renditions


@pytest.mark.parametrize(
    ("name", "make", "hidden"),
    [
        ("innocent.png", lambda: image_bytes("PNG") + HTML_TRAILER, [b"<script>", b"alert("]),
        ("innocent.jpg", lambda: image_bytes("JPEG") + HTML_TRAILER, [b"<script>", b"alert("]),
        ("commented.jpg", jpeg_with_html_comment, [b"<script>", b"alert("]),
    ],
    ids=["png-with-html-trailer", "jpeg-with-html-trailer", "jpeg-with-html-comment"],
)
def test_accepted_avatar_is_re_encoded_and_hidden_html_does_not_survive(
    client, member, media_root, django_capture_on_commit_callbacks, name, make, hidden
):
    uploaded = make()

    with django_capture_on_commit_callbacks(execute=True):
        response = post_avatar(client, SimpleUploadedFile(name, uploaded, "image/png"))

    assert response.status_code == 302
    picture, renditions = stored_avatar(member, media_root)
    assert_re_encoded_without(picture, uploaded, *hidden)
    for rendition in renditions:
        assert_re_encoded_without(rendition, uploaded, *hidden)
    with Image.open(io.BytesIO(picture)) as image:
        assert image.size == (64, 48)


@pytest.mark.parametrize("image_format", ["PNG", "WEBP"])
def test_gps_in_a_png_or_webp_avatar_is_stripped(
    client, member, media_root, django_capture_on_commit_callbacks, image_format
):
    # test_profiles.py checks a camera JPEG; PNG (eXIf) and WebP carry EXIF and XMP too.
    uploaded = with_gps(image_format)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_avatar(
            client, SimpleUploadedFile(f"map.{image_format.lower()}", uploaded, "image/png")
        )

    assert response.status_code == 302
    picture, renditions = stored_avatar(member, media_root)
    for stored in [picture, *renditions]:
        assert_re_encoded_without(stored, uploaded, b"PhoneCo", b"secret-home-address")
        with Image.open(io.BytesIO(stored)) as image:
            assert not image.getexif()
            assert "exif" not in image.info and "xmp" not in image.info


# Catalog images, through the admin ----------------------------------------------------------


def make_show() -> Show:
    empty_the_catalog()  # a show of its own, without the seeded catalog's images
    return Show.objects.create(title="Étoile", slug="etoile")


def make_episode() -> Episode:
    season = Season.objects.create(show=make_show(), number=1)
    return Episode.objects.create(season=season, number=1, title="Pilot")


def make_person() -> Person:
    return Person.objects.create(name="Ada Dancer", slug="ada-dancer", about="First soloist.")


CATALOG_IMAGES = {
    "show-poster": (make_show, "show", "poster"),
    "episode-still": (make_episode, "episode", "still"),
    "person-headshot": (make_person, "person", "headshot"),
}


class CatalogRecord:
    def __init__(self, key: str):
        make, self.model_name, self.field = CATALOG_IMAGES[key]
        self.obj = make()
        self.model = type(self.obj)
        self.url = admin_url("catalog", self.model_name, "change", self.obj.pk)

    def row(self) -> dict:
        return self.model.objects.values().get(pk=self.obj.pk)

    def post(self, client, upload):
        data = form_post_data(client.get(self.url))
        data[self.field] = upload
        data[f"{self.field}_credit"] = "Jane Doe / Agence"
        data[f"{self.field}_licence"] = "CC BY 4.0"
        return client.post(self.url, data)

    def stored(self, media_root) -> tuple[bytes, list[bytes]]:
        self.obj.refresh_from_db()
        renditions = getattr(self.obj, f"{self.field}_renditions")
        return (
            (media_root / getattr(self.obj, self.field).name).read_bytes(),
            [(media_root / n).read_bytes() for w in renditions.values() for n in w.values()],
        )


@pytest.fixture(params=list(CATALOG_IMAGES))
def record(request, db) -> CatalogRecord:
    return CatalogRecord(request.param)


@pytest.fixture
def record_with_image(record, admin_client, media_root) -> CatalogRecord:
    response = record.post(admin_client, SimpleUploadedFile("first.png", image_bytes("PNG")))
    assert response.status_code == 302
    record.obj.refresh_from_db()
    assert getattr(record.obj, record.field)
    assert getattr(record.obj, f"{record.field}_renditions")
    return record


# Django's generic "not an image or a corrupted image" is clear enough for what is not an
# image at all; the site's own, more specific message is accepted too.
ADMIN_MESSAGES = {
    "decompression-bomb": [TOO_MANY_PIXELS],
    "over-pixel-limit": [OVER_PIXEL_LIMIT],
    "svg": [NOT_AN_IMAGE, DJANGO_INVALID_IMAGE],
    "pdf-renamed-png": [NOT_AN_IMAGE, DJANGO_INVALID_IMAGE],
    "truncated-png": [DAMAGED, DJANGO_INVALID_IMAGE],
    "truncated-jpeg": [DAMAGED, DJANGO_INVALID_IMAGE],
    "fifty-megabytes": [too_large(10)],
}
ADMIN_CASES = list(BAD_FILES)


@pytest.mark.parametrize("case", ADMIN_CASES)
def test_bad_catalog_image_is_refused_and_the_existing_one_stays_byte_for_byte(
    admin_client, record_with_image, media_root, upload_temp_dir, case
):
    record = record_with_image
    before_files = files_in(media_root)
    before_row = record.row()

    response = record.post(admin_client, bad_upload(case))

    assert response.status_code == 200, "the change form is shown again, with the error"
    errors = response.context["adminform"].form.errors[record.field]
    assert len(errors) == 1
    assert is_one_of(errors[0], *ADMIN_MESSAGES[case]), errors[0]
    assert escape(errors[0]) in response.content.decode()
    assert_nothing_written(media_root, before_files, upload_temp_dir)
    assert record.row() == before_row


@pytest.mark.parametrize("case", ["svg", "pdf-renamed-png", "truncated-jpeg", "fifty-megabytes"])
def test_bad_first_catalog_image_stores_nothing_at_all(
    admin_client, record, media_root, upload_temp_dir, case
):
    before_row = record.row()

    response = record.post(admin_client, bad_upload(case))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors[record.field]
    assert_nothing_written(media_root, {}, upload_temp_dir)
    assert record.row() == before_row


@pytest.mark.parametrize(
    ("name", "make", "hidden"),
    [
        ("innocent.png", lambda: image_bytes("PNG") + HTML_TRAILER, [b"<script>", b"alert("]),
        ("commented.jpg", jpeg_with_html_comment, [b"<script>", b"alert("]),
        ("map.png", lambda: with_gps("PNG"), [b"PhoneCo", b"secret-home-address"]),
        ("map.webp", lambda: with_gps("WEBP"), [b"PhoneCo", b"secret-home-address"]),
    ],
    ids=["png-with-html-trailer", "jpeg-with-html-comment", "png-with-gps", "webp-with-gps"],
)
def test_accepted_catalog_image_is_re_encoded_without_what_was_hidden_in_it(
    admin_client, record, media_root, name, make, hidden
):
    uploaded = make()

    response = record.post(admin_client, SimpleUploadedFile(name, uploaded))

    assert response.status_code == 302
    picture, renditions = record.stored(media_root)
    for stored in [picture, *renditions]:
        assert_re_encoded_without(stored, uploaded, *hidden)
        with Image.open(io.BytesIO(stored)) as image:
            assert not image.getexif()
            assert "exif" not in image.info and "xmp" not in image.info
            assert "comment" not in image.info


def test_catalog_image_that_fails_while_making_renditions_is_a_message_not_a_500(
    admin_client,
    record_with_image,
    media_root,
    upload_temp_dir,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    """The renditions are a job's (here run at once, failing every attempt): the record goes
    back to the picture before, and the new file goes."""
    record = record_with_image
    before_files = files_in(media_root)
    before_row = record.row()

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("kernel.images.build_renditions", disk_full)
    admin_client.raise_request_exception = False
    data = form_post_data(admin_client.get(record.url))
    data[record.field] = SimpleUploadedFile("fine.png", image_bytes("PNG", color=(9, 9, 9)))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(record.url, data, follow=True)

    assert response.status_code == 200
    form = response.context.get("adminform") and response.context["adminform"].form
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert errors or (form and form.errors.get(record.field)), "the editor must be told"
    assert_nothing_written(media_root, before_files, upload_temp_dir)
    # The form was saved, then its picture put back: the record is as it was but for the time.
    after_row = record.row()
    assert after_row.pop("updated_at") >= before_row.pop("updated_at")
    assert after_row == before_row


def test_replaced_catalog_image_leaves_no_old_files_behind(
    admin_client, record_with_image, media_root, django_capture_on_commit_callbacks
):
    record = record_with_image
    new = SimpleUploadedFile("second.png", image_bytes("PNG", color=(9, 9, 9)))

    with django_capture_on_commit_callbacks(execute=True):
        response = record.post(admin_client, new)

    assert response.status_code == 302
    record.obj.refresh_from_db()
    renditions = getattr(record.obj, f"{record.field}_renditions")
    expected = {getattr(record.obj, record.field).name} | {
        name for widths in renditions.values() for name in widths.values()
    }
    assert set(files_in(media_root)) == expected
