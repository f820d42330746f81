"""Notification emails: one at a time, or a daily digest, in the member's language, with links on
the configured site address, never quoting words the spoiler rule keeps from the member
(notifications/display.py decides, as for the page), and with RFC 8058's one-click
unsubscribe: a signed link in `List-Unsubscribe` that a POST without a session turns off."""

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jobs.mail import queue_email_message
from members.adapters import site_address
from reviews.visibility import reader_for

UNSUBSCRIBE_SALT = "notifications.unsubscribe"
ALL = "all"


def unsubscribe_token(member, kind: str) -> str:
    """Signed (the secret key, salted for this use alone): the member and the kind of email
    ("all" for every kind). It does not expire: an old email's link must still work."""
    return signing.dumps({"m": member.pk, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, str]:
    """(member id, kind); signing.BadSignature for a forged or altered one."""
    found = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    if not isinstance(found, dict) or not isinstance(found.get("m"), int):
        raise signing.BadSignature("Not an unsubscribe token.")
    return found["m"], str(found.get("k", ""))


def unsubscribe_url(member, kind: str) -> str:
    return site_address(
        reverse("notifications:unsubscribe", kwargs={"token": unsubscribe_token(member, kind)})
    )


def _headers(member, kind: str) -> dict[str, str]:
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(member, kind)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def _context(member, lines, kind: str) -> dict:
    for line in lines:
        line.url = site_address(line.url) if line.url else ""
    return {
        "member": member,
        "lines": lines,
        "site_name": _(settings.ETOILE_SITE_NAME),
        "notifications_url": site_address(reverse("notifications:list")),
        "settings_url": site_address(reverse("notifications:settings")),
        "unsubscribe_url": unsubscribe_url(member, kind),
        "one_kind": kind != ALL,
    }


def one_email(notification) -> EmailMessage:
    from notifications.display import lines_of

    member = notification.recipient
    with translation.override(member.language):
        (line,) = lines_of([notification], reader_for(member))
        context = _context(member, [line], notification.kind)
        subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + line.text
        body = render_to_string("notifications/email/notification.txt", context)
        headers = _headers(member, notification.kind)
    return EmailMessage(subject, body, None, [member.email], headers=headers)


def send_one(notification) -> None:
    if notification.recipient.email:
        queue_email_message(one_email(notification))


def digest_email(member, notifications) -> EmailMessage:
    from notifications.display import lines_of

    with translation.override(member.language):
        lines = lines_of(notifications, reader_for(member))
        context = _context(member, lines, ALL)
        count = len(notifications)
        subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + ngettext(
            "Your day on %(site)s: %(count)s notification",
            "Your day on %(site)s: %(count)s notifications",
            count,
        ) % {"site": context["site_name"], "count": count}
        body = render_to_string("notifications/email/digest.txt", context)
        headers = _headers(member, ALL)
    return EmailMessage(subject, body, None, [member.email], headers=headers)


def send_digest(member, notifications) -> None:
    if member.email:
        queue_email_message(digest_email(member, notifications))
