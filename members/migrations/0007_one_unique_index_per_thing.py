"""Email and handle each had two unique indexes: the column's own (unique=True) and one on
Lower(). One each is left, the column's: lookups such as `handle=...` use it, and Django's
forms and auth checks know it. It is case-insensitive in effect because a CHECK now keeps
both columns in lowercase, which every path that writes them already did (the manager,
User.clean, allauth)."""

from django.db import migrations, models
from django.db.models.functions import Lower


def lowercase(apps, schema_editor):
    # The Lower() unique indexes guarantee that no two rows collide once lowercased.
    User = apps.get_model("etoile_app", "User")
    for field in ("email", "handle"):
        User.objects.exclude(**{field: Lower(field)}).update(**{field: Lower(field)})


class Migration(migrations.Migration):
    dependencies = [("etoile_app", "0006_access_tokens")]

    operations = [
        migrations.RunPython(lowercase, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="user", name="user_email_ci_unique"),
        migrations.RemoveConstraint(model_name="user", name="user_handle_ci_unique"),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(
                condition=models.Q(("email", Lower("email"))), name="user_email_lowercase"
            ),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(
                condition=models.Q(("handle", Lower("handle"))), name="user_handle_lowercase"
            ),
        ),
    ]
