from django.utils.functional import SimpleLazyObject

from reviews.tracking import show_progress


def member_progress(request):
    # Lazy: the query runs only where a template shows the member's progress.
    return {"member_progress": SimpleLazyObject(lambda: show_progress(request))}
