import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_the_project_uses_its_own_user_model_with_email_login():
    assert User._meta.label == "etoile_app.User"
    assert User.USERNAME_FIELD == "email"


def test_new_member_gets_a_lowercase_email_and_a_handle_that_reveals_nothing():
    member = User.objects.create_user(email="Odette@Example.COM", password="pas de deux 1")
    assert member.email == "odette@example.com"
    # Nothing of the email address shows in the public handle.
    assert member.handle.startswith("member-") and "odette" not in member.handle
    member.full_clean()  # the generated handle passes the handle rules


def test_members_sign_in_with_their_email_in_any_case():
    User.objects.create_user(email="odile@example.com", password="black swan 32")
    assert authenticate(email="ODILE@example.com", password="black swan 32") is not None
    assert authenticate(email="odile@example.com", password="wrong") is None


def test_the_same_email_in_another_case_cannot_register_twice():
    User.objects.create(email="giselle@example.com", handle="giselle")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="Giselle@Example.com", handle="giselle-two")


def test_handles_are_unique_regardless_of_case():
    User.objects.create(email="a@example.com", handle="sylph")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="b@example.com", handle="Sylph")


@pytest.mark.parametrize("handle", ["admin", "-dash", "dash-", "has space", "UPPER", "é"])
def test_bad_or_reserved_handles_are_refused_with_a_message(handle):
    member = User(email="c@example.com", handle=handle)
    member.set_unusable_password()
    with pytest.raises(ValidationError) as error:
        member.full_clean(exclude=["password"])
    assert "handle" in error.value.message_dict


def test_superuser_is_staff():
    admin = User.objects.create_superuser(email="boss@example.com", password="grand jete 9")
    assert admin.is_staff and admin.is_superuser
    assert str(admin) == admin.handle
