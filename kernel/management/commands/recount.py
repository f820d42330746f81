from django.core.management.base import BaseCommand

from kernel.counters import recount_all


class Command(BaseCommand):
    help = (
        "Rebuild every counter (episode rating distributions, review likes and replies, the "
        "rankings' pairwise preferences) from the rows it counts, and report how many rows "
        "were wrong."
    )

    def handle(self, *args, **options):
        # Drift is reported, not an error: putting it right is what the command is for.
        for counter, wrong in recount_all().items():
            self.stdout.write(f"{counter}: {wrong} {'row' if wrong == 1 else 'rows'} wrong")
        self.stdout.write(self.style.SUCCESS("Every counter now matches its rows."))
