from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from catalog.models import Episode
from reviews.models import EpisodeScores, Like, Rating, Review, Watch, WatchlistEntry
from reviews.services import like_set, rating_remove, recount_ratings, review_delete


class ReadOnlyAdmin(admin.ModelAdmin):
    """Members write these; staff read them here. Adding or changing rows here would bypass the
    services that keep the counters exact, so it is not offered; deleting is, through them."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class EpisodeFilter(admin.RelatedFieldListFilter):
    """The episode filter, with each episode's season in one query rather than one each."""

    def field_choices(self, field, request, model_admin):
        return [(episode.pk, str(episode)) for episode in Episode.objects.select_related("season")]


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ["episode", "member", "score", "updated_at"]
    list_filter = ["score", ("episode", EpisodeFilter)]
    list_select_related = ["episode__season", "member"]
    search_fields = ["member__email", "member__handle"]

    def delete_model(self, request, obj):
        rating_remove(member=obj.member, episode=obj.episode)

    def delete_queryset(self, request, queryset):
        for rating in queryset.select_related("member", "episode"):
            rating_remove(member=rating.member, episode=rating.episode)


@admin.register(EpisodeScores)
class EpisodeScoresAdmin(ReadOnlyAdmin):
    list_display = ["episode", "rating_count", "mean_stars"]
    list_select_related = ["episode__season"]
    actions = ["recount"]

    def has_delete_permission(self, request, obj=None) -> bool:
        # The counters are derived data: recount them, never delete them.
        return False

    @admin.display(description=_("ratings"))
    def rating_count(self, obj):
        return obj.count

    @admin.display(description=_("mean (stars)"))
    def mean_stars(self, obj):
        return obj.mean_stars if obj.mean_stars is not None else "—"

    @admin.action(description=_("Recount the selected episodes from their ratings"))
    def recount(self, request, queryset):
        episodes = recount_ratings(Episode.objects.filter(scores__in=queryset))
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
    list_filter = ["status", "is_spoiler", ("episode", EpisodeFilter)]
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

    # Through the service, so a deleted reply comes off its review's reply count.
    def delete_model(self, request, obj):
        review_delete(review=obj)

    def delete_queryset(self, request, queryset):
        for review in queryset:
            review_delete(review=review)


@admin.register(Like)
class LikeAdmin(ReadOnlyAdmin):
    list_display = ["review", "member", "created_at"]
    list_select_related = ["review__member", "member"]

    def delete_model(self, request, obj):
        like_set(member=obj.member, review=obj.review, liked=False)

    def delete_queryset(self, request, queryset):
        for like in queryset.select_related("member", "review"):
            like_set(member=like.member, review=like.review, liked=False)


@admin.register(WatchlistEntry)
class WatchlistEntryAdmin(ReadOnlyAdmin):
    list_display = ["episode", "member", "created_at"]
    list_filter = [("episode", EpisodeFilter)]
    list_select_related = ["episode__season", "member"]
    search_fields = ["member__email", "member__handle"]


@admin.register(Watch)
class WatchAdmin(ReadOnlyAdmin):
    list_display = ["episode", "member", "watched_on", "created_at"]
    list_filter = [("episode", EpisodeFilter)]
    list_select_related = ["episode__season", "member"]
    search_fields = ["member__email", "member__handle"]
    date_hierarchy = "watched_on"
