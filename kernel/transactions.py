"""Transactions that PostgreSQL ended with "deadlock detected", run again.

Two transactions that each hold a row lock the other waits for wait forever, and PostgreSQL
ends one of them after `deadlock_timeout` (a second by default) so that the other can go
on. The one ended has changed nothing, and PostgreSQL's documentation says that running it
again may be advisable. Here: a like or a reply holds its review and, at its commit, checks
the row of the member its notification is for, while deleting that member's account locks
their row first and then deletes or updates the review (docs/PERFORMANCE.md).
"""

import functools
import logging
import random
import time

from django.db import OperationalError, connection

logger = logging.getLogger(__name__)

DEADLOCK_DETECTED = "40P01"  # PostgreSQL's SQLSTATE
ATTEMPTS = 3


def _is_deadlock(error: OperationalError) -> bool:
    cause = error.__cause__  # psycopg's error: sqlstate in psycopg 3, pgcode in psycopg2
    code = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    return code == DEADLOCK_DETECTED


def retried_on_deadlock(function):
    """Run `function`, which makes and commits a transaction of its own, up to ATTEMPTS times
    while PostgreSQL ends it for a deadlock. Called inside another transaction, it is run
    once: only the outermost transaction can be run again, and its caller decides."""

    @functools.wraps(function)
    def run(*args, **kwargs):
        for attempt in range(1, ATTEMPTS):
            outermost = connection.get_autocommit() and not connection.in_atomic_block
            try:
                return function(*args, **kwargs)
            except OperationalError as error:
                if not (outermost and _is_deadlock(error)):
                    raise
                logger.warning(
                    "%s ended by a deadlock (attempt %s of %s): run again",
                    function.__qualname__,
                    attempt,
                    ATTEMPTS,
                )
                # The other side holds its locks until it commits: wait a few milliseconds,
                # not the same few for every side that was ended.
                time.sleep(random.uniform(0.005, 0.05))  # noqa: S311 (not for security)
        return function(*args, **kwargs)

    return run
