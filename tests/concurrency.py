"""Running service calls at the same instant, for the tests of what happens under load.

Each target runs in its own thread, so with its own database connection. Only PostgreSQL
has the row locks and concurrent writers these tests are about (SQLite serialises every
write): they skip elsewhere, and CI runs the suite once on each database.
"""

import threading

import pytest
from django.db import connection

WAIT = 60  # seconds; a deadlock or a lost thread fails the test instead of hanging it


def skip_unless_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/etoile pytest"
        )


def run_together(targets: list) -> tuple[list, list[BaseException]]:
    """Start every target at once; return what they returned and what they raised."""
    barrier = threading.Barrier(len(targets), timeout=WAIT)
    results: list = []
    errors: list[BaseException] = []

    def run(target):
        try:
            barrier.wait()
            results.append(target())
        except BaseException as error:  # reported in the main thread
            errors.append(error)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT * 2)
    assert not any(thread.is_alive() for thread in threads), "a thread is still running"
    return results, errors


def raise_first(errors: list[BaseException]) -> None:
    """A member's request that failed is a failure even when the counters came out right."""
    causes = [e for e in errors if not isinstance(e, threading.BrokenBarrierError)] or errors
    if causes:
        raise causes[0]
