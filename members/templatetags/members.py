import zlib

from django import template
from django.core.files.storage import default_storage

from members.models import User

register = template.Library()

AVATAR_PALETTES = 6


def initials(member: User) -> str:
    words = member.public_name.replace("-", " ").split()
    letters = [word[0] for word in words[:1] + words[1:][-1:]] if words else ["?"]
    return "".join(letters).upper()


AVATAR_SIZES = (32, 48, 96, 192)  # each has a CSS class in site.css


@register.inclusion_tag("etoile_app/_avatar.html")
def avatar(member: User, size: int = 96):
    """The member's picture at a rendition fit for `size` CSS pixels, or their initials
    on a colour derived from the handle: never a grey blank."""
    if size not in AVATAR_SIZES:
        raise template.TemplateSyntaxError(f"avatar size must be one of {AVATAR_SIZES}")
    renditions = member.avatar_renditions.get("webp") if member.avatar else None
    context = {"member": member, "size": size}
    if renditions:
        widths = sorted(int(width) for width in renditions)
        one_x = next((w for w in widths if w >= size), widths[-1])
        two_x = next((w for w in widths if w >= size * 2), widths[-1])
        context["sources"] = {
            fmt: f"{default_storage.url(member.avatar_renditions[fmt][str(one_x)])} 1x, "
            f"{default_storage.url(member.avatar_renditions[fmt][str(two_x)])} 2x"
            for fmt in ("webp", "jpg")
        }
        context["src"] = default_storage.url(member.avatar_renditions["jpg"][str(one_x)])
    else:
        context["initials"] = initials(member)
        context["palette"] = zlib.crc32(member.handle.encode()) % AVATAR_PALETTES + 1
    return context
