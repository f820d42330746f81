"""A member makes a personal access token in their settings, a program of theirs rates an
episode with it and the site shows the rating; a second token, read only, reads but cannot
write; once revoked in the browser, the first token no longer works. A visitor reads the API's interactive documentation under the site's
Content-Security-Policy.

Everyone acts by roles and labels only, as a person using assistive technology would. The
program is plain HTTP from outside the browser, as a member's script would be.
"""

import re

import pytest
import requests
from playwright.sync_api import expect

from reviews.models import Rating
from tests.browser import csp_refusals, sign_in
from tests.factories import make_member

pytestmark = pytest.mark.browser

PASSWORD = "thirty-two fouettes en tournant"


def put_rating(base_url: str, token: str, score: int) -> tuple[int, dict]:
    """The member's script: PUT /api/v1/me/ratings/1/3 with the token."""
    response = requests.put(
        f"{base_url}/api/v1/me/ratings/1/3",
        json={"score": score},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    return response.status_code, response.json()


def test_a_members_script_rates_with_a_token_until_it_is_revoked(new_context, seeded_live_server):
    base_url = seeded_live_server.url
    member = make_member("odette@example.com", "odette", password=PASSWORD)
    page = sign_in(new_context(), base_url, "odette@example.com", PASSWORD)

    page.get_by_role("navigation", name="Your account").get_by_role("link", name="Settings").click()
    page.get_by_role("navigation", name="Account settings").get_by_role(
        "link", name="API tokens"
    ).click()
    expect(page.get_by_role("heading", name="API tokens", level=1)).to_be_visible()
    expect(page.get_by_text("You have no tokens.")).to_be_visible()

    page.get_by_label("Token name").fill("My tracker script")
    expect(page.get_by_label("Read only")).to_be_checked()  # unless the member asks for more
    page.get_by_label("Read and write").check()
    page.get_by_role("button", name="Make token").click()
    # Making a token asks for the password again unless it was typed a moment ago; once it
    # is, the token is made as asked.
    new_token = page.get_by_role("region", name="Your new token")
    password = page.get_by_label("Password")
    expect(new_token.or_(password)).to_be_visible()
    if password.is_visible():
        password.fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()
    expect(new_token).to_be_visible()
    token = new_token.get_by_label("Token").input_value()
    assert re.fullmatch(r"etoile_[-\w]{40,}", token), token
    tokens = page.get_by_role("region", name="Your tokens")
    expect(tokens.get_by_role("row", name=re.compile("My tracker script"))).to_be_visible()

    # The script, outside the browser.
    status, body = put_rating(base_url, token, 7)
    assert status == 200, body
    assert body["score"] == 7
    assert Rating.objects.get(member=member).score == 7

    page.goto(f"{base_url}/season/1/episode/3/")
    ratings = page.get_by_role("region", name="Ratings")
    expect(ratings.get_by_role("status")).to_have_text("Your rating: 3½ stars")
    expect(ratings.get_by_role("radio", name="3½ stars", exact=True)).to_be_checked()

    # Shown once: back on the tokens page, only its name and first letters remain.
    page.goto(f"{base_url}/me/tokens/")
    expect(page.get_by_role("region", name="Your new token")).to_have_count(0)
    expect(page.get_by_text(token)).to_have_count(0)
    row = page.get_by_role("region", name="Your tokens").get_by_role(
        "row", name=re.compile("My tracker script")
    )
    expect(row.get_by_role("cell", name="Never")).to_have_count(0)  # it was used
    expect(row.get_by_role("cell", name="Read and write")).to_be_visible()

    # A second token, to read only: it reads, and a write with it is refused.
    page.get_by_label("Token name").fill("My statistics")
    page.get_by_label("Read only").check()
    page.get_by_role("button", name="Make token").click()
    reader = page.get_by_role("region", name="Your new token").get_by_label("Token").input_value()
    expect(
        page.get_by_role("row", name=re.compile("My statistics")).get_by_role(
            "cell", name="Read only"
        )
    ).to_be_visible()
    status, body = put_rating(base_url, reader, 2)
    assert status == 403, body
    assert body["detail"].startswith("This token is read-only")
    reading = requests.get(
        f"{base_url}/api/v1/me/ratings", headers={"Authorization": f"Bearer {reader}"}, timeout=10
    )
    assert reading.status_code == 200
    assert [r["score"] for r in reading.json()["results"]] == [7]

    row.get_by_role("button", name="Revoke “My tracker script”").click()

    expect(page.get_by_text("The token “My tracker script” is revoked.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("My tracker script"))).to_have_count(0)
    status, body = put_rating(base_url, token, 2)
    assert status == 401
    assert body == {"detail": "Sign in, or send a personal access token."}
    assert Rating.objects.get(member=member).score == 7


def test_a_visitor_reads_the_api_documentation_under_the_content_security_policy(
    new_context, seeded_live_server
):
    page = new_context().new_page()
    refused = csp_refusals(page)

    response = page.goto(f"{seeded_live_server.url}/api/v1/docs", wait_until="load")

    assert response is not None and response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(
        page.get_by_role("heading", name="Étoile API: interactive documentation", level=1)
    ).to_be_visible()
    # Swagger UI has drawn every operation from the schema.
    show = page.get_by_role("button", name=re.compile(r"GET\s*\/api\/v1\/show\b"))
    expect(show.first).to_be_visible()
    expect(
        page.get_by_role("button", name=re.compile(r"PUT\s*\/api\/v1\/me\/ratings\/"))
    ).to_be_visible()
    expect(
        page.get_by_role("button", name=re.compile(r"POST\s*\/api\/v1\/me\/watches"))
    ).to_be_visible()
    show.first.click()
    expect(page.get_by_role("button", name="Try it out")).to_be_visible()
    page.get_by_role("banner").get_by_role("link", name="openapi.json", exact=True).click()
    expect(page).to_have_url(re.compile(r"\/api\/v1\/openapi\.json$"))
    assert not refused, "Refused by the Content-Security-Policy:\n" + "\n".join(refused)
