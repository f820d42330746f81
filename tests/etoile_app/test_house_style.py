"""One style per language: sentence case on allauth's pages as on the site's, and one date
style ("December 1, 2026"; "1er décembre 2026")."""

import datetime
import gettext
import re

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

from kernel.dates import date_format
from reviews.models import Review
from tests.factories import write

pytestmark = pytest.mark.django_db

# Title Case allauth writes and the site must not show.
TITLE_CASE = re.compile(
    r"\b(Sign In|Sign Up|Sign Out|Email Addresses|Make Primary|Add Email|Re-send Verification|"
    r"Change Password|Remember Me|Current Password|New Password|Recovery Codes|"
    r"Two-Factor Authentication|Authenticator App|Security Keys|Reset My Password|"
    r"Confirm Access|Verify Your Email Address)\b"
)


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.parametrize(
    "path", ["/accounts/signup/", "/accounts/login/", "/accounts/password/reset/"]
)
def test_allauth_pages_for_visitors_write_sentence_case(client, path):
    text = visible_text(client.get(path).content.decode())
    assert not TITLE_CASE.findall(text)


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/2fa/",
        "/accounts/reauthenticate/",
    ],
)
def test_allauth_pages_for_members_write_sentence_case(client, odette, path):
    response = client.get(path, follow=True)
    assert response.status_code == 200
    assert not TITLE_CASE.findall(visible_text(response.content.decode()))


def test_the_email_addresses_page_says_make_primary_in_sentence_case(client, odette):
    html = client.get("/accounts/email/").content.decode()
    assert re.search(r"<h1[^>]*>\s*Email addresses\s*</h1>", html)
    assert re.search(r">\s*Make primary\s*<", html)


def test_the_english_catalogue_is_compiled():
    po = settings.BASE_DIR / "locale" / "en" / "LC_MESSAGES" / "django.po"
    pairs = re.findall(r'^msgid "(.+)"\nmsgstr "(.+)"$', po.read_text(), re.M)
    assert len(pairs) > 50
    with open(po.with_suffix(".mo"), "rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    for msgid, msgstr in pairs:
        assert catalogue.gettext(msgid) == msgstr


@pytest.mark.parametrize(
    ("language", "first", "later", "moment"),
    [
        ("en", "December 1, 2026", "April 25, 2025", "December 1, 2026, 2:05 p.m."),
        ("fr", "1er décembre 2026", "25 avril 2025", "1er décembre 2026 à 14:05"),
    ],
)
def test_one_date_style_per_language(language, first, later, moment):
    template = Template('{{ a|date:"DATE_FORMAT" }}|{{ b|date }}|{{ c|date:"DATETIME_FORMAT" }}')
    context = Context(
        {
            "a": datetime.date(2026, 12, 1),
            "b": datetime.date(2025, 4, 25),
            "c": datetime.datetime(2026, 12, 1, 14, 5, tzinfo=datetime.UTC),
        }
    )
    with translation.override(language):
        assert template.render(context) == f"{first}|{later}|{moment}"
        assert date_format(datetime.date(2026, 12, 1)) == first
        # Machine-readable dates stay as they are.
        assert Template("{{ a|date:'Y-m-d' }}").render(context) == "2026-12-01"


def test_french_pages_write_the_first_of_the_month_as_1er(client, odette, episode):
    review = write(odette, episode)
    Review.objects.filter(pk=review.pk).update(
        created_at=datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.UTC)
    )
    english = client.get(episode.get_absolute_url()).content.decode()
    assert "December 1, 2026" in english and "Dec. 1" not in english
    french = client.get("/fr" + episode.get_absolute_url()).content.decode()
    assert "1er décembre 2026" in french
    assert " 1 décembre 2026" not in french
