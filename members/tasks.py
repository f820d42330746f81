"""Members' background jobs (jobs/): the renditions of a new avatar."""

from django_tasks import task

from jobs.queue import on_give_up
from kernel.images import refresh_renditions, restore_previous_image
from members.models import User


@task()
def make_avatar_renditions(*, member_id: int, image: str, previous: str = "") -> bool:
    """The avatar's sizes for the pages, made after the upload (members.services.avatar_set).
    The cleaned upload is stored at once; decoding and resizing it, about 2 s of CPU for a
    large picture, happen here, away from the request."""
    return refresh_renditions(User, pk=member_id, spec=User.AVATAR, image=image, previous=previous)


@on_give_up(make_avatar_renditions)
def keep_the_avatar_before(*, member_id: int, image: str, previous: str = "") -> None:
    restore_previous_image(User, pk=member_id, spec=User.AVATAR, image=image, previous=previous)
