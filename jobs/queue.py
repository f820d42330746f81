"""Queueing jobs, trying them again, and recording the ones that fail for good.

The engines do the queueing: django-tasks-db (a table in the site's database) by default, RQ
on Redis in production (settings.py, TASKS). Neither retries a job on its own through Django's
task API, and they differ on a worker that dies mid-job, so this module gives both the same
policy (settings.JOBS_RETRY_DELAYS):

- a job that raises runs again after each delay in turn; after the last, it is recorded as a
  FailedJob (admin: Failed jobs), and its task's give-up hook says so where a member looks;
- a job whose worker died runs again the same way. RQ notices by itself (a worker's heartbeat
  expires; jobs/rq.py gives every job RQ's own Retry); the database queue does not, so each
  `manage.py worker` says it is alive (jobs/worker.py) and requeue_abandoned() takes back the
  jobs of workers that stopped saying so.

Every job must therefore be safe to run twice: each records what it did in the transaction
that does it, and a second run finds it done.
"""

import datetime
import logging
import traceback
from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django_tasks import TaskResult, TaskResultStatus
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks.base import Task
from django_tasks.signals import task_finished
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from jobs.models import FailedJob, WorkerHeartbeat

log = logging.getLogger("etoile.jobs")

# Task path -> what to do once its job has failed for good (called with the job's keyword
# arguments), so that a page waiting for it does not wait for ever.
_give_up_hooks: dict[str, Callable[..., None]] = {}


def enqueue(task: Task, **kwargs) -> None:
    """Queue a job for a worker, as part of the caller's transaction.

    The database queue is a table: the job's row is written in the caller's transaction, so
    it exists if and only if the rows it is about were committed. Any other queue (RQ) is told
    once the transaction commits: a worker could otherwise start before the rows exist, or run
    a job whose transaction was rolled back. (The immediate backend, which the tests use, runs
    the job there and then, inside the caller's transaction.)"""
    if isinstance(task.get_backend(), DatabaseBackend | ImmediateBackend):
        task.enqueue(**kwargs)
    else:
        # Robust: if Redis refuses the job, the rows are committed all the same; the request
        # should not fail for it, and the log says which job was not queued.
        transaction.on_commit(partial(task.enqueue, **kwargs), robust=True)


def on_give_up(task: Task) -> Callable:
    """Register what to do when the task's job has failed for good; called with its keyword
    arguments, outside any transaction of the job's own."""

    def register(hook: Callable[..., None]) -> Callable[..., None]:
        _give_up_hooks[task.module_path] = hook
        return hook

    return register


def retry_delays() -> list[int]:
    return list(settings.JOBS_RETRY_DELAYS)


def record_failure(
    *, task_path: str, job_id: str, args: list, kwargs: dict, attempts: int, error: str, details=""
) -> FailedJob:
    """The job has failed for good: keep it for staff and tell whoever waits for it."""
    failed = FailedJob.objects.create(
        task_path=task_path,
        job_id=str(job_id),
        arguments={"args": args, "kwargs": kwargs},
        attempts=attempts,
        error=error[:2000],
        traceback=details,
    )
    log.error(
        "job %s (%s) failed for good after %s attempts: %s", job_id, task_path, attempts, error
    )
    hook = _give_up_hooks.get(task_path)
    if hook is not None:
        try:
            hook(*args, **kwargs)
        except Exception:  # noqa: BLE001 (the failure is recorded; the hook only tells)
            log.exception("the give-up hook of %s failed", task_path)
    return failed


def _error_of(task_result: TaskResult) -> tuple[str, str]:
    if not task_result.errors:
        return "The job failed without an error.", ""
    last = task_result.errors[-1]
    lines = [line for line in last.traceback.strip().splitlines() if line.strip()]
    return (lines[-1] if lines else last.exception_class_path), last.traceback


def _retry_from_the_table(task_result: TaskResult) -> bool:
    """Put a failed job of the database queue back, to run after its next delay. Its row stays
    the same; each run adds its worker to worker_ids, so the attempts are counted there."""
    attempts = len(task_result.worker_ids)
    delays = retry_delays()
    if attempts > len(delays):
        return False
    run_after = timezone.now() + datetime.timedelta(seconds=delays[attempts - 1])
    return bool(
        DBTaskResult.objects.filter(pk=task_result.id, status=TaskResultStatus.FAILED).update(
            status=TaskResultStatus.READY, run_after=run_after, finished_at=None
        )
    )


@receiver(task_finished)
def retry_or_record(sender, task_result: TaskResult, **kwargs) -> None:
    """After each run of a job on the database queue (or in-process, in tests): a failure runs
    again later, or is recorded. RQ's failures are handled in jobs/rq.py, where RQ's own
    Retry decides."""
    if task_result.status != TaskResultStatus.FAILED:
        return
    if not issubclass(sender, DatabaseBackend | ImmediateBackend):
        return
    try:
        if issubclass(sender, DatabaseBackend) and _retry_from_the_table(task_result):
            log.warning(
                "job %s (%s) failed, attempt %s: it will run again",
                task_result.id,
                task_result.task.module_path,
                len(task_result.worker_ids),
            )
            return
        error, details = _error_of(task_result)
        record_failure(
            task_path=task_result.task.module_path,
            job_id=task_result.id,
            args=list(task_result.args),
            kwargs=dict(task_result.kwargs),
            attempts=len(task_result.worker_ids),
            error=error,
            details=details,
        )
    except Exception:  # noqa: BLE001 (a receiver that raises would stop the worker's loop)
        log.exception("could not retry or record the failure of job %s", task_result.id)


class WorkerLost(Exception):
    """The worker running the job stopped saying it was alive: killed, or its machine gone."""


def requeue_abandoned() -> int:
    """Take back the jobs that database workers started and did not finish because they died:
    each is failed with WorkerLost and, through retry_or_record, runs again or is recorded.
    Called by every running worker, every few seconds (jobs/worker.py)."""
    cutoff = timezone.now() - datetime.timedelta(seconds=settings.JOBS_WORKER_TIMEOUT_SECONDS)
    alive = set(
        WorkerHeartbeat.objects.filter(beat_at__gte=cutoff).values_list("worker_id", flat=True)
    )
    taken_back = 0
    for job in DBTaskResult.objects.running().filter(started_at__lt=cutoff):
        worker = job.worker_ids[-1] if job.worker_ids else ""
        if worker in alive:
            continue  # a long job, and its worker is still at it
        with transaction.atomic():
            job = (
                DBTaskResult.objects.select_for_update(skip_locked=True)
                .filter(pk=job.pk, status=TaskResultStatus.RUNNING, started_at=job.started_at)
                .first()
            )
            if job is None:
                continue  # finished meanwhile, or another worker is taking it back
            job.set_failed(
                WorkerLost(
                    f"worker {worker or '(unknown)'} stopped answering while running this job"
                )
            )
        taken_back += 1
        log.warning("job %s (%s): its worker %s died", job.pk, job.task_path, worker)
        task_finished.send(sender=DatabaseBackend, task_result=job.task_result)
    # Workers stopped by a signal remove their own line; a killed one leaves it behind.
    WorkerHeartbeat.objects.filter(beat_at__lt=timezone.now() - datetime.timedelta(days=1)).delete()
    return taken_back


def describe_exception(error: BaseException) -> tuple[str, str]:
    """An exception as the failed-jobs list shows it: its last line, and the traceback."""
    details = "".join(traceback.format_exception(error))
    return f"{type(error).__name__}: {error}", details
