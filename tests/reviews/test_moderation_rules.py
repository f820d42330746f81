"""The moderation rules as the review of the moderation work left them.

Who a decision is credited to once its moderator's account is gone, who may suspend staff,
when a member may report an edited review again, which reports count, what can be replied to,
liked or reported, the honeypots, decisions on items deleted meanwhile, no deleting reviews in
the admin, and the one-off recount of the rating counters.

Members act through the pages, moderators and operators through the admin or
reviews.moderation, and each test checks what one of them would notice.

(Bounded queries of the queue and the reviews list are not repeated here:
test_moderation_admin.test_changelist_queries_do_not_grow_with_reported_items already counts
both lists, as a moderator, with few and many reported items.)
"""

import importlib

import django.apps
import pytest
from allauth.account.models import EmailAddress
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django.urls import reverse

from etoile_app.accounts import member_purge
from members.models import User
from reviews import moderation, services
from reviews.models import EpisodeScores, Like, ModerationAction, Report, Review
from reviews.moderation import ReportError
from reviews.services import ReviewError
from tests.factories import (
    PASSWORD,
    make_member,
    make_staff,
    refresh,
    reported_by,
    score_counts,
    signed_in,
    snapshot,
    take_down,
    write,
)
from tests.pages import (
    ACTIONS,
    ALREADY_REPORTED,
    CANNOT_EDIT,
    HONEYPOT_LABEL,
    MEMBERS,
    NO_REPORT_REASON,
    QUEUE,
    REVIEWS,
    THANKS,
    act,
    action_names,
    glance,
    listed,
    message_text,
    messages_of,
    page_of,
    report,
    report_url,
    result_rows,
    review_article,
    scores_shown,
)

pytestmark = pytest.mark.django_db

# Fixtures of the reporting and admin tests; pytest knows them by their own names.

DELETED_MODERATOR = "@mod-ada (account deleted)"
THE_SITE = "the site (report threshold)"
STAFF_ONLY_BY_ADMIN = "Only an administrator can suspend a staff member."


def edit_url(review: Review) -> str:
    return reverse("reviews:review-edit", args=[review.pk])


def leveled_messages(response) -> list[tuple[str, str]]:
    """The admin's messages with how they are shown: ("error", text), ("success", text)…"""
    return [(message.level_tag, str(message)) for message in get_messages(response.wsgi_request)]


def row_of(rows: list[str], text: str) -> str:
    [row] = [row for row in rows if text in row]
    return row


# 1. A deleted moderator's decisions stay theirs ------------------------------------------------


@pytest.mark.parametrize("how", ["member_purge", "User.delete"])
def test_a_deleted_moderators_decisions_keep_their_handle_in_the_audit_trail(
    odile, episode, reporters, moderator, superuser, how
):
    held = write(odile, episode, "Everyone who disagrees is an idiot.")
    reported_by(reporters[:3], held)
    touting = write(odile, episode, "Cheap tickets at the stage door.")
    assert moderation.review_hide(review=touting, moderator=moderator, reason="Ticket touting")

    if how == "member_purge":
        member_purge(member=moderator)
    else:
        User.objects.get(pk=moderator.pk).delete()

    assert not User.objects.filter(handle="mod-ada").exists()
    decision = ModerationAction.objects.get(kind=ModerationAction.Kind.HIDE)
    assert (decision.moderator, decision.moderator_handle) == (None, "mod-ada")
    response = signed_in(superuser).get(ACTIONS)
    assert response.status_code == 200
    rows = result_rows(response)
    assert len(rows) == 2
    hidden = row_of(rows, "Ticket touting")
    assert DELETED_MODERATOR in hidden
    assert THE_SITE not in hidden
    hold = row_of(rows, "Reported by 3 members.")
    assert THE_SITE in hold
    assert "account deleted" not in hold
    # An operator can still find everything that moderator decided.
    found = signed_in(superuser).get(ACTIONS, {"q": "mod-ada"})
    assert listed(found) == [decision.pk]


# 2. Staff are suspended by administrators only ------------------------------------------------


def test_only_an_administrator_can_suspend_a_staff_member(
    moderator, editor, superuser, episode, reporters
):
    colleague = make_staff("mod-cy", "Moderators")
    for staff in (editor, colleague):
        with pytest.raises(ReportError, match=STAFF_ONLY_BY_ADMIN):
            moderation.member_suspend(member=staff, moderator=moderator, reason="Power grab")
    in_admin = signed_in(moderator)

    response = act(in_admin, MEMBERS, "suspend", [editor, colleague], reason="Power grab")

    shown = leveled_messages(response)
    assert ("error", f"@ed-bea: {STAFF_ONLY_BY_ADMIN}") in shown
    assert ("error", f"@mod-cy: {STAFF_ONLY_BY_ADMIN}") in shown
    assert "Members suspended: 0." in messages_of(response)
    # Nor through the queue, by suspending the author of a reported review.
    by_editor = write(editor, episode, "An editor's opinion of the finale.")
    reported_by(reporters[:1], by_editor)
    queued = act(in_admin, QUEUE, "suspend_authors", [by_editor], reason="Power grab")
    assert ("error", f"@ed-bea: {STAFF_ONLY_BY_ADMIN}") in leveled_messages(queued)
    assert User.objects.filter(pk__in=[editor.pk, colleague.pk], is_active=True).count() == 2
    assert not ModerationAction.objects.filter(kind=ModerationAction.Kind.SUSPEND).exists()
    # The editor still works in the admin.
    assert signed_in(editor).get("/admin/catalog/show/").status_code == 200

    by_admin = act(signed_in(superuser), MEMBERS, "suspend", [editor], reason="Left the team")

    assert "Members suspended: 1." in messages_of(by_admin)
    assert not [text for level, text in leveled_messages(by_admin) if level == "error"]
    editor.refresh_from_db()
    assert editor.is_active is False and editor.suspended_at is not None
    record = ModerationAction.objects.get(kind=ModerationAction.Kind.SUSPEND)
    assert (record.member, record.moderator, record.reason) == (editor, superuser, "Left the team")


# 3. An edited review can be reported again ----------------------------------------------------


def test_after_an_approval_a_member_may_report_again_only_once_the_author_has_edited(
    client, odette, odile, odile_client, episode, reporters, moderator
):
    review = write(odile, episode, "The second cast is wooden.")
    assert report(client, review, "harassment").status_code == 302
    assert moderation.review_approve(review=review, moderator=moderator, reason="An opinion.")

    ignored = report(client, review, "harassment")

    assert ignored.status_code == 200
    assert ALREADY_REPORTED in page_of(ignored).find("main").words
    assert Report.objects.filter(reporter=odette).count() == 1
    assert not moderation.open_reports(review).exists()

    edited = odile_client.post(edit_url(review), {"body": "The second cast is wooden, idiots."})
    assert edited.status_code == 302
    assert refresh(review).edited_at is not None

    page = page_of(client.get(report_url(review)))
    assert ALREADY_REPORTED not in page.find("main").words
    assert page.find("form", action=report_url(review))
    again = report(client, review, "harassment")

    assert again.status_code == 302
    assert THANKS in message_text(page_of(client.get(again["Location"])))
    mine = Report.objects.filter(reporter=odette, review=review)
    assert mine.count() == 2
    assert mine.filter(resolved_at__isnull=True).count() == 1
    # Odette's new report is one of the three that hold the edited review.
    reported_by(reporters[:1], review)
    assert refresh(review).status == Review.Status.VISIBLE
    reported_by(reporters[1:2], review)
    assert refresh(review).status == Review.Status.HELD
    hold = ModerationAction.objects.get(kind=ModerationAction.Kind.HOLD)
    assert hold.reason == "Reported by 3 members."
    assert hold.text == "The second cast is wooden, idiots."


# 4. Nothing taken down can be edited, not even in a race --------------------------------------


@pytest.mark.parametrize("state", ["held", "hidden", "removed"])
def test_the_edit_service_refuses_what_is_taken_down_and_keeps_the_text(
    odile, episode, reporters, moderator, state
):
    review = write(odile, episode, "The original words.")
    take_down(state, review, reporters=reporters, moderator=moderator)

    with pytest.raises(ReviewError):
        services.review_edit(
            review=review, body="Rewritten behind the moderators' back.", is_spoiler=False
        )

    review = refresh(review)
    assert review.body == "The original words."
    assert review.edited_at is None
    assert review.status == state


def test_an_edit_posted_as_the_review_is_held_keeps_the_typed_text_and_says_why(
    odile, odile_client, episode, reporters, monkeypatch
):
    review = write(odile, episode, "The original words.")
    saving = services.review_edit

    def held_while_typing(**kwargs):
        # The third report lands between the form's check and the save.
        reported_by(reporters[:3], review)
        return saving(**kwargs)

    monkeypatch.setattr(services, "review_edit", held_while_typing)

    response = odile_client.post(edit_url(review), {"body": "My carefully rewritten words."})

    assert response.status_code == 400
    page = page_of(response)
    assert CANNOT_EDIT in page.find(role="alert").words
    assert page.find("textarea", name="body").text.strip() == "My carefully rewritten words."
    review = refresh(review)
    assert review.body == "The original words."
    assert review.edited_at is None
    assert review.status == Review.Status.HELD


# 5. Suspended members' reports stop counting --------------------------------------------------


def test_reports_of_members_later_suspended_do_not_count_towards_a_hold(
    odile, episode, reporters, moderator, moderator_client
):
    review = write(odile, episode, "A fair review that a brigade dislikes.")
    reported_by(reporters[:2], review)
    assert glance(moderator_client.get("/admin/"))["Open reports"]["count"] == 2
    for member in reporters[:2]:
        assert moderation.member_suspend(member=member, moderator=moderator, reason="Brigade")

    reported_by(reporters[2:3], review)

    assert refresh(review).status == Review.Status.VISIBLE
    assert not ModerationAction.objects.filter(kind=ModerationAction.Kind.HOLD).exists()
    queue = moderator_client.get(QUEUE)
    assert listed(queue) == [review.pk]
    in_queue = [item.open_reports for item in queue.context["cl"].result_list]
    assert in_queue == [1]
    assert glance(moderator_client.get("/admin/"))["Open reports"]["count"] == sum(in_queue)


# 6. Only public items can be replied to, liked or reported ------------------------------------


@pytest.mark.parametrize(
    "case",
    ["reply under a held review", "review by a suspended member", "reply under a suspended review"],
)
def test_replies_likes_and_reports_reach_only_public_items(
    client, odette, odile, episode, reporters, moderator, case
):
    replier = reporters[5]
    if case == "review by a suspended member":
        target = write(odile, episode, "Written before the suspension.")
    else:
        parent = write(odile, episode, "The review the thread hangs from.")
        target = write(replier, episode, "A reply in good standing.", parent=parent)
    if case == "reply under a held review":
        reported_by(reporters[:3], target.parent)
    else:
        moderation.member_suspend(member=odile, moderator=moderator, reason="Spam")
    before, reports = snapshot(), Report.objects.count()

    answers = {
        "reply": client.post(
            reverse("reviews:reply-create", args=[target.pk]),
            {f"reply-{target.pk}-body": "Still here?"},
        ),
        "like": client.post(reverse("reviews:like-toggle", args=[target.pk]), {"liked": "1"}),
        "report page": client.get(report_url(target)),
        "report": report(client, target, "spam"),
    }
    if target.parent_id:
        answers["reply to its review"] = client.post(
            reverse("reviews:reply-create", args=[target.parent_id]),
            {f"reply-{target.parent_id}-body": "Still here?"},
        )

    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(answers, 404)
    assert snapshot() == before
    assert Report.objects.count() == reports
    assert not Like.objects.filter(member=odette).exists()


# 7. A report without a reason -----------------------------------------------------------------


def test_an_empty_report_asks_for_a_reason(client, odette, odile, episode):
    review = write(odile, episode, "A luminous hour.")

    response = client.post(report_url(review), {})

    assert response.status_code == 400
    page = page_of(response)
    assert NO_REPORT_REASON in page.find("main").words
    assert page.find("form", action=report_url(review))
    assert not Report.objects.exists()


# 8. The sign-up honeypot answers a bot the same, whatever it sends -----------------------------


@pytest.mark.parametrize(
    "nonsense",
    [
        {"email": "not-an-email", "password1": PASSWORD, "password2": "another passphrase 8"},
        {"email": "", "password1": "x", "password2": ""},
    ],
    ids=["bad email, passwords differ", "nothing sensible"],
)
def test_a_sign_up_with_the_honeypot_filled_is_answered_like_a_real_one(db, nonsense):
    signup = reverse("account_signup")

    bot = Client().post(signup, {**nonsense, "website": "https://spam.example"})

    assert bot.status_code == 302
    assert not User.objects.exists()
    assert not EmailAddress.objects.exists()
    assert mail.outbox == []
    # Without the honeypot the same data is refused on the form, as a person would see it.
    person = Client().post(signup, nonsense)
    assert person.status_code == 200
    assert person.context["form"].errors
    assert not User.objects.exists()
    # A real sign-up goes to the very same page.
    real = Client().post(
        signup,
        {"name": "Real", "email": "real@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert real.status_code == 302
    assert bot["Location"] == real["Location"] == reverse("account_email_verification_sent")
    assert [message.to for message in mail.outbox] == [["real@example.com"]]


# 9. Edit forms carry no honeypot, create forms do ---------------------------------------------


def test_the_edit_forms_have_no_honeypot_while_the_create_forms_do(client, odette, odile, episode):
    own = write(odette, episode, "My review.")
    theirs = write(odile, episode, "Odile's review.")
    own_reply = write(odette, episode, "My reply.", parent=theirs)

    episode_page = page_of(client.get(episode.get_absolute_url()))
    assert episode_page.find_all("input", name="website")
    assert review_article(episode_page, theirs).find_all("input", name=f"reply-{theirs.pk}-website")
    for item in (own, own_reply):
        response = client.get(edit_url(item))
        assert response.status_code == 200
        form = page_of(response).find("form", action=edit_url(item))
        names = {node.attrs.get("name") or "" for node in form.find_all("input")}
        assert not [name for name in names if name.endswith("website")]
        assert HONEYPOT_LABEL not in form.words


# 10. A decision on an item deleted meanwhile --------------------------------------------------


@pytest.mark.parametrize(
    "decide", [moderation.review_approve, moderation.review_hide, moderation.review_remove]
)
def test_a_decision_on_a_review_deleted_meanwhile_does_nothing(
    odile, episode, reporters, moderator, decide
):
    review = write(odile, episode, "Deleted by its author while the moderator reads it.")
    reported_by(reporters[:1], review)
    services.review_delete(review=review)

    assert decide(review=review, moderator=moderator, reason="Too late.") is False

    assert not ModerationAction.objects.exists()
    assert not Review.objects.exists()
    assert not Report.objects.exists()


def test_a_bulk_decision_including_a_deleted_review_is_not_an_error(
    odile, odile_client, episode, reporters, moderator, moderator_client, monkeypatch
):
    gone, stays, vanishing = (
        write(odile, episode, f"Review number {n}, reported once.") for n in range(3)
    )
    for review in (gone, stays, vanishing):
        reported_by(reporters[:1], review)
    assert sorted(listed(moderator_client.get(QUEUE))) == sorted([gone.pk, stays.pk, vanishing.pk])
    # The author deletes one after the moderator's page was shown…
    assert odile_client.post(reverse("reviews:review-delete", args=[gone.pk])).status_code == 302
    # …and another as the moderator's decision runs.
    deciding = moderation.review_approve

    def deleted_meanwhile(*, review, **kwargs):
        if review.pk == vanishing.pk:
            services.review_delete(review=review)
        return deciding(review=review, **kwargs)

    monkeypatch.setattr(moderation, "review_approve", deleted_meanwhile)

    response = act(moderator_client, QUEUE, "approve", [gone, stays, vanishing])

    assert response.status_code == 200
    assert "1 review or reply approved." in messages_of(response)
    assert listed(response) == []
    assert list(Review.objects.values_list("pk", "status")) == [(stays.pk, "visible")]
    assert list(ModerationAction.objects.values_list("kind", "review")) == [("approve", stays.pk)]


# 11. Reviews are not deleted in the admin -----------------------------------------------------


def test_a_superuser_cannot_delete_a_review_in_the_admin(odile, episode, reporters, admin_client):
    review = write(odile, episode, "A luminous hour.")
    write(reporters[0], episode, "Agreed.", parent=review)
    delete_url = f"{REVIEWS}{review.pk}/delete/"
    before = snapshot()

    assert admin_client.get(delete_url).status_code == 403
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    page = admin_client.get(REVIEWS)
    assert "delete_selected" not in action_names(page)
    assert delete_url not in admin_client.get(f"{REVIEWS}{review.pk}/change/").content.decode()
    admin_client.post(
        REVIEWS,
        {"action": "delete_selected", "_selected_action": [review.pk], "post": "yes", "index": 0},
    )

    assert snapshot() == before
    assert refresh(review).reply_count == 1


def test_a_superuser_cannot_delete_an_item_from_the_queue_either(
    odile, episode, reporters, admin_client
):
    """The queue lists the same rows as the reviews list (a proxy model), and its delete page
    erases a review outside the audit trail and past the reply counter. Here the reply was held
    by three reports whose authors have since deleted their accounts (their reports went with
    them, which is all that otherwise stands in the way)."""
    review = write(odile, episode, "A luminous hour.")
    reply = write(reporters[0], episode, "Buy tickets at cheap-seats.example", parent=review)
    reported_by(reporters[1:4], reply)
    for member in reporters[1:4]:
        member_purge(member=member)
    assert refresh(reply).status == Review.Status.HELD
    assert listed(admin_client.get(QUEUE)) == [reply.pk]
    delete_url = f"{QUEUE}{reply.pk}/delete/"
    before = snapshot()

    shown = admin_client.get(delete_url)
    posted = admin_client.post(delete_url, {"post": "yes"})

    assert (shown.status_code, posted.status_code) == (403, 403)
    assert snapshot() == before
    assert refresh(review).reply_count == 1


# 12. The one-off recount of the rating counters -----------------------------------------------


def test_the_recount_migration_leaves_out_accounts_switched_off_before_suspensions(
    episodes, client
):
    recount = importlib.import_module(
        "reviews.migrations.0005_recount_without_inactive_members"
    ).recount
    first, second, third = episodes
    ana, ben, cleo = (
        make_member(handle=handle, password=None, confirmed=False)
        for handle in ("ana", "ben", "cleo")
    )
    services.rating_set(member=ana, episode=first, score=8)
    services.rating_set(member=ben, episode=first, score=4)
    services.rating_set(member=cleo, episode=first, score=10)
    services.rating_set(member=cleo, episode=second, score=2)
    services.rating_set(member=ana, episode=third, score=6)
    # Switched off in the admin before suspensions existed: still in the counters.
    User.objects.filter(pk=cleo.pk).update(is_active=False)
    EpisodeScores.objects.filter(episode=third).update(count_6=0)  # and one counter adrift
    assert scores_shown(client, first.get_absolute_url()).startswith("3.7 out of 5 from 3 ratings")
    assert scores_shown(client, second.get_absolute_url()).startswith("1.0 out of 5 from 1 rating")

    recount(django.apps.apps, None)

    assert scores_shown(client, first.get_absolute_url()).startswith("3.0 out of 5 from 2 ratings")
    assert scores_shown(client, second.get_absolute_url()).startswith("No ratings yet.")
    assert scores_shown(client, third.get_absolute_url()).startswith("3.0 out of 5 from 1 rating")
    assert score_counts(first) == [0, 0, 0, 1, 0, 0, 0, 1, 0, 0]
    assert score_counts(second) == [0] * 10
    assert score_counts(third) == [0, 0, 0, 0, 0, 1, 0, 0, 0, 0]
    # The migration and the operators' recount agree.
    services.recount_ratings()
    assert [score_counts(e) for e in episodes] == [
        [0, 0, 0, 1, 0, 0, 0, 1, 0, 0],
        [0] * 10,
        [0, 0, 0, 0, 0, 1, 0, 0, 0, 0],
    ]
