from allauth.account.adapter import DefaultAccountAdapter

from kernel import security
from members.models import new_member_handle


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        # Sign-up asks only for email and password; every member still needs a handle
        # for their profile address, which they can change in their settings.
        user = super().save_user(request, user, form, commit=False)
        if not user.handle:
            user.handle = new_member_handle()
        if commit:
            user.save()
        return user

    def validation_error(self, code, *args):
        # allauth refuses a sign-in over its limits with a form error, not a 429 response,
        # so SecurityEventMiddleware would not see it.
        if code == "too_many_login_attempts":
            security.event(self.request, "rate limited")
        return super().validation_error(code, *args)
