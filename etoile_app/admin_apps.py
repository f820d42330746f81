from django.contrib.admin.apps import AdminConfig


class EtoileAdminConfig(AdminConfig):
    """django.contrib.admin with our site (etoile_app.admin_site) as `admin.site`."""

    default_site = "etoile_app.admin_site.EtoileAdminSite"

    def ready(self):
        super().ready()
        # The project package is no app, so autodiscovery does not reach its admin module.
        import etoile_app.admin  # noqa: F401
        import etoile_app.admin_history  # noqa: F401
