from allauth.account.models import EmailAddress
from django.contrib.auth.management.commands import createsuperuser

from members.models import User


class Command(createsuperuser.Command):
    help = "Create a superuser whose email counts as verified, so they can sign in at once."

    def handle(self, *args, **options):
        super().handle(*args, **options)
        # An operator typed this address at the server: no verification email is needed.
        for admin in User.objects.filter(is_superuser=True, emailaddress__isnull=True):
            EmailAddress.objects.create(user=admin, email=admin.email, primary=True, verified=True)
