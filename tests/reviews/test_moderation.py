"""Reports, moderators' decisions, suspensions and honeypots, as members and operators meet them.

Members act through the pages (the test Client); moderators act through reviews.moderation,
as the admin does. Each test checks what someone would notice: a page, a message, a counter,
a row in the audit trail, an email that was or was not sent.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from etoile_app.accounts import member_purge
from members.models import User
from reviews import moderation, services
from reviews.models import Like, ModerationAction, Rating, Report, Review
from reviews.moderation import ReportError
from tests.concurrency import run_together, skip_unless_postgresql
from tests.factories import (
    PASSWORD,
    make_member,
    refresh,
    reported_by,
    score_counts,
    signed_in,
    take_down,
    write,
)
from tests.pages import (
    ALREADY_REPORTED,
    CANNOT_EDIT,
    HONEYPOT_LABEL,
    NO_REPORT_REASON,
    THANKS,
    Node,
    download_export,
    message_text,
    page_of,
    report,
    report_url,
    review_article,
    scores_shown,
    sign_in_next,
)

pytestmark = pytest.mark.django_db

EPISODE_URL = "/season/1/episode/3/"
OTHER_EPISODE_URL = "/season/1/episode/4/"

OWN_WRITING = "You cannot report your own writing."
NEEDS_DETAILS = "Tell the moderators what is wrong."
TOO_MANY_REPORTS = "You have sent many reports: try again in a while."
HELD_NOTE = "Hidden pending review."
HIDDEN_NOTE = "Hidden by a moderator."
REMOVED_NOTE = "Removed by a moderator."

REASONS = ["spoiler", "harassment", "spam", "other"]


# Members, episodes and writing ---------------------------------------------------------------

# The review tests' fixtures, by their own names: episodes 3 and 4; Odette, signed in on
# `client`, who reads, reports and replies; Odile, whose writing gets reported.


@pytest.fixture
def moderator(db) -> User:
    return make_member("marius@example.com", "marius", display_name="Marius", is_staff=True)


@pytest.fixture
def visitor() -> Client:
    return Client()


def anchor(review: Review) -> str:
    return f"{review.episode.get_absolute_url()}#review-{review.pk}"


def body_words(page: Node, review: Review) -> str:
    return review_article(page, review).with_class("review__body")[0].words


def shows(client: Client, url: str, *texts: str) -> list[bool]:
    """Whether each text can be read on the page the client gets."""
    response = client.get(url)
    assert response.status_code == 200, url
    content = page_of(response).find("main").words
    return [text in content for text in texts]


def signed_in_member(client: Client) -> User | None:
    """Who the site greets on its home page: a member, or None for a visitor."""
    user = client.get(reverse("home")).context["user"]
    return user if user.is_authenticated else None


def sign_in(client: Client, email: str, password: str = PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


# 1. Reporting ---------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", REASONS)
def test_a_member_reports_a_review_with_each_reason_and_is_thanked(
    client, odette, odile, episode, reason
):
    review = write(odile, episode, "The corps de ballet was off tempo.")
    note = "It names who leaves the company." if reason == "other" else ""

    response = report(client, review, reason, note)

    assert response.status_code == 302
    assert response["Location"] == anchor(review)
    page = page_of(client.get(response["Location"]))
    assert THANKS in message_text(page)
    saved = Report.objects.get()
    assert (saved.reporter, saved.review, saved.reason, saved.note) == (
        odette,
        review,
        reason,
        note,
    )
    assert saved.resolved_at is None
    # One report is not enough to take anything down.
    assert refresh(review).status == Review.Status.VISIBLE
    assert "off tempo" in body_words(page, review)


def test_the_report_page_quotes_the_review_and_offers_the_four_reasons(
    client, odette, odile, episode
):
    review = write(odile, episode, "Second act, first solo: breathtaking.")

    # A GET, even one carrying the form's fields, only shows the form.
    response = client.get(report_url(review), {"reason": "spam"})

    assert response.status_code == 200
    page = page_of(response)
    assert page.find("h1").words == "Report a review"
    assert "By Odile Black on" in page.find("main").words
    assert "Second act, first solo: breathtaking." in page.find("main").words
    radios = page.find_all("input", type="radio", name="reason")
    assert [radio.attrs["value"] for radio in radios] == REASONS
    assert not any("checked" in radio.attrs for radio in radios)
    assert page.find("textarea", name="note")
    assert "When 3 members report it, it is hidden until a moderator decides." in (
        page.find("main").words
    )
    form = page.find("form", action=report_url(review))
    assert form.attrs["method"] == "post"
    assert not Report.objects.exists()


def test_something_else_without_details_is_refused_and_the_choice_is_kept(
    client, odette, odile, episode
):
    review = write(odile, episode, "A luminous hour.")

    response = report(client, review, "other", "   \n  ")

    assert response.status_code == 400
    page = page_of(response)
    assert page.find(id="id_note_error").words == NEEDS_DETAILS
    assert page.find("textarea", name="note").attrs["aria-invalid"] == "true"
    assert "Please correct the problem below." in page.find(role="alert").words
    chosen = [r for r in page.find_all("input", name="reason") if "checked" in r.attrs]
    assert [r.attrs["value"] for r in chosen] == ["other"]
    assert not Report.objects.exists()


def test_details_without_a_reason_are_refused_and_the_text_is_kept(client, odette, odile, episode):
    review = write(odile, episode, "A luminous hour.")

    response = client.post(report_url(review), {"note": "She copies my reviews word for word."})

    assert response.status_code == 400
    page = page_of(response)
    assert NO_REPORT_REASON in page.find("main").words
    assert page.find("textarea", name="note").text.strip() == (
        "She copies my reviews word for word."
    )
    assert not Report.objects.exists()


def test_a_second_report_by_the_same_member_adds_nothing_and_the_page_says_so(
    client, odette, odile, episode
):
    review = write(odile, episode, "A luminous hour.")
    assert report(client, review, "spoiler").status_code == 302

    again = report(client, review, "harassment")

    assert again.status_code == 200
    main = page_of(again).find("main")
    assert "You reported it on" in main.words and ALREADY_REPORTED in main.words
    assert not main.find_all("form", action=report_url(review)), "no second form"
    assert list(Report.objects.values_list("reporter", "reason")) == [(odette.pk, "spoiler")]
    # The page says the same when they come back to it.
    assert ALREADY_REPORTED in page_of(client.get(report_url(review))).find("main").words
    # And the service answers a repeat with the first report, unchanged.
    first = Report.objects.get()
    repeat = moderation.report_create(reporter=odette, review=review, reason="spam")
    assert (repeat.pk, repeat.reason) == (first.pk, "spoiler")
    assert Report.objects.count() == 1


def test_a_member_cannot_report_their_own_review(client, odette, episode):
    review = write(odette, episode, "My own luminous hour.")

    shown = client.get(report_url(review))
    posted = report(client, review, "spam")

    for response in (shown, posted):
        assert response.status_code == 302
        assert response["Location"] == anchor(review)
    assert OWN_WRITING in message_text(page_of(client.get(anchor(review))))
    assert not Report.objects.exists()
    with pytest.raises(ReportError, match=OWN_WRITING):
        moderation.report_create(reporter=odette, review=review, reason="spam")
    assert not Report.objects.exists()


def test_a_visitor_who_reports_is_sent_to_sign_in_and_brought_back(visitor, odile, episode):
    review = write(odile, episode, "A luminous hour.")

    for response in (visitor.get(report_url(review)), report(visitor, review, "spam")):
        assert response.status_code == 302
        assert sign_in_next(response) == report_url(review)
    assert not Report.objects.exists()


def test_reporting_needs_the_forms_csrf_token(odette, odile, episode):
    review = write(odile, episode, "A luminous hour.")
    browser = signed_in(odette, enforce_csrf_checks=True)

    forged = report(browser, review, "spam")

    assert forged.status_code == 403
    assert not Report.objects.exists()
    # The same request with the token the report page hands out goes through.
    token = page_of(browser.get(report_url(review))).find("input", name="csrfmiddlewaretoken")
    response = browser.post(
        report_url(review), {"reason": "spam", "csrfmiddlewaretoken": token.attrs["value"]}
    )
    assert response.status_code == 302
    assert Report.objects.count() == 1


def test_only_get_and_post_are_answered(client, odette, odile, episode):
    review = write(odile, episode, "A luminous hour.")

    assert client.put(report_url(review), "reason=spam").status_code == 405
    assert client.delete(report_url(review)).status_code == 405
    assert not Report.objects.exists()


@pytest.mark.parametrize("state", ["held", "hidden", "removed", "author suspended"])
def test_what_is_already_taken_down_cannot_be_reported(
    client, odette, odile, episode, reporters, moderator, state
):
    review = write(odile, episode, "A luminous hour.")
    take_down(state, review, reporters=reporters, moderator=moderator)
    before = Report.objects.count()

    assert client.get(report_url(review)).status_code == 404
    assert report(client, review, "spam").status_code == 404
    assert Report.objects.count() == before
    assert not Report.objects.filter(reporter=odette).exists()


def test_reporting_what_was_taken_down_meanwhile_is_refused_by_the_service(
    odette, odile, episode, moderator
):
    review = write(odile, episode, "A luminous hour.")
    moderation.review_hide(review=review, moderator=moderator, reason="Insults.")

    with pytest.raises(ReportError, match="already been taken down"):
        moderation.report_create(reporter=odette, review=review, reason="spam")
    assert not Report.objects.exists()


def test_a_reply_can_be_reported_from_its_own_report_link(
    client, odette, odile, moderator, reporters, episode
):
    review = write(moderator, episode, "A luminous hour.")
    reply = write(odile, episode, "Buy tickets at cheap-seats.example", parent=review)

    article = review_article(page_of(client.get(EPISODE_URL)), reply)
    link = article.with_class("review__report")[0]
    assert link.attrs["href"] == report_url(reply)
    assert link.attrs["aria-label"] == "Report the reply by Odile Black"
    page = page_of(client.get(report_url(reply)))
    assert page.find("h1").words == "Report a reply"

    response = report(client, reply, "spam")

    assert response.status_code == 302
    assert response["Location"] == anchor(reply)
    assert Report.objects.get().review == reply
    # At the threshold the reply is held, its review is not.
    reported_by(reporters[:2], reply)
    assert refresh(reply).status == Review.Status.HELD
    assert refresh(review).status == Review.Status.VISIBLE
    action = ModerationAction.objects.get()
    assert action.subject.startswith(f"Reply {reply.pk} by @odile on ")
    main = page_of(Client().get(EPISODE_URL)).find("main").words
    assert "A luminous hour." in main
    assert "cheap-seats" not in main


def test_the_report_limit_answers_429_and_keeps_what_was_typed(client, odette, odile, episode):
    reviews = [write(odile, episode, f"Review number {n}.") for n in range(11)]
    for review in reviews[:10]:
        assert report(client, review, "spam").status_code == 302

    response = report(client, reviews[10], "other", "Same text pasted everywhere.")

    assert response.status_code == 429  # Too Many Requests
    page = page_of(response)
    assert TOO_MANY_REPORTS in page.find(role="alert").words
    assert page.find("textarea", name="note").text.strip() == "Same text pasted everywhere."
    chosen = [r for r in page.find_all("input", name="reason") if "checked" in r.attrs]
    assert [r.attrs["value"] for r in chosen] == ["other"]
    assert Report.objects.filter(reporter=odette).count() == 10
    assert not Report.objects.filter(review=reviews[10]).exists()
    # The limit is this member's, not everyone's.
    other = signed_in(make_member("siegfried@example.com", "siegfried"))
    assert report(other, reviews[10], "spam").status_code == 302


# 2. Holding at the threshold ------------------------------------------------------------------


def test_the_third_members_report_holds_the_review_and_records_it(
    odile, episode, reporters, visitor
):
    review = write(odile, episode, "Everyone who disagrees is an idiot.")
    clients = [signed_in(member) for member in reporters[:3]]

    for reporter_client in clients[:2]:
        assert report(reporter_client, review, "harassment").status_code == 302
    assert refresh(review).status == Review.Status.VISIBLE
    assert shows(visitor, EPISODE_URL, "is an idiot") == [True]
    assert not ModerationAction.objects.exists()

    response = report(clients[2], review, "harassment")

    assert response.status_code == 302
    assert THANKS in message_text(page_of(clients[2].get(response["Location"])))
    assert refresh(review).status == Review.Status.HELD
    assert shows(visitor, EPISODE_URL, "is an idiot") == [False]
    action = ModerationAction.objects.get()
    assert action.kind == ModerationAction.Kind.HOLD
    assert action.moderator is None  # the site itself, not a person
    assert action.review == review and action.member == odile
    assert action.reason == "Reported by 3 members."
    assert action.text == "Everyone who disagrees is an idiot."
    assert action.subject == f"Review {review.pk} by @odile on {episode}"


def test_reports_by_the_same_member_count_once(client, odette, odile, episode, reporters):
    review = write(odile, episode, "A luminous hour.")
    reported_by(reporters[:1], review)
    for reason in ("spam", "spoiler", "harassment"):
        report(client, review, reason)

    assert Report.objects.count() == 2
    assert refresh(review).status == Review.Status.VISIBLE


@pytest.mark.parametrize("threshold", [1, 2, 5])
def test_the_number_of_reports_that_hold_is_a_setting(
    settings, odile, episode, reporters, threshold
):
    settings.REVIEW_REPORTS_TO_HOLD = threshold
    review = write(odile, episode, "A luminous hour.")
    first = signed_in(reporters[0])
    told = page_of(first.get(report_url(review))).find("main").words
    if threshold == 1:
        assert "When 1 member reports it, it is hidden" in told
    else:
        assert f"When {threshold} members report it, it is hidden" in told

    for n, member in enumerate(reporters[:threshold], start=1):
        assert refresh(review).status == Review.Status.VISIBLE, f"held after {n - 1}"
        report(signed_in(member), review, "spam")

    assert refresh(review).status == Review.Status.HELD
    assert ModerationAction.objects.get().reason == f"Reported by {threshold} members."


def test_after_an_approval_it_takes_three_new_members_to_hold_it_again(
    odile, episode, reporters, moderator, visitor
):
    review = write(odile, episode, "Unpopular opinion: the finale drags.")
    first_three, next_three = reporters[:3], reporters[3:]
    reported_by(first_three, review)
    assert refresh(review).status == Review.Status.HELD

    assert moderation.review_approve(review=review, moderator=moderator, reason="An opinion.")

    assert refresh(review).status == Review.Status.VISIBLE
    assert not moderation.open_reports(review).exists()
    assert shows(visitor, EPISODE_URL, "the finale drags") == [True]
    # The same three cannot take it down again: each is told they already reported it.
    for member in first_three:
        response = report(signed_in(member), review, "spam")
        assert ALREADY_REPORTED in page_of(response).find("main").words
    assert Report.objects.count() == 3
    assert refresh(review).status == Review.Status.VISIBLE
    # Two new members are not enough; the third is.
    for member in next_three[:2]:
        report(signed_in(member), review, "spam")
    assert refresh(review).status == Review.Status.VISIBLE
    assert shows(visitor, EPISODE_URL, "the finale drags") == [True]
    report(signed_in(next_three[2]), review, "spam")
    assert refresh(review).status == Review.Status.HELD
    assert shows(visitor, EPISODE_URL, "the finale drags") == [False]
    kinds = list(ModerationAction.objects.order_by("pk").values_list("kind", "moderator"))
    assert kinds == [("hold", None), ("approve", moderator.pk), ("hold", None)]


def test_the_moderation_queue_lists_reported_and_held_items_until_a_decision(
    odile, odette, episode, reporters, moderator
):
    reported = write(odile, episode, "Reported once.")
    held = write(odile, episode, "Reported three times.")
    quiet = write(odette, episode, "Nobody minds this one.")
    reported_by(reporters[:1], reported)
    reported_by(reporters[:3], held)

    assert set(moderation.queue()) == {reported, held}
    moderation.review_approve(review=reported, moderator=moderator, reason="Fine.")
    assert set(moderation.queue()) == {held}
    moderation.member_suspend(member=odile, moderator=moderator, reason="Spam.")
    assert set(moderation.queue()) == set()
    moderation.member_reinstate(member=odile, moderator=moderator, reason="Appeal.")
    assert set(moderation.queue()) == {held}
    assert quiet not in moderation.queue()


def test_a_decision_taken_twice_is_recorded_once(odile, episode, moderator):
    review = write(odile, episode, "A luminous hour.")

    assert moderation.review_hide(review=review, moderator=moderator, reason="Insults.")
    assert not moderation.review_hide(review=review, moderator=moderator, reason="Insults.")

    assert ModerationAction.objects.filter(kind="hide").count() == 1


# 3. What each reader sees ---------------------------------------------------------------------


@pytest.fixture
def held_review(odile, odette, episode, reporters) -> Review:
    """Odile's review, with Odette's reply under it, held by three members' reports."""
    review = write(odile, episode, "The understudy was better than the star.")
    write(odette, episode, "I could not disagree more.", parent=review)
    reported_by(reporters[:3], review)
    assert refresh(review).status == Review.Status.HELD
    return review


def test_a_held_review_is_shown_to_its_author_only_with_a_note(
    held_review, odile_client, client, visitor, reporters, moderator
):
    own = review_article(page_of(odile_client.get(EPISODE_URL)), held_review)
    assert HELD_NOTE in own.words
    assert "only you can see it until a moderator has looked at it" in own.words
    assert "better than the star" in own.words

    for reader in (client, signed_in(reporters[4]), visitor):  # a replier, a member, a visitor
        main = page_of(reader.get(EPISODE_URL)).find("main")
        assert not main.find_all("article", id=f"review-{held_review.pk}")
        assert "better than the star" not in main.words
        assert "I could not disagree more." not in main.words, "its replies go with it"
        assert HELD_NOTE not in main.words

    moderation.review_approve(review=held_review, moderator=moderator, reason="An opinion.")

    for reader in (odile_client, client, visitor):
        article = review_article(page_of(reader.get(EPISODE_URL)), held_review)
        assert "better than the star" in article.words
        assert "I could not disagree more." in article.words
        assert HELD_NOTE not in article.words


def test_a_held_review_is_on_its_authors_profile_for_them_only(
    held_review, odile_client, client, visitor, moderator
):
    assert shows(odile_client, "/u/odile/", "better than the star", HELD_NOTE) == [True, True]
    for reader in (client, visitor):
        assert shows(reader, "/u/odile/", "better than the star") == [False]
        # The reply under it leaves the replier's profile too.
        assert shows(reader, "/u/odette/", "I could not disagree more.") == [False]

    moderation.review_approve(review=held_review, moderator=moderator, reason="An opinion.")

    assert shows(odile_client, "/u/odile/", "better than the star", HELD_NOTE) == [True, False]
    assert shows(visitor, "/u/odile/", "better than the star") == [True]
    assert shows(visitor, "/u/odette/", "I could not disagree more.") == [True]


@pytest.mark.parametrize(
    ("decide", "note"),
    [(moderation.review_hide, HIDDEN_NOTE), (moderation.review_remove, REMOVED_NOTE)],
    ids=["hidden", "removed"],
)
def test_a_review_a_moderator_took_down_is_shown_to_its_author_only_with_a_note(
    odile, odile_client, client, visitor, episode, moderator, decide, note
):
    review = write(odile, episode, "Meet me after the show, you know where.")

    assert decide(review=review, moderator=moderator, reason="Harassment.")

    own = review_article(page_of(odile_client.get(EPISODE_URL)), review)
    assert note in own.words and "Only you can see it." in own.words
    assert shows(odile_client, "/u/odile/", "you know where", note) == [True, True]
    for reader in (client, visitor):
        assert shows(reader, EPISODE_URL, "you know where", note) == [False, False]
        assert shows(reader, "/u/odile/", "you know where") == [False]

    # A mistaken decision is undone by an approval.
    moderation.review_approve(review=review, moderator=moderator, reason="Mistake.")
    assert shows(visitor, EPISODE_URL, "you know where") == [True]
    assert shows(odile_client, EPISODE_URL, note) == [False]


def test_the_author_cannot_edit_a_held_review_but_can_delete_it(held_review, odile_client):
    edit_url = reverse("reviews:review-edit", args=[held_review.pk])
    article = review_article(page_of(odile_client.get(EPISODE_URL)), held_review)
    assert not article.find_all("a", href=edit_url)
    delete_url = reverse("reviews:review-delete", args=[held_review.pk])
    assert article.find_all("a", href=delete_url)

    shown = odile_client.get(edit_url)
    posted = odile_client.post(edit_url, {"body": "Edited to slip past the moderators."})

    for response in (shown, posted):
        assert response.status_code == 302
        assert response["Location"] == anchor(held_review)
    assert CANNOT_EDIT in message_text(page_of(odile_client.get(anchor(held_review))))
    held_review.refresh_from_db()
    assert held_review.body == "The understudy was better than the star."
    assert held_review.edited_at is None
    assert held_review.status == Review.Status.HELD

    response = odile_client.post(delete_url)

    assert response.status_code == 302
    assert not Review.objects.filter(pk=held_review.pk).exists()
    assert "better than the star" not in page_of(odile_client.get(EPISODE_URL)).find("main").words


def test_a_held_review_offers_no_reply_form_or_like_and_refuses_both(
    held_review, odile_client, client, odette
):
    article = review_article(page_of(odile_client.get(EPISODE_URL)), held_review)
    assert not article.with_class("reply-compose")
    assert not article.find_all(
        "form", action=reverse("reviews:like-toggle", args=[held_review.pk])
    )
    replies = held_review.reply_count

    like = client.post(reverse("reviews:like-toggle", args=[held_review.pk]), {"liked": "1"})
    reply = client.post(
        reverse("reviews:reply-create", args=[held_review.pk]),
        {f"reply-{held_review.pk}-body": "Still here?"},
    )

    assert like.status_code == 404
    assert reply.status_code == 404
    held_review.refresh_from_db()
    assert held_review.like_count == 0 and not Like.objects.exists()
    assert held_review.reply_count == replies
    assert not Review.objects.filter(body="Still here?").exists()


def test_the_report_link_is_shown_to_signed_in_members_other_than_the_author(
    odile, odile_client, client, odette, visitor, episode
):
    review = write(odile, episode, "A luminous hour.")

    def report_links(reader: Client) -> list[Node]:
        return review_article(page_of(reader.get(EPISODE_URL)), review).with_class("review__report")

    [link] = report_links(client)
    assert link.attrs["href"] == report_url(review)
    assert link.attrs["aria-label"] == "Report the review by Odile Black"
    assert link.words == "Report"
    assert report_links(odile_client) == []
    assert report_links(visitor) == []


def test_a_held_reply_is_shown_to_its_author_only_under_a_review_that_stays(
    odette, client, odile, odile_client, visitor, episode, reporters
):
    review = write(odile, episode, "A luminous hour.")
    reply = write(odette, episode, "Spoiler: the star falls in act three.", parent=review)
    reported_by(reporters[:3], reply, reason="spoiler")

    own = review_article(page_of(client.get(EPISODE_URL)), reply)
    assert HELD_NOTE in own.words
    for reader in (odile_client, visitor):
        article = review_article(page_of(reader.get(EPISODE_URL)), review)
        assert "A luminous hour." in article.words
        assert "the star falls" not in article.words


# 4. Suspension --------------------------------------------------------------------------------


def test_a_suspended_member_cannot_sign_in_until_reinstated(odile, moderator, seeded):
    before = Client()
    assert sign_in(before, odile.email).status_code == 302
    assert signed_in_member(before) == odile

    moderation.member_suspend(member=odile, moderator=moderator, reason="Spam.")

    browser = Client()
    response = sign_in(browser, odile.email)
    assert signed_in_member(browser) is None
    assert response.status_code == 302
    assert response["Location"] == reverse("account_inactive")

    moderation.member_reinstate(member=odile, moderator=moderator, reason="Appeal.")

    assert sign_in(browser, odile.email).status_code == 302
    assert signed_in_member(browser) == odile


def test_a_suspended_members_open_session_ends_at_its_next_request(
    odile, odile_client, moderator, episode
):
    assert signed_in_member(odile_client) == odile

    moderation.member_suspend(member=odile, moderator=moderator, reason="Spam.")

    assert signed_in_member(odile_client) is None
    assert odile_client.get(reverse("member-settings")).status_code == 302
    response = odile_client.post(
        reverse("reviews:review-create", args=[1, 3]), {"body": "Still posting."}
    )
    assert sign_in_next(response) == f"{EPISODE_URL}#write-review"
    assert not Review.objects.exists()


def test_a_session_ended_by_a_suspension_stays_ended_after_reinstatement(
    odile, odile_client, moderator, episode
):
    """A suspension ends the member's sessions: an account suspended because someone else
    was using it must not hand that person's browser back when the member is reinstated."""
    moderation.member_suspend(member=odile, moderator=moderator, reason="Account misused.")
    assert signed_in_member(odile_client) is None

    moderation.member_reinstate(member=odile, moderator=moderator, reason="Secured again.")

    assert signed_in_member(odile_client) is None


def test_a_suspended_members_writing_vanishes_and_returns_on_reinstatement(
    odile, odette, client, visitor, episode, moderator, reporters
):
    review = write(odile, episode, "Odile's review of the premiere.")
    reply = write(
        odile, episode, "Odile's reply to Odette.", parent=write(odette, episode, "Mine.")
    )
    other = signed_in(reporters[0])
    services.watch_add(member=odile, episode=episode, watched_on=timezone.localdate())

    assert moderation.member_suspend(member=odile, moderator=moderator, reason="Spam.")

    for reader in (client, other, visitor):
        main = page_of(reader.get(EPISODE_URL)).find("main")
        assert not main.find_all("article", id=f"review-{review.pk}")
        assert not main.find_all("article", id=f"review-{reply.pk}")
        assert "Odile" not in main.words
        assert "Mine." in main.words, "the review she replied to stays"
        assert reader.get("/u/odile/").status_code == 404
        assert reader.get("/u/odile/diary/").status_code == 404
    assert Review.objects.filter(member=odile).count() == 2, "nothing is deleted"

    assert moderation.member_reinstate(member=odile, moderator=moderator, reason="Appeal.")

    for reader in (client, visitor):
        main = page_of(reader.get(EPISODE_URL)).find("main").words
        assert "Odile's review of the premiere." in main
        assert "Odile's reply to Odette." in main
        assert reader.get("/u/odile/").status_code == 200
        assert reader.get("/u/odile/diary/").status_code == 200


@pytest.fixture
def rated(odile, odette, reporters, episode, other_episode) -> None:
    """Three ratings of episode 3 (Odile's 5 stars among them) and Odile's alone of episode 4."""
    services.rating_set(member=odile, episode=episode, score=10)
    services.rating_set(member=odette, episode=episode, score=4)
    services.rating_set(member=reporters[0], episode=episode, score=6)
    services.rating_set(member=odile, episode=other_episode, score=8)


def test_a_suspended_members_ratings_leave_the_scores_and_return_exactly(
    rated, odile, visitor, episode, other_episode, moderator
):
    assert scores_shown(visitor, EPISODE_URL).startswith("3.3 out of 5 from 3 ratings")
    assert scores_shown(visitor, OTHER_EPISODE_URL).startswith("4.0 out of 5 from 1 rating")
    before = [score_counts(episode), score_counts(other_episode)]

    moderation.member_suspend(member=odile, moderator=moderator, reason="Rating brigade.")

    assert scores_shown(visitor, EPISODE_URL).startswith("2.5 out of 5 from 2 ratings")
    assert scores_shown(visitor, OTHER_EPISODE_URL).startswith("No ratings yet.")
    suspended = [score_counts(episode), score_counts(other_episode)]
    assert suspended[0][10 - 1] == 0 and sum(suspended[0]) == 2
    assert Rating.objects.filter(member=odile).count() == 2, "nothing is deleted"

    services.recount_ratings()  # an operator's recount agrees with the suspension
    assert [score_counts(episode), score_counts(other_episode)] == suspended

    moderation.member_reinstate(member=odile, moderator=moderator, reason="Appeal.")

    assert [score_counts(episode), score_counts(other_episode)] == before
    assert scores_shown(visitor, EPISODE_URL).startswith("3.3 out of 5 from 3 ratings")
    services.recount_ratings()
    assert [score_counts(episode), score_counts(other_episode)] == before


def test_a_suspended_members_rating_removed_or_account_deleted_keeps_the_scores_exact(
    rated, odile, episode, other_episode, moderator
):
    moderation.member_suspend(member=odile, moderator=moderator, reason="Spam.")
    odile.refresh_from_db()  # as an operator's next request reads her
    suspended = [score_counts(episode), score_counts(other_episode)]

    assert services.rating_remove(member=odile, episode=episode)
    assert [score_counts(episode), score_counts(other_episode)] == suspended
    moderation.member_reinstate(member=odile, moderator=moderator, reason="Appeal.")
    # Back: her rating of episode 4 returns, the removed one does not.
    assert score_counts(episode) == suspended[0]
    assert score_counts(other_episode)[8 - 1] == 1

    moderation.member_suspend(member=odile, moderator=moderator, reason="Again.")
    odile.refresh_from_db()
    member_purge(member=odile)  # an operator deletes the suspended account
    assert score_counts(other_episode) == [0] * 10
    services.recount_ratings()
    assert score_counts(episode) == suspended[0]
    assert score_counts(other_episode) == [0] * 10


def test_a_rating_request_under_way_at_the_suspension_leaves_the_scores_exact(
    rated, odile, episode, other_episode, moderator
):
    """Odile's request loaded her account just before the suspension and rates just after:
    the counters must still equal a recount, now and once she is reinstated."""
    in_flight = User.objects.get(pk=odile.pk)  # request.user, read before the suspension
    moderation.member_suspend(member=odile, moderator=moderator, reason="Spam.")

    services.rating_set(member=in_flight, episode=episode, score=2)
    services.rating_set(member=in_flight, episode=episode, score=3)

    counted = [score_counts(episode), score_counts(other_episode)]
    services.recount_ratings()
    assert [score_counts(episode), score_counts(other_episode)] == counted
    moderation.member_reinstate(member=odile, moderator=moderator, reason="Appeal.")
    counted = [score_counts(episode), score_counts(other_episode)]
    services.recount_ratings()
    assert [score_counts(episode), score_counts(other_episode)] == counted


def test_a_moderator_cannot_suspend_themselves_or_an_administrator(moderator, superuser):
    with pytest.raises(ReportError, match="You cannot suspend yourself."):
        moderation.member_suspend(member=moderator, moderator=moderator, reason="Oops.")
    with pytest.raises(ReportError, match="Administrators cannot be suspended here."):
        moderation.member_suspend(member=superuser, moderator=moderator, reason="Coup.")

    assert User.objects.filter(pk__in=[moderator.pk, superuser.pk], is_active=True).count() == 2
    assert not ModerationAction.objects.exists()


def test_suspending_and_reinstating_twice_records_each_decision_once(odile, moderator):
    assert moderation.member_suspend(member=odile, moderator=moderator, reason="Spam links.")
    assert not moderation.member_suspend(member=odile, moderator=moderator, reason="Again.")
    odile.refresh_from_db()
    assert not odile.is_active and odile.suspended_at is not None

    assert moderation.member_reinstate(member=odile, moderator=moderator, reason="Appeal upheld.")
    assert not moderation.member_reinstate(member=odile, moderator=moderator, reason="Again.")
    odile.refresh_from_db()
    assert odile.is_active and odile.suspended_at is None

    actions = list(
        ModerationAction.objects.order_by("pk").values_list(
            "kind", "moderator", "member", "subject", "text", "reason", "review"
        )
    )
    assert actions == [
        ("suspend", moderator.pk, odile.pk, "@odile", "", "Spam links.", None),
        ("reinstate", moderator.pk, odile.pk, "@odile", "", "Appeal upheld.", None),
    ]


def test_an_account_switched_off_for_another_reason_is_not_reinstated(odile, moderator):
    User.objects.filter(pk=odile.pk).update(is_active=False)

    assert not moderation.member_suspend(member=odile, moderator=moderator, reason="Spam.")
    assert not moderation.member_reinstate(member=odile, moderator=moderator, reason="Appeal.")

    odile.refresh_from_db()
    assert not odile.is_active
    assert not ModerationAction.objects.exists()


# 5. Honeypots ---------------------------------------------------------------------------------


def honeypot_of(page: Node, name: str) -> Node:
    field = page.find("input", name=name)
    label = page.find("label", **{"for": field.attrs["id"]})
    assert label.words == HONEYPOT_LABEL
    return field


def test_the_honeypot_is_in_the_sign_up_review_and_reply_forms_out_of_peoples_way(
    client, odette, odile, episode, visitor
):
    review = write(odile, episode, "A luminous hour.")
    signup = page_of(visitor.get(reverse("account_signup")))
    episode_page = page_of(client.get(EPISODE_URL))

    fields = [
        honeypot_of(signup, "website"),
        honeypot_of(episode_page, "website"),
        honeypot_of(review_article(episode_page, review), f"reply-{review.pk}-website"),
    ]

    for field in fields:
        assert field.attrs["type"] == "text"  # bots skip hidden inputs
        assert field.attrs["tabindex"] == "-1"
        assert field.attrs["autocomplete"] == "off"
        assert "value" not in field.attrs
        assert "style" not in field.attrs


SIGN_UP = {"name": "Real", "password1": PASSWORD, "password2": PASSWORD}


def test_a_sign_up_with_the_honeypot_filled_looks_real_but_creates_and_sends_nothing(db):
    real, bot = Client(), Client()

    genuine = real.post(reverse("account_signup"), {"email": "real@example.com", **SIGN_UP})
    faked = bot.post(
        reverse("account_signup"),
        {"email": "bot@example.com", "website": "https://spam.example", **SIGN_UP},
    )

    assert faked.status_code == genuine.status_code == 302
    assert faked["Location"] == genuine["Location"] == reverse("account_email_verification_sent")
    shown_to_bot = bot.get(faked["Location"])
    shown_to_member = real.get(genuine["Location"])
    assert shown_to_bot.status_code == shown_to_member.status_code == 200
    assert page_of(shown_to_bot).find("h1").words == page_of(shown_to_member).find("h1").words
    assert list(User.objects.values_list("email", flat=True)) == ["real@example.com"]
    assert not EmailAddress.objects.filter(email="bot@example.com").exists()
    assert [message.to for message in mail.outbox] == [["real@example.com"]]


def test_a_sign_up_with_the_honeypot_empty_creates_the_member(db):
    response = Client().post(
        reverse("account_signup"), {"email": "real@example.com", "website": "", **SIGN_UP}
    )

    assert response.status_code == 302
    assert User.objects.filter(email="real@example.com").exists()
    assert len(mail.outbox) == 1


def test_a_review_with_the_honeypot_filled_is_dropped_quietly(client, odette, episode):
    response = client.post(
        reverse("reviews:review-create", args=[1, 3]),
        {"body": "Cheap tickets at spam.example", "website": "https://spam.example"},
    )

    assert response.status_code == 302
    assert response["Location"].split("#")[0] == EPISODE_URL
    assert not Review.objects.exists()
    assert "spam.example" not in page_of(client.get(EPISODE_URL)).find("main").words


def test_a_reply_with_the_honeypot_filled_is_dropped_quietly(client, odette, odile, episode):
    review = write(odile, episode, "A luminous hour.")

    response = client.post(
        reverse("reviews:reply-create", args=[review.pk]),
        {
            f"reply-{review.pk}-body": "Cheap tickets at spam.example",
            f"reply-{review.pk}-website": "https://spam.example",
        },
    )

    assert response.status_code == 302
    assert response["Location"].split("#")[0] == EPISODE_URL
    assert list(Review.objects.all()) == [review]
    assert refresh(review).reply_count == 0


def test_a_review_with_the_honeypot_empty_is_published(client, odette, episode):
    response = client.post(
        reverse("reviews:review-create", args=[1, 3]), {"body": "A luminous hour.", "website": ""}
    )

    assert response.status_code == 302
    assert Review.objects.get().body == "A luminous hour."


# 6. The audit trail ---------------------------------------------------------------------------


def test_the_audit_trail_keeps_who_what_and_why_after_the_author_deletes_it(
    odile, odile_client, episode, reporters, moderator
):
    review = write(odile, episode, "First version, with the ending spoiled.")
    subject = f"Review {review.pk} by @odile on S01E03 · {episode.title}"
    reported_by(reporters[:3], review, reason="spoiler")
    moderation.review_approve(review=review, moderator=moderator, reason="Marked well enough.")
    edited = odile_client.post(
        reverse("reviews:review-edit", args=[review.pk]), {"body": "Second version, insulting."}
    )
    assert edited.status_code == 302
    moderation.review_hide(review=review, moderator=moderator, reason="Insults a dancer.")
    moderation.review_remove(review=review, moderator=moderator, reason="Insults again.")
    moderation.member_suspend(member=odile, moderator=moderator, reason="Repeated insults.")
    moderation.member_reinstate(member=odile, moderator=moderator, reason="Apologised.")
    odile.refresh_from_db()
    odile_client.force_login(odile)  # she signs in again after her reinstatement

    deleted = odile_client.post(reverse("reviews:review-delete", args=[review.pk]))

    assert deleted.status_code == 302
    assert not Review.objects.filter(pk=review.pk).exists()
    rows = list(
        ModerationAction.objects.order_by("pk").values_list(
            "kind", "moderator", "review", "member", "subject", "text", "reason"
        )
    )
    first, second = "First version, with the ending spoiled.", "Second version, insulting."
    mod = moderator.pk
    assert rows == [
        ("hold", None, None, odile.pk, subject, first, "Reported by 3 members."),
        ("approve", mod, None, odile.pk, subject, first, "Marked well enough."),
        ("hide", mod, None, odile.pk, subject, second, "Insults a dancer."),
        ("remove", mod, None, odile.pk, subject, second, "Insults again."),
        ("suspend", mod, None, odile.pk, "@odile", "", "Repeated insults."),
        ("reinstate", mod, None, odile.pk, "@odile", "", "Apologised."),
    ]
    # Newest first, as the admin lists them, each saying what it was about.
    assert [str(action) for action in ModerationAction.objects.all()[:2]] == [
        "Member reinstated: @odile",
        "Member suspended: @odile",
    ]
    assert str(ModerationAction.objects.order_by("pk").first()) == f"Held after reports: {subject}"


def test_decisions_are_logged_for_the_operators(odile, episode, moderator, caplog):
    review = write(odile, episode, "A luminous hour.")

    with caplog.at_level("INFO", logger="etoile.security"):
        moderation.review_hide(review=review, moderator=moderator, reason="Insults.")

    # Who, what and from where; the reason stays in the audit trail, out of the log.
    assert re.search(
        rf"moderation hide on Review {review.pk} by @odile .* member={moderator.pk} ip=\S+",
        caplog.text,
    )
    assert "Insults" not in caplog.text


# 7. Members acting at the same instant (PostgreSQL) -------------------------------------------


@pytest.fixture
def postgresql_only(db):
    skip_unless_postgresql()


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_reports_sent_at_the_same_instant_hold_the_review_exactly_once(
    postgresql_only, odile, episode, reporters
):
    review = write(odile, episode, "Everyone who disagrees is an idiot.")

    def reporting(member):
        return lambda: moderation.report_create(reporter=member, review=review, reason="spam")

    _, errors = run_together([reporting(member) for member in reporters])

    # Those who came after the hold are told it has already been taken down.
    assert all(isinstance(error, ReportError) for error in errors), errors
    assert len(errors) == len(reporters) - 3
    assert refresh(review).status == Review.Status.HELD
    assert Report.objects.filter(review=review).count() == 3
    hold = ModerationAction.objects.get()
    assert (hold.kind, hold.reason) == ("hold", "Reported by 3 members.")


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_double_click_on_send_the_report_makes_one_report(postgresql_only, odile, episode):
    review = write(odile, episode, "A luminous hour.")
    member = make_member("odette@example.com", "odette")
    results = []

    def reporting():
        results.append(moderation.report_create(reporter=member, review=review, reason="spam"))

    assert run_together([reporting, reporting])[1] == []

    assert Report.objects.count() == 1
    assert {result.pk for result in results} == {Report.objects.get().pk}


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_moderators_approving_at_once_record_one_approval(
    postgresql_only, odile, episode, reporters, moderator
):
    review = write(odile, episode, "A luminous hour.")
    reported_by(reporters[:3], review)
    second = make_member("juliette@example.com", "juliette", is_staff=True)
    outcomes = []

    def approving(who):
        return lambda: outcomes.append(
            moderation.review_approve(review=review, moderator=who, reason="Fine.")
        )

    assert run_together([approving(moderator), approving(second)])[1] == []

    assert sorted(outcomes) == [False, True]
    assert refresh(review).status == Review.Status.VISIBLE
    assert ModerationAction.objects.filter(kind="approve").count() == 1


# Query budget -------------------------------------------------------------------------------

# The session and the member, the item with its author and episode, the member's own report
# of it, and the member's watches (spoiler folding and the progress in the menu).
REPORT_PAGE_QUERIES = 7


def test_the_report_page_costs_the_same_queries_with_one_report_or_two_hundred(
    client, odette, odile, episode, reporters
):
    review = write(odile, episode, "Reported again and again.")
    other = write(odile, episode, "The one Odette reports.")
    moderation.report_create(reporter=reporters[0], review=review, reason="spam")
    with CaptureQueriesContext(connection) as few:
        assert client.get(report_url(other)).status_code == 200

    crowd = User.objects.bulk_create(
        User(email=f"crowd{n}@example.com", handle=f"crowd-{n}") for n in range(200)
    )
    Report.objects.bulk_create(
        [Report(reporter=member, review=other, reason="spam") for member in crowd]
    )
    with CaptureQueriesContext(connection) as many:
        page = client.get(report_url(other))
    assert page.status_code == 200
    assert "The one Odette reports." in page.content.decode()
    assert len(many) == len(few) <= REPORT_PAGE_QUERIES


# 9. The member's own data ------------------------------------------------------------------------


def test_a_members_reports_are_in_their_data_export(odile, episode, reporters):
    """What a member told moderators is their words too: it goes home with them."""
    import json

    review = write(odile, episode, "A luminous hour.")
    reporter, other = reporters[:2]
    moderation.report_create(
        reporter=reporter, review=review, reason="other", note="Quotes the finale."
    )
    moderation.report_create(reporter=other, review=review, reason="spam")
    client = Client()
    client.force_login(reporter)

    _, files = download_export(client)

    reports = json.loads(files["etoile-export.json"])["reports"]
    assert [(r["review"], r["reason"], r["note"], r["resolved"]) for r in reports] == [
        (review.pk, "other", "Quotes the finale.", False)
    ]
    assert b"Quotes the finale." in files["reports.csv"]
