"""Deleting an account, which reaches into every app that holds a member's data, and the
sign-in of a member whose suspension has ended: composed here, above those apps."""

from functools import partial

from django.contrib.auth import logout
from django.db import transaction

from jobs.mail import forget_unsent_to
from kernel.images import delete_stored, stored_names
from kernel.transactions import retried_on_deadlock
from members import adapters
from members.models import User
from picks.services import member_picks_delete
from reviews import moderation
from reviews.services import member_contributions_delete


class AccountAdapter(adapters.AccountAdapter):
    """members' allauth adapter, and what needs the reviews app: a member whose suspension's
    end has come signs in as usual, reinstated on the spot by the service a moderator's
    reinstatement uses, without waiting for `manage.py end_suspensions`."""

    def authenticate(self, request, **credentials):
        # allauth hands back an inactive member only once their password matched.
        user = super().authenticate(request, **credentials)
        if user is not None and moderation.end_suspension_if_due(user):
            user.refresh_from_db()
        return user


def member_delete(*, request, member: User) -> None:
    """The member deletes their own account: purge it, then sign them out."""
    member_purge(member=member)
    logout(request)


def member_purge(*, member: User) -> None:
    """Delete an account and everything that belongs to it (the member, or staff).

    Emails still waiting in the outbox for the member's addresses are dropped. Email
    addresses, two-factor authenticators, ratings, reviews (with the replies others
    wrote to them), likes, favourites and rankings go with the User row through cascading
    foreign keys, after their counters are taken back; uploaded files are removed once the
    deletion commits.
    """
    previous = stored_names(member, User.AVATAR)
    addresses = {member.email, *member.emailaddress_set.values_list("email", flat=True)}
    pk = member.pk

    @retried_on_deadlock
    def purge():
        # An attempt ended at its commit has been through delete(), which clears the key.
        member.pk = pk
        with transaction.atomic():
            forget_unsent_to(addresses)
            member_contributions_delete(member=member)
            member_picks_delete(member=member)
            member.delete()
            transaction.on_commit(partial(delete_stored, previous))

    purge()
