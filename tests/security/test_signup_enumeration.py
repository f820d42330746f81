"""Signing up with an address already registered must cost what a new sign-up costs: with
Django's PBKDF2 the password hash is most of a new sign-up's time (0.4 s here), and a
penetration test told registered addresses apart by that alone (20-50 ms against 370-470 ms).

No timing is asserted: the test counts the work that dominates, the password hashes.
"""

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, make_member

pytestmark = pytest.mark.django_db


class CountingHasher(MD5PasswordHasher):
    """MD5, as in every other test, counting the passwords it hashes."""

    encoded = 0

    def encode(self, password, salt):
        CountingHasher.encoded += 1
        return super().encode(password, salt)


@pytest.fixture
def counting_hasher(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    CountingHasher.encoded = 0
    return CountingHasher


def sign_up(email: str):
    data = {"name": "Giselle", "email": email, "password1": PASSWORD, "password2": PASSWORD}
    return Client().post(reverse("account_signup"), data, follow=True)


def hashes_during(action) -> tuple[int, object]:
    before = CountingHasher.encoded
    result = action()
    return CountingHasher.encoded - before, result


def test_a_registered_address_hashes_the_password_as_a_new_one_does(counting_hasher):
    make_member("odile@example.com", "odile")
    mail.outbox.clear()

    new_hashes, new = hashes_during(lambda: sign_up("giselle@example.com"))
    taken_hashes, taken = hashes_during(lambda: sign_up("Odile@Example.com"))

    assert new_hashes >= 1
    assert taken_hashes == new_hashes
    # And the same answer: one email each, and the same page after the same redirects.
    assert len(mail.outbox) == 2
    assert taken.status_code == new.status_code == 200
    assert taken.redirect_chain == new.redirect_chain
    assert [t.name for t in taken.templates] == [t.name for t in new.templates]
