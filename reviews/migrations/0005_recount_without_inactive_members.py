from django.db import migrations
from django.db.models import Count

SCORES = range(1, 11)


def recount(apps, schema_editor):
    """From now on only members in good standing count (a suspension takes a member's ratings
    out). Accounts switched off in the admin before suspensions existed were still counted:
    rebuild every episode's counters once, as recount_ratings does."""
    EpisodeScores = apps.get_model("reviews", "EpisodeScores")
    Rating = apps.get_model("reviews", "Rating")
    for scores in EpisodeScores.objects.all():
        counts = dict(
            Rating.objects.filter(episode_id=scores.episode_id, member__is_active=True)
            .values_list("score")
            .annotate(n=Count("pk"))
            .order_by()
        )
        EpisodeScores.objects.filter(pk=scores.pk).update(
            **{f"count_{score}": counts.get(score, 0) for score in SCORES}
        )


class Migration(migrations.Migration):
    dependencies = [("reviews", "0004_moderators_group")]

    operations = [migrations.RunPython(recount, migrations.RunPython.noop)]
