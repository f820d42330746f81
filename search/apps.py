from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        # SQLite's folding function, registered on each new connection (search/backends.py).
        from search import backends  # noqa: F401
