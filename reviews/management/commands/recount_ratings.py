from django.core.management.base import BaseCommand

from reviews.services import recount_ratings


class Command(BaseCommand):
    help = (
        "Rebuild every episode's rating counters from the ratings themselves "
        "(`recount` rebuilds these and every other counter)."
    )

    def handle(self, *args, **options):
        episodes = recount_ratings().episodes
        self.stdout.write(self.style.SUCCESS(f"Recounted the ratings of {episodes} episodes."))
