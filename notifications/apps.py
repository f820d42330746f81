import datetime

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from jobs import periodic
        from notifications import receivers  # noqa: F401 (its receivers connect themselves)
        from notifications.context_processors import menu_state
        from notifications.services import send_digests
        from reviews.regions import MENU_STATE

        if menu_state not in MENU_STATE:  # the unread count, in the kept member menu
            MENU_STATE.append(menu_state)

        periodic.every(datetime.timedelta(days=1), "notifications.daily_digest", send_digests)
