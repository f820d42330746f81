from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from reviews.models import EpisodeScores, Like, Rating, Review
from reviews.services import recount_ratings


class ReadOnlyAdmin(admin.ModelAdmin):
    """Members write these; staff read them here. Counters change only through services."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ["episode", "member", "score", "updated_at"]
    list_filter = ["score", "episode"]
    list_select_related = ["episode__season", "member"]
    search_fields = ["member__email", "member__handle"]


@admin.register(EpisodeScores)
class EpisodeScoresAdmin(ReadOnlyAdmin):
    list_display = ["episode", "rating_count", "mean_stars"]
    list_select_related = ["episode__season"]
    actions = ["recount"]

    @admin.display(description=_("ratings"))
    def rating_count(self, obj):
        return obj.count

    @admin.display(description=_("mean (stars)"))
    def mean_stars(self, obj):
        return obj.mean_stars if obj.mean_stars is not None else "—"

    @admin.action(description=_("Recount the selected episodes from their ratings"))
    def recount(self, request, queryset):
        episodes = recount_ratings([scores.episode for scores in queryset])
        self.message_user(
            request, _("Recounted %(n)s episodes.") % {"n": episodes}, messages.SUCCESS
        )


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "episode",
        "member",
        "status",
        "is_spoiler",
        "like_count",
        "created_at",
    ]
    list_filter = ["status", "is_spoiler", "episode"]
    list_select_related = ["episode__season", "member"]
    search_fields = ["body", "member__email", "member__handle"]
    readonly_fields = [
        "member",
        "episode",
        "parent",
        "like_count",
        "reply_count",
        "created_at",
        "edited_at",
    ]


@admin.register(Like)
class LikeAdmin(ReadOnlyAdmin):
    list_display = ["review", "member", "created_at"]
    list_select_related = ["review__member", "member"]
