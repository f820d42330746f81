"""What a notification says, the same on the page, in emails and in the API: who did what, about
which episode, and the text only where the spoiler rule (reviews/visibility.py) shows it whole
to the recipient.

A notification about a review of an episode the recipient has not watched names the member and
the episode; its words stay out while `sight_of_review` shields or withholds them, and come in
once the recipient has watched it (the line is worked out when it is shown, not when made)."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from notifications.models import Notification
from reviews.models import Review, shortened
from reviews.visibility import Reader, Sight, sight_of_review

Kind = Notification.Kind
EXCERPT_LENGTH = 160


def episode_label(episode) -> str:
    # Translators: how a notification names an episode: "episode 5".
    return _("episode %(number)s") % {"number": episode.number}


def sight_for(reader: Reader, review: Review) -> Sight:
    """What the recipient may read of the review or reply: the spoiler rule, and nothing of
    what is no longer up for others to read (held, hidden, removed, its author suspended)."""
    shown = review.status == Review.Status.VISIBLE and review.member.is_active
    if review.parent_id is not None:
        parent = review.parent
        shown = shown and parent.status == Review.Status.VISIBLE and parent.member.is_active
    if not shown and review.member_id != reader.member_id:
        return Sight.WITHHELD
    return sight_of_review(reader, review, episode=review.episode, parent=review.parent)


def _what(kind: str, notification: Notification, others: int) -> str:
    """The line's sentence, with "%(actor)s" for who and "%(episode)s" for the episode."""
    review = notification.review
    is_reply = review is not None and review.parent_id is not None
    if kind == Kind.REPLY:
        if review.parent.member_id != notification.recipient_id:
            # Replies are one level deep: answering in a thread answers everyone in it.
            if others:
                return ngettext(
                    "%(actor)s and %(others)s other replied after you about %(episode)s",
                    "%(actor)s and %(others)s others replied after you about %(episode)s",
                    others,
                )
            return _("%(actor)s replied after you about %(episode)s")
        if others:
            return ngettext(
                "%(actor)s and %(others)s other replied to your review of %(episode)s",
                "%(actor)s and %(others)s others replied to your review of %(episode)s",
                others,
            )
        return _("%(actor)s replied to your review of %(episode)s")
    if kind == Kind.LIKE:
        if is_reply:
            if others:
                return ngettext(
                    "%(actor)s and %(others)s other liked your reply about %(episode)s",
                    "%(actor)s and %(others)s others liked your reply about %(episode)s",
                    others,
                )
            return _("%(actor)s liked your reply about %(episode)s")
        if others:
            return ngettext(
                "%(actor)s and %(others)s other liked your review of %(episode)s",
                "%(actor)s and %(others)s others liked your review of %(episode)s",
                others,
            )
        return _("%(actor)s liked your review of %(episode)s")
    if kind == Kind.MENTION:
        if is_reply:
            return _("%(actor)s mentioned you in a reply about %(episode)s")
        return _("%(actor)s mentioned you in a review of %(episode)s")
    if kind == Kind.FOLLOWER:
        if others:
            return ngettext(
                "%(actor)s and %(others)s other followed you",
                "%(actor)s and %(others)s others followed you",
                others,
            )
        return _("%(actor)s followed you")
    decisions = {
        "hide": (
            _("A moderator hid your review of %(episode)s"),
            _("A moderator hid your reply about %(episode)s"),
        ),
        "remove": (
            _("A moderator removed your review of %(episode)s"),
            _("A moderator removed your reply about %(episode)s"),
        ),
        "approve": (
            _("Your review of %(episode)s is visible again"),
            _("Your reply about %(episode)s is visible again"),
        ),
        "uphold": (
            _("Your appeal about your review of %(episode)s was answered: the decision stands"),
            _("Your appeal about your reply about %(episode)s was answered: the decision stands"),
        ),
    }
    pair = decisions.get(notification.decision, decisions["approve"])
    return pair[is_reply]


@dataclass
class Line:
    """One line of the list: a notification, or several alike grouped ("Odile and 3 others
    liked your review of episode 2")."""

    notifications: list[Notification]
    text: str = ""
    excerpt: str | None = None  # the words, when the recipient may read them whole
    held_back: str = ""  # why not, when there are words and they are not shown
    url: str = ""
    unread: bool = False
    ids: list[int] = field(default_factory=list)

    @property
    def first(self) -> Notification:
        return self.notifications[0]


def _group_key(notification: Notification):
    """Which notifications read as one line: likes of one review, replies to one review, new
    followers; mentions and decisions stand alone."""
    if notification.kind == Kind.LIKE:
        return (Kind.LIKE, notification.review_id)
    if notification.kind == Kind.REPLY and notification.review is not None:
        return (Kind.REPLY, notification.review.parent_id)
    if notification.kind == Kind.FOLLOWER:
        return (Kind.FOLLOWER,)
    return ("one", notification.pk)


def grouped(notifications: list[Notification]) -> list[list[Notification]]:
    """Neighbours alike, in their order (newest first), as one group each."""
    groups: list[list[Notification]] = []
    keys: list = []
    for notification in notifications:
        key = _group_key(notification)
        if groups and keys[-1] == key:
            groups[-1].append(notification)
        else:
            groups.append([notification])
            keys.append(key)
    return groups


def line_of(group: list[Notification], reader: Reader) -> Line:
    first = group[0]
    actors: list[str] = []
    for notification in group:
        if notification.actor is not None and notification.actor.public_name not in actors:
            actors.append(notification.actor.public_name)
    review = first.review
    values = {
        "actor": actors[0] if actors else "",
        "others": len(actors) - 1,
        "episode": episode_label(review.episode) if review is not None else "",
    }
    line = Line(
        notifications=group,
        text=_what(first.kind, first, len(actors) - 1) % values,
        unread=any(n.read_at is None for n in group),
        ids=[n.pk for n in group],
    )
    if review is not None:
        sight = sight_for(reader, review)
        if first.kind in (Kind.REPLY, Kind.MENTION):
            # The words written to or about the recipient; a like or decision is about their own.
            if sight.shows_text:
                line.excerpt = shortened(review.body, EXCERPT_LENGTH)
            elif sight is Sight.SHIELDED:
                line.held_back = (
                    _(
                        "Its words are hidden: they may spoil %(episode)s, which you have not watched."
                    )
                    % values
                )
            else:
                line.held_back = _("Its words are hidden until you watch %(episode)s.") % values
        line.url = f"{review.episode.get_absolute_url()}#review-{review.pk}"
    elif first.actor is not None:
        line.url = first.actor.get_absolute_url()
    return line


def lines_of(notifications: list[Notification], reader: Reader) -> list[Line]:
    return [line_of(group, reader) for group in grouped(notifications)]
