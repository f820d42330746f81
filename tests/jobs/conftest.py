import signal

import pytest
from django.core.management import call_command

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def database_queue(settings, transactional_db):
    """Jobs go to the database queue, as with `make run`, instead of running at once (the
    rest of the suite: tests/conftest.py); `run_worker` then works through them. The worker
    commits, so these tests do too."""
    settings.TASKS = DATABASE_QUEUE
    settings.JOBS_RETRY_DELAYS = [10, 60]
    return settings


@pytest.fixture
def run_worker(database_queue):
    """`manage.py worker --batch`, in this process: the real worker runs every job that is
    due, then stops."""

    def run() -> None:
        # db_worker takes SIGINT and SIGTERM for its own shutdown; pytest gets them back.
        signals = (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)
        handlers = {sig: signal.getsignal(sig) for sig in signals}
        try:
            call_command("worker", batch=True, reload=False, startup_delay=False, verbosity=0)
        finally:
            for sig, handler in handlers.items():
                signal.signal(sig, handler)

    return run
