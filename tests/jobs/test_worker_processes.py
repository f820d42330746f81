"""Real worker processes (`manage.py worker`), killed mid-job as a crash would (SIGKILL), on
the database queue and on RQ: the job runs again, and its email goes out exactly once. And
two workers sharing a hundred jobs run each exactly once.

The workers run on the test's database where they can reach it (PostgreSQL); on SQLite,
whose test database lives in this process's memory, on a database file of this module."""

import os
import re
import shutil
import signal
import sqlite3
import sys
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import ON_POSTGRESQL
from tests.jobs.processes import (
    Browser,
    answers,
    copies_per_email,
    database_url,
    environment,
    kill,
    scenario,
    sent,
    start,
    start_worker,
    stop,
    wait_for,
)
from tests.redis_servers import free_port, redis_server

EVERYTHING_SENT_ONCE = {"emails_sent": 1, "emails_waiting": 0, "failed_jobs": []}


# PostgreSQL: the workers see what each test commits. SQLite: each test has a file of its own.
pytestmark = pytest.mark.django_db(transaction=ON_POSTGRESQL)


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory, django_db_setup, django_db_blocker) -> Path | None:
    """On SQLite: a file copy of the test database (migrated and seeded, in this process's
    memory), copied again for each test."""
    if ON_POSTGRESQL:
        return None
    template = tmp_path_factory.mktemp("worker-database") / "template.sqlite3"
    with django_db_blocker.unblock():
        connection.ensure_connection()
        assert "memory" in connection.settings_dict["NAME"], "not the test database"
        target = sqlite3.connect(template)
        connection.connection.backup(target)
        target.close()
    return template


class Workers:
    """The environment every process of a test shares, and the processes it started."""

    def __init__(self, env: dict, folder: Path):
        self.env = env
        self.folder = folder
        self.mail_dir = Path(env["ETOILE_TEST_MAIL_DIR"])
        self.processes = []
        self.hang = folder / "hanging"  # written by the first send, which then hangs

    def start(self, **extra):
        log = self.folder / f"worker-{len(self.processes) + 1}.log"
        process = start_worker({**self.env, **extra}, log)
        process.log = log
        self.processes.append(process)
        return process

    def ready(self, process) -> None:
        """Once the worker is taking jobs (its Django set up, its queue opened)."""
        wait_for(
            lambda: any(
                line in process.log.read_text(errors="replace")
                for line in ("Starting worker", "Listening on")
            ),
            "a worker to start",
        )

    def log(self) -> str:
        return "\n".join(
            process.log.read_text(errors="replace")[-5000:] for process in self.processes
        )


@pytest.fixture
def workers(sqlite_template, tmp_path):
    if ON_POSTGRESQL:
        database = database_url()
    else:
        shutil.copy(sqlite_template, tmp_path / "jobs.sqlite3")
        database = f"sqlite:///{tmp_path / 'jobs.sqlite3'}"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    running = Workers(environment(database=database, mail_dir=mail_dir), tmp_path)
    yield running
    for process in running.processes:
        stop(process)


def report(workers: Workers, **extra) -> dict:
    return scenario({**workers.env, **extra}, "report()")


def test_a_database_worker_killed_mid_job_leaves_it_to_the_next_which_sends_it_once(workers):
    hang = {"ETOILE_TEST_HANG_FIRST_SEND": str(workers.hang)}
    scenario(workers.env, "queue_emails(1)")
    first = workers.start(**hang)
    wait_for(workers.hang.exists, "the first worker to start sending", timeout=60)

    kill(first)  # mid-send: its transaction, with the email's "sent" mark, dies with it

    assert sent(workers.mail_dir) == []
    second = workers.start(**hang)
    wait_for(lambda: sent(workers.mail_dir), "the second worker to send it", timeout=60)
    stop(second)

    [(_message_id, sender)] = sent(workers.mail_dir)
    assert sender == second.pid
    state = report(workers)
    assert state | EVERYTHING_SENT_ONCE == state, workers.log()
    assert state["queue"] == [["SUCCESSFUL", 1]]
    assert state["attempts"] == [2]  # the killed one, and the one that sent it


def test_two_database_workers_run_each_of_a_hundred_jobs_exactly_once(workers):
    # Busy workers on a busy machine may beat late; none dies here.
    workers.env["ETOILE_JOBS_WORKER_TIMEOUT_SECONDS"] = "10"
    first, second = workers.start(), workers.start()
    workers.ready(first)
    workers.ready(second)

    scenario(workers.env, "queue_emails(100)")

    wait_for(lambda: len(sent(workers.mail_dir)) >= 100, "a hundred emails", timeout=120)
    stop(first)
    stop(second)
    copies = copies_per_email(workers.mail_dir)
    assert len(copies) == 100 and set(copies.values()) == {1}, workers.log()
    # Sent by these workers; which of the two takes which job is the machine's luck (in CI
    # one once took all hundred while the other ran the periodic jobs' first runs).
    assert {pid for _id, pid in sent(workers.mail_dir)} <= {first.pid, second.pid}
    state = report(workers)
    assert (state["emails_sent"], state["queue"]) == (100, [["SUCCESSFUL", 100]])
    assert set(state["attempts"]) == {1}


@pytest.fixture
def rq(workers):
    """The same workers on RQ, with a Redis of this test's own."""
    with redis_server(maxmemory="64mb", policy="noeviction") as server:
        workers.env["ETOILE_JOBS_REDIS_URL"] = server.url
        yield workers
        for process in workers.processes:
            stop(process)


def test_an_rq_work_horse_killed_mid_job_is_retried_by_its_worker_and_sends_once(rq):
    worker = rq.start(ETOILE_TEST_HANG_FIRST_SEND=str(rq.hang))
    scenario(rq.env, "queue_emails(1)")
    wait_for(rq.hang.exists, "the work horse to start sending", timeout=60)
    horse = int(rq.hang.read_text())
    assert horse != worker.pid  # RQ runs each job in a process of its own

    os.kill(horse, signal.SIGKILL)

    wait_for(lambda: sent(rq.mail_dir), "the worker to run it again", timeout=60)
    stop(worker)
    [(_message_id, sender)] = sent(rq.mail_dir)
    assert sender not in {horse, worker.pid}  # a new work horse sent it
    state = report(rq)
    assert state | EVERYTHING_SENT_ONCE == state, rq.log()


def test_an_rq_worker_killed_mid_job_leaves_it_to_the_next_which_sends_it_once(rq):
    hang = {"ETOILE_TEST_HANG_FIRST_SEND": str(rq.hang)}
    first = rq.start(**hang)
    scenario(rq.env, "queue_emails(1)")
    wait_for(rq.hang.exists, "the first worker to start sending", timeout=60)

    # As if its machine died: the worker, and its work horse, which RQ puts in a session of its
    # own (killing the worker alone, the work horse would finish the job).
    kill(first)
    os.kill(int(rq.hang.read_text()), signal.SIGKILL)
    # RQ finds the job abandoned once the dead worker's heartbeat expires, about 90 s on, at a
    # live worker's maintenance; this asks for that maintenance now.
    scenario(rq.env, "rq_take_back_abandoned()")
    rq.start(**hang)

    wait_for(lambda: sent(rq.mail_dir), "the second worker to send it", timeout=60)
    state = report(rq)
    assert state | EVERYTHING_SENT_ONCE == state, rq.log()
    assert len(sent(rq.mail_dir)) == 1


# `make run` ---------------------------------------------------------------------------------


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.single_database
def test_make_run_serves_and_works_under_one_command_that_one_ctrl_c_stops(workers):
    """`make run`'s last step as the Makefile runs it (after installing, migrating, seeding):
    honcho starts the web server and a worker from the Procfile; a sign-up on the web server
    is emailed by the worker; Ctrl-C (SIGINT to the terminal's process group) stops both."""
    port = free_port()
    env = {
        **workers.env,
        "DJANGO_DEBUG": "1",  # as `make run`: runserver, with its reloader, and the worker's
        "ETOILE_BIND": f"127.0.0.1:{port}",
        "ETOILE_SITE_URL": f"http://127.0.0.1:{port}",
    }
    log = workers.folder / "honcho.log"
    honcho = start(
        env, [str(Path(sys.executable).parent / "honcho"), "start", "web", "worker"], log
    )
    workers.processes.append(honcho)
    base = f"http://127.0.0.1:{port}"
    wait_for(
        lambda: "Starting worker" in log.read_text() and answers(f"{base}/healthz"), "make run"
    )

    password = "pas de deux under the rain 7"
    signed_up = Browser().post_form(
        f"{base}/accounts/signup/",
        f"{base}/accounts/signup/",
        {
            "name": "Odette",
            "email": "odette@example.com",
            "password1": password,
            "password2": password,
        },
    )

    assert signed_up == 302
    wait_for(lambda: sent(workers.mail_dir), "the worker to send the confirmation")
    [(_message_id, sender)] = sent(workers.mail_dir)
    started = dict(re.findall(r"(web|worker)\.1 started \(pid=(\d+)\)", log.read_text()))
    assert sender != int(started["web"])  # the email left from the worker, not the request

    os.killpg(honcho.pid, signal.SIGINT)

    assert honcho.wait(timeout=30) is not None
    assert not alive(int(started["web"])) and not alive(int(started["worker"])), log.read_text()
