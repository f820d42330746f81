"""The email a member gets about each moderator's decision on them or their writing: what was
decided, the moderator's reason, and where to see it or appeal.

Sent synchronously through Django's email API, after the decision is committed; a failure to
send is logged and never undoes the decision. Written in the member's language (User.language),
whatever language the moderator uses the admin in."""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from members.adapters import site_address
from reviews.models import ModerationAction

log = logging.getLogger("etoile.moderation")


def _subject(action: ModerationAction, is_reply: bool) -> str:
    Kind = ModerationAction.Kind
    if action.kind == Kind.SUSPEND:
        return _("Your account is suspended")
    if action.kind == Kind.REINSTATE and action.moderator_id is None:
        return _("Your suspension has ended")
    if action.kind == Kind.REINSTATE:
        return _("Your account is active again")
    if action.kind == Kind.UPHOLD:
        return _("Your appeal was answered: the decision stands")
    subjects = {
        Kind.HIDE: (_("A moderator hid your review"), _("A moderator hid your reply")),
        Kind.REMOVE: (_("A moderator removed your review"), _("A moderator removed your reply")),
        Kind.APPROVE: (
            _("Your review is visible again"),
            _("Your reply is visible again"),
        ),
    }
    return subjects[action.kind][is_reply]


def decision_email(action: ModerationAction) -> EmailMessage | None:
    """The email about the decision to the member it concerns, written in their language;
    None if there is nobody to write to. Rendering it is all here, apart from sending, so a
    background job can call it as well as tell_member."""
    member = action.member
    if member is None or not member.email:
        return None
    review = action.review
    with translation.override(member.language):
        context = {
            "member": member,
            "action": action,
            "review": review,
            "by_the_site": action.moderator_id is None and not action.moderator_handle,
            "site_name": _(settings.ETOILE_SITE_NAME),
            "item_url": (
                site_address(f"{review.episode.get_absolute_url()}#review-{review.pk}")
                if review is not None
                else ""
            ),
            "appeal_url": (
                site_address(reverse("reviews:review-appeal", args=[review.pk]))
                if review is not None
                else site_address(reverse("account_login"))
            ),
        }
        subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + _subject(
            action, bool(review and review.is_reply)
        )
        body = render_to_string("reviews/email/decision.txt", context)
    return EmailMessage(subject, body, None, [member.email])


def tell_member(action: ModerationAction) -> None:
    """Email the member concerned by the decision, if they have an address."""
    message = decision_email(action)
    if message is None:
        return
    try:
        message.send()
    except Exception:  # noqa: BLE001 (the decision is made; the email is a courtesy)
        log.exception("could not email member %s about decision %s", action.member_id, action.pk)
