"""Every email the site sends goes through here: rendered in the request, in the reader's
language, then sent by a worker.

queue_email() (or queue_email_message() for a message already built, as allauth builds its
own) writes the message to the outbox and queues deliver_email. The worker sends it and marks
it sent in one transaction: if the SMTP server refuses or does not answer, nothing is marked,
and the job runs again after each of JOBS_RETRY_DELAYS (jobs/queue.py) before it is recorded
failed for staff. A job run twice finds the email sent and sends nothing.

Only a crash between the SMTP server accepting the message and the database committing can
send it twice; the Message-ID, made from the outbox key, is then the same on both copies, and
mail clients show one.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from jobs.models import OutgoingEmail
from jobs.queue import enqueue


def queue_email(
    *,
    to: list[str],
    subject: str,
    body: str,
    html_body: str = "",
    headers: dict[str, str] | None = None,
    reply_to: list[str] | None = None,
) -> OutgoingEmail:
    """Send an email, rendered already, from a worker. `headers` carries what a kind of email
    needs of its own (List-Unsubscribe for notifications, RFC 8058)."""
    message = EmailMultiAlternatives(subject, body, None, to, headers=headers, reply_to=reply_to)
    if html_body:
        message.attach_alternative(html_body, "text/html")
    return queue_email_message(message)


def queue_email_message(message: EmailMessage) -> OutgoingEmail:
    """Send a built message from a worker, as part of the caller's transaction."""
    if message.attachments:
        raise ValueError("The outbox takes no attachments: link to the file instead.")
    email = OutgoingEmail(
        message={
            "subject": str(message.subject),
            "body": str(message.body),
            "from_email": message.from_email,
            "to": list(message.to),
            "cc": list(message.cc),
            "bcc": list(message.bcc),
            "reply_to": list(message.reply_to),
            "headers": dict(message.extra_headers),
            "alternatives": [
                [str(content), mimetype]
                for content, mimetype in getattr(message, "alternatives", [])
            ],
        }
    )
    # One Message-ID for every attempt, so that a copy sent twice reads as one.
    email.message["headers"].setdefault("Message-ID", f"<{email.pk}@{site_host()}>")
    email.save()
    enqueue(deliver_email, email_id=str(email.pk))
    return email


def forget_unsent_to(addresses: set[str]) -> int:
    """Drop the emails still waiting for addresses that are leaving (an account deleted):
    nothing more is sent to them, and their addresses do not stay in the outbox. A sent
    email keeps no address already. The deletion's transaction holds this: were it rolled
    back, the emails would stay and go out. The number of emails dropped."""
    addresses = {address.lower() for address in addresses}
    waiting = OutgoingEmail.objects.filter(sent_at=None).only("message")
    dropped = [
        email.pk
        for email in waiting.iterator()
        if (
            recipients := {
                r.lower() for key in ("to", "cc", "bcc") for r in email.message.get(key, [])
            }
        )
        and recipients <= addresses
    ]
    OutgoingEmail.objects.filter(pk__in=dropped).delete()
    return len(dropped)


def site_host() -> str:
    return urlsplit(settings.ETOILE_SITE_URL).hostname or "localhost"


def _built(fields: dict) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=fields["subject"],
        body=fields["body"],
        from_email=fields["from_email"],
        to=fields["to"],
        cc=fields["cc"],
        bcc=fields["bcc"],
        reply_to=fields["reply_to"],
        headers=fields["headers"],
    )
    for content, mimetype in fields["alternatives"]:
        message.attach_alternative(content, mimetype)
    return message


@task()
def deliver_email(*, email_id: str) -> bool:
    """Send one email of the outbox, once. False when it was sent already (or is gone)."""
    with transaction.atomic():
        # Marking it sent first takes the row's lock (PostgreSQL) or the database's write lock
        # (SQLite) until this transaction ends: a second run of this job waits here, then
        # finds it sent. If sending raises, the mark is rolled back with everything else.
        claimed = OutgoingEmail.objects.filter(pk=email_id, sent_at=None).update(
            sent_at=timezone.now()
        )
        if not claimed:
            return False
        email = OutgoingEmail.objects.get(pk=email_id)
        _built(email.message).send()
        # Sent: a password-reset link or an address has no business staying in the database.
        email.message = {}
        email.save(update_fields=["message"])
    return True
