"""Transactions that PostgreSQL ended with "deadlock detected", run again.

Two transactions that lock the same rows in opposite orders wait for each other, and
PostgreSQL ends one of them after `deadlock_timeout` (a second by default) so that the
other can go on. Its documentation asks applications to be ready to run such a transaction
again: the one ended has changed nothing, and the one that went on has committed or soon
will. A like and the deletion of its review, or of the review's author, lock a review and
its likes in opposite orders (docs/PERFORMANCE.md); ordering every deletion's locks the
like's way was tried and made new cycles of its own.
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
    return getattr(error.__cause__, "sqlstate", None) == DEADLOCK_DETECTED


def retried_on_deadlock(function):
    """Run `function`, which makes and commits a transaction of its own, up to ATTEMPTS times
    while PostgreSQL ends it for a deadlock. Called inside another transaction, it is run
    once: only the outermost transaction can be run again, and its caller decides."""

    @functools.wraps(function)
    def run(*args, **kwargs):
        for attempt in range(1, ATTEMPTS):
            outermost = not connection.in_atomic_block
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
