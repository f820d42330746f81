"""The favourite button on episode and character pages is the reader's own: a region of the
page (kernel/memberpages.py, `{% reader "favourite" %}`) whose state is `favourite_state`."""

from kernel.memberpages import region
from picks.context import favourite_state

# The page's item as read for the reader with favourite_annotations, where the page composing
# it read one (etoile_app/pages.py): the state then costs no query of its own.
READER_ITEM = "_favourite_reader_item"


def remember_reader_item(request, item) -> None:
    setattr(request, READER_ITEM, item)


def _state(request, item) -> dict:
    if request is None or not request.user.is_authenticated:
        return {"favourite_member": False}
    read = getattr(request, READER_ITEM, None)
    if read is not None and type(read) is type(item) and read.pk == item.pk:
        item = read
    return favourite_state(request.user, item)


region("favourite", facts=lambda context: context["favourite_item"], state=_state)
