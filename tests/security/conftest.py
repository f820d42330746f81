import pytest

from tests.security import FAST_PASSWORD_HASHERS


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_PASSWORD_HASHERS
