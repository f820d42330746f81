from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


def catalog_changed(sender, **kwargs) -> None:
    # Editors change the catalog in the admin and the seed through the ORM; either way the
    # visitors' cached pages must show it at once (kernel.pagecache).
    from kernel.pagecache import content_changed

    content_changed()


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = _("Catalog")

    def ready(self) -> None:
        for model in self.get_models():
            post_save.connect(catalog_changed, sender=model, dispatch_uid=f"pagecache-{model}")
            post_delete.connect(catalog_changed, sender=model, dispatch_uid=f"pagecache-{model}d")
