"""Safe image uploads and the renditions the pages use.

An upload is checked before Pillow decodes it (size in bytes, format and pixel count read
from the header), then re-encoded from its pixels alone: anything appended to the file, EXIF
and GPS data and colour-profile tricks are left behind, and the EXIF orientation is applied
first so that photos stand the right way up. Renditions (WebP plus a JPEG fallback at each
width a page asks for) are made once, when the image is saved.
"""

import hashlib
import io
import math
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
RENDITION_FORMATS = (("webp", "WEBP", "image/webp"), ("jpg", "JPEG", "image/jpeg"))


@dataclass(frozen=True)
class RenditionSpec:
    field: str
    widths: tuple[int, ...]
    ratio: tuple[int, int]

    @property
    def renditions_field(self) -> str:
        return f"{self.field}_renditions"

    def height_for(self, width: int) -> int:
        return round(width * self.ratio[1] / self.ratio[0])


def clean_upload(upload, *, max_bytes: int | None = None, random_name: bool = False) -> ContentFile:
    """Validate an uploaded image and return a re-encoded copy, or raise ValidationError.

    The stored name is derived from the content, or random where it must not be guessable
    or comparable between members (avatars).
    """
    max_bytes = max_bytes or settings.MAX_IMAGE_UPLOAD_BYTES
    if upload.size is not None and upload.size > max_bytes:
        raise ValidationError(
            _("This file is %(size)s MB; images may be at most %(max)s MB.")
            % {"size": _megabytes(upload.size), "max": _megabytes(max_bytes)},
            code="too_large",
        )
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValidationError(_("This image is too large."), code="too_large")
    try:
        # Opening reads only the header: format and size are known before any decoding.
        with Image.open(io.BytesIO(data)) as probe:
            # Phones store depth and gain maps as extra JPEG frames; Pillow calls that "MPO".
            image_format = "JPEG" if probe.format == "MPO" else probe.format
            width, height = probe.size
    except Image.DecompressionBombError as error:
        # Pillow refuses headers over twice its own limit before we can read the size.
        raise ValidationError(
            _("This image has too many pixels; the limit is %(megapixels)s megapixels.")
            % {"megapixels": _megapixels(settings.MAX_IMAGE_PIXELS)},
            code="too_many_pixels",
        ) from error
    except (UnidentifiedImageError, OSError) as error:
        raise ValidationError(
            _("This file is not an image we can read. Upload a JPEG, PNG or WebP picture."),
            code="not_an_image",
        ) from error
    if image_format not in ALLOWED_FORMATS:
        raise ValidationError(_("Only JPEG, PNG and WebP images are accepted."), code="bad_format")
    if width * height > settings.MAX_IMAGE_PIXELS:
        raise ValidationError(
            _(
                "This image is %(width)s × %(height)s pixels; the limit is %(megapixels)s megapixels."
            )
            % {
                "width": width,
                "height": height,
                "megapixels": _megapixels(settings.MAX_IMAGE_PIXELS),
            },
            code="too_many_pixels",
        )
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
            pixels = _strip_to_pixels(upright)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise ValidationError(
            _("This image is damaged or incomplete. Please upload another copy."),
            code="damaged",
        ) from error
    output = io.BytesIO()
    extension = ALLOWED_FORMATS[image_format]
    if image_format == "JPEG":
        pixels.convert("RGB").save(output, "JPEG", quality=90, optimize=True)
    else:
        pixels.save(output, image_format, **({"quality": 90} if image_format == "WEBP" else {}))
    if random_name:
        stem = secrets.token_hex(16)
    else:
        stem = hashlib.sha256(output.getvalue()).hexdigest()[:16]
    return ContentFile(output.getvalue(), name=f"{stem}.{extension}")


def _megabytes(size: int) -> str:
    # Rounded up: a file one byte over a 5 MB limit must not read as "5 MB".
    return f"{math.ceil(size / 1_048_576 * 10) / 10:g}"


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:g}"


def _strip_to_pixels(image: Image.Image) -> Image.Image:
    """A new image holding only the pixels: no EXIF, XMP, ICC or text chunks survive."""
    mode = "RGBA" if image.mode in {"RGBA", "LA", "PA"} or "transparency" in image.info else "RGB"
    converted = image.convert(mode)
    clean = Image.new(mode, converted.size)
    clean.paste(converted)
    return clean


def build_renditions(instance, spec: RenditionSpec, *, focus: tuple[int, int] = (50, 50)) -> dict:
    """Make every rendition for the instance's image and return {format: {width: name}}.

    Each is cropped to the spec's ratio around `focus`, the point (in % across and down)
    an editor wants kept: a face near a poster's edge stays in the square. Cropping here
    rather than with CSS `object-position`, which the CSP's style-src 'self' would block as
    an inline style; a focus other than the centre is in the file names, so a moved focus
    is new files, never a cached old crop."""
    image_file = getattr(instance, spec.field)
    if not image_file:
        return {}
    image_file.open("rb")
    try:
        with Image.open(image_file) as image:
            image.load()
            source = image.convert("RGB")
    finally:
        image_file.close()
    stem = image_file.name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    if tuple(focus) != (50, 50):
        stem = f"{stem}-at-{focus[0]}-{focus[1]}"
    centering = (focus[0] / 100, focus[1] / 100)
    renditions: dict[str, dict[str, str]] = {}
    for extension, pil_format, _mime in RENDITION_FORMATS:
        renditions[extension] = {}
        for width in spec.widths:
            fitted = ImageOps.fit(
                source,
                (width, spec.height_for(width)),
                method=Image.Resampling.LANCZOS,
                centering=centering,
            )
            buffer = io.BytesIO()
            fitted.save(buffer, pil_format, quality=82)
            name = f"renditions/{spec.field}/{stem}-{width}.{extension}"
            if default_storage.exists(name):
                default_storage.delete(name)
            renditions[extension][str(width)] = default_storage.save(
                name, ContentFile(buffer.getvalue())
            )
    return renditions


def stored_names(instance, spec: RenditionSpec) -> list[str]:
    """Every file an instance's image occupies in storage: the image and its renditions."""
    names = [
        name
        for widths in getattr(instance, spec.renditions_field, {}).values()
        for name in widths.values()
    ]
    image_file = getattr(instance, spec.field)
    if image_file:
        names.append(image_file.name)
    return names


def delete_stored(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def picture_sources(renditions: dict, spec: RenditionSpec) -> dict | None:
    """What templates need for a <picture>: srcsets per format, the fallback and its size."""
    if not renditions:
        return None
    sources = []
    for extension, _pil_format, mime in RENDITION_FORMATS:
        names = renditions.get(extension, {})
        srcset = ", ".join(
            f"{default_storage.url(name)} {width}w"
            for width, name in sorted(names.items(), key=lambda item: int(item[0]))
        )
        sources.append({"type": mime, "srcset": srcset})
    smallest = str(min(spec.widths))
    fallback = default_storage.url(renditions["jpg"][smallest])
    return {
        "sources": sources[:1],
        "fallback_srcset": sources[1]["srcset"],
        "src": fallback,
        "width": min(spec.widths),
        "height": spec.height_for(min(spec.widths)),
    }
