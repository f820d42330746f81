"""Logging filters; imported while logging is configured, before the apps are ready, so this
module depends on nothing but the standard library."""

import logging
import re

# Paths whose last part is a secret: allauth's password-reset and email-confirmation links.
TOKEN_IN_PATH = re.compile(r"(/accounts/(?:password/reset/key|confirm-email)/)[^/\s]+")


class RedactTokens(logging.Filter):
    """For Django's own loggers, which write the path of refused and missing pages."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = TOKEN_IN_PATH.sub(r"\1[redacted]", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
