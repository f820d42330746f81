"""Work that left the request: a confirmed import, a new avatar, an editor's picture. The page
says it is under way, then shows the result once the worker (`manage.py worker --batch`, in
this process, on the database queue) has done it; a job that fails writes nothing half-way."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from catalog.models import Episode, Person
from jobs.models import FailedJob
from jobs.queue import enqueue
from reviews import imports
from reviews.models import MemberImport, Rating
from reviews.tasks import apply_import
from tests.factories import make_member, make_staff, signed_in
from tests.pages import admin_url, form_post_data, messages_of, text_of

CONFIRM = "/me/import/confirm/"


@pytest.fixture
def odette(seeded):
    return make_member("odette@example.com", "odette", display_name="Odette Swan")


def trakt_ratings(*pairs) -> bytes:
    show = {"title": "Étoile", "year": 2025, "ids": {}}
    return json.dumps(
        [
            {
                "rated_at": "2025-05-01T20:00:00.000Z",
                "rating": value,
                "type": "episode",
                "episode": {"season": 1, "number": number, "ids": {}},
                "show": show,
            }
            for number, value in pairs
        ]
    ).encode()


def confirm(client: Client, content: bytes):
    preview = client.post(
        "/me/import/", {"file": SimpleUploadedFile("ratings-episodes.json", content)}
    )
    assert preview.status_code == 200, preview.content
    return client.post(CONFIRM, {"plan": preview.context["preview"].token})


def scores_of(member) -> list[tuple[int, int]]:
    return list(
        Rating.objects.filter(member=member)
        .order_by("episode__number")
        .values_list("episode__number", "score")
    )


# A confirmed import ---------------------------------------------------------------------------


def test_an_import_is_under_way_then_its_page_shows_what_it_added(
    run_worker, odette, django_assert_max_num_queries
):
    client = signed_in(odette)

    response = confirm(client, trakt_ratings((1, 8), (2, 3)))

    run = MemberImport.objects.get(member=odette)
    assert response.status_code == 302 and response["Location"] == f"/me/import/{run.pk}/"
    assert scores_of(odette) == []  # nothing yet: a worker applies it
    with django_assert_max_num_queries(8):
        page = client.get(response["Location"])
    words = text_of(page)
    assert "Your import is under way" in words and "Check again" in words
    content = page.content.decode()
    assert f'data-hx-get="/me/import/{run.pk}/"' in content  # checks again by itself
    assert 'data-hx-trigger="load delay:2s"' in content

    run_worker()

    assert scores_of(odette) == [(1, 8), (2, 3)]
    with django_assert_max_num_queries(8):
        page = client.get(response["Location"])
    words = text_of(page)
    assert "Imported: 2 ratings, 0 viewings and 0 watchlist entries." in words
    assert "under way" not in words
    assert "data-hx-trigger" not in page.content.decode()  # done: it stops asking
    run.refresh_from_db()
    assert run.status == "done" and run.plan == {}


def test_the_french_page_of_an_import_under_way_is_in_french(run_worker, odette):
    client = signed_in(odette)
    response = confirm(client, trakt_ratings((1, 8)))

    page = client.get("/fr" + response["Location"])

    assert "Votre import est en cours" in text_of(page)


def test_an_import_run_twice_is_applied_once(run_worker, odette):
    confirm(signed_in(odette), trakt_ratings((1, 8)))
    run = MemberImport.objects.get()
    enqueue(apply_import, import_id=str(run.pk))  # a duplicate of its job

    run_worker()

    assert scores_of(odette) == [(1, 8)]
    run.refresh_from_db()
    assert (run.status, run.ratings) == ("done", 1)


def test_an_import_that_fails_every_attempt_writes_nothing_and_says_so(
    run_worker, odette, database_queue, monkeypatch
):
    database_queue.JOBS_RETRY_DELAYS = [0]
    real_apply = imports.import_apply

    def fails_half_way(*, member, plan):
        real_apply(member=member, plan=plan)  # every rating written…
        raise RuntimeError("the database went away")  # …then rolled back with the rest

    monkeypatch.setattr(imports, "import_apply", fails_half_way)
    client = signed_in(odette)
    response = confirm(client, trakt_ratings((1, 8), (2, 3)))

    run_worker()

    assert scores_of(odette) == []
    assert FailedJob.objects.get().task_path == "reviews.tasks.apply_import"
    words = text_of(client.get(response["Location"]))
    assert "Something went wrong on our side while importing. Nothing was imported." in words


def test_an_import_the_catalog_no_longer_fits_says_why_and_is_not_tried_again(
    run_worker, odette, monkeypatch
):
    def no_longer_fits(*, member, plan):
        raise imports.ImportApplyError("The dates of episode 1 changed since the preview.")

    monkeypatch.setattr(imports, "import_apply", no_longer_fits)
    client = signed_in(odette)
    response = confirm(client, trakt_ratings((1, 8)))

    run_worker()

    words = text_of(client.get(response["Location"]))
    assert "The dates of episode 1 changed since the preview. Nothing was imported." in words
    assert not FailedJob.objects.exists()


def test_another_members_import_is_not_found(db, odette):
    run = MemberImport.objects.create(member=odette, language="en", status="done", ratings=2)
    odile = make_member("odile@example.com", "odile")

    assert signed_in(odile).get(f"/me/import/{run.pk}/").status_code == 404
    visitor = Client().get(f"/me/import/{run.pk}/")
    assert visitor.status_code == 302 and visitor["Location"].startswith("/accounts/login/")
    assert signed_in(odette).post(f"/me/import/{run.pk}/").status_code == 405


def test_confirming_imports_is_rate_limited(db, odette):
    client = signed_in(odette)
    plan = imports.plan_sign(
        member=odette,
        ratings=[[Episode.objects.get(season__number=1, number=1).pk, 4, None]],
        watches=[],
        watchlist=[],
    )
    answers = [client.post(CONFIRM, {"plan": plan}).status_code for _ in range(6)]

    assert answers == [302] * 5 + [429]
    assert MemberImport.objects.filter(member=odette).count() == 5


# A new avatar ---------------------------------------------------------------------------------


def png(colour=(40, 160, 90)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 300), colour).save(buffer, "PNG")
    return SimpleUploadedFile("me.png", buffer.getvalue(), "image/png")


def test_a_new_avatar_is_prepared_by_the_worker_and_then_shown(run_worker, odette):
    client = signed_in(odette)

    response = client.post(reverse("avatar-upload"), {"avatar": png()}, follow=True)

    assert messages_of(response) == ["Your new avatar is uploaded: it appears in a moment."]
    words = text_of(response)
    assert "Your new avatar is being prepared: it appears here in a moment." in words
    assert 'data-hx-select="#avatar-now"' in response.content.decode()
    profile = client.get("/u/odette/").content.decode()
    assert ">OS</span>" in profile  # the initials stand in meanwhile

    run_worker()

    odette.refresh_from_db()
    small = odette.avatar_renditions["jpg"]["96"]
    settings_page = client.get(reverse("member-settings"))
    assert "being prepared" not in text_of(settings_page)
    assert f"/media/{small}" in settings_page.content.decode()
    assert f"/media/{small}" in client.get("/u/odette/").content.decode()
    # The page's own check (htmx) hears that it is ready.
    checked = client.get(reverse("member-settings"), headers={"HX-Request": "true"})
    assert "Your new avatar is in place." in text_of(checked)


def test_a_second_avatar_keeps_the_first_on_show_until_it_is_ready(run_worker, odette, media_root):
    client = signed_in(odette)
    client.post(reverse("avatar-upload"), {"avatar": png((200, 0, 0))})
    run_worker()
    odette.refresh_from_db()
    first_image, first_renditions = odette.avatar.name, dict(odette.avatar_renditions)

    client.post(reverse("avatar-upload"), {"avatar": png((0, 0, 200))})

    odette.refresh_from_db()
    assert odette.avatar_renditions == first_renditions  # still the first, on every page
    assert (media_root / first_image).exists()

    run_worker()

    odette.refresh_from_db()
    assert odette.avatar_renditions != first_renditions
    files = {path.relative_to(media_root).as_posix() for path in media_root.rglob("*.*")}
    wanted = {odette.avatar.name} | {
        name for widths in odette.avatar_renditions.values() for name in widths.values()
    }
    assert files == wanted  # the first avatar's files are gone, and nothing else is left


# An editor's picture --------------------------------------------------------------------------


def test_an_editors_picture_is_stored_at_once_and_cropped_by_the_worker(run_worker, seeded):
    editor = make_staff("ed-bea", "Editors")
    person = Person.objects.create(name="Ada Dancer", slug="ada-dancer", about="First soloist.")
    client = signed_in(editor)
    url = admin_url("catalog", "person", "change", person.pk)
    data = form_post_data(client.get(url))
    data.update(headshot=png(), headshot_credit="Jane Doe / Agence", headshot_licence="CC BY 4.0")

    response = client.post(url, data, follow=True)

    assert any("its sizes for the pages are being made" in m for m in messages_of(response))
    person.refresh_from_db()
    assert person.headshot and person.headshot_renditions == {}
    assert "The crops of this picture are being made" in text_of(client.get(url))

    run_worker()

    person.refresh_from_db()
    crop = person.headshot_renditions["jpg"]["160"]
    assert f'<img src="/media/{crop}"' in client.get(url).content.decode()
    assert f"/media/{crop}" in client.get(person.get_absolute_url()).content.decode()
