from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    """Background jobs on Django's task API: the email outbox, retries, failed jobs, and the
    database workers' heartbeats. Below every app that queues work, above the kernel."""

    name = "jobs"
    verbose_name = _("Background jobs")

    def ready(self) -> None:
        # The receiver that retries or records each failed job, and `check --deploy`'s
        # question to the jobs' Redis.
        from jobs import checks, queue  # noqa: F401
