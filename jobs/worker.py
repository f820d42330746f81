"""The database queue's workers say they are alive, and take back the jobs of those that died.

django-tasks-db marks a job RUNNING when a worker claims it and never looks at it again: a
worker killed mid-job (SIGKILL, out of memory, its machine gone, a deploy that does not wait)
leaves it RUNNING for ever. Each `manage.py worker` therefore writes a heartbeat every few
seconds from a thread of its own, and on the same beat fails the jobs of workers silent for
longer than JOBS_WORKER_TIMEOUT_SECONDS (jobs.queue.requeue_abandoned), which then run again.
"""

import logging
import os
import socket
import threading

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connections
from django.utils import timezone

from jobs.models import WorkerHeartbeat
from jobs.queue import requeue_abandoned

log = logging.getLogger("etoile.jobs")


def worker_name() -> str:
    """Who is working, for the queue's worker_ids and the logs: host and process."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


class Heartbeat:
    def __init__(self, worker_id: str) -> None:
        self.worker_id = worker_id
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.run, name="heartbeat", daemon=True)

    @property
    def interval(self) -> float:
        # Four beats in a timeout: one late beat (a busy database) is no death.
        return max(0.2, settings.JOBS_WORKER_TIMEOUT_SECONDS / 4)

    def start(self) -> None:
        # Alive before the first job is claimed; and a worker started after another died (a
        # restart, a deploy) takes back that worker's job before anything else.
        self.check()
        self.thread.start()

    def check(self) -> None:
        close_old_connections()
        try:
            self.beat()
            requeue_abandoned()
        except DatabaseError as error:
            # A locked SQLite file or a database restarting: the next beat tries again.
            log.warning("heartbeat of worker %s: %s", self.worker_id, error)

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=10)
        try:
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
        except DatabaseError:
            log.warning("could not remove the heartbeat of worker %s", self.worker_id)

    def beat(self) -> None:
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "host": socket.gethostname()[:255],
                "pid": os.getpid(),
                "beat_at": timezone.now(),
            },
        )

    def run(self) -> None:
        try:
            while not self.stopped.wait(self.interval):
                self.check()
        finally:
            connections.close_all()
