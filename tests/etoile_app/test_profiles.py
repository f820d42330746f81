"""Member profiles: the public page, profile settings, avatars, data export and deletion."""

import csv
import io
import json
import os
import re
import time
import zipfile
from datetime import UTC, datetime

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from catalog.models import Episode
from members.models import User
from reviews.models import Rating
from tests.factories import PASSWORD, make_member
from tests.images import camera_jpeg, png_claiming
from tests.pages import download_export, elements, error_announced_for, field_named, post_avatar

UNTICKED = "Tick the box to confirm that you want to delete."
DELETION_SENTENCE = (
    "your ratings, reviews and replies, watchlist and watch history: "
    "they are deleted with the account, not kept under another name."
)


# Members ------------------------------------------------------------------------------------


@pytest.fixture
def member(db, client) -> User:
    user = make_member(
        "odette@example.com",
        "odette",
        display_name="Odette Swan",
        bio="Principal dancer.\nLoves the second act.",
        date_joined=datetime(2024, 3, 15, 10, 0, tzinfo=UTC),
    )
    client.force_login(user)
    return user


@pytest.fixture
def other_member(db) -> User:
    return make_member(
        "odile@example.com",
        "odile",
        display_name="Odile Black",
        bio="The black swan, thirty-two fouettés.",
    )


@pytest.fixture
def reauthenticated(client, member) -> User:
    """The member has just typed their password again, as allauth asks before deletion."""
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302, "reauthenticating with the right password must succeed"
    return member


# Pictures -----------------------------------------------------------------------------------


def png_bytes(size=(64, 64), color=(40, 160, 90)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def noisy_bytes(image_format: str, size: tuple[int, int], **save) -> bytes:
    """Random pixels, which do not compress: the file is as large as its pixels."""
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    buffer = io.BytesIO()
    image.save(buffer, image_format, **save)
    return buffer.getvalue()


def truncated_jpeg() -> bytes:
    data = noisy_bytes("JPEG", (96, 96))
    return data[: len(data) // 2]


def over_five_megabytes_png() -> bytes:
    data = noisy_bytes("PNG", (1400, 1400), compress_level=0)
    assert len(data) > 5 * 1024 * 1024
    return data


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
TEXT_NAMED_PNG = b"Remember to book the rehearsal room for Thursday."


def avatar_files(user: User) -> list[str]:
    """Every stored name the member's avatar occupies: the picture and its renditions."""
    user.refresh_from_db()
    names = [name for widths in user.avatar_renditions.values() for name in widths.values()]
    if user.avatar:
        names.append(user.avatar.name)
    return names


def stored_files(media_root) -> set[str]:
    if not media_root.exists():
        return set()
    return {
        path.relative_to(media_root).as_posix() for path in media_root.rglob("*") if path.is_file()
    }


@pytest.fixture
def member_with_avatar(client, member, django_capture_on_commit_callbacks) -> User:
    with django_capture_on_commit_callbacks(execute=True):
        response = post_avatar(client, "first.jpg", camera_jpeg())
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.avatar
    return member


# Reading pages ------------------------------------------------------------------------------


def status_messages(response) -> list[str]:
    """The messages shown in the page's status region."""
    return [str(message) for message in response.context["messages"]]


def profile_url(handle: str) -> str:
    return reverse("profile", kwargs={"handle": handle})


# Public profile -----------------------------------------------------------------------------


def test_profile_shows_the_display_name_bio_and_when_the_member_joined(client, member):
    client.logout()

    response = client.get(profile_url("odette"))

    assert response.status_code == 200
    assertContains(response, '<h1 class="display">Odette Swan</h1>', html=True)
    assertContains(response, "<p>Principal dancer.<br>Loves the second act.</p>", html=True)
    assertContains(response, "Member since March 2024")
    assertContains(response, "@odette")


def test_member_without_an_avatar_is_shown_with_their_initials(client, member):
    client.logout()

    response = client.get(profile_url("odette"))

    generated = [
        attrs
        for tag, attrs in elements(response).elements
        if tag == "span" and "avatar--generated" in attrs.get("class", "")
    ]
    assert len(generated) == 1, "an initials avatar stands in for the missing picture"
    assertContains(response, ">OS</span>")
    assertNotContains(response, "<img")


def test_bio_markup_is_shown_as_text_and_never_runs(client, member):
    member.bio = "<script>alert('swan')</script>\n<b>bold</b>"
    member.save()

    response = client.get(profile_url("odette"))

    assertNotContains(response, "<script>alert")
    assertNotContains(response, "<b>bold</b>")
    assertContains(response, "&lt;script&gt;alert(&#x27;swan&#x27;)&lt;/script&gt;<br>")
    assertContains(response, "&lt;b&gt;bold&lt;/b&gt;")


@pytest.mark.parametrize("typed", ["ODETTE", "Odette", "oDeTtE"])
def test_handle_typed_in_capitals_redirects_permanently_to_the_lowercase_address(
    client, member, typed
):
    response = client.get(profile_url(typed))

    assertRedirects(response, profile_url("odette"), status_code=301)


def test_unknown_handle_is_not_found(client, member):
    assert client.get(profile_url("nobody-here")).status_code == 404


def test_deactivated_members_profile_is_not_found(client, member, other_member):
    other_member.is_active = False
    other_member.save()

    assert client.get(profile_url("odile")).status_code == 404
    # Any handle in capitals is first sent to its lower-case address, whoever it names, so
    # the redirect tells nothing of the account: the answer there is the same 404.
    for typed in ("ODILE", "NOBODY-HERE"):
        response = client.get(profile_url(typed))
        assert response.status_code == 301
        assert client.get(response["Location"]).status_code == 404


# Profile settings ---------------------------------------------------------------------------


def settings_data(**changes) -> dict:
    return {
        "display_name": "Odette Swan",
        "handle": "odette",
        "bio": "Principal dancer.",
        **changes,
    }


def saved_profile(user: User) -> dict:
    return User.objects.filter(pk=user.pk).values("display_name", "handle", "bio").get()


def test_settings_ask_a_visitor_to_sign_in_first(client, db):
    url = reverse("member-settings")

    response = client.get(url)

    assertRedirects(
        response, f"{reverse('account_login')}?next={url}", fetch_redirect_response=False
    )


def test_saving_the_profile_updates_it_and_says_so(client, member):
    response = client.post(
        reverse("member-settings"),
        settings_data(display_name="Odette Lac", handle="white-swan", bio="Act two.\nAct four."),
        follow=True,
    )

    assertRedirects(response, reverse("member-settings"))
    assert status_messages(response) == ["Your profile has been saved."]
    assertContains(response, '<p class="message message--success">Your profile has been saved.</p>')
    assert saved_profile(member) == {
        "display_name": "Odette Lac",
        "handle": "white-swan",
        "bio": "Act two.\nAct four.",
    }
    assertContains(client.get(profile_url("white-swan")), "Odette Lac")
    assert client.get(profile_url("odette")).status_code == 404


@pytest.mark.parametrize(
    ("handle", "message"),
    [
        ("odile", "This handle is taken. Please choose another."),
        ("ODILE", "This handle is taken. Please choose another."),
        (
            "swan lake!",
            "Use lowercase letters, digits and hyphens, starting and ending with a letter or digit.",
        ),
        ("a" * 31, "Ensure this value has at most 30 characters (it has 31)."),
        ("admin", "This handle is reserved."),
        ("Admin", "This handle is reserved."),
    ],
    ids=[
        "taken",
        "taken-in-capitals",
        "invalid-characters",
        "too-long",
        "reserved",
        "reserved-caps",
    ],
)
def test_refused_handle_is_explained_at_the_field_and_what_was_typed_stays(
    client, member, other_member, handle, message
):
    before = saved_profile(member)
    typed = settings_data(display_name="Odette the Second", handle=handle, bio="Typed bio, kept.")

    response = client.post(reverse("member-settings"), typed)

    assert response.status_code == 400
    assert response.context["profile_form"].errors["handle"] == [message]
    assert error_announced_for(response, "handle") == message
    assert field_named(response, "handle")["value"] == handle
    assert field_named(response, "display_name")["value"] == "Odette the Second"
    assertContains(response, "Typed bio, kept.</textarea>", status_code=400)
    assertContains(response, "Please correct the problem below.", status_code=400)
    assert saved_profile(member) == before


def test_refused_save_keeps_the_menu_and_profile_link_on_the_saved_profile(
    client, member, other_member
):
    response = client.post(
        reverse("member-settings"), settings_data(display_name="Not Saved", handle="odile")
    )

    assert response.status_code == 400
    menu = response.content.decode().split('aria-label="Your account"', 1)[1].split("</nav>")[0]
    assert "Odette Swan" in menu
    assert "Not Saved" not in menu
    assertContains(
        response, f'<a href="{profile_url("odette")}">See your public profile</a>', status_code=400
    )


def test_bio_over_500_characters_is_refused_and_kept_for_editing(client, member):
    before = saved_profile(member)
    long_bio = "é" * 501

    response = client.post(reverse("member-settings"), settings_data(bio=long_bio))

    assert response.status_code == 400
    message = "Ensure this value has at most 500 characters (it has 501)."
    assert error_announced_for(response, "bio") == message
    assertContains(response, long_bio, status_code=400)
    assert saved_profile(member) == before


def test_bio_of_exactly_500_characters_is_saved(client, member):
    response = client.post(reverse("member-settings"), settings_data(bio="x" * 500))

    assert response.status_code == 302
    assert saved_profile(member)["bio"] == "x" * 500


def test_handle_is_stored_in_lowercase(client, member):
    response = client.post(reverse("member-settings"), settings_data(handle="Swan-Queen-2"))

    assert response.status_code == 302
    assert saved_profile(member)["handle"] == "swan-queen-2"
    assert client.get(profile_url("swan-queen-2")).status_code == 200


def test_keeping_ones_own_handle_in_other_capitals_is_not_taken(client, member):
    response = client.post(reverse("member-settings"), settings_data(handle="ODETTE"))

    assert response.status_code == 302
    assert saved_profile(member)["handle"] == "odette"


def test_display_name_spaces_are_collapsed(client, member):
    response = client.post(
        reverse("member-settings"), settings_data(display_name="  Odette \t  de   Swan \n")
    )

    assert response.status_code == 302
    assert saved_profile(member)["display_name"] == "Odette de Swan"


# Avatars ------------------------------------------------------------------------------------


def test_uploaded_photo_is_stored_re_encoded_under_a_random_name(
    client, member, media_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_avatar(client, "holiday-in-paris.jpg", camera_jpeg())

    assertRedirects(response, reverse("member-settings"))
    member.refresh_from_db()
    assert re.fullmatch(r"avatars/[0-9a-f]{32}\.jpg", member.avatar.name)
    stored = (media_root / member.avatar.name).read_bytes()
    assert b"PhoneCo" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert not image.getexif(), "no EXIF, so no GPS position, is kept"
        assert image.size == (200, 400), "the photo stands the way the camera meant"
        red, _green, blue = image.getpixel((100, 50))
        assert red > 150 and blue < 100, "the red half must now be at the top"


def test_uploaded_avatar_gets_square_webp_and_jpeg_renditions(
    client, member, media_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_avatar(client, "me.jpg", camera_jpeg())

    member.refresh_from_db()
    renditions = member.avatar_renditions
    assert set(renditions) == {"webp", "jpg"}
    for extension, pil_format in (("webp", "WEBP"), ("jpg", "JPEG")):
        assert set(renditions[extension]) == {"48", "96", "192"}
        for width, name in renditions[extension].items():
            with Image.open(media_root / name) as rendition:
                assert rendition.format == pil_format
                assert rendition.size == (int(width), int(width))
                assert not rendition.getexif()


def test_successful_upload_says_so_and_the_profile_then_shows_the_picture(
    client, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("avatar-upload"),
            {"avatar": SimpleUploadedFile("me.jpg", camera_jpeg(), "image/jpeg")},
            follow=True,
        )
    assert status_messages(response) == ["Your new avatar is in place."]
    assertContains(response, "Remove avatar")

    response = client.get(profile_url("odette"))

    member.refresh_from_db()
    jpg, webp = member.avatar_renditions["jpg"], member.avatar_renditions["webp"]
    assertContains(response, f'<img src="/media/{jpg["192"]}"')
    assertContains(response, f'<source type="image/webp" srcset="/media/{webp["192"]} 1x')
    assertNotContains(response, "avatar--generated")
    assertNotContains(response, ">OS</span>")


def test_a_new_avatar_replaces_the_old_one_and_its_files_are_deleted(
    client, member_with_avatar, media_root, django_capture_on_commit_callbacks
):
    old_files = avatar_files(member_with_avatar)
    assert len(old_files) == 7
    assert all((media_root / name).exists() for name in old_files)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_avatar(client, "second.png", png_bytes(), "image/png")

    assert response.status_code == 302
    new_files = avatar_files(member_with_avatar)
    assert member_with_avatar.avatar.name.endswith(".png")
    assert not set(new_files) & set(old_files)
    assert all((media_root / name).exists() for name in new_files)
    assert not any((media_root / name).exists() for name in old_files)
    assert stored_files(media_root) == set(new_files)


def test_old_avatar_files_stay_until_the_replacement_is_committed(
    client, member_with_avatar, media_root, django_capture_on_commit_callbacks
):
    old_files = avatar_files(member_with_avatar)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post_avatar(client, "second.png", png_bytes(), "image/png")

    assert all((media_root / name).exists() for name in old_files)
    for callback in callbacks:
        callback()
    assert not any((media_root / name).exists() for name in old_files)


@pytest.mark.parametrize(
    ("file_name", "content", "content_type", "message"),
    [
        (
            "bomb.png",
            png_claiming(50_000, 50_000),
            "image/png",
            "This image has too many pixels; the limit is 16 megapixels.",
        ),
        (
            "large.png",
            png_claiming(5_000, 5_000),
            "image/png",
            "This image is 5000 × 5000 pixels; the limit is 16 megapixels.",
        ),
        (
            "notes.png",
            TEXT_NAMED_PNG,
            "image/png",
            "This file is not an image we can read. Upload a JPEG, PNG or WebP picture.",
        ),
        (
            "logo.svg",
            SVG,
            "image/svg+xml",
            "This file is not an image we can read. Upload a JPEG, PNG or WebP picture.",
        ),
        (
            "cut.jpg",
            truncated_jpeg(),
            "image/jpeg",
            "This image is damaged or incomplete. Please upload another copy.",
        ),
    ],
    ids=["decompression-bomb", "over-pixel-limit", "text-named-png", "svg", "truncated-jpeg"],
)
def test_bad_avatar_is_refused_with_a_message_and_the_old_avatar_stays(
    client,
    member_with_avatar,
    media_root,
    django_capture_on_commit_callbacks,
    file_name,
    content,
    content_type,
    message,
):
    old_name = member_with_avatar.avatar.name
    old_files = set(avatar_files(member_with_avatar))
    before = stored_files(media_root)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_avatar(client, file_name, content, content_type)

    assert response.status_code == 400
    assert response.context["avatar_form"].errors["avatar"] == [message]
    assert error_announced_for(response, "avatar") == message
    old_picture = member_with_avatar.avatar_renditions["jpg"]["96"]
    assertContains(response, f'<img src="/media/{old_picture}"', status_code=400)
    member_with_avatar.refresh_from_db()
    assert member_with_avatar.avatar.name == old_name
    assert set(avatar_files(member_with_avatar)) == old_files
    assert stored_files(media_root) == before


def test_avatar_over_five_megabytes_is_refused_and_the_old_avatar_stays(
    client, member_with_avatar, media_root, django_capture_on_commit_callbacks, settings
):
    assert settings.MAX_AVATAR_UPLOAD_BYTES == 5 * 1024 * 1024
    old_name = member_with_avatar.avatar.name
    before = stored_files(media_root)
    data = over_five_megabytes_png()

    with django_capture_on_commit_callbacks(execute=True):
        response = post_avatar(client, "huge.png", data, "image/png")

    assert response.status_code == 400
    announced = error_announced_for(response, "avatar")
    assert re.fullmatch(r"This file is [\d.]+ MB; images may be at most 5 MB\.", announced)
    member_with_avatar.refresh_from_db()
    assert member_with_avatar.avatar.name == old_name
    assert stored_files(media_root) == before


def padded_png(total_bytes: int) -> bytes:
    """A real PNG made exactly total_bytes long: readers ignore bytes after its end."""
    data = png_bytes()
    return data + b"\0" * (total_bytes - len(data))


def test_avatar_of_exactly_five_megabytes_is_accepted(
    client, member, settings, django_capture_on_commit_callbacks
):
    data = padded_png(settings.MAX_AVATAR_UPLOAD_BYTES)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_avatar(client, "exactly-5mb.png", data, "image/png")

    assertRedirects(response, reverse("member-settings"))
    member.refresh_from_db()
    assert member.avatar.name.endswith(".png")


def test_avatar_one_byte_over_the_limit_is_not_described_as_within_it(client, member, settings):
    data = padded_png(settings.MAX_AVATAR_UPLOAD_BYTES + 1)

    response = post_avatar(client, "just-over.png", data, "image/png")

    assert response.status_code == 400
    announced = error_announced_for(response, "avatar")
    size = re.fullmatch(r"This file is ([\d.]+) MB; images may be at most 5 MB\.", announced)
    assert size, announced
    assert float(size[1]) > 5, f"the member is told {announced!r}"
    member.refresh_from_db()
    assert not member.avatar


def test_avatar_that_fails_while_making_renditions_leaves_the_old_one_in_place(
    client, member_with_avatar, media_root, django_capture_on_commit_callbacks, monkeypatch
):
    old_name = member_with_avatar.avatar.name
    before = stored_files(media_root)

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    # The renditions are a job's, here run at once and failing every attempt.
    monkeypatch.setattr("kernel.images.build_renditions", disk_full)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_avatar(client, "fine.png", png_bytes(), "image/png")

    assert response.status_code == 400
    assert error_announced_for(response, "avatar") == "This picture could not be processed."
    member_with_avatar.refresh_from_db()
    assert member_with_avatar.avatar.name == old_name
    assert stored_files(media_root) == before


def test_removing_the_avatar_deletes_its_files_and_brings_back_the_initials(
    client, member_with_avatar, media_root, django_capture_on_commit_callbacks
):
    old_files = avatar_files(member_with_avatar)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("avatar-remove"), follow=True)

    assertRedirects(response, reverse("member-settings"))
    assertContains(response, "Your avatar has been removed.")
    assertContains(response, "Until you upload one, your initials stand in.")
    member_with_avatar.refresh_from_db()
    assert not member_with_avatar.avatar
    assert member_with_avatar.avatar_renditions == {}
    assert not any((media_root / name).exists() for name in old_files)
    profile = client.get(profile_url("odette"))
    assertContains(profile, ">OS</span>")
    assertNotContains(profile, "<img")


@pytest.mark.parametrize("url_name", ["avatar-upload", "avatar-remove"])
def test_avatar_addresses_refuse_a_plain_visit(client, member, url_name):
    assert client.get(reverse(url_name)).status_code == 405


@pytest.fixture
def csrf_client(member_with_avatar) -> Client:
    """A browser on another site posting to ours: it cannot know the CSRF token."""
    forger = Client(enforce_csrf_checks=True)
    forger.force_login(member_with_avatar)
    return forger


def test_avatar_upload_without_csrf_token_is_forbidden(
    csrf_client, member_with_avatar, media_root, django_capture_on_commit_callbacks
):
    old_name = member_with_avatar.avatar.name
    before = stored_files(media_root)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_avatar(csrf_client, "forged.png", png_bytes(), "image/png")

    assert response.status_code == 403
    member_with_avatar.refresh_from_db()
    assert member_with_avatar.avatar.name == old_name
    assert stored_files(media_root) == before


def test_avatar_removal_without_csrf_token_is_forbidden(
    csrf_client, member_with_avatar, media_root, django_capture_on_commit_callbacks
):
    old_name = member_with_avatar.avatar.name
    before = stored_files(media_root)

    with django_capture_on_commit_callbacks(execute=True):
        response = csrf_client.post(reverse("avatar-remove"))

    assert response.status_code == 403
    member_with_avatar.refresh_from_db()
    assert member_with_avatar.avatar.name == old_name
    assert stored_files(media_root) == before


def test_profile_change_without_csrf_token_is_forbidden(csrf_client, member_with_avatar):
    before = saved_profile(member_with_avatar)

    response = csrf_client.post(
        reverse("member-settings"), settings_data(display_name="Forged", handle="forged")
    )

    assert response.status_code == 403
    assert saved_profile(member_with_avatar) == before


def test_with_the_csrf_token_the_same_upload_is_accepted(
    csrf_client, member_with_avatar, django_capture_on_commit_callbacks
):
    """The control for the tests above: the token is what makes the difference."""
    old_name = member_with_avatar.avatar.name
    settings_page = csrf_client.get(reverse("member-settings"))
    token = settings_page.context["csrf_token"]

    with django_capture_on_commit_callbacks(execute=True):
        response = csrf_client.post(
            reverse("avatar-upload"),
            {
                "csrfmiddlewaretoken": str(token),
                "avatar": SimpleUploadedFile("ok.png", png_bytes(), "image/png"),
            },
        )

    assert response.status_code == 302
    member_with_avatar.refresh_from_db()
    assert member_with_avatar.avatar.name != old_name


# Data export --------------------------------------------------------------------------------


def test_export_asks_a_visitor_to_sign_in_first(client, db):
    url = reverse("member-export")

    response = client.get(url)

    assertRedirects(
        response, f"{reverse('account_login')}?next={url}", fetch_redirect_response=False
    )


def test_export_downloads_a_zip_of_json_and_csv_files(client, member):
    response, files = download_export(client)

    assert response["Content-Type"] == "application/zip"
    assert re.fullmatch(
        r'attachment; filename="etoile-odette-\d{4}-\d{2}-\d{2}\.zip"',
        response["Content-Disposition"],
    )
    assert response["Cache-Control"] == "no-store, private"
    assert set(files) == {
        "etoile-export.json",
        "profile.csv",
        "email_addresses.csv",
        "two_factor_methods.csv",
        "access_tokens.csv",
        "following.csv",
        "blocked.csv",
        "muted.csv",
        "ratings.csv",
        "reviews.csv",
        "likes.csv",
        "watches.csv",
        "watchlist.csv",
        "reports.csv",
        "imports.csv",
        "favourites.csv",
        "rankings.csv",
        "notifications.csv",
        "notification_emails.csv",
    }


def test_export_json_holds_the_members_profile_and_addresses(client, member):
    _response, files = download_export(client)

    document = json.loads(files["etoile-export.json"])
    assert document["member"] == "odette"
    [profile] = document["profile"]
    assert profile["email"] == "odette@example.com"
    assert profile["handle"] == "odette"
    assert profile["display_name"] == "Odette Swan"
    assert profile["bio"] == "Principal dancer.\nLoves the second act."
    assert profile["member_since"].startswith("2024-03-15")
    assert document["email_addresses"] == [
        {"email": "odette@example.com", "verified": True, "primary": True}
    ]


def test_export_csv_files_open_in_a_spreadsheet_with_the_same_data(client, member):
    _response, files = download_export(client)

    [profile] = list(csv.DictReader(io.StringIO(files["profile.csv"].decode())))
    assert profile["display_name"] == "Odette Swan"
    assert profile["bio"] == "Principal dancer.\nLoves the second act."
    [address] = list(csv.DictReader(io.StringIO(files["email_addresses.csv"].decode())))
    assert address == {"email": "odette@example.com", "verified": "True", "primary": "True"}


def test_export_includes_the_avatar_picture(client, member_with_avatar, media_root):
    _response, files = download_export(client)

    assert files["avatar.jpg"] == (media_root / member_with_avatar.avatar.name).read_bytes()
    with Image.open(io.BytesIO(files["avatar.jpg"])) as image:
        assert image.format == "JPEG"
    assert json.loads(files["etoile-export.json"])["profile"][0]["has_avatar"] is True


def test_export_still_works_when_the_avatar_file_was_lost(client, member_with_avatar):
    member_with_avatar.avatar.storage.delete(member_with_avatar.avatar.name)

    response = client.get(reverse("member-export"))

    assert response.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert "etoile-export.json" in names
    assert not any(name.startswith("avatar.") for name in names)


@pytest.fixture
def member_with_two_factor(member):
    secret = generate_totp_secret()
    TOTP.activate(member, secret)
    codes = RecoveryCodes.activate(member)
    return member, secret, codes.get_unused_codes()


def test_export_lists_two_factor_methods_but_no_password_hash_or_secrets(
    client, member_with_two_factor, settings
):
    member, totp_secret, recovery_codes = member_with_two_factor
    member.refresh_from_db()
    _algorithm, *_parts, password_hash = member.password.split("$")

    _response, files = download_export(client)

    methods = list(csv.DictReader(io.StringIO(files["two_factor_methods.csv"].decode())))
    assert sorted(row["type"] for row in methods) == ["recovery_codes", "totp"]
    everything = b"\n".join(files.values()).decode("utf-8", errors="replace")
    forbidden = [member.password, password_hash, totp_secret, settings.SECRET_KEY, *recovery_codes]
    for secret in forbidden:
        assert secret not in everything
    seeds = [a.data.get("seed") for a in Authenticator.objects.filter(user=member)]
    for seed in filter(None, seeds):
        assert seed not in everything
    assert "password" not in json.loads(files["etoile-export.json"])["profile"][0]


def test_export_never_holds_another_members_data(client, member, other_member):
    TOTP.activate(other_member, generate_totp_secret())

    _response, files = download_export(client)

    everything = b"\n".join(files.values()).decode()
    for theirs in ("odile", "Odile Black", "thirty-two fouettés"):
        assert theirs not in everything
    document = json.loads(files["etoile-export.json"])
    assert document["two_factor_methods"] == []


# Account deletion ---------------------------------------------------------------------------


def test_deletion_page_asks_a_signed_in_member_to_confirm_their_password_first(client, member):
    reauthenticate = f"{reverse('account_reauthenticate')}?next={reverse('member-delete')}"

    response = client.get(reverse("member-delete"))

    assertRedirects(response, reauthenticate, fetch_redirect_response=False)
    response = client.post(reauthenticate, {"password": PASSWORD}, follow=True)
    assertRedirects(response, reverse("member-delete"))
    assertContains(response, DELETION_SENTENCE)


def test_deletion_page_stays_closed_to_a_wrong_password(client, member):
    reauthenticate = f"{reverse('account_reauthenticate')}?next={reverse('member-delete')}"

    response = client.post(reauthenticate, {"password": "not my password"})

    assert response.status_code == 200
    assert error_announced_for(response, "password") == "Incorrect password."
    assert client.get(reverse("member-delete")).status_code == 302


def test_deletion_after_a_stale_reauthentication_asks_again(client, reauthenticated, settings):
    session = client.session
    for record in session["account_authentication_methods"]:
        record["at"] = time.time() - settings.ACCOUNT_REAUTHENTICATION_TIMEOUT - 1
    session.save()

    response = client.post(reverse("member-delete"), {"confirm": "on"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert User.objects.filter(pk=reauthenticated.pk).exists()


def test_deletion_asks_a_visitor_to_sign_in(client, db):
    response = client.get(reverse("member-delete"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_confirmation_page_says_what_will_be_removed(client, reauthenticated):
    response = client.get(reverse("member-delete"))

    assert response.status_code == 200
    assertContains(response, "This cannot be undone.")
    assertContains(response, "your profile (@odette): display name, bio and avatar;")
    assertContains(response, "your email addresses, password and two-factor methods;")
    assertContains(response, DELETION_SENTENCE)
    assertContains(response, f'<a href="{reverse("member-export")}">download your data</a>')


def test_deletion_without_ticking_the_box_is_refused_and_deletes_nothing(
    client, reauthenticated, django_capture_on_commit_callbacks
):
    # What a browser sends when the box is left unticked: the form's CSRF token alone.
    page = client.get(reverse("member-delete"))
    unticked = {"csrfmiddlewaretoken": str(page.context["csrf_token"])}

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("member-delete"), unticked)

    assert response.status_code == 400
    assert error_announced_for(response, "confirm") == UNTICKED
    assertContains(response, "Please correct the problem below.", status_code=400)
    assert User.objects.filter(pk=reauthenticated.pk).exists()
    assert EmailAddress.objects.filter(user=reauthenticated).exists()
    assert client.get(reverse("member-settings")).status_code == 200


def test_deletion_posted_with_no_fields_at_all_is_refused_with_the_same_error(
    client, reauthenticated
):
    # A POST whose body is empty (the CSRF token in a header, as scripts send it) is still
    # a request to delete without the box ticked, and must say so.
    response = client.post(reverse("member-delete"), {})

    assert response.status_code == 400
    assertContains(response, UNTICKED, status_code=400)
    assert User.objects.filter(pk=reauthenticated.pk).exists()


def test_deleting_the_account_removes_everything_and_signs_the_member_out(
    client, reauthenticated, other_member, seeded, media_root, django_capture_on_commit_callbacks
):
    member = reauthenticated
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("avatar-upload"),
            {"avatar": SimpleUploadedFile("me.jpg", camera_jpeg(), "image/jpeg")},
            follow=True,  # as a browser does, which shows (and so uses up) the message
        )
    TOTP.activate(member, generate_totp_secret())
    RecoveryCodes.activate(member)
    member_files = avatar_files(member)
    assert member_files and all((media_root / name).exists() for name in member_files)
    assert Authenticator.objects.filter(user=member).count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("member-delete"), {"confirm": "on"}, follow=True)

    assertRedirects(response, reverse("home"))
    assert status_messages(response) == ["Your account and everything in it have been deleted."]
    assertContains(response, ">Sign in</a>")
    assertNotContains(response, "Sign out")
    assert not User.objects.filter(pk=member.pk).exists()
    assert not EmailAddress.objects.filter(email="odette@example.com").exists()
    assert not Authenticator.objects.filter(user_id=member.pk).exists()
    assert not any((media_root / name).exists() for name in member_files)
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("member-settings")).status_code == 302
    assert client.get(profile_url("odette")).status_code == 404


def test_deleting_an_account_leaves_other_members_untouched(
    client, reauthenticated, other_member, media_root, django_capture_on_commit_callbacks
):
    other_client = Client()
    other_client.force_login(other_member)
    with django_capture_on_commit_callbacks(execute=True):
        post_avatar(other_client, "odile.png", png_bytes(), "image/png")
    TOTP.activate(other_member, generate_totp_secret())
    their_files = avatar_files(other_member)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("member-delete"), {"confirm": "on"})

    assert not User.objects.filter(pk=reauthenticated.pk).exists()
    assert saved_profile(other_member) == {
        "display_name": "Odile Black",
        "handle": "odile",
        "bio": "The black swan, thirty-two fouettés.",
    }
    assert EmailAddress.objects.filter(user=other_member, verified=True).count() == 1
    assert Authenticator.objects.filter(user=other_member).count() == 1
    assert all((media_root / name).exists() for name in their_files)
    assert other_client.get(reverse("member-settings")).status_code == 200


# Query counts -------------------------------------------------------------------------------


def add_members(count: int) -> None:
    members = [
        User(email=f"dancer{n}@example.com", handle=f"dancer-{n}", display_name=f"Dancer {n}")
        for n in range(count)
    ]
    for user in members:
        user.set_unusable_password()
    User.objects.bulk_create(members)


# Measured, then pinned. The profile: the member shown, their ratings, their latest reviews
# and their watch statistics; a signed-in viewer adds the session, their own user row and the
# watch progress in their menu. Settings: the session, the member and that menu progress.
# The profile reads the member's favourites and rankings in two more (picks/context.py), and
# their follower and following counts in one more (members.services.follow_counts). A
# signed-in reader also reads their unread notifications (the header's counter). Settings
# also lists the members they blocked and muted, one query each.
PROFILE_QUERIES = {"visitor": 7, "signed-in": 12}
SETTINGS_QUERIES = 7


@pytest.mark.parametrize("viewer", ["visitor", "signed-in"])
@pytest.mark.parametrize("others", [0, 500])
def test_profile_page_costs_the_same_few_queries_however_many_members(
    client, member_with_avatar, django_assert_max_num_queries, others, viewer
):
    add_members(others)
    if viewer == "visitor":
        client.logout()

    with django_assert_max_num_queries(PROFILE_QUERIES[viewer]):
        response = client.get(profile_url("odette"))

    assertContains(response, "Odette Swan")


@pytest.mark.parametrize("others", [0, 500])
def test_settings_page_costs_the_same_few_queries_however_many_members(
    client, member_with_avatar, django_assert_max_num_queries, others
):
    add_members(others)

    with django_assert_max_num_queries(SETTINGS_QUERIES):
        response = client.get(reverse("member-settings"))

    assertContains(response, "Remove avatar")
    assert User.objects.count() == others + 1


def test_each_rating_on_the_profile_says_when_it_was_given_as_the_file_said(
    client, other_member, seeded
):
    """An imported rating keeps the other site's date (Rating.rated_at), and the profile says
    it in the reader's language."""
    episode = Episode.objects.get(season__number=1, number=2)
    Rating.objects.create(
        member=other_member,
        episode=episode,
        score=8,
        rated_at=datetime(2025, 5, 1, 12, 0, tzinfo=UTC),
    )
    client.logout()

    english = client.get(profile_url("odile")).content.decode()
    french = client.get("/fr" + profile_url("odile")).content.decode()

    assert '<time class="muted" datetime="2025-05-01">May 1, 2025</time>' in english
    assert '<time class="muted" datetime="2025-05-01">1er mai 2025</time>' in french
