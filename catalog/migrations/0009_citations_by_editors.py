import django.core.validators
from django.db import migrations, models

EDITORS = "Editors"


def editors_may_add_citations(apps, schema_editor):
    # Editors cite what they add, on the record's admin page; changing or deleting a
    # citation stays out of their reach, so the seed's evidence cannot be rewritten.
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=EDITORS).first()
    permission = Permission.objects.filter(
        content_type__app_label="catalog", codename="add_citation"
    ).first()
    if group is not None and permission is not None:
        group.permissions.add(permission)


def editors_may_not_add_citations(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name=EDITORS):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="catalog", codename="add_citation")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0008_citation_edited_at"),
    ]

    operations = [
        # Every citation made before this migration came from the seed.
        migrations.AddField(
            model_name="citation",
            name="from_seed",
            field=models.BooleanField(
                default=True, editable=False, verbose_name="from the seed data"
            ),
        ),
        migrations.AlterField(
            model_name="citation",
            name="from_seed",
            field=models.BooleanField(
                default=False, editable=False, verbose_name="from the seed data"
            ),
        ),
        migrations.AlterField(
            model_name="source",
            name="url",
            field=models.URLField(
                blank=True,
                help_text="Where readers can read the article: an http or https address.",
                validators=[django.core.validators.URLValidator(schemes=["http", "https"])],
                verbose_name="web address",
            ),
        ),
        migrations.RunPython(editors_may_add_citations, editors_may_not_add_citations),
    ]
