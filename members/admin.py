from django.contrib import admin

from members.models import AccessToken


@admin.register(AccessToken)
class AccessTokenAdmin(admin.ModelAdmin):
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
