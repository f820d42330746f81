"""Reviews' background jobs (jobs/): applying a confirmed import."""

from django.db import transaction
from django.utils import timezone, translation
from django_tasks import task

from jobs.queue import enqueue, on_give_up
from members.models import User
from reviews import imports
from reviews.models import MemberImport


def import_queue(*, member: User, plan: dict) -> MemberImport:
    """Record a confirmed plan (imports.plan_load) and queue the job that applies it."""
    with transaction.atomic():
        run = MemberImport.objects.create(
            member=member, plan=plan, language=translation.get_language() or "en"
        )
        enqueue(apply_import, import_id=str(run.pk))
    return run


@task()
def apply_import(*, import_id: str) -> str:
    """Apply a confirmed import, all of it or none of it, and say how it ended on its page.
    Run twice, the second run finds it finished and does nothing."""
    with transaction.atomic():
        # Marked finished first, in the transaction that applies it: the UPDATE takes the
        # row's lock (PostgreSQL) or the database's write lock (SQLite), so a second run
        # waits here, then finds nothing under way. A failure rolls the mark back too.
        claimed = MemberImport.objects.filter(
            pk=import_id, status=MemberImport.Status.UNDER_WAY
        ).update(status=MemberImport.Status.DONE, finished_at=timezone.now())
        if not claimed:
            return "finished already"
        run = MemberImport.objects.select_related("member").get(pk=import_id)
        with translation.override(run.language):
            try:
                with transaction.atomic():
                    applied = imports.import_apply(member=run.member, plan=run.plan)
            except imports.ImportApplyError as error:
                run.status = MemberImport.Status.FAILED
                run.problem = str(error)
            else:
                run.ratings, run.watches, run.watchlist = (
                    applied.ratings,
                    applied.watches,
                    applied.watchlist,
                )
        run.plan = {}
        run.save()
    return run.status


@on_give_up(apply_import)
def import_failed(*, import_id: str) -> None:
    # Every attempt failed: nothing was written (each rolled back whole). The page says so
    # instead of "under way" for ever.
    MemberImport.objects.filter(pk=import_id, status=MemberImport.Status.UNDER_WAY).update(
        status=MemberImport.Status.FAILED, finished_at=timezone.now()
    )
