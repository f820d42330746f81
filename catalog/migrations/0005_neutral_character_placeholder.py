from django.db import migrations

OLD = "The matriarch (name awaiting curation)"
NEW = "The matriarch"


def neutral_name(apps, schema_editor):
    # The placeholder said the curation workflow out loud to visitors; "The matriarch" is how
    # the sources describe her, and staff see that the name awaits curation. A name an admin
    # has already set is left alone.
    Character = apps.get_model("catalog", "Character")
    Character.objects.filter(name=OLD).update(name=NEW)


def old_name(apps, schema_editor):
    Character = apps.get_model("catalog", "Character")
    Character.objects.filter(name=NEW, awaiting_curation=True).update(name=OLD)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_french_text")]

    operations = [migrations.RunPython(neutral_name, old_name)]
