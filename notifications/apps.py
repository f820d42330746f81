import datetime

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from jobs import periodic
        from members.models import SIGNED_IN_EXTRAS
        from notifications import receivers  # noqa: F401 (its receivers connect themselves)
        from notifications.context_processors import menu_state
        from notifications.services import SIGNED_IN_UNREAD, send_digests, unread_on_member_row
        from reviews.regions import MENU_STATE

        SIGNED_IN_EXTRAS[SIGNED_IN_UNREAD] = unread_on_member_row  # with the member's row
        if menu_state not in MENU_STATE:  # the unread count, in the kept member menu
            MENU_STATE.append(menu_state)

        periodic.every(datetime.timedelta(days=1), "notifications.daily_digest", send_digests)
