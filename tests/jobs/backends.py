"""Email backends for the job tests, named in settings (in process) or in DJANGO_EMAIL_BACKEND
(in the worker processes the tests start)."""

import os
import smtplib
import time
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class RecordingBackend(BaseEmailBackend):
    """Each message sent becomes a file in ETOILE_TEST_MAIL_DIR named after its Message-ID and
    the process that sent it: a test counts how many times each email went out, and which
    worker sent it. With ETOILE_TEST_HANG_FIRST_SEND naming a file that does not exist yet,
    the first send writes it (its process id inside) and then hangs, mid-job, for the test to
    kill that worker; the sends after it go through."""

    def send_messages(self, messages) -> int:
        hang = os.environ.get("ETOILE_TEST_HANG_FIRST_SEND")
        if hang and not Path(hang).exists():
            Path(hang).write_text(str(os.getpid()))
            time.sleep(300)
        folder = Path(os.environ["ETOILE_TEST_MAIL_DIR"])
        for message in messages:
            message_id = message.extra_headers["Message-ID"].strip("<>")
            name = f"{message_id}.{os.getpid()}.{uuid.uuid4().hex[:8]}.eml"
            (folder / name).write_bytes(message.message().as_bytes())
        return len(messages)


class SmtpDown(BaseEmailBackend):
    """An SMTP server that refuses every connection while `down` is true, in this process."""

    down = True
    sent: list = []  # noqa: RUF012 (the one outbox of this process, as locmem's)

    def send_messages(self, messages) -> int:
        if SmtpDown.down:
            raise smtplib.SMTPConnectError(421, "Service not available, closing channel")
        SmtpDown.sent.extend(messages)
        return len(messages)
