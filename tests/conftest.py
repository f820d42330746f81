import os

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.management import call_command
from django.test import Client
from django.test.utils import override_settings
from django.utils import translation
from pytest_django.plugin import blocking_manager_key, validate_django_db

from catalog.models import Episode, Show
from members.models import User
from tests.factories import empty_the_catalog, make_member, make_staff, signed_in, staff_group

CHROMIUM = "/usr/bin/chromium"
# Debian's chromium on these machines: no sandbox as root, and no background traffic
# to the outside network, which is closed here (see shared/TOOLS.md).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
IN_CI = bool(os.environ.get("CI"))


ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def pytest_collection_modifyitems(config, items):
    """Which tests this run holds, by the database it runs on and the tools it has.

    - `postgresql` tests (real concurrent writers) need PostgreSQL. On SQLite they skip with a
      reason on a laptop; in CI they are left out of the SQLite run, as the PostgreSQL run
      holds them.
    - `single_database` tests (axe, HTML validation, schemathesis, production serving) check
      what no database changes: they run once, on SQLite, and are left out on PostgreSQL.
    - `browser` journeys run once too, on SQLite: what they write goes through the same views
      and services the rest of the suite runs on both databases, and twice over they cost CI
      a minute of its fifteen. A journey whose answers depend on the database (search's
      ranking: full text on PostgreSQL, a folded match on SQLite) is marked `both_databases`.
    - Without chromium the browser journeys skip with a reason on a laptop; in CI they must
      run, so a missing browser fails there instead.
    """
    left_out = [
        item
        for item in items
        if ("single_database" in item.keywords and ON_POSTGRESQL)
        or ("browser" in item.keywords and "both_databases" not in item.keywords and ON_POSTGRESQL)
        or ("postgresql" in item.keywords and not ON_POSTGRESQL and IN_CI)
    ]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if item not in set(left_out)]
    needs_postgresql = pytest.mark.skip(
        reason="needs PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/etoile pytest"
    )
    no_browser = pytest.mark.skip(reason=f"{CHROMIUM} not found (apt-get install chromium)")
    for item in items:
        if "postgresql" in item.keywords and not ON_POSTGRESQL:
            item.add_marker(needs_postgresql)
        if "browser" in item.keywords and not IN_CI and not os.path.exists(CHROMIUM):
            item.add_marker(no_browser)


SKIPPED = []


def pytest_runtest_logreport(report):
    if report.skipped:
        SKIPPED.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    """In CI nothing may skip for lack of a browser, a database, a tool or a worker: a skip
    there fails the run (the tests a run leaves out on purpose are deselected, not skipped)."""
    if IN_CI and SKIPPED and not hasattr(session.config, "workerinput"):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    if IN_CI and SKIPPED and not hasattr(terminalreporter.config, "workerinput"):
        terminalreporter.section("skipped in CI: this fails the run")
        for nodeid in SKIPPED:
            terminalreporter.write_line(nodeid)


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    """PBKDF2 at Django's cost takes 0.4 s a hash here, and most tests make or sign in members;
    no test checks the hash itself, so every test hashes with MD5. Production keeps Django's
    default (settings.py does not set PASSWORD_HASHERS)."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(scope="session", autouse=True)
def jobs_run_at_once():
    """A job runs as it is queued, in the test's own process and transaction, so a test reads
    the email in mail.outbox or the renditions on the record right after the request. The
    queues themselves, with real workers, are tested in tests/jobs/."""
    immediate = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with override_settings(TASKS=immediate):
        yield


@pytest.fixture(scope="session", autouse=True)
def emails_link_to_the_test_client():
    """Every link in an email starts with ETOILE_SITE_URL, the address the site is reached at:
    in tests the test client's host, so a test can follow what it was mailed."""
    with override_settings(ETOILE_SITE_URL="http://testserver"):
        yield


@pytest.fixture(autouse=True)
def emails_link_to_the_live_server(request):
    """A browser test follows its emails' links to the live server it runs."""
    if "live_server" in request.fixturenames:
        settings_fixture = request.getfixturevalue("settings")
        settings_fixture.ETOILE_SITE_URL = request.getfixturevalue("live_server").url


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database holds the catalog as `make run` seeds it, once for the session: each
    test's transaction rolls back whatever it changes. Transactional and live-server tests
    empty the database after they run (pytest-django runs them after the others, but a
    worksteal worker may take others after them): pytest_runtest_setup puts it back before
    the next test that holds a transaction, and `seeded` before a transactional test."""
    with django_db_blocker.unblock():
        call_command("seed_etoile", verbosity=0)


def flushes_the_database(item: pytest.Item) -> bool:
    """A transactional or live-server test: pytest-django empties every table after it."""
    marker = item.get_closest_marker("django_db")
    if marker and any(validate_django_db(marker)[:2]):  # transaction, reset_sequences
        return True
    return bool(
        {"transactional_db", "live_server", "django_db_reset_sequences"}
        & set(getattr(item, "fixturenames", ()))
    )


def uses_the_database(item: pytest.Item) -> bool:
    return bool(item.get_closest_marker("django_db")) or bool(
        {"db", "transactional_db", "live_server"} & set(getattr(item, "fixturenames", ()))
    )


# Whether a transactional test has emptied this worker's database since it was last filled.
database_flushed = False


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """The first database test after a transactional one finds the tables empty. Put back what
    the migrations and django_db_setup put there, the staff groups and the catalog, before its
    fixtures open its transaction, once and committed: `seeded` would seed the catalog inside
    each test's transaction, rolled back with it, so every test after would seed it again
    (half a second each; with --dist worksteal a worker can run many tests after a journey),
    and staff_group() would make a group again in each, emptying Django's cache of content
    types as the migration does. Transactional tests seed when they ask for it (`seeded`)."""
    global database_flushed
    if database_flushed and uses_the_database(item) and not flushes_the_database(item):
        with item.config.stash[blocking_manager_key].unblock():
            for group in ("Editors", "Moderators"):
                staff_group(group)
            if not Show.objects.filter(slug="etoile").exists():
                call_command("seed_etoile", verbosity=0)
        database_flushed = False  # only once it is filled: a seed that failed is tried again


def pytest_runtest_teardown(item, nextitem):
    global database_flushed
    if flushes_the_database(item):
        database_flushed = True


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(autouse=True)
def english_between_tests():
    """A request to a French page leaves French active in this thread, as LocaleMiddleware
    sets it and nothing resets it; code a test calls outside a request (forms, reverse())
    would then answer in French. Each test starts, and leaves, in English."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded files in each test go to a temporary folder, never the developer's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def visitor_page_cache_off(settings):
    """Most tests read pages right after changing rows directly, as no member could, in a
    transaction that never commits (so no version moves); the page caches are tested on their
    own, through every write: visitors' in tests/etoile_app/test_pagecache.py, members' in
    tests/etoile_app/test_member_pages.py."""
    settings.VISITOR_PAGE_CACHE_SECONDS = 0
    settings.MEMBER_PAGE_CACHE_BYTES = 0
    settings.SIGNED_IN_ROW_SECONDS = 0


@pytest.fixture
def member_pages_kept(settings, visitor_page_cache_off):
    """Members' pages served from their skeletons, as in production (visitor_page_cache_off
    has them rendered in full), none kept from another test."""
    from kernel import memberpages, pagecache

    settings.MEMBER_PAGE_CACHE_BYTES = 64 * 1024 * 1024
    memberpages.store.clear()
    caches[pagecache.cache._alias].clear()
    yield
    memberpages.store.clear()
    caches[pagecache.cache._alias].clear()


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """`with commit():` around a write runs its on-commit callbacks, as a real commit does:
    the page groups' versions move."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture(autouse=True)
def empty_cache(request):
    """allauth's rate limits live in the cache (a database table here): no test inherits
    another's failed sign-ins. Tests without the database have no cache to clear."""
    if request.node.get_closest_marker("django_db") or {
        "db",
        "transactional_db",
        "live_server",
    } & set(request.fixturenames):
        request.getfixturevalue("db")
        for alias in settings.CACHES:  # rate limits, and visitors' pages
            caches[alias].clear()


@pytest.fixture
def seeded(db) -> Show:
    """The catalog as `make run` seeds it: already there, unless a transactional test emptied
    the database before this one."""
    show = Show.objects.filter(slug="etoile").first()
    if show is None:
        call_command("seed_etoile", verbosity=0)
        show = Show.objects.get(slug="etoile")
    return show


@pytest.fixture
def empty_catalog(db) -> None:
    """The database before `make run` seeds it. Emptied inside the test's transaction, so the
    next test has the catalog back."""
    empty_the_catalog()


@pytest.fixture
def superuser(db, django_user_model):
    return django_user_model.objects.create_superuser(
        email="admin@example.com", password="correct horse battery staple"
    )


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def seeded_live_server(live_server, transactional_db, seeded):
    return live_server


# Members, staff and episodes many modules meet -----------------------------------------------


@pytest.fixture
def reporters(db) -> list[User]:
    """Six more members, enough for two rounds of reports."""
    return [
        make_member(f"dancer{n}@example.com", f"dancer-{n}", display_name=f"Dancer {n}")
        for n in range(6)
    ]


@pytest.fixture
def moderator(db):
    return make_staff("mod-ada", "Moderators")


@pytest.fixture
def editor(db):
    return make_staff("ed-bea", "Editors")


@pytest.fixture
def moderator_client(client, moderator):
    client.force_login(moderator)
    return client


@pytest.fixture
def episodes(seeded):
    return list(Episode.objects.filter(season__number=1).order_by("number")[:3])


@pytest.fixture
def episode(seeded) -> Episode:
    return Episode.objects.select_related("season").get(season__number=1, number=3)


@pytest.fixture
def other_episode(seeded) -> Episode:
    return Episode.objects.select_related("season").get(season__number=1, number=4)


@pytest.fixture
def odette(db, client) -> User:
    """The member signed in on `client`."""
    member = make_member("odette@example.com", "odette", display_name="Odette Swan")
    client.force_login(member)
    return member


@pytest.fixture
def odile(db) -> User:
    return make_member("odile@example.com", "odile", display_name="Odile Black")


@pytest.fixture
def odile_client(odile) -> Client:
    return signed_in(odile)
