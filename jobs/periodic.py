"""Jobs that run every so often (the notifications' daily digest), on the site's own queue.

Each periodic job is a task that, when it runs, queues its next run with `run_after`: no cron,
no second scheduler. Apps register theirs in AppConfig.ready() with `every()`; `manage.py
worker` (and `manage.py schedule_periodic`) call `ensure_scheduled()`, which queues the first
run of each job that has none pending.

What keeps it to one run at a time, with any number of workers and web servers:

- a pending run is a PeriodicRun row, and the database holds at most one per job (a partial
  unique index): whoever creates it queues the job, whoever finds it there queues nothing;
- a run marks its row started under the row's lock and, in the same transaction, creates the
  next pending row: a job queued twice (a lost job queued again, a retry) finds its row started
  and schedules nothing more;
- the work itself must be safe to run twice (jobs/queue.py): a retry after a failure runs it
  again, and the digest marks what it sent.
"""

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task

from jobs.models import PeriodicRun
from jobs.queue import enqueue

log = logging.getLogger("etoile.jobs")

# A pending run this late was surely lost with its queue (Redis emptied): queued again.
LOST_AFTER = datetime.timedelta(hours=1)


@dataclass(frozen=True)
class Periodic:
    name: str
    interval: datetime.timedelta
    work: Callable[[], object]


jobs: dict[str, Periodic] = {}


def every(interval: datetime.timedelta, name: str, work: Callable[[], object]) -> None:
    jobs[name] = Periodic(name, interval, work)


def _queue(run: PeriodicRun) -> None:
    if not run_periodic.get_backend().supports_defer:
        # The tests' immediate backend cannot wait: the run stays pending for a test to run.
        log.info("periodic job %s due %s: the queue cannot defer it", run.name, run.due_at)
        return
    enqueue(run_periodic.using(run_after=max(run.due_at, timezone.now())), run_id=run.pk)


def schedule(name: str, due_at: datetime.datetime) -> PeriodicRun | None:
    """Make the job's pending run and queue it; None when one is pending already."""
    try:
        with transaction.atomic():
            run = PeriodicRun.objects.create(name=name, due_at=due_at)
    except IntegrityError:
        return None
    _queue(run)
    return run


def ensure_scheduled(now: datetime.datetime | None = None) -> list[str]:
    """Queue the first run of each registered job without a pending one (now), and queue again
    a pending run long overdue (its job lost). The names queued."""
    now = now or timezone.now()
    queued = []
    for name in jobs:
        pending = PeriodicRun.objects.filter(name=name, started_at__isnull=True).first()
        if pending is None:
            if schedule(name, now) is not None:
                queued.append(name)
        elif pending.due_at < now - LOST_AFTER:
            _queue(pending)  # a second copy finds it started and does nothing
            queued.append(name)
    return queued


def start(run_id: int, now: datetime.datetime | None = None) -> PeriodicRun | None:
    """Mark the run started and schedule the next; None when there is nothing to do (already
    finished, or its job no longer registered)."""
    now = now or timezone.now()
    with transaction.atomic():
        run = PeriodicRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.finished_at is not None or run.name not in jobs:
            return None
        if run.started_at is None:
            run.started_at = now
            run.save(update_fields=["started_at"])
            interval = jobs[run.name].interval
            next_due = run.due_at + interval
            while next_due <= now:  # a worker down for days runs once, not once a day missed
                next_due += interval
            try:
                with transaction.atomic():
                    following = PeriodicRun.objects.create(name=run.name, due_at=next_due)
            except IntegrityError:
                following = None  # someone scheduled it already (ensure_scheduled)
            if following is not None:
                transaction.on_commit(lambda: _queue(following))
    return run


@task()
def run_periodic(*, run_id: int) -> bool:
    """One run of a periodic job; False when it had been done."""
    run = start(run_id)
    if run is None:
        return False
    jobs[run.name].work()
    PeriodicRun.objects.filter(pk=run.pk, finished_at__isnull=True).update(
        finished_at=timezone.now()
    )
    return True
