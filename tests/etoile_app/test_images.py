"""kernel.images: what an uploaded picture must pass before it is stored, and its renditions."""

import io
import random

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from PIL import ExifTags, Image, ImageFile, PngImagePlugin

from catalog.models import Episode, Person
from kernel.images import build_renditions, clean_upload, picture_sources
from tests.images import camera_exif, png_claiming


def image_bytes(image_format: str, size=(48, 32), mode="RGB", color=(200, 40, 40), **save) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, image_format, **save)
    return buffer.getvalue()


def noisy_image_bytes(image_format: str, size=(96, 96)) -> bytes:
    """Random pixels, so that the pixel data (not the header) is most of the file."""
    rng = random.Random(7)
    image = Image.frombytes(
        "RGB", size, bytes(rng.randrange(256) for _ in range(size[0] * size[1] * 3))
    )
    buffer = io.BytesIO()
    image.save(buffer, image_format)
    return buffer.getvalue()


def jpeg_with_gps_and_orientation(size=(40, 20), orientation=1) -> bytes:
    """A camera-style JPEG: EXIF with where it was taken and how it should be turned."""
    image = Image.new("RGB", size, (30, 60, 200))
    exif = camera_exif(orientation)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    data = buffer.getvalue()
    with Image.open(io.BytesIO(data)) as check:
        assert check.getexif().get_ifd(ExifTags.IFD.GPSInfo), "the source must carry GPS data"
    return data


def upload(name: str, data: bytes, content_type="application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def opened(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def refusal_code(uploaded) -> str:
    with pytest.raises(ValidationError) as caught:
        clean_upload(uploaded)
    return caught.value.code


# Accepted formats ---------------------------------------------------------------------------


def test_jpeg_is_accepted_and_re_encoded_as_jpeg():
    cleaned = clean_upload(upload("photo.jpg", image_bytes("JPEG"), "image/jpeg"))

    assert cleaned.name.endswith(".jpg")
    with opened(cleaned.read()) as image:
        assert image.format == "JPEG"
        assert image.size == (48, 32)


def test_png_is_accepted_and_keeps_its_transparency():
    source = Image.new("RGBA", (10, 10), (255, 0, 0, 255))
    source.putpixel((0, 0), (0, 0, 0, 0))
    buffer = io.BytesIO()
    source.save(buffer, "PNG")

    cleaned = clean_upload(upload("logo.png", buffer.getvalue(), "image/png"))

    assert cleaned.name.endswith(".png")
    with opened(cleaned.read()) as image:
        assert image.format == "PNG"
        assert image.mode == "RGBA"
        assert image.getpixel((0, 0))[3] == 0
        assert image.getpixel((5, 5)) == (255, 0, 0, 255)


def test_webp_is_accepted_and_stays_webp():
    cleaned = clean_upload(upload("still.webp", image_bytes("WEBP"), "image/webp"))

    assert cleaned.name.endswith(".webp")
    with opened(cleaned.read()) as image:
        assert image.format == "WEBP"
        assert image.size == (48, 32)


def test_phone_jpeg_carrying_a_second_picture_is_accepted_as_jpeg():
    # Phones save depth maps and HDR gain maps as extra frames; Pillow then reports "MPO".
    buffer = io.BytesIO()
    main, extra = Image.new("RGB", (40, 30), (200, 40, 40)), Image.new("RGB", (20, 15))
    main.save(buffer, "MPO", save_all=True, append_images=[extra])

    cleaned = clean_upload(upload("IMG_0001.jpg", buffer.getvalue(), "image/jpeg"))

    assert cleaned.name.endswith(".jpg")
    with opened(cleaned.read()) as image:
        assert image.format == "JPEG"
        assert image.size == (40, 30)


def test_stored_name_is_derived_from_content_not_the_uploaders_file_name():
    cleaned = clean_upload(upload("../../etc/passwd.png", image_bytes("PNG"), "image/png"))

    assert "/" not in cleaned.name
    assert "passwd" not in cleaned.name
    assert cleaned.name.endswith(".png")


# Refused files ------------------------------------------------------------------------------


def test_gif_is_refused_as_a_format_we_do_not_accept():
    assert refusal_code(upload("dance.gif", image_bytes("GIF"), "image/gif")) == "bad_format"


def test_svg_is_refused_as_not_an_image():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'

    assert refusal_code(upload("logo.svg", svg, "image/svg+xml")) == "not_an_image"


def test_pdf_renamed_to_png_is_refused_as_not_an_image():
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

    assert refusal_code(upload("poster.png", pdf, "image/png")) == "not_an_image"


@pytest.mark.parametrize(("image_format", "name"), [("PNG", "cut.png"), ("JPEG", "cut.jpg")])
def test_truncated_image_is_refused_as_damaged(image_format, name):
    data = noisy_image_bytes(image_format)

    assert refusal_code(upload(name, data[: len(data) // 2])) == "damaged"


def test_file_over_the_byte_limit_is_refused(settings):
    data = image_bytes("PNG", size=(64, 64))
    settings.MAX_IMAGE_UPLOAD_BYTES = len(data) - 1

    assert refusal_code(upload("big.png", data, "image/png")) == "too_large"


def test_file_over_the_byte_limit_is_refused_even_when_its_size_is_not_declared(settings):
    data = image_bytes("PNG", size=(64, 64))
    settings.MAX_IMAGE_UPLOAD_BYTES = len(data) - 1
    undeclared = UploadedFile(io.BytesIO(data), name="big.png", content_type="image/png", size=None)

    assert refusal_code(undeclared) == "too_large"


def test_image_over_the_pixel_limit_is_refused(settings):
    settings.MAX_IMAGE_PIXELS = 100

    assert refusal_code(upload("wide.png", image_bytes("PNG", size=(20, 20)))) == "too_many_pixels"


def test_image_at_the_pixel_limit_is_accepted(settings):
    settings.MAX_IMAGE_PIXELS = 400

    cleaned = clean_upload(upload("square.png", image_bytes("PNG", size=(20, 20)), "image/png"))

    with opened(cleaned.read()) as image:
        assert image.size == (20, 20)


@pytest.fixture
def decoding_fails_the_test(monkeypatch):
    """Refusals that must come from the header alone: any pixel decoding fails the test."""

    def decode(*args, **kwargs):
        raise AssertionError("the pixels must not be decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", decode)


@pytest.mark.parametrize(
    ("width", "height"),
    [(5_000, 5_000), (50_000, 50_000)],
    ids=["25-megapixels", "2500-megapixels"],
)
def test_decompression_bomb_is_refused_for_its_pixel_count_before_decoding(
    decoding_fails_the_test, width, height
):
    assert refusal_code(upload("bomb.png", png_claiming(width, height))) == "too_many_pixels"


def test_lowered_pixel_limit_refuses_a_pillow_made_image_before_decoding(
    settings, decoding_fails_the_test
):
    settings.MAX_IMAGE_PIXELS = 1_000

    assert refusal_code(upload("big.png", image_bytes("PNG", size=(200, 200)))) == "too_many_pixels"


def test_refusal_message_tells_the_uploader_what_to_send_instead():
    with pytest.raises(ValidationError) as caught:
        clean_upload(upload("notes.png", b"just some text", "image/png"))

    assert "JPEG, PNG or WebP" in caught.value.messages[0]


# What survives re-encoding ------------------------------------------------------------------


def test_html_appended_to_a_png_is_dropped():
    polyglot = image_bytes("PNG") + b"<html><script>alert(1)</script>"

    cleaned = clean_upload(upload("innocent.png", polyglot, "image/png")).read()

    assert b"<script>" not in cleaned
    assert b"alert(1)" not in cleaned
    with opened(cleaned) as image:
        assert image.size == (48, 32)


def test_upload_with_gps_data_is_stored_without_it():
    cleaned = clean_upload(upload("holiday.jpg", jpeg_with_gps_and_orientation(), "image/jpeg"))

    data = cleaned.read()
    with opened(data) as image:
        assert not image.getexif()
        assert "exif" not in image.info
    assert b"PhoneCo" not in data


def test_exif_orientation_is_applied_so_photos_stand_upright():
    sideways = jpeg_with_gps_and_orientation(size=(40, 20), orientation=6)

    with opened(clean_upload(upload("portrait.jpg", sideways, "image/jpeg")).read()) as image:
        assert image.size == (20, 40)
        assert not image.getexif()


def test_png_text_chunks_are_dropped():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret-location-home")
    data = image_bytes("PNG", pnginfo=info)
    assert b"secret-location-home" in data

    cleaned = clean_upload(upload("tagged.png", data, "image/png")).read()

    assert b"secret-location-home" not in cleaned


# Renditions ---------------------------------------------------------------------------------


def person_with_headshot(data: bytes, name="face.jpg") -> Person:
    person = Person(name="Test Person", slug="test-person")
    person.headshot.save(name, clean_upload(upload(name, data, "image/jpeg")), save=False)
    return person


def test_renditions_are_made_in_webp_and_jpeg_at_every_width(media_root):
    person = person_with_headshot(image_bytes("JPEG", size=(500, 400)))

    renditions = build_renditions(person, Person.HEADSHOT)

    assert set(renditions) == {"webp", "jpg"}
    for extension, pil_format in (("webp", "WEBP"), ("jpg", "JPEG")):
        assert set(renditions[extension]) == {"160", "320"}
        for width, name in renditions[extension].items():
            assert name.endswith(f"-{width}.{extension}")
            with Image.open(media_root / name) as image:
                assert image.format == pil_format
                assert image.size == (int(width), int(width))


def test_renditions_are_cropped_to_the_spec_ratio(media_root):
    episode = Episode(title="Pilot", number=1)
    episode.still.save(
        "still.jpg",
        clean_upload(upload("still.jpg", image_bytes("JPEG", size=(300, 300)))),
        save=False,
    )

    renditions = build_renditions(episode, Episode.STILL)

    with Image.open(media_root / renditions["jpg"]["480"]) as small:
        assert small.size == (480, 270)
    with Image.open(media_root / renditions["webp"]["960"]) as large:
        assert large.size == (960, 540)


def test_rebuilding_renditions_replaces_the_files_instead_of_piling_up_copies(media_root):
    person = person_with_headshot(image_bytes("JPEG", size=(200, 200)))

    first = build_renditions(person, Person.HEADSHOT)
    second = build_renditions(person, Person.HEADSHOT)

    assert first == second
    assert len(list((media_root / "renditions" / "headshot").iterdir())) == 4


def test_no_image_means_no_renditions_and_no_picture():
    person = Person(name="No Photo", slug="no-photo")

    assert build_renditions(person, Person.HEADSHOT) == {}
    assert picture_sources({}, Person.HEADSHOT) is None


def test_picture_sources_offer_webp_with_a_jpeg_fallback_at_the_smallest_width(settings):
    person = person_with_headshot(image_bytes("JPEG", size=(400, 400)))
    renditions = build_renditions(person, Person.HEADSHOT)

    picture = picture_sources(renditions, Person.HEADSHOT)

    media = settings.MEDIA_URL
    webp = renditions["webp"]
    jpg = renditions["jpg"]
    assert picture["sources"] == [
        {"type": "image/webp", "srcset": f"{media}{webp['160']} 160w, {media}{webp['320']} 320w"}
    ]
    assert picture["fallback_srcset"] == f"{media}{jpg['160']} 160w, {media}{jpg['320']} 320w"
    assert picture["src"] == f"{media}{jpg['160']}"
    assert (picture["width"], picture["height"]) == (160, 160)
