from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EtoileAppConfig(AppConfig):
    name = "etoile_app"
    verbose_name = _("Members and site")

    def ready(self):
        # Receivers for the security log: sign-ins, sign-outs, failures, password changes.
        from etoile_app import security  # noqa: F401
