"""The email a member gets about each moderator's decision on them or their writing: what was
decided, the moderator's reason, and where to see it or appeal.

Rendered here and queued in the decision's transaction (jobs/mail.py): a worker sends it once
the decision is committed, never for one rolled back, and tries again while the SMTP server
is down. Members have no stored language preference, so the email is in the site's default
language (LANGUAGE_CODE)."""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from jobs.mail import queue_email
from members.adapters import site_address
from reviews.models import ModerationAction


def _subject(action: ModerationAction, is_reply: bool) -> str:
    Kind = ModerationAction.Kind
    if action.kind == Kind.SUSPEND:
        return _("Your account is suspended")
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


def tell_member(action: ModerationAction) -> None:
    """Email the member concerned by the decision, if they have an address."""
    member = action.member
    if member is None or not member.email:
        return
    review = action.review
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "member": member,
            "action": action,
            "review": review,
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
    queue_email(to=[member.email], subject=subject, body=body)
