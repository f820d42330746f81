"""Helpers shared by the browser journeys: signing in as a person would, the staff groups, and
the page-quality tools (axe-core and the Nu HTML validator, from npm: see package.json)."""

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.factories import ACTIVE_MEMBER_EMAIL, ACTIVE_MEMBER_PASSWORD

ROOT = Path(__file__).resolve().parent.parent
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa", "best-practice"]
PHONE_WIDTH = 320
IN_CI = bool(os.environ.get("CI"))


def sign_in(context: BrowserContext, base_url: str, email: str, password: str) -> Page:
    """A new page in the context, signed in through the real form, as a person would."""
    page = context.new_page()
    page.goto(base_url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    account_menu = page.get_by_role("navigation", name="Your account")
    expect(account_menu.get_by_role("button", name="Sign out")).to_be_visible()
    return page


def sign_in_and_confirm(page: Page) -> None:
    """As the member make_active_member() made: sign in through the real form, then confirm
    the password once, as a member would."""
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(ACTIVE_MEMBER_EMAIL)
    page.get_by_label("Password").fill(ACTIVE_MEMBER_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.goto("/accounts/reauthenticate/")
    page.get_by_label("Password").fill(ACTIVE_MEMBER_PASSWORD)
    page.get_by_role("button", name="Confirm").click()


def csp_refusals(page: Page) -> list[str]:
    """What the browser refuses under the site's Content-Security-Policy from now on, as it
    says in the console: a list that fills as the page runs."""
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return refused


def concrete(path: str) -> str:
    """A page path with the ids of the rows make_active_member() created filled in; the
    member's import, under way, is made the first time a page asks for it."""
    from django.contrib.auth import get_user_model

    from reviews.models import MemberImport, Review

    if "{critic_review}" in path:
        first = Review.objects.filter(member__handle="critic").order_by("pk").first()
        path = path.format(critic_review=first.pk)
    if "{unsubscribe}" in path:
        from notifications.emails import unsubscribe_token

        member = get_user_model().objects.get(email=ACTIVE_MEMBER_EMAIL)
        path = path.format(unsubscribe=unsubscribe_token(member, "mention"))
    if "{member_import}" in path:
        run = MemberImport.objects.filter(member__email=ACTIVE_MEMBER_EMAIL).first()
        if run is None:
            member = get_user_model().objects.get(email=ACTIVE_MEMBER_EMAIL)
            run = MemberImport.objects.create(member=member, language="en")
        path = path.format(member_import=run.pk)
    return path


def require(*, axe: bool = False, vnu: bool = False) -> None:
    """Skip with a reason when a tool is missing; under CI fail instead, never skip."""
    missing = []
    if axe and not AXE_JS.is_file():
        missing.append(str(AXE_JS.relative_to(ROOT)))
    if vnu and not VNU_JAR.is_file():
        missing.append(str(VNU_JAR.relative_to(ROOT)))
    if vnu and shutil.which("java") is None:
        missing.append("java (a Java 11+ runtime, e.g. apt-get install default-jre-headless)")
    if not missing:
        return
    reason = f"run npm install (missing: {', '.join(missing)})"
    if IN_CI:
        pytest.fail(f"CI is set, so page-quality checks must run, but tools are missing: {reason}")
    pytest.skip(reason)


# Only the violations come back: axe's full results (every rule's passing and inapplicable
# nodes) are several times larger, and sending them back over Playwright's pipe took three
# quarters of each run's time. The rules run and the violations found are the same.
AXE_VIOLATIONS_JS = (
    "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
    ".then((results) => results.violations)"
)


def axe_violations(page: Page) -> list[dict]:
    """axe's violations on the page as drawn now, for every rule of AXE_TAGS. axe must be on the
    page: add_axe(context) before the page loads, or page.add_script_tag(path=AXE_JS) after."""
    return page.evaluate(AXE_VIOLATIONS_JS, AXE_TAGS)


def add_axe(context: BrowserContext) -> None:
    """axe on every page the context loads, from the start: Playwright keeps the script and
    runs it in each new document, instead of sending its 550 kB again for every page."""
    context.add_init_script(path=str(AXE_JS))


def describe_violations(violations: list[dict], where: str) -> list[str]:
    lines = []
    for violation in violations:
        lines.append(
            f"{where}: {violation['id']} ({violation['impact']}): {violation['help']}"
            f" <{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    {node['target']}: {summary}")
    return lines
