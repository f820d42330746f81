"""Page quality: accessibility (axe-core in chromium) and HTML validity (the Nu validator).

Both tools come from npm (see package.json; `make test` installs them when npm exists).
Without them these tests skip with a reason on a laptop, and fail under CI, where they
must run.
"""

import shutil
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from tests.browser import (
    PHONE_WIDTH,
    VNU_JAR,
    add_axe,
    axe_violations,
    concrete,
    describe_violations,
    require,
    sign_in_and_confirm,
)
from tests.factories import ACTIVE_MEMBER_EMAIL, ACTIVE_MEMBER_PASSWORD, make_active_member

pytestmark = pytest.mark.single_database

# Every kind of page on the seeded site, with the status it must answer.
PAGES = [
    ("/", 200),
    ("/season/1/", 200),
    ("/season/1/episode/1/", 200),
    ("/season/1/episode/8/", 200),
    ("/people/luke-kirby/", 200),
    ("/people/sons-of-raphael/", 200),
    ("/characters/cheyenne/", 200),
    ("/characters/the-matriarch/", 200),
    ("/sources/", 200),
    ("/season/1/episode/3/reviews/{critic_review}/", 200),
    ("/offline/", 200),
    # A member's recap as others read it, a spoiler shielded: a member reads the same page
    # (its skeleton) but for the menu, so it is checked once, as a visitor.
    ("/u/page-quality/season/1/", 200),
    ("/season/1/ranking/", 200),
    ("/search/?q=the", 200),  # characters, and reviews: one whole, a spoiler shielded
    ("/search/?q=critic&kind=members", 200),
    ("/u/page-quality/followers/", 200),
    ("/no-such-page/", 404),  # templates/404.html: DEBUG is off in tests
    ("/accounts/login/", 200),
    ("/accounts/signup/", 200),
    ("/accounts/password/reset/", 200),
    ("/accounts/confirm-email/", 200),
    ("/unsubscribe/{unsubscribe}/", 200),  # the one-click unsubscribe's page, with its button
    ("/unsubscribe/altered/", 400),
]
# The same checks for a signed-in member who has just confirmed their password
# (account deletion and two-factor set-up ask for that first).
MEMBER_PAGES = [
    ("/", 200),
    ("/season/1/", 200),
    ("/season/1/episode/3/", 200),
    ("/season/1/episode/3/reviews/{critic_review}/", 200),
    ("/search/?q=the", 200),
    ("/me/settings/", 200),
    ("/me/watchlist/", 200),
    ("/me/import/", 200),
    ("/me/import/{member_import}/", 200),  # under way: the page checks again by itself
    ("/u/page-quality/", 200),
    ("/u/page-quality/diary/", 200),
    ("/u/critic/", 200),  # another member's: the follow, block and mute forms
    ("/me/activity/", 200),
    ("/season/1/ranking/", 200),
    ("/me/ranking/season/1/", 200),
    ("/me/favourites/", 200),
    ("/accounts/email/", 200),
    ("/accounts/password/change/", 200),
    ("/accounts/2fa/", 200),
    ("/accounts/2fa/totp/activate/", 200),
    ("/accounts/reauthenticate/", 200),
    ("/accounts/logout/", 200),
    ("/me/delete/", 200),
    ("/me/tokens/", 200),
    ("/me/notifications/", 200),
    ("/me/notifications/email/", 200),
    ("/reviews/{critic_review}/report/", 200),
]
# A CSV import that fills every part of the preview: new and changed ratings, a viewing, a
# watchlist entry, a skipped row and another show's row.
IMPORT_PREVIEW_CSV = (
    b"Name,Season,Episode,Rating,Watched Date,Watchlist\n"
    b"Etoile,1,1,2,,\n"
    b"Etoile,1,6,3.5,2025-05-01,\n"
    b"Etoile,1,7,,,Yes\n"
    b"Etoile,1,8,9,,\n"
    b"Swan Lake,1,1,5,,\n"
)
SCHEMES = ["light", "dark"]
WIDTHS = [PHONE_WIDTH, 1280]


# Every page in English at both widths, and again in French. The layout does not change with
# the language, so French runs at the phone width only, where its longer words could overflow
# or wrap a control; colours do change with the theme, so French runs in both.
# Each language's variants are in an order that changes the colour scheme only once a page:
# every change waits for the links' colour transition (0.15 s) to end.
VARIANTS = {
    "en": [("light", PHONE_WIDTH), ("light", 1280), ("dark", 1280), ("dark", PHONE_WIDTH)],
    "fr": [(scheme, PHONE_WIDTH) for scheme in SCHEMES],
}
assert {variant for variants in VARIANTS.values() for variant in variants} == {
    (scheme, width) for scheme in SCHEMES for width in WIDTHS
}
# Every CSS transition (a link's colour, when the theme changes) run to its end, or a second
# at most: an animation the page cancels or leaves idle (the season page's, narrowed to a
# phone) never settles, and Playwright's evaluate() has no timeout of its own.
TRANSITIONS_ENDED_JS = """() => Promise.race([
    Promise.allSettled(document.getAnimations().map((a) => a.finished)),
    new Promise((resolve) => setTimeout(resolve, 1000)),
])"""


def in_language(path: str, language: str) -> str:
    """The page's address in a language: French pages are the English ones under /fr/."""
    return path if language == "en" else f"/{language}{path}"


@pytest.mark.browser
@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "member"])
@pytest.mark.parametrize("language", list(VARIANTS))
def test_pages_pass_axe_and_fit_the_screen(seeded_live_server, browser, language, signed_in):
    """Each page is loaded once, then drawn in every colour scheme and width of its language
    (the browser switches them on the loaded page, as a reader's device would) and checked
    by axe in each."""
    require(axe=True)
    context = browser.new_context(
        base_url=seeded_live_server.url,
        # axe is added to the page as an inline script, which the site's own policy refuses;
        # test_pages_run_under_the_content_security_policy checks the pages with it on.
        bypass_csp=True,
    )
    add_axe(context)
    problems = []
    try:
        page = context.new_page()
        make_active_member()  # visitors see the same ratings and reviews
        if signed_in:
            sign_in_and_confirm(page)
        for english_path, status in MEMBER_PAGES if signed_in else PAGES:
            path = in_language(english_path, language)
            first_scheme, first_width = VARIANTS[language][0]
            page.emulate_media(color_scheme=first_scheme)
            page.set_viewport_size({"width": first_width, "height": 900})
            response = page.goto(concrete(path), wait_until="load")
            assert response is not None, f"{path}: no response"
            assert response.status == status, f"{path}: HTTP {response.status}, not {status}"
            page_language = page.evaluate("() => document.documentElement.lang")
            if page_language != language:
                problems.append(f'{path}: <html lang="{page_language}">, not "{language}"')
            # Contrast is measured on the text as drawn: wait for the web font.
            page.evaluate("() => document.fonts.ready.then(() => true)")
            drawn = (first_scheme, first_width)
            for scheme, width in VARIANTS[language]:
                where = f"{path} [{scheme}, {width}px]"
                if scheme != drawn[0]:
                    page.emulate_media(color_scheme=scheme)
                if width != drawn[1]:
                    page.set_viewport_size({"width": width, "height": 900})
                if (scheme, width) != drawn:
                    page.evaluate(TRANSITIONS_ENDED_JS)
                drawn = (scheme, width)
                problems += describe_violations(axe_violations(page), where)
                if width == PHONE_WIDTH:
                    scroll_width, inner_width = page.evaluate(
                        "() => [document.documentElement.scrollWidth, window.innerWidth]"
                    )
                    if scroll_width > inner_width:
                        problems.append(
                            f"{where}: scrolls sideways, the page is {scroll_width}px wide"
                            f" in a {inner_width}px window"
                        )
    finally:
        context.close()
    assert not problems, "Page-quality problems:\n" + "\n".join(problems)


ADMIN_PAGES = [
    ("/admin/", 200),
    ("/admin/reviews/moderationqueueitem/", 200),
    ("/admin/reviews/review/", 200),
    ("/admin/catalog/episode/1/change/", 200),
]


@pytest.mark.browser
def test_pages_run_under_the_content_security_policy(seeded_live_server, browser):
    """Every page, as a visitor, a member and an administrator, with the policy the site sends:
    the browser refuses nothing (no inline script or style, nothing from elsewhere)."""
    from django.contrib.auth import get_user_model

    make_active_member()
    get_user_model().objects.filter(email=ACTIVE_MEMBER_EMAIL).update(
        is_staff=True, is_superuser=True
    )
    context = browser.new_context(base_url=seeded_live_server.url)
    refused = []
    try:
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                refused.append(f"{page.url}: {message.text}")
                if "Content Security Policy" in message.text
                else None
            ),
        )
        visits = [(path, status, False) for path, status in PAGES]
        visits += [(path, status, True) for path, status in MEMBER_PAGES + ADMIN_PAGES]
        signed_in = False
        for path, status, as_member in visits:
            if as_member and not signed_in:
                sign_in_and_confirm(page)
                signed_in = True
            response = page.goto(concrete(path), wait_until="load")
            assert response is not None and response.status == status, path
            assert "script-src 'self'" in response.headers["content-security-policy"], path
        # htmx and static/js/rating.js at work under the policy: a rating changed in place
        # with the arrow keys, and saved with Enter.
        page.goto("/season/1/episode/5/")
        ratings = page.get_by_role("region", name="Ratings")
        ratings.get_by_role("radio", name="3 stars", exact=True).focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("Enter")
        expect(ratings.get_by_role("status")).to_have_text("Your rating: 3½ stars")
    finally:
        context.close()
    assert not refused, "Refused by the Content-Security-Policy:\n" + "\n".join(refused)


def test_pages_are_valid_html(seeded, client, tmp_path):
    require(vnu=True)
    pages = {}
    languages = ["en", "fr"]
    make_active_member()  # visitors see the same ratings and reviews
    for language in languages:
        for english_path, status in PAGES:
            path = in_language(english_path, language)
            pages[path] = client.get(concrete(path))
            assert pages[path].status_code == status, f"{path}: HTTP {pages[path].status_code}"
        # Forms showing their errors, as a person sees them after a mistake.
        signup, login = (
            in_language("/accounts/signup/", language),
            in_language("/accounts/login/", language),
        )
        pages[f"{signup} (errors)"] = client.post(
            signup, {"email": "not-an-email", "password1": "a", "password2": "b"}
        )
        pages[f"{login} (errors)"] = client.post(
            login, {"login": "nobody@example.com", "password": "wrong"}
        )
    client.post(
        "/accounts/login/", {"login": ACTIVE_MEMBER_EMAIL, "password": ACTIVE_MEMBER_PASSWORD}
    )
    client.post("/accounts/reauthenticate/", {"password": ACTIVE_MEMBER_PASSWORD})
    for language in languages:
        for english_path, status in MEMBER_PAGES:
            if english_path == "/accounts/logout/":
                continue  # checked last: viewing it is harmless, but keep the session below
            path = in_language(english_path, language)
            pages[path] = client.get(concrete(path))
            assert pages[path].status_code == status, f"{path}: HTTP {pages[path].status_code}"
        settings, delete, imports, tokens, report = (
            in_language(path, language)
            for path in ["/me/settings/", "/me/delete/", "/me/import/", "/me/tokens/"]
            + [concrete("/reviews/{critic_review}/report/")]
        )
        pages[f"{settings} (errors)"] = client.post(
            settings, {"display_name": "x", "handle": "Not Valid!", "bio": "y" * 600}
        )
        pages[f"{delete} (errors)"] = client.post(delete, {})
        pages[f"{imports} (errors)"] = client.post(
            imports, {"file": SimpleUploadedFile("diary.csv", b"Title,Stars\nEtoile,5\n")}
        )
        pages[f"{imports} (preview)"] = client.post(
            imports, {"file": SimpleUploadedFile("export.csv", IMPORT_PREVIEW_CSV)}
        )
        pages[f"{tokens} (errors)"] = client.post(tokens, {"name": " "})
        client.post(tokens, {"name": f"My tracker ({language})"})
        pages[f"{tokens} (new token)"] = client.get(tokens)
        pages[f"{report} (errors)"] = client.post(report, {"reason": "other"})
    pages["/api/v1/docs"] = client.get("/api/v1/docs")  # English only: no /fr/ version
    pages.update(moderated_member_pages(client, languages))
    for language in languages:
        logout = in_language("/accounts/logout/", language)
        pages[logout] = client.get(logout)
    files = {}
    for label, response in pages.items():
        name = "".join(c if c.isalnum() else "-" for c in label) or "home"
        file = tmp_path / f"{name}.html"
        file.write_bytes(response.content)
        files[file] = label
    # One validator run for every page: starting the JVM is most of the cost. A short run like
    # this one spends more time in the JVM's optimising compiler than it wins back: the quick
    # compiler alone (TieredStopAtLevel=1) takes less than half the CPU time. Its larger frames
    # need a deeper stack than the 512 kB the validator asks for, or it stops on a
    # StackOverflowError.
    command = [shutil.which("java"), "-XX:TieredStopAtLevel=1", "-Xss8m", "-jar", str(VNU_JAR)]
    command += ["--errors-only", "--format", "text"]
    result = subprocess.run(  # noqa: S603 (a fixed command on files this test wrote)
        [*command, *map(str, files)], capture_output=True, text=True, timeout=300, check=False
    )
    output = (result.stdout + result.stderr).strip()
    for file, path in files.items():
        output = output.replace(f"file:{file}", path)
    assert result.returncode == 0, f"The HTML validator found errors:\n{output}"


def moderated_member_pages(client, languages) -> dict:
    """What a member meets after a moderator's decision: the review appeal page (for the
    member signed in on `client`) and the inactive page of a member suspended until a day,
    with its appeal form, in each language."""
    import datetime

    from django.utils import timezone

    from reviews import moderation
    from reviews.models import Review
    from tests.factories import PASSWORD, make_member, make_staff

    moderator = make_staff("mod-validity", "Moderators")
    own = Review.objects.filter(member__email=ACTIVE_MEMBER_EMAIL, parent__isnull=True).first()
    moderation.review_hide(review=own, moderator=moderator, reason="Off topic, " * 10)
    suspended = make_member("suspended@example.com", "suspended")
    moderation.member_suspend(
        member=suspended,
        moderator=moderator,
        reason="Insulted three members",
        until=timezone.now() + datetime.timedelta(days=10),
    )
    refused = type(client)()
    refused.post("/accounts/login/", {"login": "suspended@example.com", "password": PASSWORD})
    pages = {}
    for language in languages:
        appeal = in_language(f"/reviews/{own.pk}/appeal/", language)
        pages[appeal] = client.get(appeal)
        inactive = in_language("/accounts/inactive/", language)
        pages[inactive] = refused.get(inactive)
        assert "Insulted three members" in pages[inactive].content.decode()
        pages[f"{inactive} (errors)"] = refused.post(inactive, {"text": ""})
    for label, response in pages.items():
        assert response.status_code in (200, 400), f"{label}: HTTP {response.status_code}"
    return pages


# Swagger UI builds the API's interactive documentation in the browser. Its colours, target
# sizes and nested controls are fixed in static/css/api-docs.css and by turning deep links
# off; its skipped heading levels, unnamed response regions and unnamed copy buttons are
# mended by static/js/api-docs.js after each redraw. Every rule applies.


@pytest.mark.browser
def test_the_api_documentation_passes_axe_while_a_reader_tries_an_operation(
    seeded_live_server, browser
):
    """In each colour scheme, switched on the page once the reader has tried the operation."""
    require(axe=True)
    context = browser.new_context(base_url=seeded_live_server.url, bypass_csp=True)
    add_axe(context)
    problems = []
    try:
        page = context.new_page()
        page.goto("/api/v1/docs")
        expect(
            page.get_by_role("heading", level=1, name="Étoile API: interactive documentation")
        ).to_be_visible()
        # One operation opened, as a reader would, so its parameters and responses are checked.
        page.get_by_role(
            "button", name="GET /api/v1/seasons/{season} A season and its episodes"
        ).click()
        # Tried out, as a reader would, so the live answer is checked too.
        page.get_by_role("button", name="Try it out").click()
        page.get_by_placeholder("season").fill("1")
        page.get_by_role("button", name="Execute").click()
        expect(
            page.get_by_role("region", name="Responses: GET /api/v1/seasons/{season}")
        ).to_be_visible()
        expect(page.get_by_role("button", name="Copy to clipboard").first).to_be_attached()
        for scheme in SCHEMES:
            page.emulate_media(color_scheme=scheme)
            page.evaluate(TRANSITIONS_ENDED_JS)
            problems += describe_violations(axe_violations(page), f"/api/v1/docs [{scheme}]")
    finally:
        context.close()
    assert not problems, "Page-quality problems:\n" + "\n".join(problems)


# The admin is a workplace on a laptop: at 1366 px every page fits and every list shows all of
# its columns.
LAPTOP = {"width": 1366, "height": 768}
# Every column header of a list that lies outside the window, or outside the list's own box
# (the admin scrolls a wide list inside it: the page fits, but the last columns are hidden).
HEADERS_OUTSIDE_JS = """() => [...document.querySelectorAll('#result_list thead th')]
    .map((th) => {
        const box = th.getBoundingClientRect();
        const frame = (th.closest('.results') || document.documentElement).getBoundingClientRect();
        const left = Math.max(0, frame.left);
        const right = Math.min(window.innerWidth, frame.right);
        return [th.textContent.trim() || th.className, box, left, right];
    })
    .filter(([, box, left, right]) => box.left < left - 0.5 || box.right > right + 0.5)
    .map(([name, box]) => `${name} (${Math.round(box.left)}-${Math.round(box.right)}px)`)"""


def every_kind_of_admin_row() -> None:
    """Beside make_active_member()'s activity: reports, a decision and its appeal, a token, so
    that every admin list has rows to draw."""
    from jobs.models import FailedJob
    from members.models import TokenScope
    from members.services import access_token_create
    from reviews import moderation
    from reviews.models import Review
    from tests.factories import make_member, make_staff

    critic_review = Review.objects.filter(member__handle="critic").order_by("pk").first()
    reporters = [make_member(f"reporter{n}@example.com", f"reporter-{n}") for n in range(2)]
    for reporter in reporters:
        moderation.report_create(
            reporter=reporter,
            review=critic_review,
            reason="spam",
            note="A long note about why this review is spam, " * 4,
        )
    removed = Review.objects.filter(member__handle="critic").order_by("pk").last()
    moderator = make_staff("mod-page-quality", "Moderators")
    moderation.review_remove(review=removed, moderator=moderator, reason="Spam, " * 20)
    decision = moderation.standing_decision(Review.objects.get(pk=removed.pk))
    moderation.appeal_create(
        member=removed.member, decision=decision, text="I meant no harm by it, " * 15
    )
    access_token_create(member=reporters[0], name="My tracker", scope=TokenScope.READ)
    FailedJob.objects.create(
        task_path="jobs.mail.deliver_email",
        job_id="3f1c0b8e-6a55-4c7e-9a38-0d5e2b1f6c11",
        arguments={"args": [], "kwargs": {"email_id": "7d2a9c4e-1b3f-4e8a-b6d0-5c9e8f7a2b13"}},
        attempts=5,
        error="SMTPConnectError: (421, b'Service not available, closing channel')",
        traceback="Traceback (most recent call last):\n  …\nSMTPConnectError: (421, …)",
    )


def admin_pages() -> list[str]:
    """The admin's index, then every registered model's list and one of its records."""
    from django.contrib import admin
    from django.urls import reverse

    pages = ["/admin/"]
    for model in admin.site._registry:
        opts = model._meta
        pages.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            pages.append(
                reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk])
            )
    return pages


@pytest.mark.browser
def test_admin_pages_pass_axe_and_fit_a_laptop(seeded_live_server, browser):
    """As a superuser, who sees every column: each admin page, once, at 1366 x 768, in French,
    whose longer words are the harder fit (the admin follows the staff member's language)."""
    from django.contrib.auth import get_user_model

    from catalog.models import Person, Show

    require(axe=True)
    make_active_member()
    every_kind_of_admin_row()
    get_user_model().objects.filter(email=ACTIVE_MEMBER_EMAIL).update(
        is_staff=True, is_superuser=True, language="fr"
    )
    # The pages with the widest inline, the credits: the show and a person with many roles.
    pages = admin_pages()
    pages.append(f"/admin/catalog/show/{Show.objects.get(slug='etoile').pk}/change/")
    busiest = max(Person.objects.all(), key=lambda person: person.credits.count())
    pages.append(f"/admin/catalog/person/{busiest.pk}/change/")
    context = browser.new_context(base_url=seeded_live_server.url, bypass_csp=True)
    add_axe(context)
    problems = []
    try:
        page = context.new_page()
        page.set_viewport_size(LAPTOP)
        sign_in_and_confirm(page)
        for path in dict.fromkeys(pages):
            response = page.goto(path, wait_until="load")
            assert response is not None and response.status == 200, f"{path}: {response}"
            if page.evaluate("() => document.documentElement.lang") != "fr":
                problems.append(f"{path}: not in French")
            scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
            if scroll_width > LAPTOP["width"]:
                problems.append(f"{path}: scrolls sideways, the page is {scroll_width}px wide")
            hidden = page.evaluate(HEADERS_OUTSIDE_JS)
            if hidden:
                problems.append(f"{path}: columns outside the window: {', '.join(hidden)}")
            problems += describe_violations(axe_violations(page), path)
    finally:
        context.close()
    assert not problems, "Admin page problems:\n" + "\n".join(problems)
