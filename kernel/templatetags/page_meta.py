from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from kernel import metadata

register = template.Library()


class CaptureNode(template.Node):
    def __init__(self, nodelist: template.NodeList, name: str):
        self.nodelist = nodelist
        self.name = name

    def render(self, context) -> str:
        # The nodelist renders through the template engine, escaping as it goes: what it
        # returns is markup already, and safe to print again as it is.
        context[self.name] = mark_safe(self.nodelist.render(context).strip())  # noqa: S308
        return ""


@register.tag
def capture(parser, token):
    """`{% capture name %}…{% endcapture %}`: render once, print as often as needed (the
    page's title in <title> and og:title, say; a block may be rendered only once)."""
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("capture takes one variable name")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(nodelist, bits[1])


@register.simple_tag(takes_context=True)
def og_image(context, instance, spec_name: str, alt: str = "") -> SafeString:
    """og:image for a catalog image, when one has been uploaded; nothing otherwise."""
    url = metadata.image_url(context["request"], instance, getattr(type(instance), spec_name))
    if url is None:
        return mark_safe("")
    return format_html(
        '<meta property="og:image" content="{}">\n<meta property="og:image:alt" content="{}">',
        url,
        alt,
    )
