from django.contrib.admin.apps import AdminConfig


class EtoileAdminConfig(AdminConfig):
    """django.contrib.admin with our site (etoile_app.admin_site) as `admin.site`."""

    default_site = "etoile_app.admin_site.EtoileAdminSite"
