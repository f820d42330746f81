from django.core.management.base import BaseCommand

from catalog.seeding import seed_catalog


class Command(BaseCommand):
    help = "Load the catalog facts stated in the two seed articles. Safe to run again."

    def handle(self, *args, **options):
        report = seed_catalog()
        if options["verbosity"] == 0:
            return
        if not report.changed_anything and not report.kept_edits:
            self.stdout.write("Catalog already up to date: nothing changed.")
            return
        for label in report.created if options["verbosity"] > 1 else []:
            self.stdout.write(f"created  {label}")
        for label in report.updated:
            self.stdout.write(f"updated  {label}")
        for label in report.kept_edits:
            self.stdout.write(f"kept admin edit  {label}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded: {len(report.created)} created, {len(report.updated)} updated, "
                f"{len(report.kept_edits)} admin edits kept, "
                f"{report.citations_added} citations added, "
                f"{report.citations_removed} removed."
            )
        )
