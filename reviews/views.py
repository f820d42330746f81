import logging
from collections.abc import Callable
from functools import partial

from allauth.core import ratelimit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect

from catalog.models import Episode, Season
from kernel import ratelimits
from kernel.addresses import posted_next
from kernel.downloads import attachment
from kernel.languages import LANGUAGE_CODES
from kernel.memberpages import cache_for_members, fresh_uuid
from kernel.pagecache import cache_for_visitors
from kernel.prepared import Prepared, loaded
from kernel.shareimages import image_response
from members.adapters import SUSPENDED_LOGIN_KEY, refused_member_id
from members.models import User
from members.views import active_member_or_404
from reviews import exports, imports, interchange, moderation, services, tasks
from reviews.context import (
    rating_panel_context,
    reader_review_of,
    reader_score_of,
    review_thread,
    scores_of,
    with_author_scores,
)
from reviews.forms import (
    AppealForm,
    ImportForm,
    RatingForm,
    ReplyForm,
    ReportForm,
    ReviewForm,
    WatchForm,
)
from reviews.models import MemberImport, Rating, Review, Watch, WatchlistEntry
from reviews.moderation import ReportError, has_reported, report_create
from reviews.shareimages import (
    episode_card,
    public_words,
    review_card,
    review_share_image,
)
from reviews.tracking import viewing_number
from reviews.visibility import Sight, reader_of, sight_of_episode, sight_of_review

security_log = logging.getLogger("etoile.security")

# The episode page, which the project composes above this app (etoile_app/pages.py) and hands
# to the views of the forms on it (reviews/urls.py): a form with mistakes is shown in place.
PageRenderer = Callable[..., HttpResponse]


def episode_by_numbers(season: int, episode: int, reader=None, annotations=None) -> Episode:
    """The current show's episode, its season, show, rating counters and (given a signed-in
    reader) their own rating and latest review, in one query; with `annotations`, what the
    page composing it reads of other apps (etoile_app/pages.py), in the same query."""
    episodes = Episode.objects.of_current_show().select_related("season__show", "scores")
    if reader is not None and reader.is_authenticated:
        episodes = episodes.annotate(
            reader_score=reader_score_of(reader), reader_review=reader_review_of(reader)
        )
    if annotations:
        episodes = episodes.annotate(**annotations)
    return get_object_or_404(episodes, season__number=season, number=episode)


def reader_episode_by_numbers(
    season: int, episode: int, *, reader, annotations: Callable[[User], dict] | None = None
) -> Episode | None:
    """The episode's numbers with what a signed-in reader has of it: their rating, latest
    review and watchlist entry, and whether they wrote anything on it that others do not see
    (held or taken down), in one query; with `annotations(member)`, what the page composing
    it reads of other apps (etoile_app/pages.py), in the same query. Built and compiled once
    (kernel/prepared.py): building it cost ten times what running it does."""
    prepared = _reader_episodes.get(annotations)
    if prepared is None:
        prepared = _reader_episodes[annotations] = Prepared(
            partial(_reader_episode_query, annotations=annotations)
        )
    rows = prepared.rows(member=reader.pk, season=season, episode=episode)
    if not rows:
        return None
    row = rows[0]
    # As `.only()` would give them: any other field read later is a query, never a blank.
    found = loaded(Episode, id=row["pk"], number=row["number"], season_id=row["season"])
    found.season = loaded(Season, id=row["season"], number=row["season__number"])
    for name, value in row.items():
        if name not in {"pk", "number", "season", "season__number"}:
            setattr(found, name, value)
    return found


_reader_episodes: dict = {}


def _reader_episode_query(*, member: int, season: int, episode: int, annotations=None):
    reader = User(pk=member)
    hidden = Review.objects.filter(member=reader, episode=OuterRef("pk")).exclude(
        status=Review.Status.VISIBLE
    )
    listed = WatchlistEntry.objects.filter(member=reader, episode=OuterRef("pk"))
    extra = annotations(reader) if annotations else {}
    return (
        Episode.objects.of_current_show()
        .annotate(
            reader_score=reader_score_of(reader),
            reader_review=reader_review_of(reader),
            on_reader_watchlist=Exists(listed),
            reader_has_hidden_writing=Exists(hidden),
            **extra,
        )
        .filter(season__number=season, number=episode)
        .values("pk", "number", "season", "season__number", *_ANNOTATED, *extra)[:1]
    )


_ANNOTATED = ("reader_score", "reader_review", "on_reader_watchlist", "reader_has_hidden_writing")


def _sign_in_first(request: HttpRequest, return_to: str) -> HttpResponse:
    """Visitors are sent to sign in and brought back to the page they were on."""
    if request.htmx:
        # The same address as the redirect below, `next` encoded so its #anchor survives.
        return HttpResponseClientRedirect(redirect_to_login(return_to).url)
    return redirect_to_login(return_to)


def own_review(request: HttpRequest, pk: int) -> Review:
    """The member's own review or reply; anyone else's is a 404, never a 403 or a 500."""
    return get_object_or_404(
        Review.objects.select_related("episode__season"), pk=pk, member=request.user
    )


# What a rating or a review needs of its episode (its numbers), compiled once
# (kernel/prepared.py): the episode page's whole query, with its season, show and counters,
# took a quarter of a rating's CPU to build.
_WRITTEN_ON = Prepared(
    lambda season, episode: (
        Episode.objects.of_current_show()
        .filter(season__number=season, number=episode)
        .values("pk", "number", "season_id", "season__number")
    )
)


def _episode_written_on(season: int, episode: int) -> Episode:
    """The episode a rating or review is posted on, as much as they read of it (other fields,
    as with `.only()`, are read when asked for); a 404 for numbers of no episode."""
    rows = _WRITTEN_ON.rows(season=season, episode=episode)
    if not rows:
        raise Http404("No episode has these numbers.")
    row = rows[0]
    found = loaded(Episode, id=row["pk"], number=row["number"], season_id=row["season_id"])
    found.season = loaded(Season, id=row["season_id"], number=row["season__number"])
    return found


@require_POST
def rating_set(
    request: HttpRequest, season: int, episode: int, *, render_episode: PageRenderer
) -> HttpResponse:
    episode_obj = _episode_written_on(season, episode)
    if not request.user.is_authenticated:
        return _sign_in_first(request, episode_obj.get_absolute_url())
    form = RatingForm(request.POST)
    if "remove" in request.POST:
        if services.rating_remove(member=request.user, episode=episode_obj):
            messages.success(request, _("Your rating has been removed."))
        form = None
    elif form.is_valid():
        services.rating_set(
            member=request.user, episode=episode_obj, score=form.cleaned_data["score"]
        )
        messages.success(request, _("Your rating has been saved."))
        form = None
    if request.htmx:
        # Messages are for the next full page; the panel shows its own state.
        list(messages.get_messages(request))
        # The counters were read with the episode, before this change: read them again.
        episode_obj = episode_by_numbers(season, episode, reader=request.user)
        context = rating_panel_context(request, episode_obj, rating_form=form)
        # 200 even for a mistake: htmx only swaps successful answers into the page,
        # and the status line must show the error.
        return render(request, "reviews/_rating_panel.html", context)
    if form is not None:
        page_episode = episode_by_numbers(season, episode)  # all the page shows of it
        return render_episode(request, page_episode, status=400, rating_form=form)
    return redirect(episode_obj.get_absolute_url() + "#rating")


_SEASON_NUMBERS = Prepared(
    lambda season: Episode.objects.filter(season=season).order_by("number").values("number")
)


def _episode_numbers(episode) -> list[int]:
    """The numbers of the episodes of the episode's season (what a spoiler may reach)."""
    return [row["number"] for row in _SEASON_NUMBERS.rows(season=episode.season_id)]


def _refuse_quietly(request: HttpRequest, url: str) -> HttpResponse:
    """A form posted with the honeypot filled: nothing is written, and the answer looks like
    any other so the bot learns nothing."""
    security_log.warning(
        "honeypot filled on %s by member %s from %s",
        request.path,
        request.user.pk,
        request.META.get("REMOTE_ADDR"),
    )
    return redirect(url)


def _held_back(request: HttpRequest, form) -> bool:
    """Past the member's limit on new reviews and replies: say so on the form, keep the text."""
    # Counted, not allauth's history under a lock: eight Redis round trips a review were a
    # tenth of its CPU (kernel/ratelimits.py).
    if ratelimits.consume(request, action="review_post"):
        return False
    form.add_error(
        None,
        _(
            "You are posting faster than we allow (5 a minute, 50 a day). "
            "Your text is still here: try again in a moment."
        ),
    )
    return True


@require_POST
def review_create(
    request: HttpRequest, season: int, episode: int, *, render_episode: PageRenderer
) -> HttpResponse:
    episode_obj = _episode_written_on(season, episode)
    if not request.user.is_authenticated:
        return _sign_in_first(request, episode_obj.get_absolute_url() + "#write-review")
    form = ReviewForm(
        request.POST,
        episode_numbers=_episode_numbers(episode_obj),
        reviewed_number=episode_obj.number,
    )
    if form.is_bot():
        return _refuse_quietly(request, episode_obj.get_absolute_url())
    status = 400
    if form.is_valid():
        if _held_back(request, form):
            status = 429
        else:
            review = services.review_post(
                member=request.user,
                episode=episode_obj,
                body=form.cleaned_data["body"],
                is_spoiler=form.cleaned_data["is_spoiler"],
                spoils_up_to=form.cleaned_data["spoils_up_to"],
            )
            messages.success(request, _("Your review is published."))
            return redirect(f"{episode_obj.get_absolute_url()}#review-{review.pk}")
    page_episode = episode_by_numbers(season, episode)  # all the page shows of it
    return render_episode(request, page_episode, status=status, review_form=form)


@require_POST
def reply_create(request: HttpRequest, pk: int, *, render_episode: PageRenderer) -> HttpResponse:
    parent = get_object_or_404(
        Review.objects.public().top_level().select_related("episode__season"), pk=pk
    )
    episode_obj = parent.episode
    if not request.user.is_authenticated:
        return _sign_in_first(request, f"{episode_obj.get_absolute_url()}#review-{parent.pk}")
    form = ReplyForm(request.POST, prefix=f"reply-{parent.pk}")
    if form.is_bot():
        return _refuse_quietly(request, episode_obj.get_absolute_url())
    status = 400
    if form.is_valid():
        if _held_back(request, form):
            status = 429
        else:
            try:
                reply = services.review_post(
                    member=request.user,
                    episode=episode_obj,
                    body=form.cleaned_data["body"],
                    parent=parent,
                )
            except services.ParentGone:
                raise Http404("The review was deleted.") from None
            except services.ReplyBlocked:
                status = 403
                form.add_error(
                    None,
                    _("You cannot reply to this member: there is a block between you."),
                )
            else:
                messages.success(request, _("Your reply is published."))
                return redirect(f"{episode_obj.get_absolute_url()}#review-{reply.pk}")
    return render_episode(request, episode_obj, status=status, reply_forms={parent.pk: form})


NOT_EDITABLE = gettext_lazy(
    "A moderator is looking at this, or has taken it down: it cannot be edited."
)


def _not_editable(request: HttpRequest, review: Review) -> HttpResponse:
    # Changing the words under a moderator's eyes would make their decision meaningless.
    messages.error(request, NOT_EDITABLE)
    return redirect(f"{review.episode.get_absolute_url()}#review-{review.pk}")


@login_required
@require_http_methods(["GET", "POST"])
def review_edit(request: HttpRequest, pk: int) -> HttpResponse:
    review = own_review(request, pk)
    if not review.is_visible:
        return _not_editable(request, review)
    form_class = ReplyForm if review.is_reply else ReviewForm
    numbers = _episode_numbers(review.episode)
    if request.method == "POST":
        form = form_class(
            request.POST,
            episode_numbers=numbers,
            reviewed_number=review.episode.number,
            honeypot=False,
        )
        if form.is_valid():
            try:
                services.review_edit(
                    review=review,
                    body=form.cleaned_data["body"],
                    is_spoiler=form.cleaned_data.get("is_spoiler", False),
                    spoils_up_to=form.cleaned_data.get("spoils_up_to"),
                )
            except services.ReviewError:
                # Held while the member was typing: say so and keep their words on screen.
                form.add_error(None, NOT_EDITABLE)
            else:
                messages.success(request, _("Your changes are saved."))
                return redirect(f"{review.episode.get_absolute_url()}#review-{review.pk}")
    else:
        form = form_class(
            initial={
                "body": review.body,
                "is_spoiler": review.is_spoiler,
                "spoils_up_to": review.spoils_up_to,
            },
            episode_numbers=numbers,
            reviewed_number=review.episode.number,
            honeypot=False,
        )
    return render(
        request,
        "reviews/review_edit.html",
        {"review": review, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_delete(request: HttpRequest, pk: int) -> HttpResponse:
    review = own_review(request, pk)
    if request.method == "POST":
        episode_url = review.episode.get_absolute_url()
        is_reply = review.is_reply
        services.review_delete(review=review)
        if is_reply:
            messages.success(request, pgettext("a member deleted their reply", "Deleted."))
        else:
            messages.success(request, pgettext("a member deleted their review", "Deleted."))
        return redirect(episode_url + "#reviews")
    return render(request, "reviews/review_delete.html", {"review": review})


# What a like needs of the review (its author for the like's page groups, its episode for the
# way back), compiled once (kernel/prepared.py): building the public() query with its
# relations took 40 % of a like's CPU.
_LIKED_REVIEW = Prepared(
    lambda pk: (
        Review.objects.public()
        .filter(pk=pk)
        .values(
            "pk",
            "member_id",
            "member__handle",
            "episode_id",
            "episode__number",
            "episode__season_id",
            "episode__season__number",
        )
    )
)


def _public_review_for_like(pk: int) -> Review:
    """The public review or reply, as much as a like reads of it (other fields, as with
    `.only()`, are read when asked for); a 404 for any other."""
    rows = _LIKED_REVIEW.rows(pk=pk)
    if not rows:
        raise Http404("No public review has this number.")
    row = rows[0]
    review = loaded(Review, id=row["pk"], member_id=row["member_id"], episode_id=row["episode_id"])
    # public() asked for an author in good standing: is_active is known (notifications read it).
    review.member = loaded(User, id=row["member_id"], handle=row["member__handle"], is_active=True)
    review.episode = loaded(
        Episode,
        id=row["episode_id"],
        number=row["episode__number"],
        season_id=row["episode__season_id"],
    )
    review.episode.season = loaded(
        Season, id=row["episode__season_id"], number=row["episode__season__number"]
    )
    return review


@require_POST
def like_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    review = _public_review_for_like(pk)
    anchor = f"{review.episode.get_absolute_url()}#review-{review.pk}"
    if not request.user.is_authenticated:
        return _sign_in_first(request, anchor)
    if review.member_id == request.user.pk:
        # Liking your own words is not a vote; the button is not offered either.
        return redirect(anchor)
    wanted = request.POST.get("liked")
    if wanted in {"0", "1"}:
        liked = services.like_set(member=request.user, review=review, liked=wanted == "1")
    else:
        liked = services.like_toggle(member=request.user, review=review)
    if request.htmx:
        try:
            review.refresh_from_db(fields=["like_count"])
        except Review.DoesNotExist:
            raise Http404 from None  # deleted meanwhile: like_set wrote nothing
        return render(
            request, "reviews/_like.html", {"review": review, "liked": liked, "member": True}
        )
    return redirect(anchor)


@login_required
@require_http_methods(["GET", "POST"])
def review_report(request: HttpRequest, pk: int) -> HttpResponse:
    """Tell the moderators about a review or reply. A page of its own rather than a form under
    every review: the episode page stays light, and it works the same without JavaScript."""
    review = get_object_or_404(
        Review.objects.public().select_related("member", "episode__season", "parent"), pk=pk
    )
    anchor = f"{review.episode.get_absolute_url()}#review-{review.pk}"
    if review.member_id == request.user.pk:
        messages.error(request, _("You cannot report your own writing."))
        return redirect(anchor)
    already = has_reported(request.user, review)
    form = ReportForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and already is None:
        status = 400
        if form.is_valid():
            if not ratelimit.consume(request, action="review_report", user=request.user):
                form.add_error(None, _("You have sent many reports: try again in a while."))
                status = 429
            else:
                try:
                    report_create(
                        reporter=request.user,
                        review=review,
                        reason=form.cleaned_data["reason"],
                        note=form.cleaned_data["note"],
                    )
                except ReportError as error:
                    messages.error(request, str(error))
                else:
                    messages.success(
                        request, _("Thank you for telling us. Moderators will look at it.")
                    )
                return redirect(anchor)
    review.collapsed = sight_of_review(reader_of(request), review) is Sight.SHIELDED
    return render(
        request,
        "reviews/review_report.html",
        {
            "review": review,
            "form": form,
            "already": already,
            "anchor": anchor,
            "threshold": settings.REVIEW_REPORTS_TO_HOLD,
        },
        status=status,
    )


# --- Appeals -------------------------------------------------------------------------------

APPEAL_LIMITED = gettext_lazy("You have sent many appeals: try again in a while.")


def _take_appeal(request: HttpRequest, *, member: User, decision, form) -> tuple[bool, int]:
    """Record the appeal the form carries: (taken, status for the page if not)."""
    if not form.is_valid():
        return False, 400
    if not ratelimit.consume(request, action="appeal", key=str(member.pk)):
        form.add_error(None, APPEAL_LIMITED)
        return False, 429
    moderation.appeal_create(member=member, decision=decision, text=form.cleaned_data["text"])
    return True, 200


@login_required
@require_http_methods(["GET", "POST"])
def review_appeal(request: HttpRequest, pk: int) -> HttpResponse:
    """The author asks moderators to look again at hiding or removing their review or reply:
    once per decision."""
    review = own_review(request, pk)
    anchor = f"{review.episode.get_absolute_url()}#review-{review.pk}"
    decision = moderation.standing_decision(review)
    if decision is None:
        messages.info(request, _("There is no moderator's decision on this to appeal."))
        return redirect(anchor)
    appeal = moderation.appeal_of(decision)
    form = AppealForm(request.POST if request.method == "POST" and appeal is None else None)
    status = 200
    if request.method == "POST" and appeal is None:
        if form.is_bot():
            return _refuse_quietly(request, anchor)
        taken, status = _take_appeal(request, member=request.user, decision=decision, form=form)
        if taken:
            messages.success(request, _("Your appeal is sent. A moderator will answer by email."))
            return redirect(anchor)
    return render(
        request,
        "reviews/appeal.html",
        {"review": review, "decision": decision, "appeal": appeal, "form": form},
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def account_inactive(request: HttpRequest) -> HttpResponse:
    """allauth's "account inactive" page, for the member it just refused: why they are
    suspended and their appeal. Who they are comes from their session, set once their password
    matched (members.adapters), never from the form; anyone else sees the plain page."""
    member_id = refused_member_id(request)
    member = User.objects.filter(pk=member_id).first() if member_id else None
    if member is not None and moderation.end_suspension_if_due(member):
        # Signed in through a way that does not end it first (a passkey, say), or the end
        # came while the page was open.
        request.session.pop(SUSPENDED_LOGIN_KEY, None)
        messages.success(request, _("Your suspension has ended: you can sign in again."))
        return redirect("account_login")
    decision = moderation.standing_suspension(member) if member is not None else None
    appeal = moderation.appeal_of(decision) if decision is not None else None
    form = None
    status = 200
    if decision is not None and appeal is None:
        form = AppealForm(request.POST if request.method == "POST" else None)
        if request.method == "POST":
            if form.is_bot():
                return _refuse_quietly(request, request.path)
            taken, status = _take_appeal(request, member=member, decision=decision, form=form)
            if taken:
                messages.success(
                    request, _("Your appeal is sent. A moderator will answer by email.")
                )
                return redirect(request.path)
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "account/account_inactive.html",
        {
            "decision": decision,
            "appeal": appeal,
            "form": form,
            "until": member.suspended_until if decision is not None else None,
        },
        status=status,
    )


# --- Watchlist and watches ------------------------------------------------------------------


def _back(request: HttpRequest, fallback: str) -> str:
    """Where a tracking button should return: the page it was on, if it is on this site."""
    return posted_next(request) or fallback


@require_POST
def watchlist_toggle(request: HttpRequest, season: int, episode: int) -> HttpResponse:
    episode_obj = episode_by_numbers(season, episode)
    if not request.user.is_authenticated:
        return _sign_in_first(request, episode_obj.get_absolute_url() + "#watching")
    if request.POST.get("action") == "remove":
        services.watchlist_remove(member=request.user, episodes=[episode_obj])
        messages.success(request, _("Removed from your watchlist."))
    else:
        services.watchlist_add(member=request.user, episodes=[episode_obj])
        messages.success(request, _("Added to your watchlist."))
    return redirect(_back(request, episode_obj.get_absolute_url() + "#watching"))


WATCHING_TOO_FAST = gettext_lazy(
    "You are marking episodes watched faster than we allow (20 a minute, 200 a day): "
    "try again in a moment."
)


@require_POST
def watch_add(
    request: HttpRequest, season: int, episode: int, *, render_episode: PageRenderer
) -> HttpResponse:
    episode_obj = episode_by_numbers(season, episode)
    if not request.user.is_authenticated:
        return _sign_in_first(request, episode_obj.get_absolute_url() + "#watching")
    form = WatchForm(request.POST)
    status = 400
    if form.is_valid():
        if not ratelimit.consume(request, action="watch_add", user=request.user):
            form.add_error("watched_on", WATCHING_TOO_FAST)
            status = 429
        else:
            try:
                services.watch_add(
                    member=request.user,
                    episode=episode_obj,
                    watched_on=form.cleaned_data["watched_on"],
                    submission_key=form.cleaned_data["submission_key"],
                )
            except (services.WatchDateError, services.WatchLimitError) as error:
                form.add_error("watched_on", str(error))
            else:
                messages.success(request, _("Marked as watched."))
                return redirect(_back(request, episode_obj.get_absolute_url() + "#watching"))
    return render_episode(request, episode_obj, status=status, watch_form=form)


@require_POST
def watch_undo(request: HttpRequest, season: int, episode: int) -> HttpResponse:
    episode_obj = episode_by_numbers(season, episode)
    if not request.user.is_authenticated:
        return _sign_in_first(request, episode_obj.get_absolute_url() + "#watching")
    if services.watch_undo_last(member=request.user, episode=episode_obj):
        messages.success(request, _("Your last watch of this episode was taken back."))
    return redirect(episode_obj.get_absolute_url() + "#watching")


@require_POST
def season_track(request: HttpRequest, season: int) -> HttpResponse:
    """The season's two one-step actions: everything on the watchlist, or everything watched."""
    season_obj = get_object_or_404(
        Season.objects.of_current_show().select_related("show"),
        number=season,
    )
    url = season_obj.get_absolute_url()
    if not request.user.is_authenticated:
        return _sign_in_first(request, url)
    if request.POST.get("action") == "watchlist":
        services.watchlist_add(member=request.user, episodes=season_obj.episodes.all())
        messages.success(request, _("The season is on your watchlist."))
        return redirect(url)
    if request.POST.get("action") == "unwatchlist":
        services.watchlist_remove(member=request.user, episodes=season_obj.episodes.all())
        messages.success(request, _("The season is off your watchlist."))
        return redirect(url)
    form = WatchForm(request.POST)
    if form.is_valid() and not ratelimit.consume(request, action="watch_add", user=request.user):
        messages.error(request, WATCHING_TOO_FAST)
    elif form.is_valid():
        try:
            marked = services.watch_season(
                member=request.user, season=season_obj, watched_on=form.cleaned_data["watched_on"]
            )
        except services.WatchDateError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                ngettext(
                    "%(n)s episode marked as watched.", "%(n)s episodes marked as watched.", marked
                )
                % {"n": marked},
            )
    else:
        messages.error(request, _("Enter the date you watched it, such as 2025-04-24."))
    return redirect(url)


def sees_every_rating(request: HttpRequest, **kwargs) -> bool:
    return not request.user.hide_unwatched


@login_required
@require_safe
@cache_for_members("catalog", private=True)
def watchlist(request: HttpRequest) -> HttpResponse:
    entries = list(
        WatchlistEntry.objects.filter(member=request.user)
        .select_related("episode__season")
        .order_by("episode__season__number", "episode__number")
    )
    for entry in entries:
        entry.submission_key = fresh_uuid(request)  # a double click marks it watched once
    return render(request, "reviews/watchlist.html", {"entries": entries})


DIARY_PER_PAGE = 50


@require_safe
@cache_for_visitors("catalog", "members", "member:{handle}", query=("page",))
@cache_for_members(
    "catalog", "members", "member:{handle}", query=("page",), reader=sees_every_rating
)
def diary(request: HttpRequest, handle: str) -> HttpResponse:
    member = active_member_or_404(handle)
    rating = Rating.objects.filter(member=member, episode=OuterRef("episode")).values("score")[:1]
    watches = (
        Watch.objects.filter(member=member)
        .select_related("episode__season")
        .annotate(
            viewing=viewing_number(),
            score=Subquery(rating),
        )
        .order_by("-watched_on", "-created_at", "-pk")
    )
    page = Paginator(watches, DIARY_PER_PAGE).get_page(request.GET.get("page"))
    reader = reader_of(request)
    for watch in page.object_list:
        sight = sight_of_episode(reader, watch.episode, author_id=member.pk)
        watch.withheld = sight is Sight.WITHHELD
    return render(request, "reviews/diary.html", {"member": member, "page": page})


# --- Import and export in other trackers' formats (reviews/interchange.py, reviews/exports.py) ---


def _import_page(
    request: HttpRequest, form: ImportForm, status: int = 200, problem: str = ""
) -> HttpResponse:
    return render(
        request,
        "reviews/import.html",
        {"form": form, "csv_columns": interchange.CSV_COLUMNS, "problem": problem},
        status=status,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def data_import(request: HttpRequest) -> HttpResponse:
    """The upload form; a posted file is read and previewed, and nothing is written."""
    if request.method == "GET":
        return _import_page(request, ImportForm())
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, form, status=400)
    if not ratelimit.consume(request, action="member_import", user=request.user):
        form.add_error(
            "file",
            _("You are importing faster than we allow (5 files a minute): try again in a moment."),
        )
        return _import_page(request, form, status=429)
    try:
        upload = interchange.read_upload(form.cleaned_data["file"])
    except interchange.ImportFileError as error:
        form.add_error("file", str(error))
        return _import_page(request, form, status=400)
    preview = imports.plan_import(member=request.user, upload=upload)
    return render(request, "reviews/import_preview.html", {"preview": preview})


@login_required
@require_POST
def data_import_confirm(request: HttpRequest) -> HttpResponse:
    """Queue the confirmed plan for a worker and send the member to the page that follows it."""
    try:
        plan = imports.plan_load(member=request.user, token=request.POST.get("plan", ""))
    except imports.PlanError as error:
        return _import_page(request, ImportForm(), status=400, problem=str(error))
    if not ratelimit.consume(request, action="import_confirm", user=request.user):
        return _import_page(
            request,
            ImportForm(),
            status=429,
            problem=_("You are importing faster than we allow: try again in a minute."),
        )
    run = tasks.import_queue(member=request.user, plan=plan)
    return redirect("reviews:import-status", run.pk)


@login_required
@never_cache
@require_safe
def data_import_status(request: HttpRequest, pk) -> HttpResponse:
    """Under way (the page checks again by itself), then what was imported, or why not."""
    run = get_object_or_404(MemberImport, pk=pk, member=request.user)
    return render(request, "reviews/import_status.html", {"run": run})


def _download(request: HttpRequest, content, *, kind: str, extension: str, content_type: str):
    stamp = timezone.now().strftime("%Y-%m-%d")
    return attachment(
        content,
        filename=f"etoile-{request.user.handle}-{kind}-{stamp}.{extension}",
        content_type=content_type,
    )


@login_required
@require_safe
def export_trakt(request: HttpRequest) -> HttpResponse:
    return _download(
        request,
        exports.trakt_export(request.user),
        kind="trakt",
        extension="zip",
        content_type="application/zip",
    )


@login_required
@require_safe
def export_csv(request: HttpRequest) -> HttpResponse:
    return _download(
        request,
        exports.csv_export(request.user),
        kind="diary",
        extension="csv",
        content_type="text/csv; charset=utf-8",
    )


# --- A review's own page, and the share images (reviews/shareimages.py) ----------------------


@require_safe
@cache_for_visitors("catalog", "members", "ratings", "reviews")
def review_detail(request: HttpRequest, season: int, episode: int, pk: int) -> HttpResponse:
    """A review with its replies at an address of its own, to link to and share. A reply's
    address is its review's, at the reply; another episode's numbers lead to the right ones."""
    review = review_thread(request, pk)
    episode_obj = review.episode
    if review.is_reply:
        return redirect(
            f"{reverse('reviews:review', args=[season, episode, review.parent_id])}#review-{pk}"
        )
    if (episode_obj.season.number, episode_obj.number) != (season, episode):
        return redirect(review_url(review), permanent=True)
    public = review.is_visible and review.member.is_active
    return render(
        request,
        "reviews/review.html",
        {
            "review": review,
            "episode": episode_obj,
            "season": episode_obj.season,
            "show": episode_obj.season.show,
            "withheld": sight_of_review(reader_of(request), review) is Sight.WITHHELD,
            "public_words": public_words(review),
            "share_image": review_share_image(request, review, scores_of(episode_obj))
            if public
            else None,
        },
    )


def review_url(review: Review) -> str:
    episode = review.episode
    return reverse("reviews:review", args=[episode.season.number, episode.number, review.pk])


def _language_or_404(language: str) -> str:
    if language not in LANGUAGE_CODES:
        raise Http404("No such language.")
    return language


@require_safe
def episode_share_png(
    request: HttpRequest, language: str, season: int, episode: int, digest: str
) -> HttpResponse:
    with translation.override(_language_or_404(language)):
        episode_obj = episode_by_numbers(season, episode)
        card = episode_card(episode_obj, scores_of(episode_obj))
        url = reverse(
            "share-image-episode",
            kwargs={
                "language": language,
                "season": season,
                "episode": episode,
                "digest": card.digest(),
            },
        )
        return image_response(request, card, asked=digest, url=url)


@require_safe
def review_share_png(request: HttpRequest, language: str, pk: int, digest: str) -> HttpResponse:
    """Only a review anyone may read has an image: public, and not a reply."""
    with translation.override(_language_or_404(language)):
        review = get_object_or_404(
            with_author_scores(
                Review.objects.public()
                .top_level()
                .select_related("member", "episode__season__show", "episode__scores")
            ),
            pk=pk,
        )
        card = review_card(review, scores_of(review.episode))
        url = reverse(
            "share-image-review",
            kwargs={"language": language, "pk": pk, "digest": card.digest()},
        )
        return image_response(request, card, asked=digest, url=url)
