from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_tasks.base import Task

from jobs.models import FailedJob
from jobs.queue import enqueue
from kernel.admin_filters import DateHierarchyAdmin, set_or_not_filter

RunAgainFilter = set_or_not_filter(
    "retried_at", title=_("run again"), parameter="run_again", empty=_("Not yet"), is_set=_("Yes")
)


@admin.register(FailedJob)
class FailedJobAdmin(DateHierarchyAdmin):
    """Jobs that failed every attempt, with their error. Staff need the "view failed job"
    permission to see them and "change failed job" to run them again; nobody adds or edits
    one: the queue writes them (jobs/queue.py)."""

    list_display = ["failed_at", "task_path", "error_line", "attempts", "retried_at"]
    list_filter = ["task_path", RunAgainFilter, "failed_at"]
    search_fields = ["error", "job_id"]
    date_hierarchy = "failed_at"
    fields = [
        "task_path",
        "job_id",
        "arguments",
        "attempts",
        "failed_at",
        "retried_at",
        "error",
        "details",
    ]
    readonly_fields = fields
    actions = ["run_again"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # nothing to edit: the record is what happened

    @admin.display(description=_("error"))
    def error_line(self, obj: FailedJob) -> str:
        return obj.error[:200]

    @admin.display(description=_("details"))
    def details(self, obj: FailedJob) -> str:
        return format_html("<pre>{}</pre>", obj.traceback) if obj.traceback else "—"

    def has_run_again_permission(self, request) -> bool:
        return request.user.has_perm("jobs.change_failedjob")

    @admin.action(description=_("Run the selected jobs again"), permissions=["run_again"])
    def run_again(self, request, queryset) -> None:
        # A new job with the same arguments: every job is safe to run twice, so one that did
        # part of its work before failing does the rest, or nothing.
        count = 0
        for failed in queryset.filter(retried_at__isnull=True):
            task = import_string(failed.task_path)
            if not isinstance(task, Task):
                continue
            enqueue(task, **failed.arguments.get("kwargs", {}))
            failed.retried_at = timezone.now()
            failed.save(update_fields=["retried_at"])
            count += 1
        self.message_user(
            request,
            ngettext("%(count)s job queued again.", "%(count)s jobs queued again.", count)
            % {"count": count},
            messages.SUCCESS,
        )
