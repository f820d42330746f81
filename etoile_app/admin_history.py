"""The site-wide staff history: every LogEntry (edits, bulk actions, curation, moderation
decisions, suspensions), read-only, filtered and searched, for staff with its view permission.

Each staff member sees the entries on the kinds of record they may view in the admin
themselves: editors the catalog's, moderators the members', reviews' and appeals', superusers
everything. Staff are named by display name and handle, never by email."""

from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.http import HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import localtime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kernel.history import change_details
from members.admin import EmailsForAdministratorsMixin
from members.models import HistoryVisit

SINCE_LAST_VISIT = "last-visit"


def visible_content_types(site, request) -> list[int]:
    """The content types of the admin's models this staff member may view."""
    models = [
        model
        for model, model_admin in site._registry.items()
        if model is not LogEntry and model_admin.has_view_permission(request)
    ]
    found = ContentType.objects.get_for_models(*models, for_concrete_models=False)
    return [content_type.pk for content_type in found.values()]


def since_last_visit_glance(request) -> dict | None:
    """For the admin's first page: the staff history's entries this staff member has not
    seen, linked to the history filtered to them."""
    model_admin = admin.site._registry.get(LogEntry)
    if model_admin is None or not model_admin.has_view_permission(request):
        return None
    previous = HistoryVisit.last_visit(request.user)
    entries = model_admin.get_queryset(request)
    if previous is not None:
        entries = entries.filter(action_time__gt=previous)
    return {
        "label": _("Staff changes since my last visit to the history"),
        "count": entries.count(),
        "url": reverse("admin:admin_logentry_changelist") + f"?since={SINCE_LAST_VISIT}",
    }


class SinceLastVisitFilter(admin.SimpleListFilter):
    title = _("my last visit")
    parameter_name = "since"

    def lookups(self, request, model_admin):
        previous = getattr(request, "history_previous_visit", None)
        if previous is None:
            return [(SINCE_LAST_VISIT, _("Since my last visit (first visit: everything)"))]
        return [
            (
                SINCE_LAST_VISIT,
                # Translators: a filter of the staff history; the date of the previous visit.
                _("Since my last visit (%(when)s)")
                % {"when": date_format(localtime(previous), "DATETIME_FORMAT")},
            )
        ]

    def queryset(self, request, queryset):
        if self.value() != SINCE_LAST_VISIT:
            return queryset
        previous = getattr(request, "history_previous_visit", None)
        return queryset if previous is None else queryset.filter(action_time__gt=previous)


class StaffFilter(admin.RelatedOnlyFieldListFilter):
    """Staff who appear in the entries this staff member may see, by name and handle."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = _("staff member")

    def field_choices(self, field, request, model_admin):
        staff_ids = model_admin.get_queryset(request).distinct().values_list("user_id", flat=True)
        staff = field.related_model.objects.filter(pk__in=staff_ids).order_by("handle")
        return [(member.pk, member.staff_label) for member in staff]


class RecordKindFilter(admin.RelatedOnlyFieldListFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = _("kind of record")


@admin.register(LogEntry)
class LogEntryAdmin(EmailsForAdministratorsMixin, admin.ModelAdmin):
    list_display = ["action_time", "staff", "record", "action", "changes"]
    list_display_links = None
    list_filter = [
        SinceLastVisitFilter,
        ("user", StaffFilter),
        ("content_type", RecordKindFilter),
        "action_flag",
        "action_time",
    ]
    list_select_related = ["user", "content_type"]
    search_fields = [
        "object_repr",
        "change_message",
        "user__handle",
        "user__display_name",
        "user__email",
    ]
    list_per_page = 50
    ordering = ["-action_time", "-pk"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(content_type__in=visible_content_types(self.admin_site, request))

    def changelist_view(self, request, extra_context=None):
        # Noted before the list is built: its "since my last visit" filter reads it.
        request.history_previous_visit = HistoryVisit.record(request.user)
        extra_context = {"title": _("Staff history: who changed what"), **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Every entry is shown whole in the list, which links to its record's own page.
        return HttpResponseRedirect(reverse("admin:admin_logentry_changelist"))

    @admin.display(description=_("staff member"), ordering="user__handle")
    def staff(self, obj):
        return obj.user.staff_label

    @admin.display(description=_("record"), ordering="object_repr")
    def record(self, obj):
        kind = obj.content_type.name if obj.content_type_id else ""
        if obj.object_id is None:
            # An action on a kind of record as a whole, named in the catalogue's words
            # (kernel.history.record_model_action).
            return format_html("{}<br><small>{}</small>", gettext(obj.object_repr), kind)
        url = None
        if obj.content_type_id and not obj.is_deletion():
            try:
                url = obj.get_admin_url()
            except NoReverseMatch:
                url = None
        if url:
            return format_html(
                '<a href="{}">{}</a><br><small>{}</small>', url, obj.object_repr, kind
            )
        return format_html("{}<br><small>{}</small>", obj.object_repr, kind)

    @admin.display(description=_("action"), ordering="action_flag")
    def action(self, obj):
        return obj.get_action_flag_display()

    @admin.display(description=_("what changed"))
    def changes(self, obj):
        return change_details(obj)
