"""What reviews tells the apps above it (notifications) without knowing them."""

from django.dispatch import Signal

# A moderator's decision was told to the member it concerns (reviews.moderation._tell), in the
# decision's transaction: `action`, a ModerationAction.
member_told = Signal()
