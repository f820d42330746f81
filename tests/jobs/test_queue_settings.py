"""Which queue the settings choose, and what `check --deploy` asks of the jobs' Redis."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from etoile_app.settings import env_seconds_list
from jobs.checks import job_queue_keeps_its_jobs
from tests.redis_servers import free_port, redis_server

PRINT_QUEUE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'tasks': settings.TASKS, 'rq': getattr(settings, 'RQ_QUEUES', None), "
    "'apps': settings.INSTALLED_APPS, 'delays': settings.JOBS_RETRY_DELAYS, "
    "'sqlite': settings.DATABASES['default'].get('OPTIONS', {})}))"
)


def queue_settings(**env) -> dict:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "ETOILE_"))
    }
    result = subprocess.run(  # noqa: S603 (this interpreter, printing its settings)
        [sys.executable, "-c", PRINT_QUEUE],
        env={**clean, "DJANGO_SETTINGS_MODULE": "etoile_app.settings", **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_by_default_the_queue_is_a_table_in_the_database_which_sqlite_shares_in_turn():
    values = queue_settings()

    assert values["tasks"]["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    assert values["rq"] is None and "django_rq" not in values["apps"]
    assert values["delays"] == [10, 60, 300, 1800]
    # The web server and the worker write one SQLite file: each takes the lock at BEGIN.
    assert values["sqlite"] == {"transaction_mode": "IMMEDIATE", "timeout": 20}


def test_a_jobs_redis_puts_the_queue_on_rq_with_retries():
    values = queue_settings(
        ETOILE_JOBS_REDIS_URL="redis://jobs.internal:6381/0", ETOILE_JOBS_RETRY_DELAYS="5,50"
    )

    assert values["tasks"]["default"]["BACKEND"] == "django_tasks_rq.RQBackend"
    assert values["rq"]["default"]["URL"] == "redis://jobs.internal:6381/0"
    assert values["rq"]["default"]["QUEUE_CLASS"] == "jobs.rq.RetryingQueue"
    assert {"django_rq", "django_tasks_rq"} <= set(values["apps"])
    assert values["delays"] == [5, 50]


@pytest.mark.parametrize("value", ["10,soon", "10,-5"])
def test_retry_delays_that_are_not_seconds_are_an_error(monkeypatch, value):
    monkeypatch.setenv("ETOILE_JOBS_RETRY_DELAYS", value)
    with pytest.raises(ImproperlyConfigured, match="ETOILE_JOBS_RETRY_DELAYS"):
        env_seconds_list("ETOILE_JOBS_RETRY_DELAYS", [10])


def warning_ids(settings, url: str) -> list[str]:
    settings.JOBS_REDIS_URL = url
    return [warning.id for warning in job_queue_keeps_its_jobs()]


def test_deploy_check_passes_a_jobs_redis_that_never_evicts_and_keeps_a_file(settings):
    with redis_server(maxmemory="16mb", policy="noeviction", appendonly=True) as redis:
        assert warning_ids(settings, redis.url) == []


def test_deploy_check_warns_of_a_jobs_redis_that_would_lose_jobs(settings):
    with redis_server(maxmemory="16mb", policy="allkeys-lru") as redis:
        assert warning_ids(settings, redis.url) == ["etoile.W005", "etoile.W006"]
    assert warning_ids(settings, f"redis://127.0.0.1:{free_port()}/0") == ["etoile.W004"]


def test_the_database_queue_needs_no_check(settings):
    assert warning_ids(settings, "") == []
