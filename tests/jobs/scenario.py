"""What the worker-process tests ask of a Django process of their own, on the database the
workers use: `manage.py shell -c "from tests.jobs import scenario; scenario.queue_emails(3)"`.
The test's own process may be on another database (pytest-django's SQLite test database lives
in its memory), so these run beside the workers instead."""

import json
import time

from django.db.models import Count
from django_tasks_db.models import DBTaskResult

from jobs.mail import deliver_email, queue_email
from jobs.models import FailedJob, OutgoingEmail, PeriodicRun, WorkerHeartbeat


def queue_emails(count: int, subject: str = "Job") -> None:
    for n in range(count):
        queue_email(to=[f"fan{n}@example.com"], subject=f"{subject} {n}", body=f"Message {n}.")


def reset() -> None:
    """The queue and its records empty, for the next test on the same database."""
    for model in (DBTaskResult, FailedJob, OutgoingEmail, PeriodicRun, WorkerHeartbeat):
        model.objects.all().delete()


def report() -> None:
    """What became of the emails and their delivery jobs (a worker starting also queues the
    periodic jobs, jobs/periodic.py, which are not counted here)."""
    deliveries = DBTaskResult.objects.filter(task_path=deliver_email.module_path)
    print(
        json.dumps(
            {
                "emails_sent": OutgoingEmail.objects.filter(sent_at__isnull=False).count(),
                "emails_waiting": OutgoingEmail.objects.filter(sent_at__isnull=True).count(),
                "failed_jobs": list(FailedJob.objects.values_list("task_path", "error")),
                "queue": sorted(
                    [row["status"], row["n"]]
                    for row in deliveries.values("status").annotate(n=Count("id"))
                ),
                "attempts": sorted(len(row.worker_ids) for row in deliveries),
            }
        )
    )


def rq_take_back_abandoned() -> None:
    """What a live RQ worker's maintenance does, once a dead worker's heartbeat has expired
    (about 90 seconds after it died): the test does not wait for that, it says it is now."""
    import django_rq
    from rq.registry import StartedJobRegistry

    queue = django_rq.get_queue("default")
    StartedJobRegistry(queue=queue).cleanup(timestamp=time.time() + 3600)


def rq_workers() -> None:
    import django_rq
    from rq import Worker

    print(len(Worker.all(connection=django_rq.get_connection("default"))))
