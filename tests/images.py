"""Pictures made for tests of uploads."""

import io
import struct
import zlib

from PIL import ExifTags, Image


def camera_exif(orientation: int | None = None) -> Image.Exif:
    """What a phone writes into a photo: its maker, where it was taken (Paris) and, if given,
    how to turn it upright."""
    exif = Image.Exif()
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "PhoneCo"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (48.0, 52.0, 18.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (2.0, 19.0, 54.0)
    return exif


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width × height pixels, with no real pixel data behind it:
    the shape of a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


def camera_jpeg(size=(400, 200), orientation=6) -> bytes:
    """A phone photo: red left half, blue right half, GPS position and a turn-me tag."""
    image = Image.new("RGB", size, (30, 60, 200))
    image.paste((220, 30, 30), (0, 0, size[0] // 2, size[1]))
    exif = camera_exif(orientation)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=95)
    return buffer.getvalue()
