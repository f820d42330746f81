"""RQ, as the site uses it (ETOILE_JOBS_REDIS_URL): the same retry policy as the database queue,
through RQ's own means.

django-tasks-rq queues a job without RQ's Retry, so RQ would run it once: a job that raised,
or whose worker was killed, would only land in RQ's failed registry. RetryingQueue gives every
job a Retry with the site's delays (settings.JOBS_RETRY_DELAYS). RQ then runs it again itself
after an exception, after its work horse was killed (the worker survives and notices at once),
and after its whole worker died (a live worker's maintenance finds the job's heartbeat expired,
about 90 seconds on, and retries it). After the last attempt, the failure callback records it
as a FailedJob, like the database queue's (jobs/queue.py).
"""

from django_rq.queues import DjangoRQ
from django_tasks_rq.backend import failed_callback as tell_django_tasks
from rq.callbacks import execute_failure_callback
from rq.job import Callback, Job, Retry
from rq.worker import Worker as RQWorker

from jobs.queue import describe_exception, record_failure, retry_delays

# RQ's default is ten minutes between maintenance runs, which is when a live worker looks for
# jobs whose worker died: with the heartbeat's 90 seconds, up to twelve minutes before one
# runs again. One minute keeps it under three, at one cheap Redis scan a minute per worker.
MAINTENANCE_SECONDS = 60


def failed_attempt(job: Job, connection, exc_type, exc_value, exc_traceback) -> None:
    """Every failed attempt: django-tasks-rq's own callback (the task_finished signal), then,
    on the last attempt, the site's record of the failure."""
    tell_django_tasks(job, connection, exc_type, exc_value, exc_traceback)
    if job.should_retry:
        return  # RQ runs it again after the next delay
    error, details = describe_exception(exc_value)
    record_failure(
        task_path=job.func_name,
        job_id=job.id,
        args=list(job.args),
        kwargs=dict(job.kwargs),
        attempts=len(retry_delays()) + 1,
        error=error,
        details=details,
    )


class RetryingQueue(DjangoRQ):
    def create_job(self, *args, retry: Retry | None = None, **kwargs) -> Job:
        delays = retry_delays()
        if retry is None and delays:
            retry = Retry(max=len(delays), interval=delays)
        # In place of django-tasks-rq's own failure callback, which failed_attempt calls.
        kwargs["on_failure"] = Callback(failed_attempt)
        return super().create_job(*args, retry=retry, **kwargs)


class WorkHorseKilled(Exception):
    """The process running the job ended without finishing it (killed, out of memory)."""


# RQ listens for commands (stop, kill the horse) in a thread that waits up to 60 s for a
# message; stopping the worker joins that thread, so SIGTERM took up to a minute to stop an
# idle worker (rq/rq#2201; rq 3.0 with redis-py 8). A second's wait costs one Redis round
# trip a second per worker and lets a deploy stop workers at once.
COMMANDS_WAIT_SECONDS = 1


class Worker(RQWorker):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("maintenance_interval", MAINTENANCE_SECONDS)
        super().__init__(*args, **kwargs)

    def subscribe(self):
        self.log.info("Worker %s: subscribing to channel %s", self.name, self.pubsub_channel_name)
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(
            sleep_time=COMMANDS_WAIT_SECONDS,
            daemon=True,
            exception_handler=self._pubsub_exception_handler,
        )

    def handle_work_horse_killed(self, job, retpid, ret_val, rusage):
        # RQ retries the job (its Retry) but calls no failure callback when the work horse
        # dies: the last attempt would never be recorded. The callback decides, as after an
        # exception, from the retries left, which RQ counts down only after this.
        super().handle_work_horse_killed(job, retpid, ret_val, rusage)
        error = WorkHorseKilled(f"the work horse (pid {retpid}) ended with status {ret_val}")
        try:
            execute_failure_callback(job, self.death_penalty_class, WorkHorseKilled, error, None)
        except Exception:  # noqa: BLE001 (RQ goes on to retry or fail the job all the same)
            self.log.exception("failure callback for job %s raised", job.id)
