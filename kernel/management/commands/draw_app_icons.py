"""Draws the icons a phone shows for the site on its home screen (the web app manifest's,
etoile_app/views.py) from the site's mark, the gold four-pointed star of
static/img/favicon.svg on its dark square. Run once when the mark changes; the PNG files are
committed, so no server draws them."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from PIL import Image, ImageDraw

from kernel.shareimages import GOLD, PAPER, draw_mark

ICONS = Path(settings.BASE_DIR) / "static" / "img" / "icons"
# name: (size, maskable). "any" icons are the favicon drawn large: rounded corners, the star
# to 13/16 of the half-width. Maskable ones fill the square, which the phone cuts to its own
# shape, and keep the star inside the safe circle (two fifths of the size from the centre).
SIZES = {
    "icon-192.png": (192, False),
    "icon-512.png": (512, False),
    "icon-maskable-192.png": (192, True),
    "icon-maskable-512.png": (512, True),
    "apple-touch-icon.png": (180, True),  # iOS rounds the corners itself
}


def draw_icon(size: int, *, maskable: bool) -> Image.Image:
    scale = 4  # drawn larger and scaled down, for smooth corners
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        draw.rectangle((0, 0, big, big), fill=PAPER)
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 6 / 32, fill=PAPER)
    radius = big * (0.30 if maskable else 13 / 32)
    draw_mark(image, cx=big / 2, cy=big / 2, radius=radius, fill=GOLD)
    return image.resize((size, size), Image.Resampling.LANCZOS)


class Command(BaseCommand):
    help = "Draw the home-screen icons of the web app manifest into static/img/icons/."

    def handle(self, *args, **options):
        ICONS.mkdir(parents=True, exist_ok=True)
        for name, (size, maskable) in SIZES.items():
            draw_icon(size, maskable=maskable).save(ICONS / name, optimize=True)
            self.stdout.write(f"{ICONS / name}: {size} × {size}{' (maskable)' if maskable else ''}")
