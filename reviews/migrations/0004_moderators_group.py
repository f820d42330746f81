from django.contrib.auth.management import create_permissions
from django.db import migrations

MODERATORS = "Moderators"
# (app label, model, actions). Moderators read members to see an author's history and
# suspend them through reviews' own permission; they cannot edit accounts or the catalog.
PERMISSIONS = [
    ("reviews", "review", ["view", "change"]),
    ("reviews", "moderationqueueitem", ["view", "change"]),
    ("reviews", "report", ["view"]),
    ("reviews", "moderationaction", ["view"]),
    ("reviews", "rating", ["view"]),
    ("reviews", "episodescores", ["view"]),
    ("reviews", "like", ["view"]),
    ("etoile_app", "user", ["view"]),
]
EXTRA = [("reviews", "suspend_member"), ("reviews", "recount_ratings")]


def create_moderators_group(apps, schema_editor):
    # Permissions are normally made after all migrations; make them now so the group can
    # hold them on a fresh database (as catalog's Editors migration does).
    for label in ("reviews", "etoile_app"):
        config = apps.get_app_config(label)
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=MODERATORS)
    wanted = [
        (label, f"{action}_{model}") for label, model, actions in PERMISSIONS for action in actions
    ] + EXTRA
    for label, codename in wanted:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=label, codename=codename)
        )


def remove_moderators_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=MODERATORS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0003_reports_and_moderation_actions"),
        ("etoile_app", "0004_user_suspended_at"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_moderators_group, remove_moderators_group)]
