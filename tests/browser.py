"""Helpers shared by the browser journeys: members who can sign in, and signing in as one."""

import importlib

from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.auth.models import Group
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


def staff_group(name: str) -> Group:
    """The group a data migration made. Live-server tests empty the database between tests,
    data migrations included, so make it again the way the migration does when it is gone."""
    migrations = {
        "Editors": ("catalog.migrations.0002_editors_group", "create_editors_group"),
        "Moderators": ("reviews.migrations.0004_moderators_group", "create_moderators_group"),
    }
    if not Group.objects.filter(name=name).exists():
        module, function = migrations[name]
        getattr(importlib.import_module(module), function)(apps, None)
    return Group.objects.get(name=name)
