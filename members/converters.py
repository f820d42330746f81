from django.urls.converters import SlugConverter


class HandleConverter(SlugConverter):
    """A member's handle in an address, in any case (`/u/Odette/`), as the view reads it: in
    lower case, as handles are stored. Reversed, it is written as given, so the page's own
    address is the lower-case one and kernel.addresses redirects the other spellings there.
    A slug's characters only: anything else (a NUL byte, say) is a 404 before any query."""

    def to_python(self, value: str) -> str:
        return value.lower()
