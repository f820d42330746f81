"""Where notifications come from: reviews' models and signals, heard here (reviews, a lower
layer, knows nothing of notifications). Each receiver runs in the transaction of the change it
hears, so a notification exists if and only if its cause was committed."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from kernel import pagecache
from members.models import Follow, User, signed_in_group
from notifications.models import Notification
from notifications.services import notify
from reviews import signals
from reviews.mentions import MENTIONS_MAX, mentioned_handles
from reviews.models import Like, ModerationAction, Review

Kind = Notification.Kind
# Earlier repliers in a thread told of a new reply, at most.
THREAD_REPLIERS_MAX = 20


@receiver(post_save, sender=Review, dispatch_uid="notifications.review_saved")
def review_saved(sender, instance: Review, created: bool, raw=False, update_fields=None, **kwargs):
    if raw or instance.status != Review.Status.VISIBLE:
        return
    told: set[int] = set()
    if created and instance.parent_id is not None:
        parent = instance.parent
        notify(parent.member, Kind.REPLY, instance.member, review=instance)
        told.add(parent.member_id)
        earlier = (
            Review.objects.filter(parent_id=parent.pk, status=Review.Status.VISIBLE)
            .exclude(pk=instance.pk)
            .exclude(member_id__in=[parent.member_id, instance.member_id])
            .values_list("member_id", flat=True)
            .distinct()[:THREAD_REPLIERS_MAX]
        )
        for member in User.objects.filter(pk__in=list(earlier)):
            notify(member, Kind.REPLY, instance.member, review=instance)
            told.add(member.pk)
    if created or update_fields is None or "body" in update_fields:
        handles = mentioned_handles(instance.body)[:MENTIONS_MAX]
        if handles:
            # A member told of the reply already is not told again of its mention; one
            # mentioned in an earlier version is not told again (a unique constraint).
            for member in User.objects.filter(handle__in=handles).exclude(pk__in=told):
                notify(member, Kind.MENTION, instance.member, review=instance)


@receiver(post_save, sender=Like, dispatch_uid="notifications.like_saved")
def like_saved(sender, instance: Like, created: bool, raw=False, **kwargs):
    if raw or not created:
        return
    review = instance.review
    notify(review.member, Kind.LIKE, instance.member, review=review, like=instance)


@receiver(signals.member_told, dispatch_uid="notifications.decision_told")
def decision_told(sender, action: ModerationAction, **kwargs):
    """A moderator's decision about a member's review or reply, beside the email that
    reviews.notices sends (and no email of ours). Decisions about the account (suspension,
    reinstatement) are the email's alone: a suspended member cannot read notifications."""
    if action.review is None or action.member is None:
        return
    notify(action.member, Kind.MODERATION, None, review=action.review, decision=action.kind)


@receiver(post_save, sender=Follow, dispatch_uid="notifications.follow_saved")
def follow_saved(sender, instance: Follow, created: bool, raw=False, **kwargs):
    if raw or not created:
        return
    notify(instance.followed, Kind.FOLLOWER, instance.follower)


@receiver(post_delete, sender=Follow, dispatch_uid="notifications.follow_deleted")
def follow_deleted(sender, instance: Follow, **kwargs):
    """An unfollow (or the block that ends a follow) takes back its notification, as an unlike
    takes back the like's: "Odile followed you" would no longer be true."""
    Notification.objects.filter(
        recipient_id=instance.followed_id, actor_id=instance.follower_id, kind=Kind.FOLLOWER
    ).delete()


@receiver(post_save, sender=Notification, dispatch_uid="notifications.signed_in_saved")
def unread_written(sender, instance: Notification, **kwargs):
    """The recipient's unread count is part of their signed-in row (SIGNED_IN_EXTRAS), kept
    under its group: a notification written marks it. Marking read in bulk, an `update()`,
    marks it in services."""
    pagecache.changed(signed_in_group(instance.recipient_id))


@receiver(post_delete, sender=Notification, dispatch_uid="notifications.signed_in_deleted")
def unread_deleted(sender, instance: Notification, **kwargs):
    """An unread notification deleted (an unlike's, a cascade's) lowers the count; a read one
    does not, and a cascade through thousands of those moves nothing."""
    if instance.read_at is None:
        pagecache.changed(signed_in_group(instance.recipient_id))
