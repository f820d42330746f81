from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = _("Catalog")

    def ready(self) -> None:
        from kernel import pagecache

        # Every page shows the catalog (titles, names, the menu of seasons), and editors
        # change it rarely, in the admin or the seed: one group for all of it.
        for model in self.get_models():
            pagecache.shows_on(model, groups=["catalog"])
