from django.contrib import admin
from django.db.models.constants import LOOKUP_SEP

from members.models import AccessToken


def may_see_emails(request) -> bool:
    """Members' email addresses are for administrators: moderators judge what members write
    and need their handle and history, not how to reach them (least privilege)."""
    return request is not None and request.user.is_superuser


def _names_email(name: str) -> bool:
    return "email" in name.split(LOOKUP_SEP)


class EmailsForAdministratorsMixin:
    """Keeps members' email addresses out of a list for staff who are not administrators:
    not shown, not searched, and not filtered on through the address (`?email__startswith=`
    would tell a moderator an address letter by letter)."""

    def get_list_display(self, request):
        fields = super().get_list_display(request)
        if may_see_emails(request):
            return fields
        return [name for name in fields if not _names_email(name)]

    def get_search_fields(self, request):
        fields = super().get_search_fields(request)
        if may_see_emails(request):
            return fields
        return [name for name in fields if not _names_email(name)]

    def lookup_allowed(self, lookup, value, request=None):
        if not may_see_emails(request) and _names_email(lookup):
            return False
        return super().lookup_allowed(lookup, value, request)


@admin.register(AccessToken)
class AccessTokenAdmin(EmailsForAdministratorsMixin, admin.ModelAdmin):
    """Operators can see members' API tokens and revoke one (a leaked token, say); only
    members make them, and the secret is never stored, so there is nothing else to edit."""

    list_display = ["name", "member", "hint", "created_at", "last_used_at"]
    list_select_related = ["member"]
    search_fields = ["name", "member__email", "member__handle"]
    readonly_fields = ["member", "name", "hint", "created_at", "last_used_at"]
    fields = readonly_fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
