import os

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.management import call_command
from django.utils import translation

from catalog.models import Show

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


def pytest_collection_modifyitems(config, items):
    # On a member's laptop without chromium the browser journeys skip with a reason;
    # in CI they must run, so a missing browser fails there instead of skipping.
    if IN_CI or os.path.exists(CHROMIUM):
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} not found (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


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
    """Most tests read pages right after changing rows directly, as no member could; the page
    cache is tested on its own, through every write, in tests/etoile_app/test_pagecache.py."""
    settings.VISITOR_PAGE_CACHE_SECONDS = 0


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
    """The catalog as `make run` seeds it."""
    call_command("seed_etoile", verbosity=0)
    return Show.objects.get(slug="etoile")


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
def seeded_live_server(live_server, transactional_db):
    call_command("seed_etoile", verbosity=0)
    return live_server
