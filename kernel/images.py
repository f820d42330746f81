"""Safe image uploads and the renditions the pages use.

An upload is checked before Pillow decodes it (size in bytes, format and pixel count read
from the header), then re-encoded from its pixels alone: anything appended to the file, EXIF
and GPS data and colour-profile tricks are left behind, and the EXIF orientation is applied
first so that photos stand the right way up. Renditions (WebP plus a JPEG fallback at each
width a page asks for) are made once per image, by a background job after the image is saved
(refresh_renditions): the request that uploads only checks and stores it. Until they are
ready, pages keep showing the renditions of the image before (or none).
"""

import hashlib
import io
import math
import secrets
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
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

    @property
    def fields(self) -> list[str]:
        return [self.field, self.renditions_field]

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
            name = rendition_name(image_file.name, spec, focus, width, extension)
            if default_storage.exists(name):
                default_storage.delete(name)
            renditions[extension][str(width)] = default_storage.save(
                name, ContentFile(buffer.getvalue())
            )
    return renditions


def rendition_name(image_name: str, spec: RenditionSpec, focus, width, extension: str) -> str:
    stem = image_name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    if tuple(focus) != (50, 50):
        stem = f"{stem}-at-{focus[0]}-{focus[1]}"
    return f"renditions/{spec.field}/{stem}-{width}.{extension}"


def renditions_current(instance, spec: RenditionSpec, focus=(50, 50)) -> bool:
    """Whether the instance's renditions are those of its image at this focal point: False
    while a job is still making them (or one failed)."""
    image_file = getattr(instance, spec.field)
    if not image_file:
        return True
    width = min(spec.widths)
    made = (getattr(instance, spec.renditions_field) or {}).get("jpg", {}).get(str(width))
    return made == rendition_name(image_file.name, spec, focus, width, "jpg")


def refresh_renditions(
    model, *, pk, spec: RenditionSpec, image: str, focus=(50, 50), previous: str = ""
) -> bool:
    """Make the renditions of one record's image and put them in place of the old ones: the
    body of the background job that follows an upload or a new focal point. `previous` is the
    image the upload replaced, whose file goes once the record no longer shows it.

    False when there was nothing to do: the record is gone, holds another image or focal
    point since (a later job has that one), or has these renditions already (this job ran
    before). The old renditions' files go once the new ones are the record's; on any failure
    the new files go and the record keeps the old ones: nothing half-written."""

    def wanted(record) -> bool:
        return (
            record is not None
            and getattr(record, spec.field).name == image
            and tuple(getattr(record, "image_focus", (50, 50))) == tuple(focus)
        )

    record = model._default_manager.filter(pk=pk).first()
    if not wanted(record):
        # Replaced again, or deleted: the later job (or the deletion) has the rest of the
        # work; the image this upload replaced is unused, unless it is the record's again.
        current = getattr(record, spec.field).name if record is not None else ""
        if previous and previous not in {current, image}:
            delete_stored([previous])
        return False
    if renditions_current(record, spec, focus):
        return False
    written: list[str] = []
    try:
        renditions = build_renditions(record, spec, focus=focus)
        written = [name for widths in renditions.values() for name in widths.values()]
        with transaction.atomic():
            record = model._default_manager.select_for_update().filter(pk=pk).first()
            if not wanted(record):
                delete_stored(written)
                return False
            replaced = [
                name
                for widths in (getattr(record, spec.renditions_field) or {}).values()
                for name in widths.values()
                if name not in written
            ]
            if previous and previous != image:
                replaced.append(previous)
            setattr(record, spec.renditions_field, renditions)
            # save(), not update(): the pages that show the record hear of it (kernel/pagecache).
            record.save(update_fields=[spec.renditions_field])
            transaction.on_commit(partial(delete_stored, replaced))
    except BaseException:
        delete_stored(written)
        raise
    return True


def restore_previous_image(model, *, pk, spec: RenditionSpec, image: str, previous: str) -> None:
    """The job making `image`'s renditions failed for good: the record goes back to the image
    before, whose renditions it still has, and the new file goes. Nothing if the record has
    moved on to another image since."""
    with transaction.atomic():
        record = model._default_manager.select_for_update().filter(pk=pk).first()
        if record is None or getattr(record, spec.field).name != image or previous == image:
            return
        setattr(record, spec.field, previous or None)
        record.save(update_fields=[spec.field])
        transaction.on_commit(partial(delete_stored, [image]))


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
