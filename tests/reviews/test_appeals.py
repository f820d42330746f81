"""What a member is told about a moderator's decision on them or their writing, and their one
appeal of it: the suspended member at sign-in, the author beside a hidden or removed review,
the email each decision sends, and the appeal reaching the moderators' admin."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from reviews import moderation
from reviews.models import Appeal, ModerationAction, Review
from reviews.services import review_post
from tests.factories import PASSWORD, make_member, refresh, signed_in
from tests.pages import QUEUE, act, listed, messages_of, text_of

pytestmark = pytest.mark.django_db

INACTIVE = reverse("account_inactive")
APPEALS = "/admin/reviews/appeal/"
REASON = "Insulted three members in one evening"


@pytest.fixture
def suspended(moderator):
    member = make_member("rothbart@example.com", "rothbart", display_name="Von Rothbart")
    moderation.member_suspend(member=member, moderator=moderator, reason=REASON)
    mail.outbox.clear()
    return member


def sign_in(client, email, password=PASSWORD, **extra):
    return client.post(reverse("account_login"), {"login": email, "password": password, **extra})


def appeal(client, url, text="I was quoting the libretto, not insulting anyone", **extra):
    return client.post(url, {"text": text, **extra})


@pytest.fixture
def hidden(episode, odile, moderator):
    review = review_post(member=odile, episode=episode, body="The swans were off the beat")
    moderation.review_hide(review=review, moderator=moderator, reason="Mocks the corps de ballet")
    mail.outbox.clear()
    return refresh(review)


# The suspended member at sign-in --------------------------------------------------------------


def test_a_suspended_member_signing_in_is_told_why_and_how_to_appeal(client, suspended):
    response = sign_in(client, "rothbart@example.com")
    assert response.status_code == 302
    assert response.url == INACTIVE

    page = client.get(INACTIVE)
    words = text_of(page)
    assert "Your account is suspended" in words
    assert REASON in words
    assert "no end date: it lasts until a moderator reinstates you" in words
    assert "You can appeal once" in words
    assert "Account Inactive" not in words


def test_the_wrong_password_tells_nothing_of_the_suspension(client, suspended):
    response = sign_in(client, "rothbart@example.com", "not the password at all")
    assert response.status_code == 200
    page = text_of(client.get(INACTIVE))
    assert REASON not in page
    assert "Account inactive" in page


def test_the_suspended_member_appeals_once_and_moderators_see_it(suspended, moderator_client):
    client = Client()
    sign_in(client, "rothbart@example.com")
    response = appeal(client, INACTIVE)
    assert response.status_code == 302
    assert "Your appeal is sent. A moderator will answer by email." in messages_of(response)
    # The same page now says it is done, and a second appeal changes nothing.
    assert "You appealed on" in text_of(client.get(INACTIVE))
    appeal(client, INACTIVE, text="A second try")
    [sent] = Appeal.objects.all()
    assert sent.member == suspended and sent.decision.kind == ModerationAction.Kind.SUSPEND

    listing = moderator_client.get(APPEALS)
    assert listed(listing) == [sent.pk]
    assert "I was quoting the libretto" in listing.content.decode()
    assert REASON in listing.content.decode()


def test_an_appeal_cannot_be_sent_for_someone_else(client, suspended, odile):
    # No session from a refused sign-in: a visitor naming the member gets nothing.
    response = appeal(client, INACTIVE, member=suspended.pk, decision=1)
    assert response.status_code == 400
    # Another suspended member's session does not stretch to rothbart either.
    sign_in(client, "odile@example.com")  # odile is active: signed in, no marker
    appeal(client, INACTIVE, member=suspended.pk)
    assert not Appeal.objects.exists()


def test_the_inactive_appeal_needs_the_csrf_token(suspended):
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("account_login"))
    token = client.cookies["csrftoken"].value
    response = sign_in(client, "rothbart@example.com", csrfmiddlewaretoken=token)
    assert response.url == INACTIVE
    assert appeal(client, INACTIVE).status_code == 403
    assert not Appeal.objects.exists()


def test_a_bot_filling_the_honeypot_sends_no_appeal(client, suspended):
    sign_in(client, "rothbart@example.com")
    response = appeal(client, INACTIVE, website="http://spam.example")
    assert response.status_code == 302
    assert not Appeal.objects.exists()


# The author of a hidden or removed review ----------------------------------------------------


def test_the_author_sees_the_reason_beside_the_hidden_review(hidden, odile_client, episode):
    for url in (episode.get_absolute_url(), hidden.member.get_absolute_url()):
        words = text_of(odile_client.get(url))
        assert "Hidden by a moderator." in words, url
        assert "The moderator’s reason: Mocks the corps de ballet" in words, url
        assert "Appeal this decision" in words, url


def test_nobody_else_reads_the_reason(hidden, reporters, moderator_client, episode):
    client, other = Client(), signed_in(reporters[0])
    for reader in (client, other, moderator_client):
        assert "Mocks the corps de ballet" not in text_of(reader.get(episode.get_absolute_url()))
    assert client.get(reverse("reviews:review-appeal", args=[hidden.pk])).status_code == 302
    assert other.get(reverse("reviews:review-appeal", args=[hidden.pk])).status_code == 404


def test_the_author_appeals_once_and_the_item_returns_to_the_queue(
    hidden, odile_client, moderator_client
):
    url = reverse("reviews:review-appeal", args=[hidden.pk])
    assert "Mocks the corps de ballet" in text_of(odile_client.get(url))
    assert appeal(odile_client, url).status_code == 302
    assert appeal(odile_client, url, text="Again").status_code == 200
    assert Appeal.objects.get().text.startswith("I was quoting")

    queue = moderator_client.get(QUEUE)
    assert hidden.pk in listed(queue)
    assert "I was quoting the libretto" in queue.content.decode()

    # Approving it from the queue answers the appeal and brings the review back.
    act(moderator_client, QUEUE, "approve", [hidden], reason="Fair: it is a quotation")
    assert refresh(hidden).status == Review.Status.VISIBLE
    assert Appeal.objects.get().resolved_at is not None
    assert hidden.pk not in listed(moderator_client.get(QUEUE))


def test_appeals_are_rate_limited(episode, odile, odile_client, moderator):
    reviews = [
        review_post(member=odile, episode=episode, body=f"Review number {n}") for n in range(4)
    ]
    for review in reviews:
        moderation.review_remove(review=review, moderator=moderator, reason="Spam")
    statuses = [
        appeal(odile_client, reverse("reviews:review-appeal", args=[r.pk])).status_code
        for r in reviews
    ]
    assert statuses == [302, 302, 302, 429]
    assert Appeal.objects.count() == 3


# The moderators' answers and the emails ------------------------------------------------------


def test_each_decision_emails_the_author_what_and_why(
    settings, episode, odile, moderator, django_capture_on_commit_callbacks
):
    settings.ETOILE_SITE_URL = "https://etoile.example"
    review = review_post(member=odile, episode=episode, body="The swans were off the beat")

    # Sent once each decision is committed.
    with django_capture_on_commit_callbacks(execute=True):
        moderation.review_hide(review=review, moderator=moderator, reason="Mocks the corps")
        moderation.review_approve(review=review, moderator=moderator, reason="It is a quotation")
        moderation.member_suspend(member=odile, moderator=moderator, reason=REASON)

    hide, approve, suspend = mail.outbox
    assert hide.to == ["odile@example.com"]
    assert hide.subject == "[Étoile] A moderator hid your review"
    assert "Mocks the corps" in hide.body and "The swans were off the beat" in hide.body
    assert f"etoile.example/reviews/{review.pk}/appeal/" in hide.body
    assert f"etoile.example{episode.get_absolute_url()}#review-{review.pk}" in hide.body
    assert approve.subject == "[Étoile] Your review is visible again"
    assert "It is a quotation" in approve.body
    assert suspend.subject == "[Étoile] Your account is suspended"
    assert REASON in suspend.body and "etoile.example/accounts/login/" in suspend.body


def test_moderators_accept_or_reject_appeals_from_the_list(
    suspended, hidden, odile_client, moderator_client, django_capture_on_commit_callbacks
):
    client = Client()
    sign_in(client, "rothbart@example.com")
    appeal(client, INACTIVE)
    appeal(odile_client, reverse("reviews:review-appeal", args=[hidden.pk]))
    mail.outbox.clear()
    suspension, takedown = Appeal.objects.order_by("pk")

    with django_capture_on_commit_callbacks(execute=True):
        act(moderator_client, APPEALS, "accept", [suspension], reason="Apology accepted")
        act(moderator_client, APPEALS, "reject", [takedown], reason="It mocks them, plainly")

    suspended.refresh_from_db()
    assert suspended.is_active
    assert refresh(hidden).status == Review.Status.HIDDEN
    assert ModerationAction.objects.filter(kind="uphold", review=hidden).exists()
    assert not listed(moderator_client.get(APPEALS))
    reinstated, upheld = mail.outbox
    assert reinstated.subject == "[Étoile] Your account is active again"
    assert upheld.subject == "[Étoile] Your appeal was answered: the decision stands"
    assert "It mocks them, plainly" in upheld.body
    # The rejected appeal was the one: the author cannot appeal the same decision again.
    response = odile_client.get(reverse("reviews:review-appeal", args=[hidden.pk]))
    assert "You appealed on" in text_of(response)


def test_the_french_inactive_page_is_in_french(client, suspended):
    client.post("/fr/accounts/login/", {"login": "rothbart@example.com", "password": PASSWORD})
    page = client.get("/fr" + INACTIVE).content.decode()
    assert "Votre compte est suspendu" in page
    assert "La suspension n’a pas de date de fin\u00a0:" in page
    assert "Envoyer le recours" in page


def test_the_same_decision_again_from_the_queue_answers_the_appeal(
    hidden, odile_client, moderator_client, django_capture_on_commit_callbacks
):
    appeal(odile_client, reverse("reviews:review-appeal", args=[hidden.pk]))
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = act(moderator_client, QUEUE, "hide", [hidden], reason="Still mocking them")

    assert "1 review or reply hidden." in messages_of(response)
    assert Appeal.objects.get().resolved_at is not None
    assert hidden.pk not in listed(moderator_client.get(QUEUE))
    [told] = mail.outbox
    assert "Still mocking them" in told.body


# What the member-facing pages cost ------------------------------------------------------------

# Queries per page, the same whatever the member's history or the site's size. The inactive
# page: the session, the member refused, their suspension with its appeal. The appeal page:
# the session, the member, the review, its standing decision with its appeal, and the
# header's episode list and the member's progress (every page's).
INACTIVE_QUERIES = 3
APPEAL_QUERIES = 7  # with the header's unread-notifications counter


def a_long_history(member, moderator, episode, others):
    """Many reviews, earlier suspensions and takedowns, appeals of them, and other members'
    reports and replies: what could make a page's queries grow with the data. (The caller
    raises the report threshold, so every report stays open.)"""
    reviews = [
        review_post(member=member, episode=episode, body=f"Review number {n}") for n in range(30)
    ]
    for review in reviews[:10]:
        moderation.review_hide(review=review, moderator=moderator, reason="Off topic")
        moderation.appeal_create(
            member=member,
            decision=ModerationAction.objects.filter(review=review).latest("pk"),
            text="Please look again",
        )
    for other in others:
        moderation.report_create(reporter=other, review=reviews[-1], reason="spam")
        review_post(member=other, episode=episode, body="A reply", parent=reviews[-1])
    for n in range(5):
        moderation.member_suspend(member=member, moderator=moderator, reason=f"Round {n}")
        moderation.member_reinstate(member=member, moderator=moderator, reason="Served")
    return reviews


@pytest.mark.parametrize("size", ["small", "large"])
def test_the_inactive_page_and_its_appeal_form_cost_a_few_queries(
    size, settings, moderator, episode, reporters, django_assert_max_num_queries
):
    settings.REVIEW_REPORTS_TO_HOLD = 100
    member = make_member("rothbart@example.com", "rothbart")
    if size == "large":
        a_long_history(member, moderator, episode, reporters)
    moderation.member_suspend(member=member, moderator=moderator, reason=REASON)
    client = Client()
    sign_in(client, "rothbart@example.com")

    with django_assert_max_num_queries(INACTIVE_QUERIES):
        response = client.get(INACTIVE)

    assert REASON in text_of(response)
    assert "Send the appeal" in text_of(response)


@pytest.mark.parametrize("size", ["small", "large"])
def test_the_review_appeal_page_costs_a_few_queries(
    size,
    settings,
    moderator,
    episode,
    odile,
    reporters,
    django_assert_max_num_queries,
):
    settings.REVIEW_REPORTS_TO_HOLD = 100
    review = review_post(member=odile, episode=episode, body="The swans were off the beat")
    if size == "large":
        a_long_history(odile, moderator, episode, reporters)
        for other in reporters:
            review_post(member=other, episode=episode, body="Agreed", parent=review)
            moderation.report_create(reporter=other, review=review, reason="spam")
    moderation.review_hide(review=review, moderator=moderator, reason="Mocks the corps")
    url = reverse("reviews:review-appeal", args=[review.pk])
    odile.refresh_from_db()  # her earlier suspensions ended every session before them
    client = signed_in(odile)

    with django_assert_max_num_queries(APPEAL_QUERIES):
        response = client.get(url)

    assert "Mocks the corps" in text_of(response)
    assert "Send the appeal" in text_of(response)
