"""A suspension with an end: the member is told until when, and once the day comes they are
reinstated by the service a moderator's reinstatement uses, at their sign-in or by the
`end_suspensions` command, with an entry in the audit trail saying the site ended it."""

import datetime
import html
import io
from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from members.models import User
from reviews import moderation, services
from reviews.models import Appeal, ModerationAction
from tests.factories import PASSWORD, make_member, score_counts
from tests.pages import MEMBERS, messages_of, text_of

pytestmark = pytest.mark.django_db

INACTIVE = reverse("account_inactive")
REASON = "Insulted three members in one evening"


def sign_in(client, email="rothbart@example.com", password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def in_days(days: int) -> datetime.datetime:
    return timezone.now() + timedelta(days=days)


@pytest.fixture
def rothbart(episode):
    member = make_member("rothbart@example.com", "rothbart", display_name="Von Rothbart")
    services.rating_set(member=member, episode=episode, score=3)
    return member


@pytest.fixture
def suspended_a_week(rothbart, moderator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        moderation.member_suspend(
            member=rothbart, moderator=moderator, reason=REASON, until=in_days(7)
        )
    return User.objects.get(pk=rothbart.pk)


def the_week_passes(member: User) -> None:
    """As if the suspension had begun eight days ago and ended yesterday."""
    User.objects.filter(pk=member.pk).update(
        suspended_at=timezone.now() - timedelta(days=8),
        suspended_until=timezone.now() - timedelta(days=1),
    )


def test_a_suspension_with_an_end_says_until_when(suspended_a_week, episode):
    member = suspended_a_week
    assert not member.is_active
    assert member.suspended_until == ModerationAction.objects.get(kind="suspend").suspended_until
    assert score_counts(episode)[2] == 0  # the rating left the counters meanwhile
    [email] = mail.outbox
    until = timezone.localtime(member.suspended_until).date()
    assert f"suspended your account until {until:%B} {until.day}, {until.year}" in email.body

    client = Client()
    assert sign_in(client).url == INACTIVE
    words = text_of(client.get(INACTIVE))
    assert f"Your suspension ends on {until:%B} {until.day}, {until.year}." in words
    assert "no end date" not in words


def test_a_suspension_cannot_end_in_the_past(rothbart, moderator):
    with pytest.raises(moderation.ReportError, match="must end in the future"):
        moderation.member_suspend(
            member=rothbart, moderator=moderator, reason=REASON, until=in_days(-1)
        )
    assert User.objects.get(pk=rothbart.pk).is_active


def test_suspending_again_changes_the_end_and_records_it(suspended_a_week, moderator, episode):
    suspend = moderation.member_suspend
    assert suspend(member=suspended_a_week, moderator=moderator, reason="Less", until=in_days(2))
    assert suspend(member=suspended_a_week, moderator=moderator, reason="No end", until=None)
    assert not suspend(member=suspended_a_week, moderator=moderator, reason="Same", until=None)

    assert User.objects.get(pk=suspended_a_week.pk).suspended_until is None
    assert ModerationAction.objects.filter(kind="suspend").count() == 3
    assert score_counts(episode)[2] == 0  # taken out of the counters once, not three times


def test_the_command_reinstates_whoever_is_due_as_a_moderator_would(
    suspended_a_week, moderator, episode, django_capture_on_commit_callbacks
):
    indefinite = make_member("odile.b@example.com", "odile-b")
    later = make_member("siegfried@example.com", "siegfried")
    moderation.member_suspend(member=indefinite, moderator=moderator, reason="Spam")
    moderation.member_suspend(member=later, moderator=moderator, reason="Spam", until=in_days(3))
    # The appeal the member sent while suspended is answered by the end.
    Appeal.objects.create(
        decision=ModerationAction.objects.get(member=suspended_a_week, kind="suspend"),
        member=suspended_a_week,
        text="Please",
    )
    the_week_passes(suspended_a_week)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("end_suspensions", stdout=(out := io.StringIO()))

    assert out.getvalue().strip() == "Suspensions ended: 1."
    member = User.objects.get(pk=suspended_a_week.pk)
    assert member.is_active and member.suspended_at is None and member.suspended_until is None
    assert score_counts(episode)[2] == 1  # the rating is back in the counters
    ended = ModerationAction.objects.filter(member=member).latest("pk")
    assert (ended.kind, ended.moderator, ended.reason) == (
        "reinstate",
        None,
        "The suspension ended on its end date.",
    )
    assert Appeal.objects.get().resolved_at is not None
    [email] = mail.outbox
    assert email.subject == "[Étoile] Your suspension has ended"
    assert "reached its end date: you can sign in again" in email.body
    assert "The moderator's reason" not in email.body
    assert not User.objects.get(pk=indefinite.pk).is_active
    assert not User.objects.get(pk=later.pk).is_active
    assert moderation.end_due_suspensions() == 0  # nothing done twice


def test_the_site_does_not_end_a_suspension_a_moderator_changed_meanwhile(
    suspended_a_week, moderator
):
    seen_due_at = timezone.now() + timedelta(days=8)
    moderation.member_suspend(
        member=suspended_a_week, moderator=moderator, reason="No end after all", until=None
    )
    assert not moderation.member_reinstate(
        member=suspended_a_week,
        moderator=None,
        reason=moderation.SUSPENSION_ENDED,
        due_by=seen_due_at,
    )
    assert not User.objects.get(pk=suspended_a_week.pk).is_active


def test_signing_in_after_the_end_signs_the_member_in(suspended_a_week, episode):
    the_week_passes(suspended_a_week)
    client = Client()

    response = sign_in(client)

    assert response.status_code == 302 and response.url != INACTIVE
    assert client.get(reverse("member-settings")).status_code == 200
    assert User.objects.get(pk=suspended_a_week.pk).is_active
    assert score_counts(episode)[2] == 1


def test_the_wrong_password_ends_nothing(suspended_a_week):
    the_week_passes(suspended_a_week)
    sign_in(Client(), password="not the password at all")
    assert not User.objects.get(pk=suspended_a_week.pk).is_active


def test_the_inactive_page_lets_the_member_in_once_the_end_has_come(suspended_a_week):
    client = Client()
    sign_in(client)  # refused: a week to go
    the_week_passes(suspended_a_week)

    response = client.get(INACTIVE)

    assert response.status_code == 302 and response.url == reverse("account_login")
    assert "Your suspension has ended: you can sign in again." in messages_of(response)
    assert User.objects.get(pk=suspended_a_week.pk).is_active


def test_the_french_inactive_page_says_until_when_in_french(suspended_a_week):
    client = Client()
    client.post("/fr/accounts/login/", {"login": "rothbart@example.com", "password": PASSWORD})
    words = text_of(client.get("/fr" + INACTIVE))
    assert "Votre suspension prend fin le " in words
    assert "vous pourrez vous reconnecter" in words


# The moderator's side ------------------------------------------------------------------------


def suspend_in_admin(client, member, **fields):
    return client.post(
        MEMBERS,
        {
            "action": "suspend",
            "_selected_action": [member.pk],
            "reason": REASON,
            "index": 0,
            **fields,
        },
        follow=True,
    )


def test_a_moderator_suspends_until_a_date_in_the_admin(rothbart, moderator_client, moderator):
    day = timezone.localdate() + timedelta(days=10)

    response = suspend_in_admin(moderator_client, rothbart, suspended_until=day.isoformat())

    assert "Members suspended: 1." in messages_of(response)
    member = User.objects.get(pk=rothbart.pk)
    assert timezone.localtime(member.suspended_until).date() == day
    assert timezone.localtime(member.suspended_until).time() == datetime.time.min
    page = text_of(
        moderator_client.get(reverse("admin:etoile_app_user_change", args=[rothbart.pk]))
    )
    assert f"Member suspended until {day:%B} {day.day}, {day.year} · @mod-ada · {REASON}" in page
    entry = LogEntry.objects.get(object_id=str(rothbart.pk))
    assert "suspended_until" in entry.change_message


@pytest.mark.parametrize("typed", ["yesterday", "2001-01-01", "today"])
def test_an_end_that_is_no_future_date_suspends_nobody(rothbart, moderator_client, typed):
    if typed == "today":
        typed = timezone.localdate().isoformat()
    response = suspend_in_admin(moderator_client, rothbart, suspended_until=typed)
    assert response.status_code == 200
    assert "Nothing was done: a suspension's end must be a date after today." in messages_of(
        response
    )
    assert User.objects.get(pk=rothbart.pk).is_active


def test_the_audit_trail_names_the_site_when_a_suspension_ends(suspended_a_week, moderator_client):
    the_week_passes(suspended_a_week)
    moderation.end_due_suspensions()
    page = html.unescape(
        text_of(
            moderator_client.get(
                reverse("admin:etoile_app_user_change", args=[suspended_a_week.pk])
            )
        )
    )
    assert (
        "Member reinstated · the site (the suspension's end date) · "
        "The suspension ended on its end date." in page
    )


# What the database holds true ----------------------------------------------------------------


def refused(write) -> bool:
    try:
        with transaction.atomic():
            write()
    except IntegrityError:
        return True
    return False


def test_the_database_keeps_suspensions_consistent(rothbart, suspended_a_week):
    active = User.objects.filter(pk=rothbart.pk)
    now = timezone.now()
    assert refused(lambda: active.update(is_active=True))  # suspended yet able to sign in
    assert refused(lambda: active.update(suspended_until=now - timedelta(days=30)))
    assert refused(lambda: active.update(suspended_at=None))  # an end with no suspension
    assert refused(lambda: active.update(language="de"))
    record = ModerationAction.objects.filter(kind="suspend")
    assert refused(lambda: record.update(suspended_until=now + timedelta(days=1)))
    assert refused(
        lambda: ModerationAction.objects.create(
            kind="hide", subject="Something", reason="Test.", suspended_until=now
        )
    )


def test_the_review_page_suspends_the_author_until_a_day_too(rothbart, episode, moderator_client):
    review = services.review_post(member=rothbart, episode=episode, body="Rude words")
    page = text_of(moderator_client.get(reverse("admin:reviews_review_change", args=[review.pk])))
    assert "Suspended until (empty: no end):" in page
    day = timezone.localdate() + timedelta(days=3)

    response = moderator_client.post(
        reverse("admin:reviews_review_changelist"),
        {
            "action": "suspend_authors",
            "_selected_action": [review.pk],
            "reason": REASON,
            "suspended_until": day.isoformat(),
            "index": 0,
        },
        follow=True,
    )

    assert "1 member suspended." in messages_of(response)
    assert timezone.localtime(User.objects.get(pk=rothbart.pk).suspended_until).date() == day


def test_the_audit_trail_reads_in_the_moderators_language(
    rothbart, episode, reporters, moderator, moderator_client
):
    review = services.review_post(member=rothbart, episode=episode, body="Rude words")
    for reporter in reporters[:3]:
        moderation.report_create(reporter=reporter, review=review, reason="spam")
    moderation.review_remove(review=review, moderator=moderator, reason="Rude")
    User.objects.filter(pk=moderator.pk).update(language="fr")

    page = html.unescape(
        text_of(moderator_client.get(reverse("admin:reviews_moderationaction_changelist")))
    )

    assert f"Avis {review.pk} de @rothbart sur {episode}" in page
    assert "Signalé par 3 membres." in page
    assert "le site (seuil de signalements)" in page
    assert "Reported by" not in page and "Review " not in page
