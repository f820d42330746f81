from django.http import HttpResponse


def attachment(content, *, filename: str, content_type: str) -> HttpResponse:
    """A file to save, not a page: never kept by a cache, as it holds a member's own data."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
