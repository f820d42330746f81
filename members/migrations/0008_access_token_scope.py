"""Tokens get a scope: read only, or read and write. The tokens that exist were made when
every token could write, and programs rely on that, so they become read-and-write (the
default given to AddField fills the existing rows); the field's default then turns to read
only, for the tokens made from now on."""

from django.db import migrations, models

SCOPES = [("read", "Read only"), ("read_write", "Read and write")]


class Migration(migrations.Migration):
    dependencies = [("etoile_app", "0007_one_unique_index_per_thing")]

    operations = [
        migrations.AddField(
            model_name="accesstoken",
            name="scope",
            field=models.CharField(
                choices=SCOPES, default="read_write", max_length=10, verbose_name="access"
            ),
        ),
        migrations.AlterField(
            model_name="accesstoken",
            name="scope",
            field=models.CharField(
                choices=SCOPES, default="read", max_length=10, verbose_name="access"
            ),
        ),
        migrations.AddConstraint(
            model_name="accesstoken",
            constraint=models.CheckConstraint(
                condition=models.Q(("scope__in", ["read", "read_write"])),
                name="access_token_known_scope",
            ),
        ),
    ]
