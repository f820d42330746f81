"""What every app's admin lists may use: a set-or-not filter in words, and a date hierarchy
that answers a year it cannot read with the admin's usual "?e=1", never a 500."""

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList


def set_or_not_filter(field: str, *, title, parameter: str, empty, is_set) -> type:
    """A filter on whether a date is set, in words ("Open" / "Resolved") where Django's
    EmptyFieldListFilter says "By resolved at: Empty / Not empty"."""

    class SetOrNotFilter(admin.SimpleListFilter):
        parameter_name = parameter

        def lookups(self, request, model_admin):
            return [("no", empty), ("yes", is_set)]

        def queryset(self, request, queryset):
            if self.value() in {"no", "yes"}:
                return queryset.filter(**{f"{field}__isnull": self.value() == "no"})
            return queryset

    SetOrNotFilter.title = title
    return SetOrNotFilter


class DateHierarchyChangeList(ChangeList):
    """Django's list turns a date hierarchy's year into a datetime and lets an OverflowError
    (?created_at__year=99999999999999999999999) or a ValueError past its own try (9999, whose
    next year does not exist) become a 500: here they are the admin's usual answer to a
    filter it cannot apply, the list again with "?e=1"."""

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as error:
            raise IncorrectLookupParameters(error) from error


class DateHierarchyAdmin(admin.ModelAdmin):
    def get_changelist(self, request, **kwargs):
        return DateHierarchyChangeList
