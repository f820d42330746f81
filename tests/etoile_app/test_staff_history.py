"""The staff history (issue 19, point 4): every staff change, with who, when and each field
before and after, on the record's history page and in one site-wide list with filters and
"since my last visit"; each staff member sees only the records they may view, and no email.
And point 12: `make admin` can be scripted, and staff are named as colleagues know them."""

import datetime
import subprocess
from pathlib import Path

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode

from catalog.models import Episode
from etoile_app.admin_history import SinceLastVisitFilter
from kernel import history
from members.models import HistoryVisit, User
from reviews import moderation
from reviews.models import Appeal, Review
from reviews.services import review_post
from tests.factories import fill_in_episode, make_member, make_staff
from tests.pages import admin_url, form_post_data

HISTORY = admin_url("admin", "logentry", "changelist")
ROOT = Path(__file__).resolve().parents[2]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def placeholder(number: int) -> Episode:
    return Episode.objects.get(season__number=1, number=number)


def edit_title(client, episode: Episode, title: str):
    url = admin_url("catalog", "episode", "change", episode.pk)
    data = form_post_data(client.get(url))
    data["title"] = title
    response = client.post(url, data)
    assert response.status_code == 302
    return response


# 4. Edits, bulk actions, suspensions: an entry each, with before and after ------------------


def test_an_editors_edit_shows_who_when_and_the_title_before_and_after(seeded, editor):
    editor.display_name = "Béa Editor"
    editor.save()
    episode = placeholder(2)
    before = episode.title
    client = signed_in(editor)

    edit_title(client, episode, "Les Répétitions")

    record_page = client.get(admin_url("catalog", "episode", "history", episode.pk))
    content = record_page.content.decode()
    assert "Béa Editor (@ed-bea)" in content
    assert f"Title: {before} → Les Répétitions" in content
    assert "ed-bea@example.com" not in content  # Django's page names staff by their login

    listed = client.get(HISTORY)
    content = listed.content.decode()
    assert listed.status_code == 200
    assert "Béa Editor (@ed-bea)" in content
    assert f"Title: {before} → Les Répétitions" in content
    entry = LogEntry.objects.get(user=editor)
    assert timezone.now() - entry.action_time < datetime.timedelta(minutes=1)


def test_marking_curated_leaves_an_entry_on_each_record_it_changed(seeded, admin_client):
    # Filled in, as curating requires (catalog.services.missing_for_curation).
    third, fourth = fill_in_episode(placeholder(3)), fill_in_episode(placeholder(4))
    curated = placeholder(5)
    Episode.objects.filter(pk=curated.pk).update(awaiting_curation=False)

    admin_client.post(
        admin_url("catalog", "episode", "changelist"),
        {
            "action": "mark_curated",
            "_selected_action": [third.pk, fourth.pk, curated.pk],
            "index": "0",
        },
    )

    entries = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Episode))
    assert sorted(int(entry.object_id) for entry in entries) == sorted([third.pk, fourth.pk])
    page = admin_client.get(admin_url("catalog", "episode", "history", third.pk))
    content = page.content.decode()
    assert "Mark selected as curated" in content
    assert "Awaiting curation: yes → no" in content


def test_a_suspension_and_a_moderation_decision_leave_an_entry_on_each_record(
    seeded, episode, moderator
):
    authors = [make_member(handle=f"author-{n}") for n in range(2)]
    reviews = [review_post(member=author, episode=episode, body="Loud.") for author in authors]
    client = signed_in(moderator)

    client.post(
        admin_url("etoile_app", "user", "changelist"),
        {
            "action": "suspend",
            "_selected_action": [author.pk for author in authors],
            "reason": "Spam ring",
            "index": 0,
        },
    )
    reviewer = make_member(handle="third-author")
    third = review_post(member=reviewer, episode=episode, body="Rude.")
    client.post(
        admin_url("reviews", "review", "changelist"),
        {"action": "hide", "_selected_action": [third.pk], "reason": "Insults", "index": 0},
    )

    user_type = ContentType.objects.get_for_model(User)
    suspended = LogEntry.objects.filter(content_type=user_type, action_flag=CHANGE)
    assert sorted(int(e.object_id) for e in suspended) == sorted(a.pk for a in authors)
    assert LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Review), object_id=str(third.pk)
    ).exists()
    assert not LogEntry.objects.filter(object_id__in=[str(r.pk) for r in reviews]).exclude(
        content_type=user_type
    )
    page = signed_in(moderator).get(admin_url("etoile_app", "user", "history", authors[0].pk))
    content = page.content.decode()
    assert "Suspend: cannot sign in, everything they wrote hidden" in content
    assert "Active: yes → no" in content
    assert "Reason: Spam ring" in content
    listed = client.get(HISTORY).content.decode()
    assert "Status: Visible → Hidden" in listed
    assert "Reason: Insults" in listed


def test_a_password_change_is_recorded_without_the_password(db, admin_client):
    member = make_member(handle="forgetful")
    admin_client.post(
        reverse("admin:auth_user_password_change", args=[member.pk]),
        {"password1": "a brand new passphrase 42", "password2": "a brand new passphrase 42"},
    )

    entry = LogEntry.objects.get(object_id=str(member.pk))
    assert "brand new" not in entry.change_message
    assert "not recorded" in admin_client.get(HISTORY).content.decode()


# Filters, search, "since my last visit" -----------------------------------------------------


def entry_for(user, obj, when=None, message="[]") -> LogEntry:
    return LogEntry.objects.create(
        user=user,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        object_repr=str(obj),
        action_flag=CHANGE,
        change_message=message,
        action_time=when or timezone.now(),
    )


def listed(client, query="") -> list[str]:
    response = client.get(HISTORY + query)
    assert response.status_code == 200
    return sorted(entry.object_repr for entry in response.context["cl"].result_list)


def test_the_site_wide_history_filters_by_staff_kind_action_date_and_search(
    seeded, admin_client, editor, moderator
):
    show_episode, member = placeholder(5), make_member(handle="rothbart")
    entry_for(editor, show_episode)
    entry_for(moderator, member, when=timezone.now() - datetime.timedelta(days=40))
    episode_type = ContentType.objects.get_for_model(Episode)

    assert listed(admin_client, f"?user__id__exact={editor.pk}") == [str(show_episode)]
    assert listed(admin_client, f"?content_type__id__exact={episode_type.pk}") == [
        str(show_episode)
    ]
    assert listed(admin_client, "?action_flag__exact=3") == []
    past_week = urlencode({"action_time__gte": timezone.now() - datetime.timedelta(days=7)})
    assert listed(admin_client, "?" + past_week) == [str(show_episode)]
    assert listed(admin_client, "?q=rothbart") == [str(member)]
    assert listed(
        admin_client, f"?content_type__id__exact={episode_type.pk}&object_id={show_episode.pk}"
    ) == [str(show_episode)]
    # A date no one can mean is the admin's usual "?e=1", never a 500.
    assert admin_client.get(HISTORY + "?action_time__gte=not-a-date").status_code == 302


def test_since_my_last_visit_shows_only_what_came_after_it(seeded, editor):
    client = signed_in(editor)
    old, new = placeholder(6), placeholder(7)
    entry_for(editor, old, when=timezone.now() - datetime.timedelta(hours=3))
    client.get(HISTORY)  # the first visit
    HistoryVisit.objects.filter(staff=editor).update(
        seen_at=timezone.now() - datetime.timedelta(hours=2)
    )
    entry_for(editor, new, when=timezone.now() - datetime.timedelta(hours=1))

    page = client.get(HISTORY)
    assert "Since my last visit" in page.content.decode()
    assert listed(client, "?since=last-visit") == [str(new)]
    # Paging and filtering a moment later is the same visit: the filter stays put.
    assert listed(client, "?since=last-visit") == [str(new)]
    assert listed(client) == sorted([str(old), str(new)])


def test_the_admins_first_page_counts_the_changes_since_my_last_visit(seeded, editor):
    client = signed_in(editor)
    entry_for(editor, placeholder(6), when=timezone.now() - datetime.timedelta(hours=3))
    client.get(HISTORY)
    HistoryVisit.objects.filter(staff=editor).update(
        seen_at=timezone.now() - datetime.timedelta(hours=2)
    )
    entry_for(editor, placeholder(7))
    entry_for(editor, placeholder(8))

    glance = {entry["label"]: entry for entry in client.get("/admin/").context["at_a_glance"]}

    entry = glance["Staff changes since my last visit to the history"]
    assert entry["count"] == 2
    assert entry["url"] == HISTORY + "?since=last-visit"
    assert listed(client, "?since=last-visit") == sorted([str(placeholder(7)), str(placeholder(8))])


def test_the_history_reads_in_french(seeded, editor):
    # The admin is served in one language; its strings are translated all the same.
    edit_title(signed_in(editor), placeholder(2), "Les Répétitions")
    entry = LogEntry.objects.get(user=editor)

    with translation.override("fr"):
        lines = history.change_lines(entry)
        title = str(SinceLastVisitFilter.title)

    assert any(line == "Titre\u00a0: Episode 2 → Les Répétitions" for line in lines), lines
    assert title == "ma dernière visite"


# Who sees what ------------------------------------------------------------------------------


def test_a_moderator_sees_moderation_history_but_no_catalog_history_and_no_email(
    seeded, editor, moderator, admin_client
):
    episode = placeholder(8)
    edit_title(signed_in(editor), episode, "Secret rehearsal")
    member = make_member("odile.black@example.com", "odile-b")
    admin_client.post(
        admin_url("etoile_app", "user", "changelist"),
        {"action": "suspend", "_selected_action": [member.pk], "reason": "Spam", "index": 0},
    )
    client = signed_in(moderator)

    page = client.get(HISTORY)
    content = page.content.decode()
    assert page.status_code == 200
    assert "Secret rehearsal" not in content
    assert "odile-b" in content
    assert "@example.com" not in content  # neither the member's nor any staff's address
    assert client.get(HISTORY + "?q=Secret").context["cl"].result_count == 0
    history_of_episode = admin_url("catalog", "episode", "history", episode.pk)
    assert client.get(history_of_episode).status_code == 403
    member_history = client.get(admin_url("etoile_app", "user", "history", member.pk))
    assert "@example.com" not in member_history.content.decode()
    # The editor, in turn, sees the catalog's entries and not the suspension.
    assert "odile-b" not in signed_in(editor).get(HISTORY).content.decode()


def test_a_member_without_staff_status_cannot_open_the_history(db, client):
    client.force_login(make_member(handle="curious"))
    assert client.get(HISTORY).status_code in (302, 403)


def test_the_site_wide_history_runs_the_same_queries_for_few_or_many_entries(
    seeded, editor, moderator, admin_client, django_assert_max_num_queries
):
    episodes = list(Episode.objects.all()[:10])

    def make(n):
        for i in range(n):
            entry_for(editor if i % 2 else moderator, episodes[i % len(episodes)])

    make(3)
    editor_client = signed_in(editor)
    counts = {}
    for client in (admin_client, editor_client):
        client.get(HISTORY)  # warms the content-type cache
        with django_assert_max_num_queries(12) as few:
            client.get(HISTORY)
        counts[client] = len(few.captured_queries)
    make(60)
    for client in (admin_client, editor_client):
        with django_assert_max_num_queries(counts[client]):
            response = client.get(HISTORY)
        assert len(response.context["cl"].result_list) > 10


# 12. Scripted `make admin`, and staff named as colleagues know them --------------------------


def test_createsuperuser_takes_email_password_and_handle_from_the_environment(db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "ops@example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "an operator's long passphrase")
    monkeypatch.setenv("DJANGO_SUPERUSER_HANDLE", "night-ops")

    call_command("createsuperuser", "--noinput", verbosity=0)

    boss = User.objects.get(email="ops@example.com")
    assert boss.is_superuser and boss.check_password("an operator's long passphrase")
    assert boss.handle == "night-ops"


def test_createsuperuser_without_a_handle_takes_one_from_the_address(db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "an operator's long passphrase")
    monkeypatch.delenv("DJANGO_SUPERUSER_HANDLE", raising=False)

    call_command(
        "createsuperuser", "--noinput", "--email", "jane.doe+etoile@example.com", verbosity=0
    )
    call_command("createsuperuser", "--noinput", "--email", "admin@example.org", verbosity=0)

    assert User.objects.get(email="jane.doe+etoile@example.com").handle == "jane-doe"
    reserved = User.objects.get(email="admin@example.org").handle
    assert reserved.startswith("admin-") and not reserved.startswith("member-")


def test_createsuperuser_refuses_a_bad_handle_before_creating_anyone(db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "an operator's long passphrase")
    for bad in ("Not A Handle!", "admin"):
        monkeypatch.setenv("DJANGO_SUPERUSER_HANDLE", bad)
        with pytest.raises(CommandError):
            call_command("createsuperuser", "--noinput", "--email", "x@example.com", verbosity=0)
    assert not User.objects.filter(email="x@example.com").exists()


def test_make_admin_passes_noinput_when_email_and_password_are_set():
    def dry_run(**env):
        return subprocess.run(
            ["make", "--no-print-directory", "-n", "admin"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env={"PATH": "/usr/bin:/bin", **env},
            check=True,
        ).stdout

    scripted = dry_run(DJANGO_SUPERUSER_EMAIL="ops@example.com", DJANGO_SUPERUSER_PASSWORD="x")
    assert "createsuperuser --noinput" in scripted
    assert "createsuperuser --noinput" not in dry_run()
    assert "createsuperuser" in dry_run()


def test_the_audit_trail_names_a_moderator_by_display_name_and_handle(
    seeded, episode, admin_client
):
    moderator = make_staff("mod-cy", "Moderators")
    moderator.display_name = "Cyrielle"
    moderator.save()
    review = review_post(member=make_member(handle="loud"), episode=episode, body="Loud.")
    signed_in(moderator).post(
        admin_url("reviews", "review", "changelist"),
        {"action": "hide", "_selected_action": [review.pk], "reason": "Insults", "index": 0},
    )

    trail = admin_client.get(admin_url("reviews", "moderationaction", "changelist"))
    assert "Cyrielle (@mod-cy)" in trail.content.decode()


def test_answering_an_appeal_leaves_an_entry_on_the_appeal(seeded, episode, moderator):
    author = make_member(handle="appellant")
    review = review_post(member=author, episode=episode, body="Fair.")
    moderation.review_hide(review=review, moderator=moderator, reason="Insults")
    decision = review.moderation_actions.get()
    appeal = moderation.appeal_create(member=author, decision=decision, text="It was fair.")

    signed_in(moderator).post(
        admin_url("reviews", "appeal", "changelist") + "?state=open",
        {"action": "reject", "_selected_action": [appeal.pk], "reason": "Still rude", "index": 0},
    )

    entry = LogEntry.objects.get(content_type=ContentType.objects.get_for_model(Appeal))
    assert entry.object_id == str(appeal.pk)
    assert history.change_lines(entry) == ["Reject: keep the decision", "Reason: Still rude"]


@pytest.mark.parametrize(
    "query",
    [
        "?since=%3Cscript%3E",
        "?user__id__exact=abc",
        "?content_type__id__exact=99999999999999999999999",
        "?action_flag__exact=zzz",
        "?action_time__gte=9999-99-99",
        "?p=99999",
        "?o=99",
    ],
)
def test_hostile_history_queries_get_the_list_or_its_error_page_never_a_500(
    db, admin_client, query
):
    assert admin_client.get(HISTORY + query).status_code in (200, 302)
