from django.core.management.base import BaseCommand

from reviews.moderation import end_due_suspensions


class Command(BaseCommand):
    help = (
        "Reinstate every member whose suspension has reached its end date, as a moderator's "
        "reinstatement does (ratings back in the counters, an entry in the audit trail, an "
        "email). Safe to run often and twice at once; run it from cron every few minutes."
    )

    def handle(self, *args, **options):
        ended = end_due_suspensions()
        self.stdout.write(f"Suspensions ended: {ended}.")
