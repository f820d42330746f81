from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from etoile_app.models import User
from etoile_app.services import member_purge


class MemberCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email", "handle"]


class MemberChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    # Deleting a member goes through the same service as a member deleting themselves,
    # so rating counters, like counts and avatar files follow.
    def delete_model(self, request, obj):
        member_purge(member=obj)

    def delete_queryset(self, request, queryset):
        for member in queryset:
            member_purge(member=member)

    form = MemberChangeForm
    add_form = MemberCreationForm
    list_display = ["email", "handle", "display_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups"]
    search_fields = ["email", "handle", "display_name"]
    ordering = ["-date_joined"]
    readonly_fields = ["last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profile"), {"fields": ["handle", "display_name", "bio"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "handle", "usable_password", "password1", "password2"],
            },
        )
    ]
