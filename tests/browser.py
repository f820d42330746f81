"""Helpers shared by the browser journeys: members who can sign in, and signing in as one."""

from allauth.account.models import EmailAddress
from playwright.sync_api import BrowserContext, Page, expect

from etoile_app.models import User


def make_member(email: str, password: str, **fields) -> User:
    member = User.objects.create_user(email=email, password=password, **fields)
    EmailAddress.objects.create(user=member, email=email, verified=True, primary=True)
    return member


def sign_in(context: BrowserContext, base_url: str, email: str, password: str) -> Page:
    """A new page in the context, signed in through the real form, as a person would."""
    page = context.new_page()
    page.goto(base_url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In", exact=True).click()
    account_menu = page.get_by_role("navigation", name="Your account")
    expect(account_menu.get_by_role("button", name="Sign out")).to_be_visible()
    return page
