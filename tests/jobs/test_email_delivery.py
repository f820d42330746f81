"""Every email goes out from a worker: the request only writes it to the outbox. Here the
database queue and the real worker (`manage.py worker --batch`) run in this process; the
worker processes themselves, killed mid-job, are in test_worker_processes.py."""

import datetime
import re

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from jobs.mail import deliver_email, queue_email
from jobs.models import FailedJob, OutgoingEmail, WorkerHeartbeat
from jobs.queue import enqueue
from reviews import moderation
from reviews.services import review_post
from tests.factories import make_member, make_staff
from tests.jobs.backends import SmtpDown
from tests.pages import messages_of, text_of

FAILED_JOBS = "/admin/jobs/failedjob/"


@pytest.fixture
def smtp_down(settings):
    settings.EMAIL_BACKEND = "tests.jobs.backends.SmtpDown"
    SmtpDown.down = True
    SmtpDown.sent = []
    return SmtpDown


def email_jobs():
    """The queue's email deliveries: a worker starting also queues the periodic jobs
    (jobs/periodic.py), which these tests leave aside."""
    return DBTaskResult.objects.filter(task_path=deliver_email.module_path)


def the_job() -> DBTaskResult:
    return email_jobs().get()


def due_now(job: DBTaskResult) -> None:
    """As if its retry delay were over."""
    DBTaskResult.objects.filter(pk=job.pk).update(run_after=timezone.now())


def test_the_sign_up_email_is_sent_by_the_worker_not_by_the_request(run_worker):
    response = Client().post(
        reverse("account_signup"),
        {
            "name": "Odette",
            "email": "odette@example.com",
            "password1": "pas de deux under the rain 7",
            "password2": "pas de deux under the rain 7",
        },
    )

    assert response.status_code == 302
    assert mail.outbox == []
    waiting = OutgoingEmail.objects.get()
    assert waiting.sent_at is None
    assert "confirm-email" in waiting.message["body"]
    assert the_job().status == TaskResultStatus.READY

    run_worker()

    [message] = mail.outbox
    assert message.to == ["odette@example.com"]
    assert re.search(r"http://testserver/accounts/confirm-email/\S+/", message.body)
    assert message.extra_headers["Message-ID"] == f"<{waiting.pk}@testserver>"
    sent = OutgoingEmail.objects.get()
    assert sent.sent_at is not None
    assert sent.message == {}  # the confirmation link is not kept once it is sent
    assert the_job().status == TaskResultStatus.SUCCESSFUL


def test_while_smtp_is_down_the_email_waits_out_each_delay_then_goes_once(run_worker, smtp_down):
    queue_email(to=["odette@example.com"], subject="Hello", body="Once only.")

    run_worker()
    job = the_job()
    assert job.status == TaskResultStatus.READY  # to run again, later
    assert len(job.worker_ids) == 1
    first_delay = (job.run_after - timezone.now()).total_seconds()
    assert 8 < first_delay <= 10  # the first of JOBS_RETRY_DELAYS, 10 s

    run_worker()  # too early: nothing runs before the delay is over
    assert len(the_job().worker_ids) == 1

    due_now(job)
    run_worker()
    job = the_job()
    assert len(job.worker_ids) == 2
    assert 58 < (job.run_after - timezone.now()).total_seconds() <= 60  # the second delay
    assert "SMTPConnectError" in job.traceback

    smtp_down.down = False
    due_now(job)
    run_worker()

    assert [message.subject for message in smtp_down.sent] == ["Hello"]
    assert the_job().status == TaskResultStatus.SUCCESSFUL
    assert len(the_job().worker_ids) == 3
    assert OutgoingEmail.objects.get().sent_at is not None
    assert not FailedJob.objects.exists()

    run_worker()  # nothing left to do
    assert len(smtp_down.sent) == 1


def test_an_email_that_fails_every_attempt_is_recorded_for_staff_and_sent_when_run_again(
    run_worker, smtp_down, database_queue
):
    database_queue.JOBS_RETRY_DELAYS = [0]  # one retry, at once
    email = queue_email(to=["odette@example.com"], subject="Hello", body="Once only.")

    run_worker()

    assert the_job().status == TaskResultStatus.FAILED
    failed = FailedJob.objects.get()
    assert failed.task_path == "jobs.mail.deliver_email"
    assert failed.attempts == 2
    assert failed.arguments == {"args": [], "kwargs": {"email_id": str(email.pk)}}
    assert failed.error.startswith("smtplib.SMTPConnectError: (421")
    assert OutgoingEmail.objects.get().sent_at is None

    admin = Client()
    admin.force_login(make_member("ops@example.com", "ops", is_staff=True, is_superuser=True))
    listed = text_of(admin.get(FAILED_JOBS))
    assert "jobs.mail.deliver_email" in listed and "SMTPConnectError" in listed
    assert "1 Failed jobs" in text_of(admin.get("/admin/"))

    smtp_down.down = False
    response = admin.post(
        FAILED_JOBS,
        {"action": "run_again", "_selected_action": [failed.pk]},
        follow=True,
    )
    assert "1 job queued again." in messages_of(response)
    run_worker()

    assert [message.subject for message in smtp_down.sent] == ["Hello"]
    assert OutgoingEmail.objects.get().sent_at is not None
    assert FailedJob.objects.get().retried_at is not None
    assert "0 Failed jobs" in text_of(admin.get("/admin/"))


def test_the_same_email_queued_twice_goes_out_once(run_worker):
    email = queue_email(to=["odette@example.com"], subject="Hello", body="Once only.")
    enqueue(deliver_email, email_id=str(email.pk))  # a duplicate of its job

    run_worker()

    assert len(mail.outbox) == 1
    results = sorted(job.return_value for job in email_jobs())
    assert results == [False, True]  # the second found it sent


def test_a_job_left_running_by_a_worker_that_died_runs_again_once(run_worker, database_queue):
    database_queue.JOBS_WORKER_TIMEOUT_SECONDS = 30
    database_queue.JOBS_RETRY_DELAYS = [0]  # as a failure, after the first delay: here none
    queue_email(to=["odette@example.com"], subject="Hello", body="Once only.")
    # A worker claimed it a minute ago and was killed: no heartbeat since.
    email_jobs().update(
        status=TaskResultStatus.RUNNING,
        worker_ids=["gone:4242:abcdefgh"],
        started_at=timezone.now() - datetime.timedelta(minutes=1),
    )

    run_worker()  # a worker starting takes back the jobs of dead workers first

    assert len(mail.outbox) == 1
    job = the_job()
    assert job.status == TaskResultStatus.SUCCESSFUL
    assert job.worker_ids[0] == "gone:4242:abcdefgh" and len(job.worker_ids) == 2
    assert not FailedJob.objects.exists()


def test_a_long_job_of_a_worker_still_alive_is_left_alone(run_worker, database_queue):
    database_queue.JOBS_WORKER_TIMEOUT_SECONDS = 30
    queue_email(to=["odette@example.com"], subject="Hello", body="Once only.")
    email_jobs().update(
        status=TaskResultStatus.RUNNING,
        worker_ids=["busy:1:abcdefgh"],
        started_at=timezone.now() - datetime.timedelta(minutes=10),
    )
    WorkerHeartbeat.objects.create(
        worker_id="busy:1:abcdefgh", host="busy", pid=1, beat_at=timezone.now()
    )

    run_worker()

    assert mail.outbox == []
    assert the_job().status == TaskResultStatus.RUNNING


def test_a_moderators_decision_is_emailed_only_once_it_is_committed(run_worker, episode):
    moderator = make_staff("mod-ada", "Moderators")
    odile = make_member("odile@example.com", "odile")
    review = review_post(member=odile, episode=episode, body="The swans were off the beat")

    with pytest.raises(RuntimeError), transaction.atomic():
        moderation.review_hide(review=review, moderator=moderator, reason="Rolled back")
        raise RuntimeError("the caller's transaction fails after the decision")
    assert not OutgoingEmail.objects.exists()  # no email about a decision that never was

    moderation.review_hide(review=review, moderator=moderator, reason="Mocks the corps")
    assert mail.outbox == []
    run_worker()

    [told] = mail.outbox
    assert told.to == ["odile@example.com"]
    assert told.subject == "[Étoile] A moderator hid your review"
    assert "Mocks the corps" in told.body


def test_deleting_an_account_drops_the_emails_still_waiting_for_it_and_no_other(run_worker):
    from etoile_app.accounts import member_purge

    odette = make_member("odette@example.com", "odette")
    queue_email(to=["Odette@Example.com"], subject="A reply to your review", body="…")
    queue_email(to=["odile@example.com"], subject="Welcome", body="…")

    member_purge(member=odette)
    run_worker()

    assert [message.to for message in mail.outbox] == [["odile@example.com"]]
    assert not any(
        "odette@example.com" in str(email.message).lower() for email in OutgoingEmail.objects.all()
    )
    assert not FailedJob.objects.exists()
