from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    # The label these models had when they lived in the project package. Keeping it keeps
    # the tables, the migration history, AUTH_USER_MODEL ("etoile_app.User") and the admin's
    # addresses (/admin/etoile_app/user/) exactly as existing databases and staff know them.
    label = "etoile_app"
    verbose_name = _("Members and site")
