"""`python manage.py schedule_periodic`: queue the first run of each periodic job that has none
pending (jobs/periodic.py). `manage.py worker` does the same as it starts; this is for a
deployment whose workers start before the migrations, or to check what is scheduled."""

from django.core.management.base import BaseCommand

from jobs import periodic
from jobs.models import PeriodicRun


class Command(BaseCommand):
    help = "Queue the first run of each periodic job (the daily digest…) that has none pending."

    def handle(self, **options):
        queued = periodic.ensure_scheduled()
        for name in periodic.jobs:
            pending = PeriodicRun.objects.filter(name=name, started_at__isnull=True).first()
            due = f"due {pending.due_at:%Y-%m-%d %H:%M} UTC" if pending else "not scheduled"
            mark = " (queued now)" if name in queued else ""
            self.stdout.write(f"{name}: {due}{mark}")
