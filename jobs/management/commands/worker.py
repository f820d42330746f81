"""`python manage.py worker`: runs the jobs of the configured queue until stopped.

On the database queue (the default) this is django-tasks-db's `db_worker`, with the same
options (`--batch` runs what is queued and exits), plus the heartbeat that lets the other
workers take back its job if it dies (jobs/worker.py). With ETOILE_JOBS_REDIS_URL it is
django-rq's `rqworker` with RQ's scheduler, which runs the retries when their delay is up.
SIGINT or SIGTERM finishes the job at hand, then stops.
"""

import os

from django.conf import settings
from django.core.management import call_command
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands import db_worker

from jobs import periodic
from jobs.worker import Heartbeat, worker_name


class Command(db_worker.Command):
    help = "Run a worker for the site's job queue (the database, or RQ with ETOILE_JOBS_REDIS_URL)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        # Which host and process ran a job, in the queue's worker_ids and the failed jobs.
        parser.set_defaults(worker_id=f"{worker_name()}:{get_random_string(8)}"[-64:])
        if settings.JOBS_REDIS_URL:
            # db_worker checks that its backend is the database's; RQ's is not. A default
            # that is no string is not checked.
            parser.set_defaults(backend_name=None)

    def handle(self, **options):
        # The periodic jobs (jobs/periodic.py) each keep one run queued; the first worker to
        # start queues the first runs.
        periodic.ensure_scheduled()
        if settings.JOBS_REDIS_URL:
            self.run_rq(**options)
            return
        if options["reload"] and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true":
            # The reloader's parent only restarts the child that runs the jobs.
            super().handle(**options)
            return
        heartbeat = Heartbeat(options["worker_id"])
        heartbeat.start()
        try:
            super().handle(**options)
        finally:
            heartbeat.stop()

    def run_rq(self, *, verbosity, batch, max_tasks, worker_id, queue_name, **_options) -> None:
        # db_worker's options, in rqworker's words.
        call_command(
            "rqworker",
            *queue_name.split(","),
            with_scheduler=True,
            burst=batch,
            max_jobs=max_tasks,
            name=worker_id,
            verbosity=verbosity,
        )
