import os

from allauth.account.models import EmailAddress
from django.contrib.auth.management.commands import createsuperuser
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db.models import Max

from members.models import User


class Command(createsuperuser.Command):
    help = (
        "Create a superuser whose email counts as verified, so they can sign in at once. "
        "Their handle is --handle or DJANGO_SUPERUSER_HANDLE, else made from the address."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--handle",
            help="The superuser's handle, which names them to colleagues in the staff history "
            "(default: from the email address's local part).",
        )

    def handle(self, *args, **options):
        handle = self._chosen_handle(
            options.get("handle") or os.environ.get("DJANGO_SUPERUSER_HANDLE")
        )
        last = User.objects.aggregate(last=Max("pk"))["last"] or 0
        super().handle(*args, **options)
        if handle:
            User.objects.filter(pk__gt=last, is_superuser=True).update(handle=handle)
        # An operator typed this address at the server: no verification email is needed.
        for admin in User.objects.filter(is_superuser=True, emailaddress__isnull=True):
            EmailAddress.objects.create(user=admin, email=admin.email, primary=True, verified=True)

    def _chosen_handle(self, handle: str | None) -> str | None:
        """The handle asked for, checked as the settings form checks it, before anything is
        created: a bad one stops the command with the reason."""
        if not handle:
            return None
        handle = handle.strip().lower()
        try:
            User._meta.get_field("handle").run_validators(handle)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        if User.objects.filter(handle__iexact=handle).exists():
            raise CommandError(f"The handle {handle!r} is taken.")
        return handle
