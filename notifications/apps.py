import datetime

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from jobs import periodic
        from notifications import receivers  # noqa: F401 (its receivers connect themselves)
        from notifications.services import send_digests

        periodic.every(datetime.timedelta(days=1), "notifications.daily_digest", send_digests)
