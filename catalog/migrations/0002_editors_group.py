from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITORS = "Editors"
CATALOG_MODELS = [
    "show",
    "season",
    "episode",
    "person",
    "character",
    "credit",
    "source",
    "citation",
]


def create_editors_group(apps, schema_editor):
    # Permissions are normally made after all migrations; make the catalog's now so the
    # group can hold them on a fresh database.
    catalog_config = apps.get_app_config("catalog")
    catalog_config.models_module = True
    create_permissions(catalog_config, apps=apps, verbosity=0)

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=EDITORS)
    permissions = Permission.objects.filter(
        content_type__app_label="catalog", content_type__model__in=CATALOG_MODELS
    ).exclude(content_type__model="citation", codename__regex=r"^(add|change|delete)_")
    group.permissions.add(*permissions)


def remove_editors_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=EDITORS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_editors_group, remove_editors_group)]
