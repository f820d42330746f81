from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EtoileAppConfig(AppConfig):
    name = "etoile_app"
    verbose_name = _("Members and site")
