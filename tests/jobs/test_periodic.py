"""The periodic jobs (jobs/periodic.py) on the real database queue and worker: the worker
queues the first run of each as it starts, each run queues the next for a day later, and
starting more workers adds no second pending run."""

import datetime

from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from jobs import periodic
from jobs.models import PeriodicRun


def test_each_periodic_job_runs_once_and_queues_its_next_run_a_day_on(run_worker):
    before = timezone.now()
    run_worker()  # queues the first runs (due now), then runs them
    run_worker()  # a second worker starting: nothing pending is due, nothing queued twice

    for name in ("notifications.daily_digest", "reviews.end_suspensions"):
        runs = list(PeriodicRun.objects.filter(name=name).order_by("pk"))
        assert len(runs) == 2, name
        done, pending = runs
        assert done.started_at and done.finished_at and pending.started_at is None
        assert pending.due_at - done.due_at == datetime.timedelta(days=1)
    waiting = DBTaskResult.objects.filter(
        task_path=periodic.run_periodic.module_path, status=TaskResultStatus.READY
    )
    assert waiting.count() == 2
    assert all(job.run_after > before + datetime.timedelta(hours=23) for job in waiting)
