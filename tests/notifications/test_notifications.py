"""Notifications: where they come from, the page and the header's counter, the emails with their
one-click unsubscribe, the daily digest on the periodic job, the API and the data export."""

import datetime
import json

import pytest
from django.core import mail, signing
from django.test import Client

from jobs import periodic
from jobs.models import PeriodicRun
from members import services as member_services
from members.models import AccessToken, User
from notifications import services
from notifications.emails import unsubscribe_token
from notifications.models import EmailPreferences, Notification
from reviews import moderation
from reviews import services as review_services
from reviews.models import Review
from tests.factories import make_member, make_staff, signed_in, write
from tests.pages import count_queries, download_export, page_of

PREMIERE = datetime.date(2025, 4, 15)
SPOILER = "Cheyenne leaves the company at the end of the gala."
LIST_URL = "/me/notifications/"


@pytest.fixture
def ep5(seeded):
    from catalog.models import Episode

    return Episode.objects.select_related("season").get(season__number=1, number=5)


def kinds(member) -> list[str]:
    return list(
        Notification.objects.filter(recipient=member).order_by("pk").values_list("kind", flat=True)
    )


# Where they come from ------------------------------------------------------------------------


def test_a_reply_a_like_and_their_withdrawal(odette, odile, episode):
    review = write(odette, episode, "A luminous hour.")
    reply = write(odile, episode, "Agreed.", parent=review)
    review_services.like_set(member=odile, review=review, liked=True)
    assert kinds(odette) == ["reply", "like"]

    review_services.like_set(member=odile, review=review, liked=False)
    assert kinds(odette) == ["reply"]
    review_services.review_delete(review=reply)
    assert kinds(odette) == []


def test_a_reply_tells_those_who_replied_before_and_never_the_replier(odette, odile, episode):
    odelia = make_member("odelia@example.com", "odelia")
    review = write(odette, episode)
    write(odile, episode, "First answer.", parent=review)
    write(odelia, episode, "Second answer.", parent=review)

    assert kinds(odette) == ["reply", "reply"]
    assert kinds(odile) == ["reply"]  # Odelia replied after her
    assert kinds(odelia) == []


def test_a_mention_notifies_once_even_after_edits_and_never_oneself(odette, odile, episode):
    review = write(odile, episode, "Ask @Odette, and @odile, and @nobody.")
    assert kinds(odette) == ["mention"]
    assert kinds(odile) == []

    review_services.review_edit(review=review, body="Ask @odette again.", is_spoiler=False)
    assert kinds(odette) == ["mention"]
    review_services.review_delete(review=review)
    assert kinds(odette) == []


def test_the_rule_says_no_to_a_suspended_recipient(odette, odile, episode):
    User.objects.filter(pk=odette.pk).update(is_active=False)
    write(odile, episode, "Hello @odette.")
    assert kinds(odette) == []


def test_a_moderators_decision_notifies_and_emails_once(odette, odile, episode):
    review = write(odette, episode, "Something reported.")
    moderator = make_staff("moder", "Moderators")
    mail.outbox.clear()

    moderation.review_hide(review=review, moderator=moderator, reason="Off topic.")

    assert kinds(odette) == ["moderation"]
    assert [m.subject for m in mail.outbox] == ["[Étoile] A moderator hid your review"]
    page = page_of(signed_in(odette).get(LIST_URL))
    assert "A moderator hid your review of episode 3" in page.find("main").words


# The page and the header ---------------------------------------------------------------------


def test_the_page_groups_likes_and_marks_nothing_read_until_asked(odette, odile, episode, client):
    review = write(odette, episode)
    for n, liker in enumerate(
        [odile, *(make_member(f"fan{n}@example.com", f"fan{n}") for n in range(3))]
    ):
        review_services.like_set(member=liker, review=review, liked=True)
        assert n < 4

    page = page_of(client.get(LIST_URL))
    items = page.find("ul", class_="notification-list").find_all("li")
    assert [item.words for item in items][0].startswith("New fan2 and 3 others liked your review")
    link = page.find("a", class_="member-menu__notifications")
    # The bell and the number are shown; the phrase is heard.
    assert link.find("span", class_="visually-hidden").words == "Notifications, 4 unread"
    assert link.find("span", class_="count-badge").words == "4"
    assert Notification.objects.filter(recipient=odette, read_at__isnull=True).count() == 4

    response = client.post("/me/notifications/read/")
    assert response.status_code == 302
    page = page_of(client.get(LIST_URL))
    assert page.find("a", class_="member-menu__notifications").words == "Notifications"
    assert "Mark all as read" not in page.find("main").words


def test_the_page_and_the_counter_cost_the_same_with_one_notification_or_five_hundred(
    odette, odile, episode, client
):
    review = write(odette, episode)
    write(odile, episode, "An answer.", parent=review)
    with_one, page = count_queries(client, LIST_URL)
    home_one, _ = count_queries(client, "/")

    actors = User.objects.bulk_create(
        User(email=f"m{n}@example.com", handle=f"m{n}", display_name=f"M {n}") for n in range(50)
    )
    replies = Review.objects.bulk_create(
        Review(member=actors[n % 50], episode=episode, parent=review, body=f"Reply {n}.")
        for n in range(499)
    )
    Notification.objects.bulk_create(
        Notification(recipient=odette, kind="reply", actor=r.member, review=r) for r in replies
    )
    with_many, page = count_queries(client, LIST_URL)
    home_many, home = count_queries(client, "/")

    assert with_one == with_many <= 8
    assert home_one == home_many
    assert page.find("a", rel="next") is not None
    assert "99+" in home.find("a", class_="member-menu__notifications").words


def test_mentions_link_to_members_in_one_query_for_the_page(odette, odile, episode, client):
    write(odile, episode, "As @odette said, and @ghost did not.")
    first, page = count_queries(Client(), "/season/1/episode/3/")
    links = page.find("section", id="reviews").find_all("a", class_="mention")
    assert [(a.words, a.attrs["href"]) for a in links] == [("@odette", "/u/odette/")]

    for n in range(30):
        write(make_member(f"w{n}@example.com", f"w{n}"), episode, f"Hello @odile and @w{n}.")
    many, page = count_queries(Client(), "/season/1/episode/3/")
    assert len(page.find("section", id="reviews").find_all("a", class_="mention")) == 40
    assert many == first  # one query for every handle on the page, however many


# Spoilers, emails and unsubscribing -------------------------------------------------------------


def test_a_mention_in_a_spoiler_keeps_its_words_out_until_watched(odette, odile, ep5, client):
    write(odile, ep5, f"{SPOILER} Right, @odette?", is_spoiler=True)
    main = page_of(client.get(LIST_URL)).find("main")
    assert "Odile Black mentioned you in a review of episode 5" in main.words
    assert SPOILER not in main.words
    assert "may spoil episode 5, which you have not watched" in main.words

    review_services.watch_add(member=odette, episode=ep5, watched_on=PREMIERE)
    assert SPOILER in page_of(client.get(LIST_URL)).find("main").words


def test_the_email_carries_one_click_unsubscribe_and_no_spoiler(odette, odile, ep5):
    EmailPreferences.objects.create(member=odette, mention=True)
    User.objects.filter(pk=odette.pk).update(language="fr")
    mail.outbox.clear()

    write(odile, ep5, f"{SPOILER} @odette", is_spoiler=True)

    (email,) = mail.outbox  # sent by the worker's job (deliver_email) from the outbox
    assert email.to == ["odette@example.com"]
    assert email.subject == "[Étoile] Odile Black vous cite dans un avis sur l’épisode 5"
    assert SPOILER not in email.body and SPOILER not in email.subject
    assert "http://testserver/fr/season/1/episode/5/#review-" in email.body
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = email.extra_headers["List-Unsubscribe"]
    assert link.startswith("<http://testserver/fr/unsubscribe/") and link.endswith("/>")

    path = link[1:-1].removeprefix("http://testserver")
    visitor = Client(enforce_csrf_checks=True)
    assert visitor.get(path).status_code == 200
    assert EmailPreferences.objects.get(member=odette).mention  # a GET changes nothing
    response = visitor.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert not EmailPreferences.objects.get(member=odette).mention
    assert EmailPreferences.objects.get(member=odette).reply  # only that kind


def test_a_forged_or_altered_unsubscribe_link_is_a_clear_400(odette):
    token = unsubscribe_token(odette, "all")
    forged = signing.dumps({"m": odette.pk, "k": "all"}, salt="another.purpose")
    for bad in (token[:-2] + "xx", forged, "nothing"):
        response = Client().post(f"/unsubscribe/{bad}/")
        assert response.status_code == 400
        assert "This unsubscribe link does not work" in page_of(response).find("h1").words
    assert not EmailPreferences.objects.filter(member=odette).exists()


def test_replies_are_emailed_by_default_and_settings_turn_kinds_on(odette, odile, episode, client):
    review = write(odette, episode)
    mail.outbox.clear()
    write(odile, episode, "An answer.", parent=review)
    review_services.like_set(member=odile, review=review, liked=True)
    assert [m.subject for m in mail.outbox] == [
        "[Étoile] Odile Black replied to your review of episode 3"
    ]

    response = client.post(
        "/me/notifications/email/", {"reply": "on", "like": "on", "digest": "on"}
    )
    assert response.status_code == 302
    preferences = EmailPreferences.objects.get(member=odette)
    assert (preferences.reply, preferences.like, preferences.mention, preferences.digest) == (
        True,
        True,
        False,
        True,
    )


def test_the_daily_digest_sends_once_however_often_it_runs(odette, odile, episode):
    EmailPreferences.objects.create(member=odette, reply=True, like=True, digest=True)
    review = write(odette, episode)
    mail.outbox.clear()
    write(odile, episode, "An answer.", parent=review)
    review_services.like_set(member=odile, review=review, liked=True)
    assert mail.outbox == []

    assert services.send_digests() == 1
    assert services.send_digests() == 0
    (email,) = mail.outbox
    assert "2 notifications" in email.subject
    assert "Odile Black replied to your review of episode 3" in email.body
    assert "Odile Black liked your review of episode 3" in email.body
    assert email.extra_headers["List-Unsubscribe"].startswith("<http://testserver/unsubscribe/")


def test_the_periodic_job_keeps_one_pending_run_and_runs_each_once(db, monkeypatch):
    ran = []
    monkeypatch.setitem(
        periodic.jobs,
        "test.tick",
        periodic.Periodic("test.tick", datetime.timedelta(days=1), lambda: ran.append(1)),
    )
    monkeypatch.setattr(periodic, "jobs", {"test.tick": periodic.jobs["test.tick"]})
    assert periodic.ensure_scheduled() == ["test.tick"]
    assert periodic.ensure_scheduled() == []  # one pending run at a time
    (run,) = PeriodicRun.objects.filter(name="test.tick")

    assert periodic.run_periodic.call(run_id=run.pk) is True
    assert periodic.run_periodic.call(run_id=run.pk) is False  # a second copy of the job
    assert ran == [1]
    pending = PeriodicRun.objects.get(name="test.tick", started_at__isnull=True)
    assert pending.due_at == run.due_at + datetime.timedelta(days=1)
    assert PeriodicRun.objects.filter(name="test.tick").count() == 2


def test_the_digest_and_the_end_of_suspensions_are_registered_daily(db):
    assert periodic.jobs["notifications.daily_digest"].interval == datetime.timedelta(days=1)
    assert periodic.jobs["reviews.end_suspensions"].work is moderation.end_due_suspensions


# The API and the export ----------------------------------------------------------------------


def test_the_api_lists_counts_and_marks_read_without_spoiling(odette, odile, ep5):
    write(odile, ep5, f"{SPOILER} @odette", is_spoiler=True)
    _, token = AccessToken.objects.create_for(odette, "script", scope="read_write")
    api = Client(headers={"Authorization": f"Bearer {token}"})

    (item,) = api.get("/api/v1/me/notifications").json()["results"]
    assert (item["kind"], item["actor"], item["episode"]) == ("mention", "odile", 5)
    assert item["body"] is None and item["withheld"] == "spoiler"
    assert api.get("/api/v1/me/notifications/unread").json() == {"unread": 1}

    response = api.post(
        "/api/v1/me/notifications/read", '{"ids": null}', content_type="application/json"
    )
    assert response.json() == {"marked": 1}
    assert api.get("/api/v1/me/notifications/unread").json() == {"unread": 0}

    # Another member's script naming Odette's notifications marks nothing of hers.
    write(odile, ep5, "Again, @odette.")
    theirs = list(Notification.objects.filter(read_at=None).values_list("pk", flat=True))
    _, other = AccessToken.objects.create_for(odile, "script", scope="read_write")
    response = Client(headers={"Authorization": f"Bearer {other}"}).post(
        "/api/v1/me/notifications/read",
        json.dumps({"ids": theirs}),
        content_type="application/json",
    )
    assert response.json() == {"marked": 0}
    assert api.get("/api/v1/me/notifications/unread").json() == {"unread": 1}


def test_the_api_refuses_ids_no_notification_can_have(odette):
    """A number past the database's 64-bit keys is a mistake to name, not a server error."""
    _, token = AccessToken.objects.create_for(odette, "script", scope="read_write")
    api = Client(headers={"Authorization": f"Bearer {token}"})

    for ids in ([2**63], [0]):
        response = api.post(
            "/api/v1/me/notifications/read",
            json.dumps({"ids": ids}),
            content_type="application/json",
        )
        assert response.status_code == 422, ids
    largest = api.post(
        "/api/v1/me/notifications/read",
        json.dumps({"ids": [2**63 - 1]}),
        content_type="application/json",
    )
    assert largest.json() == {"marked": 0}


def test_the_export_and_account_deletion_include_notifications(odette, odile, episode, client):
    EmailPreferences.objects.create(member=odette, like=True)
    review = write(odette, episode)
    review_services.like_set(member=odile, review=review, liked=True)

    _, files = download_export(client)
    document = json.loads(files["etoile-export.json"])
    assert [(n["kind"], n["by"]) for n in document["notifications"]] == [("like", "odile")]
    assert {"email": "like", "on": True} in document["notification_emails"]
    assert b"kind,by,review_id" in files["notifications.csv"]

    odette.delete()
    assert not Notification.objects.exists() and not EmailPreferences.objects.exists()


def test_the_counter_is_each_members_own_on_a_page_from_the_shared_skeleton(
    odette, odile, episode, settings
):
    from kernel import memberpages

    settings.MEMBER_PAGE_CACHE_BYTES = 64 * 1024 * 1024
    memberpages.store.clear()
    write(odile, episode, "Over to @odette.")
    try:
        pages = [page_of(signed_in(m).get("/season/1/episode/3/")) for m in (odile, odette)]
        assert memberpages.store.items  # the second page came from the first one's skeleton
    finally:
        memberpages.store.clear()
    links = [page.find("a", class_="member-menu__notifications") for page in pages]
    assert [link.words for link in links] == [
        "Notifications",
        "1Notifications, 1 unread",  # the badge's number, then the phrase heard
    ]


def test_the_french_page_quotes_with_guillemets(odette, odile, episode, client):
    review = write(odette, episode)
    write(odile, episode, "Tout à fait.", parent=review)
    response = client.get("/fr" + LIST_URL)
    main = page_of(response).find("main")
    assert "Odile Black a répondu à votre avis sur l’épisode 3" in main.words
    assert "«\u00a0Tout à fait.\u00a0»" in response.content.decode()
    assert "Tout marquer comme lu" in main.words


def test_new_followers_are_told_once_grouped_and_taken_back_by_an_unfollow(odette, odile, client):
    odelia = make_member("odelia@example.com", "odelia", display_name="Odelia")
    member_services.follow_set(follower=odile, followed=odette, following=True)
    member_services.follow_set(follower=odile, followed=odette, following=True)  # again
    member_services.follow_set(follower=odelia, followed=odette, following=True)
    assert kinds(odette) == ["follower", "follower"]
    assert services.notify(odette, "follower", odette) is None  # never oneself

    items = page_of(client.get(LIST_URL)).find("ul", class_="notification-list").find_all("li")
    texts = [item.find("p", class_="notification__text").words for item in items]
    assert texts == ["New Odelia and 1 other followed you"]

    member_services.follow_set(follower=odile, followed=odette, following=False)
    assert kinds(odette) == ["follower"]


def test_nobody_hears_across_a_block_nor_from_a_member_they_muted(odette, odile, episode):
    odelia = make_member("odelia@example.com", "odelia")
    review = write(odette, episode, "A luminous hour.")
    member_services.block_set(blocker=odette, blocked=odile, blocking=True)
    member_services.mute_set(muter=odette, muted=odelia, muting=True)

    review_services.like_set(member=odile, review=review, liked=True)
    write(odile, episode, "Hello @odette.")
    review_services.like_set(member=odelia, review=review, liked=True)
    write(odelia, episode, "Hello @odette.")
    member_services.follow_set(follower=odelia, followed=odette, following=True)
    assert kinds(odette) == []
    # The block works both ways: Odette's mention does not reach Odile either.
    write(odette, episode, "Hello @odile.")
    assert kinds(odile) == []

    member_services.mute_set(muter=odette, muted=odelia, muting=False)
    write(odelia, episode, "Hello again @odette.")
    assert kinds(odette) == ["mention"]
