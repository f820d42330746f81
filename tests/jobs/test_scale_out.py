"""The site scaled out as docs/DEPLOY.md lays it out: two app servers (gunicorn, on two ports,
from the same release) and two workers, sharing one PostgreSQL database and one Redis (jobs
on RQ, the page cache and the rate limits). What one server does, the other knows at once."""

import re
import sys
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from catalog.models import Episode
from jobs import periodic
from members.models import User
from tests.factories import PASSWORD, make_member
from tests.jobs.processes import (
    MANAGE,
    Browser,
    answers,
    copies_per_email,
    database_url,
    environment,
    scenario,
    sent,
    start,
    start_worker,
    stop,
    wait_for,
)
from tests.redis_servers import free_port, redis_server

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def test_two_app_servers_and_two_workers_share_sessions_pages_and_jobs(tmp_path, seeded):
    episode = Episode.objects.get(season__number=1, number=3)
    odette = make_member("odette@example.com", "odette", display_name="Odette Swan")
    # Hashed as production hashes passwords: the servers do not know the tests' fast hasher.
    hasher = PBKDF2PasswordHasher()
    User.objects.filter(pk=odette.pk).update(password=hasher.encode(PASSWORD, hasher.salt()))
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    with redis_server(maxmemory="64mb", policy="noeviction") as redis:
        base = redis.url.rsplit("/", 1)[0]
        env = environment(
            database=database_url(),
            mail_dir=mail_dir,
            ETOILE_JOBS_REDIS_URL=f"{base}/0",
            REDIS_URL=f"{base}/1",
            RATELIMIT_REDIS_URL=f"{base}/2",
            DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        )
        processes = []
        try:
            # One release: its static files collected once, for both servers.
            collect = start(
                env, [*MANAGE, "collectstatic", "--no-input", "-v0"], tmp_path / "static.log"
            )
            workers = [start_worker(env, tmp_path / f"worker-{n}.log") for n in (1, 2)]
            processes += [collect, *workers]
            assert collect.wait(timeout=180) == 0, (tmp_path / "static.log").read_text()
            ports = [free_port(), free_port()]
            for n, port in enumerate(ports, start=1):
                processes.append(
                    start(
                        {**env, "ETOILE_SITE_URL": f"http://127.0.0.1:{port}"},
                        [GUNICORN, "etoile_app.wsgi", "--config", "gunicorn.conf.py"]
                        + ["--bind", f"127.0.0.1:{port}", "--workers", "1"]
                        + ["--no-control-socket"],
                        tmp_path / f"server-{n}.log",
                    )
                )
            one, other = (f"http://127.0.0.1:{port}" for port in ports)
            for server in (one, other):
                wait_for(lambda server=server: answers(f"{server}/healthz"), f"{server} to start")

            # Signed in on one server, signed in on the other.
            member = Browser()
            signed_in = member.post_form(
                f"{one}/accounts/login/",
                f"{one}/accounts/login/",
                {"login": "odette@example.com", "password": PASSWORD},
            )
            assert signed_in == 302
            status, settings_page = member.get(f"{other}/me/settings/")
            assert status == 200 and "Odette Swan" in settings_page

            # A visitor reads the episode on the other server (its page is now cached in
            # Redis), the member rates it on the first; the visitor's next request shows it.
            visitor = Browser()
            page = f"/season/1/episode/{episode.number}/"
            assert "No ratings yet for this episode." in visitor.get(other + page)[1]
            rated = member.post_form(
                one + page, f"{one}/season/1/episode/{episode.number}/rating/", {"score": "8"}
            )
            assert rated == 302
            status, seen = visitor.get(other + page)
            assert status == 200
            summary = re.search(
                r"No ratings yet for this episode\.|How \d+ members? rated[^<]*", seen
            )
            assert summary and summary.group().startswith("How 1 member rated"), summary

            # A hundred jobs, shared by the two workers: each runs exactly once.
            logs = [tmp_path / f"worker-{n}.log" for n in (1, 2)]
            for log in logs:
                wait_for(lambda log=log: "Listening on" in log.read_text(), "a worker to listen")
            scenario(env, "queue_emails(100)")
            wait_for(lambda: len(sent(mail_dir)) >= 100, "a hundred emails", timeout=120)
            for process in workers:
                stop(process)
            copies = copies_per_email(mail_dir)
            assert len(copies) == 100 and set(copies.values()) == {1}
            done = [log.read_text().count(": Job OK (") for log in logs]
            # Both workers took their share. Beside the emails, each worker starting queues the
            # periodic jobs' first runs (jobs/periodic.py), once for the two: they may or may
            # not have run by now.
            assert 100 <= sum(done) <= 100 + len(periodic.jobs) and min(done) > 0, done
            state = scenario(env, "report()")
            assert (state["emails_sent"], state["failed_jobs"]) == (100, [])
        finally:
            for process in processes:
                stop(process)
