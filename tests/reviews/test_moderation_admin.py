"""Moderation in the admin as moderators and operators use it: who may open which page, the
queue, each decision and its audit record, the reviews and members lists, the read-only
ratings with their recount, the first page's counts, and bounded queries.

Every test looks at what a moderator would see (the page, its messages, who is listed) and
then at the database only to prove what the decision did, or that nothing changed."""

import html
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from django.utils.text import capfirst

from catalog.models import Character, Episode, Person, Season, Show
from members.models import User
from reviews import moderation
from reviews.models import EpisodeScores, ModerationAction, Rating, Report, Review
from reviews.services import rating_set, review_post
from tests.factories import make_member, make_staff, staff_group
from tests.pages import (
    ACTIONS,
    MEMBERS,
    QUEUE,
    REVIEWS,
    act,
    action_names,
    form_post_data,
    glance,
    listed,
    messages_of,
    result_rows,
    text_of,
)

pytestmark = pytest.mark.django_db

NO_REASON = "Nothing was done: write the reason for the decision first."

REPORTS = "/admin/reviews/report/"
RATINGS = "/admin/reviews/rating/"
SCORES = "/admin/reviews/episodescores/"
RECOUNT_ALL = "/admin/reviews/episodescores/recount-all/"
MODERATION_PAGES = [QUEUE, REVIEWS, REPORTS, ACTIONS, MEMBERS, RATINGS, SCORES]
CATALOG_PAGES = ["/admin/catalog/show/", "/admin/catalog/episode/", "/admin/catalog/person/"]
CATALOG_MODELS = [Show, Season, Episode, Person, Character]

# Every model page of the admin site, as "app_label_model_name".
ADMIN_MODELS = sorted(
    f"{model._meta.app_label}_{model._meta.model_name}" for model in admin.site._registry
)

MODERATORS_PERMISSIONS = {
    ("reviews", "view_review"),
    ("reviews", "change_review"),
    ("reviews", "view_moderationqueueitem"),
    ("reviews", "change_moderationqueueitem"),
    ("reviews", "view_report"),
    ("reviews", "view_moderationaction"),
    ("reviews", "view_rating"),
    ("reviews", "view_episodescores"),
    ("reviews", "view_like"),
    ("reviews", "view_appeal"),
    ("reviews", "change_appeal"),
    ("reviews", "suspend_member"),
    ("reviews", "recount_ratings"),
    ("etoile_app", "view_user"),
    ("admin", "view_logentry"),  # the staff history, of the records they may view
}


# People -------------------------------------------------------------------------------------


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def hold_at_three(settings):
    settings.REVIEW_REPORTS_TO_HOLD = 3


LONG_BODY = (
    "The final gala is the best hour of the season: the company dances the whole of act two "
    "while the lights fail, and nobody in the audience notices until the bows."
)


@pytest.fixture
def scene(episodes, moderator, hold_at_three):
    """A queue as moderators meet it.

    - odile's long review, reported by three members: held, three open reports;
    - siegfried's review, reported twice; two of his earlier reviews were taken down;
    - odile's second review, reported once;
    - odile's third review, never reported (not in the queue);
    - rothbart's review, reported, but rothbart is suspended (not in the queue).
    """
    first, second, third = episodes
    odile, siegfried, rothbart = (
        make_member(handle=h, password=None, confirmed=False)
        for h in ("odile", "siegfried", "rothbart")
    )
    r1, r2, r3, r4 = (
        make_member(handle=f"reporter-{n}", password=None, confirmed=False) for n in range(1, 5)
    )

    held = review_post(member=odile, episode=first, body=LONG_BODY)
    moderation.report_create(
        reporter=r1, review=held, reason="spoiler", note="Names the winner of the gala"
    )
    moderation.report_create(reporter=r2, review=held, reason="harassment")
    moderation.report_create(reporter=r3, review=held, reason="spam")

    hidden_before = review_post(member=siegfried, episode=first, body="Buy cheap tickets here")
    removed_before = review_post(member=siegfried, episode=second, body="More ticket spam")
    moderation.review_hide(review=hidden_before, moderator=moderator, reason="Advertising")
    moderation.review_remove(review=removed_before, moderator=moderator, reason="Advertising")
    twice = review_post(member=siegfried, episode=second, body="Cheap seats for the gala")
    moderation.report_create(
        reporter=r1, review=twice, reason="other", note="Copied from a magazine"
    )
    moderation.report_create(reporter=r2, review=twice, reason="spam")

    once = review_post(member=odile, episode=third, body="Jack should never have sold the theatre")
    moderation.report_create(
        reporter=r4, review=once, reason="spam", note="Links to a ticket reseller"
    )

    quiet = review_post(member=odile, episode=third, body="A quiet, lovely episode")

    suspended = review_post(member=rothbart, episode=first, body="Everyone here is a fool")
    moderation.report_create(reporter=r1, review=suspended, reason="harassment")
    moderation.member_suspend(member=rothbart, moderator=moderator, reason="Insults")

    return SimpleNamespace(
        odile=odile,
        siegfried=siegfried,
        rothbart=rothbart,
        reporters=[r1, r2, r3, r4],
        held=held,
        twice=twice,
        once=once,
        quiet=quiet,
        suspended=suspended,
        hidden_before=hidden_before,
        removed_before=removed_before,
    )


# Reading pages ------------------------------------------------------------------------------


# 1. Groups and who may open what ------------------------------------------------------------


def test_moderators_group_holds_exactly_the_moderation_permissions(db):
    moderators = staff_group("Moderators")

    held = set(moderators.permissions.values_list("content_type__app_label", "codename"))

    assert held == MODERATORS_PERMISSIONS
    assert not {label for label, _ in held} & {"catalog"}
    # Moderators read members but cannot edit or delete accounts.
    assert not {"change_user", "delete_user", "add_user"} & {codename for _, codename in held}


def test_editors_group_holds_catalog_permissions_and_none_of_the_reviews(db):
    editors = staff_group("Editors")

    held = set(editors.permissions.values_list("content_type__app_label", "codename"))

    assert {("catalog", "change_episode"), ("catalog", "view_show")} <= held
    assert {label for label, _ in held} == {"catalog", "admin"}  # admin: the staff history
    assert not {"suspend_member", "recount_ratings"} & {codename for _, codename in held}


@pytest.mark.parametrize("url", MODERATION_PAGES)
def test_moderator_can_open_every_moderation_page(scene, ratings, moderator_client, url):
    response = moderator_client.get(url)

    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


@pytest.mark.parametrize("url", MODERATION_PAGES)
def test_editor_is_refused_every_moderation_page(scene, editor_client, url):
    assert editor_client.get(url).status_code == 403


@pytest.mark.parametrize("url", CATALOG_PAGES)
def test_editor_can_open_the_catalog(seeded, editor_client, url):
    assert editor_client.get(url).status_code == 200


@pytest.mark.parametrize("url", CATALOG_PAGES)
def test_moderator_is_refused_the_catalog(seeded, moderator_client, url):
    assert moderator_client.get(url).status_code == 403


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_staff_member_without_a_group_is_refused_every_model_page(client, db, model):
    client.force_login(make_staff("no-group", None))

    assert client.get(reverse(f"admin:{model}_changelist")).status_code == 403


@pytest.mark.parametrize("url", ["/admin/", QUEUE])
def test_signed_in_member_who_is_not_staff_gets_403_never_the_admin(client, db, url):
    client.force_login(make_member(handle="curious-fan", password=None, confirmed=False))

    response = client.get(url, follow=True)

    assert response.status_code == 403
    shown = {template.name for template in response.templates}
    assert not {"admin/index.html", "admin/login.html", "admin/change_list.html"} & shown


@pytest.mark.parametrize("url", ["/admin/", QUEUE])
def test_visitor_is_sent_to_sign_in(client, db, url):
    response = client.get(url, follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))
    assert "account/login.html" in {template.name for template in response.templates}
    assert "admin/change_list.html" not in {template.name for template in response.templates}


# 2. The queue -------------------------------------------------------------------------------


def test_queue_lists_reported_and_held_items_most_reported_first(scene, moderator_client):
    response = moderator_client.get(QUEUE)

    assert response.status_code == 200
    # Not odile's unreported review, not the suspended member's reported one.
    assert listed(response) == [scene.held.pk, scene.twice.pk, scene.once.pk]
    assert Review.objects.get(pk=scene.held.pk).status == Review.Status.HELD
    content = response.content.decode()
    assert escape(scene.quiet.body) not in content
    assert escape(scene.suspended.body) not in content


def test_queue_rows_show_open_reports_their_reasons_and_notes_text_and_author(
    scene, moderator_client
):
    held_row, twice_row, once_row = result_rows(moderator_client.get(QUEUE))

    assert ">3<" in held_row
    for reason in ("Unmarked spoiler", "Harassment or hate", "Spam or advertising"):
        assert reason in held_row
    assert "Names the winner of the gala" in held_row
    # The list shows an excerpt of a long text, the detail page the whole of it.
    assert (
        escape("The final gala is the best hour of the season: the company dances the whole of…")
        in held_row
    )
    assert escape(LONG_BODY) not in held_row
    assert "@odile" in held_row
    assert "Held for moderation" in held_row

    assert ">2<" in twice_row
    assert "Something else" in twice_row and "Spam or advertising" in twice_row
    assert "Copied from a magazine" in twice_row
    assert "Unmarked spoiler" not in twice_row
    assert "Cheap seats for the gala" in twice_row
    assert "@siegfried" in twice_row

    assert "Spam or advertising" in once_row and "Links to a ticket reseller" in once_row
    assert "Harassment or hate" not in once_row
    assert escape("Jack should never have sold the theatre") in once_row
    assert "@odile" in once_row


def test_queue_rows_show_each_authors_history(scene, moderator_client):
    held_row, twice_row, once_row = result_rows(moderator_client.get(QUEUE))

    # odile wrote three reviews (one never reported); none was ever taken down.
    assert "3 reviews and replies" in held_row
    assert "taken down" not in held_row
    assert "3 reviews and replies" in once_row
    # siegfried wrote three; moderators hid one and removed another earlier.
    assert "3 reviews and replies, 2 taken down" in twice_row


def queue_row(client, item) -> str:
    response = client.get(QUEUE)
    return result_rows(response)[listed(response).index(item.pk)]


def test_a_takedown_reversed_by_approval_no_longer_counts_but_both_decisions_stay(
    scene, moderator, moderator_client
):
    # One of siegfried's two earlier takedowns was a mistake: approved back.
    moderation.review_approve(review=scene.hidden_before, moderator=moderator, reason="Ours")
    # The other is removed, approved, then removed again: it counts once.
    moderation.review_approve(review=scene.removed_before, moderator=moderator, reason="Oops")
    moderation.review_remove(review=scene.removed_before, moderator=moderator, reason="Spam")

    twice_row = queue_row(moderator_client, scene.twice)
    assert "3 reviews and replies, 1 taken down" in twice_row

    moderation.review_remove(review=scene.removed_before, moderator=moderator, reason="x")
    moderation.review_approve(review=scene.removed_before, moderator=moderator, reason="Final")
    twice_row = queue_row(moderator_client, scene.twice)
    assert "3 reviews and replies" in twice_row
    assert "taken down" not in twice_row

    # The item's own page still lists both decisions on the approved review, in order.
    page = moderator_client.get(f"{REVIEWS}{scene.hidden_before.pk}/change/").content.decode()
    hidden_at, approved_at = (
        page.index("Hidden · @mod-ada · Advertising"),
        page.index("Approved · @mod-ada · Ours"),
    )
    assert hidden_at < approved_at


def test_a_deleted_takedown_still_counts_for_its_author(scene, moderator_client):
    # siegfried deletes his hidden review: the record stays, so does the count.
    scene.hidden_before.delete()

    twice_row = queue_row(moderator_client, scene.twice)
    assert "2 reviews and replies, 2 taken down" in twice_row


def test_queue_history_of_a_suspended_then_reinstated_author(scene, moderator, moderator_client):
    moderation.member_reinstate(member=scene.rothbart, moderator=moderator, reason="Apologised")

    response = moderator_client.get(QUEUE)

    # Back in good standing, rothbart's reported review is back in the queue.
    assert scene.suspended.pk in listed(response)
    row = result_rows(response)[listed(response).index(scene.suspended.pk)]
    assert "1 review or reply, suspended once" in row


def test_queue_detail_page_shows_the_full_text_and_the_reports_read_only(scene, moderator_client):
    response = moderator_client.get(f"{QUEUE}{scene.held.pk}/change/")

    assert response.status_code == 200
    content = response.content.decode()
    assert escape(LONG_BODY) in content
    for reason in ("Unmarked spoiler", "Harassment or hate", "Spam or advertising"):
        assert reason in content
    assert "Names the winner of the gala" in content
    assert "@odile" in content
    # Nothing to edit: no text box, no Save, no way to add or delete reports here.
    assert 'name="_save"' not in content
    assert 'name="_continue"' not in content
    assert 'name="body"' not in content
    assert "<textarea" not in content
    assert response.context["has_change_permission"] is False


def test_queue_detail_page_offers_the_decisions_which_post_to_the_queue(
    scene, moderator, moderator_client
):
    page = moderator_client.get(f"{QUEUE}{scene.twice.pk}/change/")
    content = page.content.decode()
    assert f'action="{QUEUE}"' in content
    for name in ("approve", "hide", "remove", "suspend_authors"):
        assert f'name="action" value="{name}"' in content

    response = moderator_client.post(
        QUEUE,
        {
            "action": "hide",
            "_selected_action": scene.twice.pk,
            "reason": "Ticket touting",
            "index": 0,
        },
        follow=True,
    )

    assert "1 review or reply hidden." in messages_of(response)
    scene.twice.refresh_from_db()
    assert scene.twice.status == Review.Status.HIDDEN
    assert ModerationAction.objects.filter(
        review=scene.twice, kind="hide", moderator=moderator, reason="Ticket touting"
    ).exists()


def test_queue_detail_page_refuses_an_edit_posted_to_it(scene, moderator_client):
    response = moderator_client.post(
        f"{QUEUE}{scene.held.pk}/change/",
        {"body": "Rewritten by a moderator", "status": "visible", "_save": "Save"},
    )

    assert response.status_code == 403
    scene.held.refresh_from_db()
    assert (scene.held.body, scene.held.status) == (LONG_BODY, Review.Status.HELD)
    assert not ModerationAction.objects.filter(kind=ModerationAction.Kind.APPROVE).exists()


def test_superuser_also_sees_the_queue_detail_read_only(scene, admin_client):
    response = admin_client.get(f"{QUEUE}{scene.twice.pk}/change/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "Cheap seats for the gala" in content
    assert 'name="_save"' not in content and 'name="body"' not in content
    assert admin_client.get(f"{QUEUE}add/").status_code == 403


# 3. Decisions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "status", "kind", "message"),
    [
        (
            "approve",
            Review.Status.VISIBLE,
            ModerationAction.Kind.APPROVE,
            "1 review or reply approved.",
        ),
        ("hide", Review.Status.HIDDEN, ModerationAction.Kind.HIDE, "1 review or reply hidden."),
        (
            "remove",
            Review.Status.REMOVED,
            ModerationAction.Kind.REMOVE,
            "1 review or reply taken down.",
        ),
    ],
)
def test_moderator_decision_on_a_held_item(
    scene, moderator, moderator_client, action, status, kind, message
):
    response = act(moderator_client, QUEUE, action, [scene.held], reason="  Spoils   the gala ")

    assert response.status_code == 200
    assert message in messages_of(response)
    assert listed(response) == [scene.twice.pk, scene.once.pk]
    scene.held.refresh_from_db()
    assert scene.held.status == status
    reports = Report.objects.filter(review=scene.held)
    assert reports.count() == 3
    assert not reports.filter(resolved_at__isnull=True).exists()
    record = ModerationAction.objects.get(review=scene.held, kind=kind)
    assert record.moderator == moderator
    assert record.reason == "Spoils the gala"
    assert record.member == scene.odile
    assert record.text == LONG_BODY
    # Nothing else was decided.
    assert scene.twice.reports.filter(resolved_at__isnull=True).count() == 2


def test_moderator_decides_on_several_items_at_once(scene, moderator_client):
    response = act(moderator_client, QUEUE, "approve", [scene.twice, scene.once])

    assert "2 reviews or replies approved." in messages_of(response)
    assert listed(response) == [scene.held.pk]
    assert ModerationAction.objects.filter(kind=ModerationAction.Kind.APPROVE).count() == 2


def test_moderator_suspends_the_authors_of_selected_items(scene, moderator, moderator_client):
    response = act(
        moderator_client, QUEUE, "suspend_authors", [scene.held, scene.once], reason="Insults"
    )

    assert response.status_code == 200
    assert "1 member suspended." in messages_of(response)  # both items are odile's
    # odile's items leave the queue with her; their reports stay open for her return.
    assert listed(response) == [scene.twice.pk]
    scene.odile.refresh_from_db()
    assert scene.odile.is_active is False
    assert scene.odile.suspended_at is not None
    record = ModerationAction.objects.get(kind=ModerationAction.Kind.SUSPEND, member=scene.odile)
    assert (record.moderator, record.reason, record.subject) == (moderator, "Insults", "@odile")
    assert Report.objects.filter(review=scene.held, resolved_at__isnull=True).count() == 3
    scene.siegfried.refresh_from_db()
    assert scene.siegfried.is_active is True


@pytest.mark.parametrize("action", ["approve", "hide", "remove", "suspend_authors"])
@pytest.mark.parametrize("reason", ["", "   "])
def test_decision_without_a_reason_changes_nothing(scene, moderator_client, action, reason):
    records = ModerationAction.objects.count()

    response = act(moderator_client, QUEUE, action, [scene.held], reason=reason)

    assert response.status_code == 200
    assert messages_of(response) == [NO_REASON]
    assert listed(response) == [scene.held.pk, scene.twice.pk, scene.once.pk]
    scene.held.refresh_from_db()
    assert scene.held.status == Review.Status.HELD
    assert Report.objects.filter(review=scene.held, resolved_at__isnull=True).count() == 3
    scene.odile.refresh_from_db()
    assert scene.odile.is_active is True
    assert ModerationAction.objects.count() == records


@pytest.mark.parametrize("url", [QUEUE, REVIEWS])
@pytest.mark.parametrize("action", ["approve", "hide", "remove", "suspend_authors"])
def test_editor_cannot_take_moderation_decisions(scene, editor_client, url, action):
    records = ModerationAction.objects.count()

    response = act(editor_client, url, action, [scene.held])

    assert response.status_code == 403
    scene.held.refresh_from_db()
    assert scene.held.status == Review.Status.HELD
    scene.odile.refresh_from_db()
    assert scene.odile.is_active is True
    assert ModerationAction.objects.count() == records


def test_moderator_is_offered_the_decisions_with_a_reason_box(scene, moderator_client):
    response = moderator_client.get(QUEUE)

    assert action_names(response) == ["approve", "hide", "remove", "suspend_authors"]
    assert 'name="reason"' in response.content.decode()


# 4. The reviews list ------------------------------------------------------------------------


@pytest.fixture
def reply(scene):
    return review_post(
        member=scene.siegfried,
        episode=scene.quiet.episode,
        body="Agreed, a lovely episode",
        parent=scene.quiet,
    )


@pytest.fixture
def spoiler(scene, episodes):
    return review_post(
        member=scene.siegfried,
        episode=episodes[1],
        body="Cassie leaves the company at the end",
        is_spoiler=True,
        spoils_up_to=3,
    )


def test_reviews_search_by_text(scene, moderator_client):
    response = moderator_client.get(REVIEWS, {"q": "gala"})

    assert sorted(listed(response)) == sorted([scene.held.pk, scene.twice.pk])


def test_reviews_search_by_author_handle(scene, moderator_client):
    response = moderator_client.get(REVIEWS, {"q": "siegfried"})

    assert sorted(listed(response)) == sorted(
        [scene.hidden_before.pk, scene.removed_before.pk, scene.twice.pk]
    )


def test_reviews_list_shows_suspended_members_reviews_too(scene, moderator_client):
    response = moderator_client.get(REVIEWS)

    assert scene.suspended.pk in listed(response)
    assert response.context["cl"].result_count == 7


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status__exact": "held"}, ["held"]),
        ({"status__exact": "hidden"}, ["hidden_before"]),
        ({"status__exact": "removed"}, ["removed_before"]),
        ({"reported": "open"}, ["held", "twice", "once", "suspended"]),
        ({"reported": "none"}, ["hidden_before", "removed_before", "quiet", "reply", "spoiler"]),
        ({"is_spoiler__exact": "1"}, ["spoiler"]),
        ({"kind": "reply"}, ["reply"]),
        (
            {"kind": "review"},
            ["held", "twice", "once", "quiet", "suspended", "hidden_before", "removed_before"]
            + ["spoiler"],
        ),
    ],
)
def test_reviews_filters(scene, reply, spoiler, moderator_client, params, expected):
    items = {**vars(scene), "reply": reply, "spoiler": spoiler}

    response = moderator_client.get(REVIEWS, params)

    assert response.status_code == 200
    assert sorted(listed(response)) == sorted(items[name].pk for name in expected)


def test_reviews_filter_reported_any_keeps_items_whose_reports_were_closed(scene, moderator_client):
    act(moderator_client, QUEUE, "approve", [scene.once])

    ever = moderator_client.get(REVIEWS, {"reported": "any"})
    still_open = moderator_client.get(REVIEWS, {"reported": "open"})

    assert sorted(listed(ever)) == sorted(
        [scene.held.pk, scene.twice.pk, scene.once.pk, scene.suspended.pk]
    )
    assert scene.once.pk not in listed(still_open)


def test_reviews_filter_by_episode(scene, episodes, moderator_client):
    response = moderator_client.get(REVIEWS, {"episode__id__exact": episodes[2].pk})

    assert sorted(listed(response)) == sorted([scene.once.pk, scene.quiet.pk])
    assert str(episodes[2]) in response.content.decode()


def test_reviews_list_bulk_hide_and_approve(scene, moderator, moderator_client):
    hidden = act(moderator_client, REVIEWS, "hide", [scene.quiet, scene.once], reason="Off topic")

    assert "2 reviews or replies hidden." in messages_of(hidden)
    assert set(Review.objects.filter(status="hidden").values_list("pk", flat=True)) == {
        scene.quiet.pk,
        scene.once.pk,
        scene.hidden_before.pk,
    }
    assert (
        ModerationAction.objects.filter(
            kind=ModerationAction.Kind.HIDE, moderator=moderator, reason="Off topic"
        ).count()
        == 2
    )

    approved = act(
        moderator_client, REVIEWS, "approve", [scene.quiet, scene.hidden_before], reason="Fine"
    )

    assert "2 reviews or replies approved." in messages_of(approved)
    scene.quiet.refresh_from_db()
    scene.hidden_before.refresh_from_db()
    assert scene.quiet.status == scene.hidden_before.status == Review.Status.VISIBLE


def test_reviews_list_does_not_offer_delete_selected(scene, moderator_client, admin_client):
    offered = action_names(moderator_client.get(REVIEWS))

    assert "delete_selected" not in offered
    assert offered == ["approve", "hide", "remove", "suspend_authors"]
    assert "delete_selected" not in action_names(admin_client.get(REVIEWS))


def test_moderator_posting_delete_selected_deletes_nothing(scene, moderator_client):
    response = moderator_client.post(
        REVIEWS,
        {"action": "delete_selected", "_selected_action": [scene.quiet.pk], "index": 0},
        follow=True,
    )

    assert response.status_code == 200
    assert Review.objects.filter(pk=scene.quiet.pk).exists()


# 5. Members ---------------------------------------------------------------------------------


@pytest.fixture
def rater(episodes):
    member = make_member(handle="giselle", password=None, confirmed=False)
    rating_set(member=member, episode=episodes[0], score=8)
    rating_set(member=member, episode=episodes[1], score=5)
    return member


def scores_of(episode) -> EpisodeScores:
    return EpisodeScores.objects.get(episode=episode)


def test_moderator_suspends_and_reinstates_a_member(rater, episodes, moderator, moderator_client):
    assert "suspend" in action_names(moderator_client.get(MEMBERS))

    suspended = act(moderator_client, MEMBERS, "suspend", [rater], reason="Spam account")

    assert "Members suspended: 1." in messages_of(suspended)
    rater.refresh_from_db()
    assert rater.is_active is False and rater.suspended_at is not None
    assert (scores_of(episodes[0]).count, scores_of(episodes[1]).count) == (0, 0)
    record = ModerationAction.objects.get(kind=ModerationAction.Kind.SUSPEND, member=rater)
    assert (record.moderator, record.reason) == (moderator, "Spam account")

    reinstated = act(moderator_client, MEMBERS, "reinstate", [rater], reason="Mistaken")

    assert "Members reinstated: 1." in messages_of(reinstated)
    rater.refresh_from_db()
    assert rater.is_active is True and rater.suspended_at is None
    assert scores_of(episodes[0]).count_8 == 1
    assert scores_of(episodes[1]).count_5 == 1
    assert ModerationAction.objects.filter(
        kind=ModerationAction.Kind.REINSTATE, member=rater, moderator=moderator, reason="Mistaken"
    ).exists()


def test_suspending_a_member_needs_a_reason(rater, episodes, moderator_client):
    response = act(moderator_client, MEMBERS, "suspend", [rater], reason="")

    assert messages_of(response) == [NO_REASON]
    rater.refresh_from_db()
    assert rater.is_active is True
    assert scores_of(episodes[0]).count == 1


def test_moderator_cannot_suspend_themselves_or_a_superuser(moderator, superuser, moderator_client):
    response = act(moderator_client, MEMBERS, "suspend", [moderator, superuser])

    shown = messages_of(response)
    assert "@mod-ada: You cannot suspend yourself." in shown
    assert f"@{superuser.handle}: Administrators cannot be suspended here." in shown
    assert "Members suspended: 0." in shown
    assert User.objects.filter(is_active=False).count() == 0


@pytest.mark.parametrize("action", ["suspend", "reinstate"])
def test_editor_cannot_suspend_or_reinstate_members(rater, episodes, editor_client, action):
    if action == "reinstate":
        moderation.member_suspend(
            member=rater, moderator=make_staff("mod-cy", "Moderators"), reason="Spam"
        )
    before = User.objects.get(pk=rater.pk).is_active
    records = ModerationAction.objects.count()

    response = act(editor_client, MEMBERS, action, [rater])

    assert response.status_code == 403
    assert User.objects.get(pk=rater.pk).is_active is before
    assert ModerationAction.objects.count() == records


def test_is_active_is_read_only_on_the_member_page_even_for_a_superuser(
    rater, episodes, admin_client
):
    url = f"{MEMBERS}{rater.pk}/change/"
    page = admin_client.get(url)

    assert page.status_code == 200
    assert 'name="is_active"' not in page.content.decode()
    assert "is_active" not in page.context["adminform"].form.fields
    data = form_post_data(page)
    data["display_name"] = "Giselle"
    data.pop("is_active", None)  # an unticked box is simply not sent

    response = admin_client.post(url, data)

    assert response.status_code == 302
    rater.refresh_from_db()
    assert rater.display_name == "Giselle"
    assert rater.is_active is True
    assert scores_of(episodes[0]).count == 1


def test_a_suspended_member_cannot_be_ticked_back_active(rater, episodes, moderator, admin_client):
    moderation.member_suspend(member=rater, moderator=moderator, reason="Spam")
    url = f"{MEMBERS}{rater.pk}/change/"
    data = form_post_data(admin_client.get(url))
    data["is_active"] = "on"

    admin_client.post(url, data)

    rater.refresh_from_db()
    assert rater.is_active is False and rater.suspended_at is not None
    assert scores_of(episodes[0]).count == 0


def test_moderator_sees_member_pages_read_only(rater, moderator_client):
    response = moderator_client.get(f"{MEMBERS}{rater.pk}/change/")

    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()
    assert "delete_selected" not in action_names(moderator_client.get(MEMBERS))


# 6. The audit trail -------------------------------------------------------------------------


def test_audit_trail_lists_moderator_kind_subject_and_reason(scene, moderator_client):
    act(moderator_client, QUEUE, "hide", [scene.once], reason="Ticket touting")

    response = moderator_client.get(ACTIONS)

    assert response.status_code == 200
    newest = result_rows(response)[0]
    assert "@mod-ada" in newest
    assert "Hidden" in newest
    assert f"Review {scene.once.pk} by @odile on {escape(str(scene.once.episode))}" in newest
    assert "Ticket touting" in newest
    content = response.content.decode()
    # The hold at three reports was the site's doing, not a moderator's.
    assert "the site (report threshold)" in content
    assert "Reported by 3 members." in content
    assert "Member suspended" in content and "@rothbart" in content


@pytest.mark.parametrize("as_", ["superuser", "moderator"])
def test_audit_trail_is_read_only_for_everyone(scene, admin_client, moderator, client, as_):
    if as_ == "moderator":
        client.force_login(moderator)
    record = ModerationAction.objects.filter(kind=ModerationAction.Kind.SUSPEND).get()
    change_url = f"{ACTIONS}{record.pk}/change/"

    assert client.get(f"{ACTIONS}add/").status_code == 403
    page = client.get(change_url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert "Insults" in page.content.decode()
    assert client.post(change_url, {"reason": "Rewritten", "_save": "Save"}).status_code == 403
    assert client.get(f"{ACTIONS}{record.pk}/delete/").status_code == 403
    assert client.post(f"{ACTIONS}{record.pk}/delete/", {"post": "yes"}).status_code == 403
    assert "delete_selected" not in action_names(client.get(ACTIONS))
    client.post(
        ACTIONS,
        {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes", "index": 0},
    )
    record.refresh_from_db()
    assert record.reason == "Insults"


# 7. Ratings and their counters --------------------------------------------------------------


@pytest.fixture
def ratings(episodes):
    first, second, _ = episodes
    ana, ben = (
        make_member(handle="ana", password=None, confirmed=False),
        make_member(handle="ben", password=None, confirmed=False),
    )
    rating_set(member=ana, episode=first, score=8)
    rating_set(member=ben, episode=first, score=8)
    rating_set(member=ben, episode=second, score=3)
    return SimpleNamespace(ana=ana, ben=ben, first=first, second=second)


def corrupt_counters():
    EpisodeScores.objects.update(count_5=99)


def assert_counters_exact(ratings):
    first, second = scores_of(ratings.first), scores_of(ratings.second)
    assert (first.count, first.count_8, first.count_5) == (2, 2, 0)
    assert (second.count, second.count_3, second.count_5) == (1, 1, 0)


def test_ratings_list_shows_each_episodes_aggregate(ratings, admin_client):
    response = admin_client.get(RATINGS)

    assert response.status_code == 200
    assert "Episode mean (ratings)" in response.content.decode()
    rows = result_rows(response)
    assert len(rows) == 3
    by_episode = {str(ratings.first): "4.0★ from 2", str(ratings.second): "1.5★ from 1"}
    for row in rows:
        episode = next(name for name in by_episode if escape(name) in row)
        assert by_episode[episode] in row


def test_ratings_cannot_be_added_or_changed_even_by_a_superuser(ratings, admin_client):
    rating = Rating.objects.get(member=ratings.ana)
    change_url = f"{RATINGS}{rating.pk}/change/"

    assert admin_client.get(f"{RATINGS}add/").status_code == 403
    page = admin_client.get(change_url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert admin_client.post(change_url, {"score": "2", "_save": "Save"}).status_code == 403
    rating.refresh_from_db()
    assert rating.score == 8
    assert admin_client.get(f"{SCORES}add/").status_code == 403


def test_recount_action_rebuilds_corrupted_counters(ratings, moderator_client):
    corrupt_counters()
    assert scores_of(ratings.first).count == 101

    response = act(
        moderator_client,
        SCORES,
        "recount",
        list(EpisodeScores.objects.filter(episode__in=[ratings.first, ratings.second])),
    )

    assert response.status_code == 200
    assert "Recounted 2 episodes." in messages_of(response)
    assert_counters_exact(ratings)


def test_recount_every_episode_button_rebuilds_corrupted_counters(ratings, moderator_client):
    page = moderator_client.get(SCORES)
    assert "Recount every episode" in page.content.decode()
    assert f'action="{RECOUNT_ALL}"' in page.content.decode()
    corrupt_counters()

    response = moderator_client.post(RECOUNT_ALL, follow=True)

    assert response.redirect_chain == [(SCORES, 302)]
    episodes = Episode.objects.count()
    assert f"Recounted all {episodes} episodes from their ratings." in messages_of(response)
    assert_counters_exact(ratings)
    assert not EpisodeScores.objects.filter(count_5__gt=0).exists()


def history_lines(client) -> list[str]:
    """The staff history's "what changed" column, newest first, as staff read it."""
    page = client.get(reverse("admin:admin_logentry_changelist"))
    return [html.unescape(text_of(row)) for row in result_rows(page)]


def test_the_recount_button_writes_who_ran_it_and_the_drift_it_fixed(ratings, moderator_client):
    EpisodeScores.objects.filter(episode=ratings.first).update(count_5=99)

    moderator_client.post(RECOUNT_ALL)

    [row] = history_lines(moderator_client)
    assert "@mod-ada" in row
    assert str(ratings.first) in row
    assert "Recount every episode" in row
    assert "½ to 5 stars: 0 · 0 · 0 · 0 · 99 · 0 · 0 · 2 · 0 · 0 → " in row
    assert "0 · 0 · 0 · 0 · 0 · 0 · 0 · 2 · 0 · 0" in row


def test_a_recount_that_finds_nothing_wrong_says_so_in_the_history(ratings, moderator_client):
    moderator_client.post(RECOUNT_ALL)
    act(moderator_client, SCORES, "recount", [scores_of(ratings.first)])

    lines = history_lines(moderator_client)
    episodes = Episode.objects.count()
    assert len(lines) == 2
    assert "Recount the selected episodes from their ratings" in lines[0]
    assert "Nothing was wrong: 1 episodes recounted." in lines[0]
    assert "Every episode's rating counters" in lines[1]
    assert f"Nothing was wrong: {episodes} episodes recounted." in lines[1]
    assert all("@mod-ada" in line for line in lines)


def test_the_recount_history_reads_in_french(ratings, moderator, moderator_client):
    corrupt_counters()
    moderator_client.post(RECOUNT_ALL)
    User.objects.filter(pk=moderator.pk).update(language="fr")

    lines = " ".join(history_lines(moderator_client))

    assert "Recalculer tous les épisodes" in lines
    assert "De ½ à 5 étoiles : 0 · 0 · 0 · 0 · 99" in lines


def test_recount_leaves_suspended_members_ratings_out(ratings, moderator, moderator_client):
    moderation.member_suspend(member=ratings.ben, moderator=moderator, reason="Spam")
    corrupt_counters()

    moderator_client.post(RECOUNT_ALL)

    first, second = scores_of(ratings.first), scores_of(ratings.second)
    assert (first.count, first.count_8) == (1, 1)
    assert second.count == 0


def test_editor_is_refused_the_recount_button(ratings, editor_client):
    corrupt_counters()

    response = editor_client.post(RECOUNT_ALL)

    assert response.status_code == 403
    assert scores_of(ratings.first).count_5 == 99


def test_recount_button_refuses_get(ratings, moderator_client):
    corrupt_counters()

    response = moderator_client.get(RECOUNT_ALL)

    assert response.status_code == 405
    assert scores_of(ratings.first).count_5 == 99


def test_staff_without_recount_permission_sees_no_button(ratings, client):
    viewer = make_staff("viewer", None)
    viewer.user_permissions.add(
        Permission.objects.get(content_type__app_label="reviews", codename="view_episodescores")
    )
    client.force_login(viewer)

    page = client.get(SCORES)

    assert page.status_code == 200
    assert "Recount every episode" not in page.content.decode()
    assert "recount" not in action_names(page)
    assert client.post(RECOUNT_ALL).status_code == 403


# 8. The admin index -------------------------------------------------------------------------


@pytest.fixture
def site_numbers(episodes, superuser, moderator, editor):
    """Five active members (three of them staff), one suspended; three counted ratings
    (the suspended member's is out); three reviews and replies; one open report."""
    first, second, _ = episodes
    ana, ben, cleo = (
        make_member(handle="ana", password=None, confirmed=False),
        make_member(handle="ben", password=None, confirmed=False),
        make_member(handle="cleo", password=None, confirmed=False),
    )
    rating_set(member=ana, episode=first, score=8)
    rating_set(member=ben, episode=first, score=6)
    rating_set(member=ben, episode=second, score=10)
    rating_set(member=cleo, episode=second, score=2)
    moderation.member_suspend(member=cleo, moderator=moderator, reason="Spam")
    review = review_post(member=ana, episode=first, body="Lovely")
    reply = review_post(member=ben, episode=first, body="Agreed", parent=review)
    review_post(member=ben, episode=second, body="Too long")
    moderation.report_create(reporter=ben, review=review, reason="spoiler")
    moderation.report_create(reporter=ana, review=reply, reason="spam")
    moderation.review_approve(review=reply, moderator=moderator, reason="Fine")
    awaiting = {
        capfirst(model._meta.verbose_name_plural): model.objects.filter(
            awaiting_curation=True
        ).count()
        for model in CATALOG_MODELS
    }
    return {name: n for name, n in awaiting.items() if n}


def expected_counts(awaiting) -> dict[str, int]:
    return {
        "Members": 5,
        "Ratings": 3,
        "Reviews and replies": 3,
        "Open reports": 1,
        "Appeals waiting": 0,
        "Failed jobs": 0,
        "Catalog records awaiting curation": sum(awaiting.values()),
    }


@pytest.mark.parametrize("who", ["superuser", "moderator", "editor"])
def test_admin_index_shows_the_site_at_a_glance(
    site_numbers, client, superuser, moderator, editor, who
):
    staff = {"superuser": superuser, "moderator": moderator, "editor": editor}[who]
    client.force_login(staff)

    response = client.get("/admin/")

    assert response.status_code == 200
    entries = glance(response)
    # The staff history's unseen entries (tests/etoile_app/test_staff_history.py): none
    # here, where every decision went through the services, not the admin.
    assert entries.pop("Staff changes since my last visit to the history")["count"] == 0
    assert site_numbers, "the seed leaves some catalog records awaiting curation"
    assert site_numbers.get("Episodes") == 8
    # Each count only for staff who may open its list.
    may_moderate = who in ("superuser", "moderator")
    may_curate = who in ("superuser", "editor")
    may_see_jobs = who == "superuser"  # no group is given the failed jobs' permission
    allowed = {"Failed jobs": may_see_jobs, "Catalog records awaiting curation": may_curate}
    expected = {
        label: n
        for label, n in expected_counts(site_numbers).items()
        if allowed.get(label, may_moderate)
    }
    assert {label: entry["count"] for label, entry in entries.items()} == expected
    if may_moderate:
        assert "1 suspended" in entries["Members"]["text"]
    links = {label: entry["url"] for label, entry in entries.items()}
    assert links == {
        label: url
        for label, url in {
            "Members": MEMBERS,
            "Ratings": SCORES,
            "Reviews and replies": REVIEWS,
            "Open reports": QUEUE,
            "Appeals waiting": "/admin/reviews/appeal/",
            "Failed jobs": "/admin/jobs/failedjob/?run_again=no",
            "Catalog records awaiting curation": None,
        }.items()
        if label in expected
    }
    parts = {}
    if may_curate:
        parts = entries["Catalog records awaiting curation"]["parts"]
        assert {label: part["count"] for label, part in parts.items()} == site_numbers
    for label, part in parts.items():
        model = next(m for m in CATALOG_MODELS if capfirst(m._meta.verbose_name_plural) == label)
        assert part["url"] == f"/admin/catalog/{model._meta.model_name}/?awaiting_curation__exact=1"
    # Every link shown opens for this staff member.
    for url in [*filter(None, links.values()), *(p["url"] for p in parts.values() if p["url"])]:
        assert client.get(url).status_code == 200, url


# 9. Bounded queries -------------------------------------------------------------------------


def report_many(episodes, reporter, start: int, stop: int) -> None:
    for index in range(start, stop):
        author = make_member(handle=f"author-{index:02d}", password=None, confirmed=False)
        review = review_post(
            member=author,
            episode=episodes[index % len(episodes)],
            body=f"Review number {index} of the season",
            is_spoiler=index % 2 == 0,
        )
        moderation.report_create(reporter=reporter, review=review, reason="spam", note="Ads")


def queries_for(client, url) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.context["cl"].result_count


@pytest.mark.parametrize("url", [QUEUE, REVIEWS])
def test_changelist_queries_do_not_grow_with_reported_items(episodes, moderator_client, url):
    reporter = make_member(handle="watchful", password=None, confirmed=False)
    report_many(episodes, reporter, 0, 2)
    moderator_client.get(url)  # warm per-process caches (content types), as on a running site

    few, few_rows = queries_for(moderator_client, url)
    report_many(episodes, reporter, 3, 41)
    many, many_rows = queries_for(moderator_client, url)

    assert (few_rows, many_rows) == (2, 40)
    assert many == few
