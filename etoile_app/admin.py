"""The member admin: members' accounts together with the moderation actions on them
(suspend, reinstate) and deletion of everything they wrote, so it is composed here, above
the members and reviews apps. Registered by etoile_app.admin_apps."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_tasks_db.models import DBTaskResult

from etoile_app.accounts import member_purge
from kernel.admin_filters import set_or_not_filter
from kernel.history import ChangeHistoryMixin
from members.admin import EmailsForAdministratorsMixin, may_see_emails
from members.models import User
from reviews.admin import (
    SuspensionActionForm,
    decide_for_members,
    decision_reason,
    decisions_list,
    suspension_end,
)
from reviews.models import ModerationAction
from reviews.moderation import member_reinstate, member_suspend, standing_takedowns

SuspendedFilter = set_or_not_filter(
    "suspended_at",
    title=_("suspension"),
    parameter="suspended",
    empty=_("Not suspended"),
    is_set=_("Suspended"),
)


class MemberCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email", "handle"]


class MemberChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(ChangeHistoryMixin, EmailsForAdministratorsMixin, DjangoUserAdmin):
    # Deleting a member goes through the same service as a member deleting themselves,
    # so rating counters, like counts and avatar files follow.
    def delete_model(self, request, obj):
        member_purge(member=obj)

    def delete_queryset(self, request, queryset):
        for member in queryset:
            member_purge(member=member)

    def get_deleted_objects(self, objs, request):
        # A member's reviews and replies go with them (member_purge), though no one may
        # delete reviews one by one in the admin (moderators take them down, recorded):
        # that must not block deleting the member.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        if self.has_delete_permission(request):
            perms_needed = set()
        return deleted, counts, perms_needed, protected

    form = MemberChangeForm
    add_form = MemberCreationForm
    list_display = [
        "handle",
        "email",
        "display_name",
        "is_staff",
        "is_active",
        "suspended_at",
        "suspended_until",
        "date_joined",
    ]
    list_filter = [
        "is_staff",
        "is_superuser",
        "is_active",
        SuspendedFilter,
        "groups",
    ]
    search_fields = ["email", "handle", "display_name"]
    ordering = ["-date_joined"]
    # Suspension is an action with a recorded reason (reviews.moderation), not a tick box:
    # it also takes the member's ratings out of the aggregates and puts them back.
    readonly_fields = [
        "last_login",
        "date_joined",
        "is_active",
        "suspended_at",
        "suspended_until",
        "language",
        "moderation_record",
    ]
    action_form = SuspensionActionForm
    actions = ["suspend", "reinstate"]

    def has_suspend_permission(self, request) -> bool:
        return request.user.has_perm("reviews.suspend_member")

    def _moderate(self, request, queryset, decide, done, **terms):
        reason = decision_reason(self, request)
        if reason is None:
            return
        changed = decide_for_members(self, request, queryset, decide, reason=reason, **terms)
        self.message_user(request, done % {"n": changed}, messages.SUCCESS)

    @admin.action(
        description=_("Suspend: cannot sign in, everything they wrote hidden"),
        permissions=["suspend"],
    )
    def suspend(self, request, queryset):
        go_on, until = suspension_end(self, request)
        if go_on:
            self._moderate(
                request, queryset, member_suspend, _("Members suspended: %(n)s."), until=until
            )

    @admin.action(description=_("Reinstate suspended members"), permissions=["suspend"])
    def reinstate(self, request, queryset):
        self._moderate(request, queryset, member_reinstate, _("Members reinstated: %(n)s."))

    def get_fieldsets(self, request, obj=None):
        # The email only for administrators; the password (Django shows its hash's algorithm
        # and salt, and a reset link) only for those who may change it. The form is built
        # from these fields, so what is left out can be neither seen nor posted.
        if obj is None:
            return super().get_fieldsets(request, obj)
        account = [
            *(["email"] if may_see_emails(request) else []),
            *(["password"] if self.has_change_permission(request, obj) else []),
        ]
        fieldsets = [(None, {"fields": account})] if account else []
        return fieldsets + self.member_fieldsets

    @admin.display(description=_("moderation history"))
    def moderation_record(self, obj):
        reviews = obj.reviews.count()
        takedowns = standing_takedowns(obj).count()
        reviews_url = reverse("admin:reviews_review_changelist") + f"?member__id__exact={obj.pk}"
        summary = ngettext("%(n)s review or reply", "%(n)s reviews and replies", reviews) % {
            "n": reviews
        }
        if takedowns:
            summary = _("%(reviews)s, %(takedowns)s") % {
                "reviews": summary,
                "takedowns": ngettext("%(n)s taken down", "%(n)s taken down", takedowns)
                % {"n": takedowns},
            }
        actions = ModerationAction.objects.filter(member=obj).select_related("moderator")
        return format_html('<a href="{}">{}</a>{}', reviews_url, summary, decisions_list(actions))

    member_fieldsets = [
        (
            _("Profile"),
            {"fields": ["handle", "display_name", "bio", "language", "date_joined"]},
        ),
        (
            _("Moderation"),
            {"fields": ["moderation_record", "is_active", "suspended_at", "suspended_until"]},
        ),
        (
            _("Permissions"),
            {"fields": ["is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Important dates"), {"fields": ["last_login"]}),
    ]
    # What an administrator sees; get_fieldsets trims the first part for others.
    fieldsets = [(None, {"fields": ["email", "password"]}), *member_fieldsets]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "handle", "usable_password", "password1", "password2"],
            },
        )
    ]


# django-tasks-db registers its queue table in the admin: every job's arguments, in English
# column names. Staff have the failed jobs instead (jobs/admin.py), with their errors; the
# queue itself is for operators (docs/DEPLOY.md, "Workers").
admin.site.unregister(DBTaskResult)
