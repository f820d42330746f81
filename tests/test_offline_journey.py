"""The site offline (issue 22): a visitor reads catalog pages, loses the network and still
reads them; a page they never read says it is offline; a signed-in member's pages are never
kept. And Chromium finds the site installable. In Chromium through Playwright, against the
live server, with the real service worker (static/js/service-worker.js)."""

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from catalog.models import Episode
from reviews import services
from tests.browser import sign_in
from tests.conftest import CHROMIUM_ARGS
from tests.factories import PASSWORD, make_member

pytestmark = pytest.mark.browser

KEPT_PAGES_JS = """async () => {
    const names = await caches.keys();
    const pages = names.filter((name) => name.startsWith("etoile-pages-"));
    const urls = [];
    for (const name of pages) {
        for (const request of await (await caches.open(name)).keys()) {
            urls.push(new URL(request.url).pathname);
        }
    }
    return urls.sort();
}"""


# Whether the site's worker is active within 15 s. page.evaluate awaits the check's promise;
# wait_for_function, given the same async check, timed out every time.
ACTIVE_WORKER_JS = """async () => {
    const deadline = Date.now() + 15000;
    while (Date.now() < deadline) {
        const registration = await navigator.serviceWorker.getRegistration();
        if (registration !== undefined && registration.active !== null) {
            return true;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return false;
}"""


def controlled(page: Page) -> None:
    """Wait for the worker to control the page: from then on it sees the page's requests."""
    # A worker that fails to install never becomes active: waiting for it with a time limit
    # fails the test where awaiting navigator.serviceWorker.ready would hang it.
    assert page.evaluate(ACTIVE_WORKER_JS), "the service worker did not become active"
    # clients.claim() takes the pages already loaded when the worker activates; a page whose
    # navigation began while it was installing (the page after signing in, on a busy
    # machine) stays uncontrolled until it is opened again, as a member's next page would be.
    if page.evaluate("() => navigator.serviceWorker.controller === null"):
        page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15_000)


def read(page: Page, path: str) -> None:
    page.goto(path)
    expect(page.locator("main h1").first).to_be_visible()


@pytest.fixture
def rated_episode(seeded_live_server) -> Episode:
    episode = Episode.objects.get(season__number=1, number=3)
    critic = make_member("critic@example.com", "critic", display_name="Critic")
    services.rating_set(member=critic, episode=episode, score=8)
    return episode


def test_a_visitor_reads_catalog_pages_offline(
    seeded_live_server, rated_episode, context: BrowserContext, page: Page
):
    base = seeded_live_server.url
    read(page, base + "/")
    controlled(page)  # the first page loaded before the worker: it is kept when read again
    for path in ["/", "/season/1/episode/3/", "/fr/season/1/", "/people/luke-kirby/"]:
        read(page, base + path)
    read(page, base + "/u/critic/")
    wanted = ["/", "/fr/season/1/", "/people/luke-kirby/", "/season/1/episode/3/"]
    # Each page is kept once its answer has come in: wait for the last one.
    page.wait_for_function(f"() => ({KEPT_PAGES_JS})().then((kept) => kept.length >= 4)")
    assert page.evaluate(KEPT_PAGES_JS) == wanted

    context.set_offline(True)
    page.goto(base + "/season/1/episode/3/")
    expect(page.get_by_role("heading", level=1, name="Episode 3")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="You are offline")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", level=1, name="Episode 3")).to_be_visible()
    page.goto(base + "/fr/season/1/")
    expect(page.get_by_role("heading", level=1, name="Saison 1")).to_be_visible()
    # A member's profile is never kept; a page never read says the network is out.
    page.goto(base + "/u/critic/")
    expect(page.get_by_role("heading", level=1, name="You are offline")).to_be_visible()
    page.goto(base + "/fr/characters/jack/")
    expect(page.get_by_role("heading", level=1, name="Vous êtes hors ligne")).to_be_visible()

    context.set_offline(False)
    page.goto(base + "/characters/jack/")
    expect(page.locator("#offline-notice")).to_be_hidden()


def test_a_browser_that_prefers_french_installs_the_worker_and_reads_offline(
    seeded_live_server, browser
):
    """Such a browser is redirected from every unprefixed address to its French one, the
    offline pages included, which the worker keeps as it installs."""
    context = browser.new_context(base_url=seeded_live_server.url, locale="fr-FR")
    try:
        page = context.new_page()
        read(page, "/")
        assert page.url.endswith("/fr/")
        controlled(page)
        read(page, "/fr/season/1/")
        page.wait_for_function(f"() => ({KEPT_PAGES_JS})().then((kept) => kept.length >= 1)")
        context.set_offline(True)
        page.goto("/fr/season/1/")
        expect(page.get_by_role("heading", level=1, name="Saison 1")).to_be_visible()
        page.goto("/fr/characters/jack/")
        expect(page.get_by_role("heading", level=1, name="Vous êtes hors ligne")).to_be_visible()
    finally:
        context.close()


def test_a_signed_in_members_pages_are_never_kept(seeded_live_server, rated_episode, browser):
    make_member("odette@example.com", "odette", password=PASSWORD, display_name="Odette Swan")
    context = browser.new_context(base_url=seeded_live_server.url)
    try:
        page = sign_in(context, seeded_live_server.url, "odette@example.com", PASSWORD)
        controlled(page)
        for path in ["/", "/season/1/episode/3/", "/fr/season/1/", "/me/watchlist/"]:
            read(page, path)
            expect(
                page.get_by_role("navigation", name="Your account").or_(
                    page.get_by_role("navigation", name="Votre compte")
                )
            ).to_be_visible()
        assert page.evaluate(KEPT_PAGES_JS) == []

        context.set_offline(True)
        page.goto("/season/1/episode/3/")
        expect(page.get_by_role("heading", level=1, name="You are offline")).to_be_visible()
        expect(page.get_by_text("Odette Swan")).to_have_count(0)
    finally:
        context.close()


def test_chromium_finds_the_site_installable(seeded_live_server, browser_type, tmp_path):
    """Chrome's own installability checks (the manifest, its icons, a worker that handles
    fetches), in a profile of its own: an incognito context is never installable."""
    context = browser_type.launch_persistent_context(
        tmp_path / "profile", executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
    )
    try:
        page = context.new_page()
        for path in ["/", "/fr/season/1/"]:
            page.goto(seeded_live_server.url + path)
            controlled(page)
            session = context.new_cdp_session(page)
            assert session.send("Page.getInstallabilityErrors") == {"installabilityErrors": []}
            manifest = session.send("Page.getAppManifest")
            assert manifest["errors"] == []
            language = "fr" if path.startswith("/fr/") else "en"
            assert manifest["url"].endswith(f"/manifest/{language}.webmanifest")
    finally:
        context.close()
