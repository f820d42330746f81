"""The one `recount` command for every app's denormalised counters (DESIGN.md: counters change
in the same transaction as the rows they count; one command rebuilds them all and reports
drift). Each app registers its recount in its AppConfig.ready(), as it registers its page
groups (kernel/pagecache.py): the kernel knows no app, and no app knows another's counters.
"""

from collections.abc import Callable

# name → a function that rebuilds the app's counters and returns {counter: rows that were wrong}
Recount = Callable[[], dict[str, int]]
recounts: dict[str, Recount] = {}


def recounted_by(name: str, recount: Recount) -> None:
    recounts[name] = recount


def recount_all() -> dict[str, int]:
    """Every registered counter rebuilt, in the order the apps registered them."""
    wrong: dict[str, int] = {}
    for recount in recounts.values():
        wrong.update(recount())
    return wrong
