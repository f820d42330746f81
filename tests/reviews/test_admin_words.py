"""The moderation admin in plain words: labels that say what an item is, filters named as
moderators speak, list titles that do not promise an edit form, the decisions on every page
of an item, and an item that left the queue explained rather than "doesn't exist"."""

import pytest
from django.utils.html import escape
from django.utils.translation import override

from reviews import moderation
from reviews.models import ModerationQueueItem, Report, Review, shortened
from reviews.services import review_post
from tests.factories import make_member
from tests.pages import MEMBERS, QUEUE, REVIEWS, messages_of, page_of, text_of

pytestmark = pytest.mark.django_db

REPORTS = "/admin/reviews/report/"
BODY = "Second QA review of the episode, with the gala and the long rehearsal scenes"


@pytest.fixture
def alice(db):
    return make_member(handle="alice", display_name="Alice Author", password=None)


@pytest.fixture
def reported(alice, episodes, reporters):
    review = review_post(member=alice, episode=episodes[1], body=BODY)
    moderation.report_create(reporter=reporters[0], review=review, reason="spam")
    return review


def test_a_review_is_labelled_by_author_episode_code_and_its_first_words(reported):
    assert (
        str(reported) == "Review by Alice Author of S01E02 “Second QA review of the episode, with…”"
    )
    assert str(ModerationQueueItem.objects.get(pk=reported.pk)) == str(reported)


def test_a_reply_and_a_report_say_what_they_are(reported, reporters):
    reply = review_post(
        member=reporters[1], episode=reported.episode, body="Agreed", parent=reported
    )
    report = Report.objects.get(review=reported)

    assert str(reply) == "Reply by Dancer 1 on S01E02 “Agreed”"
    assert str(report) == f"Report by Dancer 0 (Spam or advertising): {reported}"


def test_labels_are_translated(reported):
    with override("fr"):
        assert str(reported).startswith(
            "Avis sur S01E02 par Alice Author\xa0: «\xa0Second QA review"
        )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Short", "Short"),
        ("one two three four", "one two…"),
        ("one two, three", "one two…"),
        ("abcdefghijklmnop", "abcdefgh…"),
        ("  spaced \n  out ", "spaced…"),
        ("a\nb  c", "a b c"),
    ],
)
def test_shortened_cuts_between_words(text, expected):
    assert shortened(text, 8) == expected


def test_the_breadcrumb_names_the_item_in_words(reported, moderator_client):
    page = moderator_client.get(f"{REVIEWS}{reported.pk}/change/")

    assert escape("Review by Alice Author of S01E02 “Second QA review") in page.content.decode()


def test_reports_are_filtered_by_open_or_resolved(reported, moderator, moderator_client):
    closed = review_post(member=reported.member, episode=reported.episode, body="Another one")
    moderation.report_create(reporter=moderator, review=closed, reason="spam")
    moderation.review_approve(review=closed, moderator=moderator, reason="Fine")

    page = moderator_client.get(REPORTS)
    words = text_of(page)
    assert "By status" in words and "Open" in words and "Resolved" in words
    assert "By resolved at" not in words and "Not empty" not in words

    open_only = moderator_client.get(REPORTS, {"status": "no"})
    resolved = moderator_client.get(REPORTS, {"status": "yes"})
    assert [r.review_id for r in open_only.context["cl"].result_list] == [reported.pk]
    assert [r.review_id for r in resolved.context["cl"].result_list] == [closed.pk]


def test_members_are_filtered_by_suspension_in_words(admin_client, alice, moderator):
    moderation.member_suspend(member=alice, moderator=moderator, reason="Insults")

    words = text_of(admin_client.get(MEMBERS))
    assert "By suspension" in words and "Not suspended" in words
    assert "Not empty" not in words
    suspended = admin_client.get(MEMBERS, {"suspended": "yes"})
    assert [member.pk for member in suspended.context["cl"].result_list] == [alice.pk]


def test_the_reviews_list_is_titled_for_moderating(reported, moderator_client):
    page = moderator_client.get(REVIEWS)

    heading = page_of(page).find("h1").words
    assert heading == "Reviews and replies: choose one to moderate"
    assert "to change" not in text_of(page)


def test_a_review_opened_from_the_reviews_list_has_the_decision_form(
    reported, moderator, moderator_client
):
    page = page_of(moderator_client.get(f"{REVIEWS}{reported.pk}/change/"))

    form = page.find("form", action=REVIEWS)
    assert form.find("input", name="reason")
    assert [b.attrs["value"] for b in form.find_all("button", name="action")] == [
        "approve",
        "hide",
        "remove",
        "suspend_authors",
    ]

    # An item never reported (not in the queue) is decided on from its own page too.
    quiet = review_post(member=reported.member, episode=reported.episode, body="Quiet one")
    moderator_client.get(f"{REVIEWS}{quiet.pk}/change/")
    response = moderator_client.post(
        REVIEWS,
        {"action": "hide", "_selected_action": quiet.pk, "reason": "Off topic", "index": 0},
        follow=True,
    )
    assert "1 review or reply hidden." in messages_of(response)
    quiet.refresh_from_db()
    assert quiet.status == Review.Status.HIDDEN


def test_an_item_decided_since_leads_from_the_queue_to_the_reviews_list(
    reported, moderator, moderator_client
):
    moderation.review_approve(review=reported, moderator=moderator, reason="Fine")

    response = moderator_client.get(f"{QUEUE}{reported.pk}/change/", follow=True)

    assert response.redirect_chain[-1][0] == f"{REVIEWS}{reported.pk}/change/"
    [message] = messages_of(response)
    assert message.startswith(
        "This review is no longer waiting: the last decision on it was “Approved”, by @mod-ada on "
    )
    assert "doesn't exist" not in response.content.decode()


def test_an_item_that_left_the_queue_without_a_decision_says_so(
    reported, reporters, moderator, moderator_client
):
    # Its only reporter was suspended: the report no longer counts and the item left.
    moderation.member_suspend(member=reporters[0], moderator=moderator, reason="Brigading")

    response = moderator_client.get(f"{QUEUE}{reported.pk}/change/", follow=True)

    assert messages_of(response) == ["This review is no longer waiting for a decision."]
    assert response.redirect_chain[-1][0] == f"{REVIEWS}{reported.pk}/change/"


@pytest.mark.parametrize("object_id", ["999999", "abc", "99999999999999999999999"])
def test_an_unknown_item_in_the_queue_is_still_django_s_answer(
    reported, moderator_client, object_id
):
    response = moderator_client.get(f"{QUEUE}{object_id}/change/", follow=True)

    assert response.status_code == 200
    assert all("no longer waiting" not in m for m in messages_of(response))
