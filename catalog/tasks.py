"""The catalog's background jobs (jobs/): the renditions of an image an editor uploaded."""

from django.apps import apps
from django_tasks import task

from jobs.queue import on_give_up
from kernel.images import RenditionSpec, refresh_renditions, restore_previous_image


def _spec(model_class, field: str) -> RenditionSpec:
    return next(spec for spec in model_class.image_specs if spec.field == field)


@task()
def make_renditions(
    *, model: str, pk: int, field: str, image: str, focus: list[int], previous: str = ""
) -> bool:
    """The renditions of a show's poster, an episode's still or a person's headshot, made
    after the admin saved the image or its focal point (catalog/admin.py)."""
    model_class = apps.get_model(model)
    return refresh_renditions(
        model_class,
        pk=pk,
        spec=_spec(model_class, field),
        image=image,
        focus=focus,
        previous=previous,
    )


@on_give_up(make_renditions)
def keep_the_image_before(
    *, model: str, pk: int, field: str, image: str, focus: list[int], previous: str = ""
) -> None:
    model_class = apps.get_model(model)
    restore_previous_image(
        model_class, pk=pk, spec=_spec(model_class, field), image=image, previous=previous
    )
