"""The email a member gets about each moderator's decision on them or their writing: what was
decided, the moderator's reason, and where to see it or appeal.

Written in the member's language (User.language), whatever language the moderator uses the
admin in, and queued in the decision's transaction (jobs/mail.py): a worker sends it once the
decision is committed, never for one rolled back, and tries again while the SMTP server is
down."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from jobs.mail import queue_email_message
from members.adapters import site_address
from reviews.models import ModerationAction


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
    """Queue the email to the member concerned by the decision, if they have an address."""
    message = decision_email(action)
    if message is not None:
        queue_email_message(message)
