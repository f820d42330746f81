"""What the site keeps about its background jobs beside the queue itself: the emails it has to
send (the outbox), the jobs that failed for good, and which database workers are alive."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutgoingEmail(models.Model):
    """One email, rendered in the request, waiting for a worker to send it.

    Its id is the delivery's key: the worker marks it sent in the transaction that holds the
    row while the message goes out (jobs/mail.py), so a job run twice, retried after a crash
    or queued twice finds it sent and sends nothing. Once sent, the text is emptied: a
    password-reset link has no business staying in the database."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The message as Django's EmailMessage takes it: to, cc, bcc, reply_to, from_email,
    # subject, body, headers, and alternatives (an HTML version).
    message = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")

    def __str__(self) -> str:
        return str(self.pk)


class FailedJob(models.Model):
    """A job that failed every attempt (or whose workers kept dying), for staff to read and
    run again. Written by jobs/queue.py whichever queue ran it."""

    task_path = models.CharField(_("job"), max_length=200, db_index=True)
    job_id = models.CharField(_("job id"), max_length=64)
    arguments = models.JSONField(_("arguments"), default=dict)
    attempts = models.PositiveIntegerField(_("attempts"))
    error = models.TextField(_("error"))
    traceback = models.TextField(_("details"), blank=True)
    failed_at = models.DateTimeField(_("failed at"), auto_now_add=True, db_index=True)
    retried_at = models.DateTimeField(_("run again at"), null=True, blank=True)

    class Meta:
        verbose_name = _("failed job")
        verbose_name_plural = _("failed jobs")
        ordering = ["-failed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.task_path} {self.job_id}"


class WorkerHeartbeat(models.Model):
    """A database-queue worker saying it is alive (jobs/worker.py), every few seconds. A job
    marked running by a worker that stopped saying so is run again: the queue table alone
    cannot tell a long job from one whose worker was killed."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    beat_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.worker_id


class PeriodicRun(models.Model):
    """One run of a periodic job (jobs/periodic.py): due, started, finished.

    At most one run of each job is pending (not started): a partial unique index, so two
    workers scheduling the next run at once make one row, and only the one that made it queues
    the job."""

    name = models.CharField(_("job"), max_length=100)
    due_at = models.DateTimeField(_("due at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("periodic run")
        verbose_name_plural = _("periodic runs")
        constraints = [
            models.UniqueConstraint(
                fields=["name"],
                condition=models.Q(started_at__isnull=True),
                name="periodicrun_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} due {self.due_at:%Y-%m-%d %H:%M}"
