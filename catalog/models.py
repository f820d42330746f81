import datetime

from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import (
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
    URLValidator,
)
from django.db import models
from django.db.models import Q, Subquery
from django.urls import reverse
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from kernel.images import RenditionSpec

AWAITING_CURATION_HELP = _(
    "Ticked where the seed articles are silent and a placeholder stands in. "
    "Untick once an editor has checked the facts."
)


IMAGE_CREDIT_MAX_LENGTH = 200


def image_credit_field() -> models.CharField:
    return models.CharField(
        _("image credit"),
        max_length=IMAGE_CREDIT_MAX_LENGTH,
        blank=True,
        help_text=_("Who made the image, as they ask to be credited: “Jane Doe / Agency”."),
    )


def image_licence_field() -> models.CharField:
    return models.CharField(
        _("image licence or permission"),
        max_length=IMAGE_CREDIT_MAX_LENGTH,
        blank=True,
        help_text=_("The licence (“CC BY-SA 4.0”) or the permission we have to show it."),
    )


class CreditedImages:
    """Every image an admin adds names who made it and the licence or permission to show
    it (fields <image>_credit and <image>_licence); a record with an image without them is
    refused. The seed adds no image, so it writes none."""

    image_specs: tuple[RenditionSpec, ...] = ()

    def clean(self) -> None:
        super().clean()
        errors = {}
        for spec in self.image_specs:
            if not getattr(self, spec.field):
                continue
            if not getattr(self, f"{spec.field}_credit").strip():
                errors[f"{spec.field}_credit"] = _(
                    "Name who made this image (the photographer and agency, say) before adding it."
                )
            if not getattr(self, f"{spec.field}_licence").strip():
                errors[f"{spec.field}_licence"] = _(
                    "Give the licence of this image, or the permission we have to show it."
                )
        if errors:
            raise ValidationError(errors)

    def image_credit(self, spec: RenditionSpec) -> tuple[str, str]:
        return getattr(self, f"{spec.field}_credit"), getattr(self, f"{spec.field}_licence")


class FocalPoint(models.Model):
    """Where the crops of a record's image centre, in % of its width and height: the
    renditions (kernel.images.build_renditions) keep this point in frame."""

    image_focus_x = models.PositiveSmallIntegerField(
        _("focal point across (%)"),
        default=50,
        validators=[MaxValueValidator(100)],
        help_text=_("From the left edge (0) to the right edge (100); 50 is the middle."),
    )
    image_focus_y = models.PositiveSmallIntegerField(
        _("focal point down (%)"),
        default=50,
        validators=[MaxValueValidator(100)],
        help_text=_("From the top (0) to the bottom (100); 50 is the middle."),
    )

    class Meta:
        abstract = True

    @property
    def image_focus(self) -> tuple[int, int]:
        return (self.image_focus_x, self.image_focus_y)

    @classmethod
    def focal_point_constraints(cls, prefix: str) -> list:
        return [
            models.CheckConstraint(
                condition=Q(image_focus_x__lte=100) & Q(image_focus_y__lte=100),
                name=f"{prefix}_focal_point_in_image",
            )
        ]


IMDB_ID_VALIDATOR = RegexValidator(
    r"^tt[0-9]+\Z", _("An IMDb id is “tt” followed by digits, as in the title's IMDb address.")
)


class ExternalIds(models.Model):
    """The show's or an episode's ids on TMDB, IMDb and Trakt, so that imports from those
    sites match by id. Empty until an admin sets them: the seed articles do not give them."""

    tmdb_id = models.PositiveIntegerField(
        _("TMDB id"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    imdb_id = models.CharField(
        _("IMDb id"), max_length=20, blank=True, validators=[IMDB_ID_VALIDATOR]
    )
    trakt_id = models.PositiveIntegerField(
        _("Trakt id"), null=True, blank=True, validators=[MinValueValidator(1)]
    )

    class Meta:
        abstract = True

    @classmethod
    def external_id_constraints(cls, prefix: str) -> list:
        """Each id names one record of the model when it is set; several may be unset."""
        return [
            models.UniqueConstraint(
                fields=["tmdb_id"],
                condition=Q(tmdb_id__isnull=False),
                name=f"{prefix}_unique_tmdb_id",
                violation_error_message=_("Another record already has this TMDB id."),
            ),
            models.UniqueConstraint(
                fields=["imdb_id"],
                condition=~Q(imdb_id=""),
                name=f"{prefix}_unique_imdb_id",
                violation_error_message=_("Another record already has this IMDb id."),
            ),
            models.UniqueConstraint(
                fields=["trakt_id"],
                condition=Q(trakt_id__isnull=False),
                name=f"{prefix}_unique_trakt_id",
                violation_error_message=_("Another record already has this Trakt id."),
            ),
            models.CheckConstraint(
                condition=(Q(tmdb_id__isnull=True) | Q(tmdb_id__gte=1))
                & (Q(trakt_id__isnull=True) | Q(trakt_id__gte=1))
                & (Q(imdb_id="") | Q(imdb_id__startswith="tt")),
                name=f"{prefix}_external_ids_valid",
            ),
        ]


# French versions of the catalog's curated prose are plain `<field>_fr` columns, not a
# translation library (django-modeltranslation, django-parler): the site has two languages
# and a handful of such fields; the original field stays the one the seed writes and the
# citations point at, so seeding, Citation.seeded_value and the keep-an-admin's-edit rule
# work unchanged, and no library patches querysets, the admin or the API schemas.
ORIGINAL_LANGUAGE = "en"
FRENCH_HELP = _("Shown to French readers. Left empty, they see the original.")


def french_is_active() -> bool:
    return (get_language() or "").lower().startswith("fr")


def french_field(original: models.Field, verbose_name) -> models.Field:
    """The French twin of a text field: same type and length, optional."""
    kwargs = {"blank": True, "help_text": FRENCH_HELP}
    if isinstance(original, models.CharField):
        return models.CharField(verbose_name, max_length=original.max_length, **kwargs)
    return models.TextField(verbose_name, **kwargs)


class FrenchText:
    """Mixin for models with `<field>_fr` twins listed in `french_fields`."""

    french_fields: tuple[str, ...] = ()

    def localized(self, name: str) -> str:
        return self.localized_with_language(name)[0]

    def localized_with_language(self, name: str) -> tuple[str, str]:
        """What a reader in the active language sees of the field, and the language it is
        in: the French version on a French page when there is one, else the original."""
        if name not in self.french_fields:
            raise ValueError(f"{type(self).__name__}.{name} has no French version")
        if french_is_active():
            french = getattr(self, f"{name}_fr")
            if french:
                return french, "fr"
            placeholder = self.translated_placeholder(name)
            if placeholder:
                return placeholder, "fr"
        return getattr(self, name), ORIGINAL_LANGUAGE

    def translated_placeholder(self, name: str) -> str:
        """Where the stored value is a generated placeholder, its translation; else ''."""
        return ""


class CurationQuerySet(models.QuerySet):
    def awaiting_curation(self):
        return self.filter(awaiting_curation=True)


class CatalogModel(models.Model):
    awaiting_curation = models.BooleanField(
        _("awaiting curation"), default=False, db_index=True, help_text=AWAITING_CURATION_HELP
    )
    curation_note = models.CharField(_("what awaits curation"), max_length=300, blank=True)
    citations = GenericRelation("catalog.Citation")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class Source(models.Model):
    """One of the articles the catalog's facts come from."""

    key = models.SlugField(_("key"), max_length=60, unique=True)
    publication = models.CharField(_("publication"), max_length=120, blank=True)
    headline = models.CharField(_("headline"), max_length=300, blank=True)
    author = models.CharField(_("author"), max_length=120, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    # http and https only: the address becomes a link readers follow (URLField alone takes ftp).
    url = models.URLField(
        _("web address"),
        blank=True,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_("Where readers can read the article: an http or https address."),
    )
    file_name = models.CharField(
        _("seed file"),
        max_length=120,
        blank=True,
        help_text=_("The copy of the article kept in catalog/seed/articles/."),
    )

    class Meta:
        ordering = ["key"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self) -> str:
        if self.headline:
            return self.headline
        if self.publication:
            return str(_("Untitled article in %(publication)s") % {"publication": self.publication})
        return str(_("Untitled article (%(key)s)") % {"key": self.key})


CITABLE_EXCLUDED = {"slug", "awaiting_curation", "curation_note", "created_at", "updated_at"}


def citable_fields(model) -> list[models.Field]:
    """The fields of a catalog record a quote can support: its facts, not its bookkeeping
    (keys, curation flags, timestamps, image renditions, credits and licences)."""
    return [
        field
        for field in model._meta.get_fields()
        if field.concrete
        and not field.auto_created
        and field.editable
        and not field.is_relation
        and field.name not in CITABLE_EXCLUDED
        and not isinstance(field, models.FileField)
        and not field.name.endswith(("_credit", "_licence"))
    ]


class Citation(models.Model):
    """Ties one fact (an object's field) to the sentence of a source that states it.

    `seeded_value` is what the seed wrote, so a later run can tell an admin's edit
    (the field no longer equals it) from its own value, and keep the edit. `from_seed`
    tells the seed's citations, which it adds and prunes, from those an editor added in
    the admin, which it never touches.
    """

    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="citations", verbose_name=_("source")
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    content_object = GenericForeignKey("content_type", "object_id")
    field = models.CharField(
        _("field"),
        max_length=60,
        blank=True,
        help_text=_("The field the quote supports; empty when it supports the whole record."),
    )
    quote = models.TextField(_("quoted sentence"))
    note = models.CharField(
        _("note"),
        max_length=300,
        blank=True,
        help_text=_("How the value follows from the quote, where it is not word for word."),
    )
    seeded_value = models.JSONField(_("value written by the seed"), null=True, blank=True)
    edited_at = models.DateTimeField(
        _("edited by the editors on"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When an editor last changed the field away from the value quoted here."),
    )
    from_seed = models.BooleanField(_("from the seed data"), default=False, editable=False)

    class Meta:
        ordering = ["source", "content_type", "object_id", "field", "pk"]
        verbose_name = _("citation")
        verbose_name_plural = _("citations")
        indexes = [models.Index(fields=["content_type", "object_id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "content_type", "object_id", "field", "quote"],
                name="citation_unique_quote_per_fact",
            )
        ]

    def __str__(self) -> str:
        return f"{self.content_object} · {self.field_label or '—'}"

    def save(self, *args, **kwargs):
        # An editor's citation vouches for the value the record holds when it is made, as the
        # seed's vouches for the value the seed wrote: a later edit of that field then shows
        # as the editors' (value_is_edited), not as what the source said.
        if not self.from_seed and self.seeded_value is None and self.field:
            record = self.content_object
            if record is not None:
                self.seeded_value = as_json(getattr(record, self.field, None))
        super().save(*args, **kwargs)

    @property
    def field_label(self) -> str:
        """The cited field as readers know it (its translated verbose name), never its
        code name; a field since removed from the model shows as nothing."""
        if not self.field:
            return ""
        model = self.content_type.model_class()
        try:
            label = model._meta.get_field(self.field).verbose_name
        except (AttributeError, FieldDoesNotExist):
            return ""
        label = str(label)
        return label[:1].upper() + label[1:]

    def clean(self) -> None:
        super().clean()
        if self.field and self.content_type_id:
            model = self.content_type.model_class()
            if self.field not in {field.name for field in citable_fields(model)}:
                raise ValidationError({"field": _("This record has no fact of that name to cite.")})
        if not self.quote.strip():
            raise ValidationError({"quote": _("Quote the sentence of the source that states it.")})

    @property
    def current_value(self):
        if not self.field or self.content_object is None:
            return None
        return getattr(self.content_object, self.field, None)

    def value_is_edited(self, record) -> bool:
        """Whether `record`'s field no longer holds the value the seed wrote from the quote:
        then the value is the editors', not the article's. A citation of a whole record
        (a credit) has no value to compare."""
        if not self.field or record is None:
            return False
        return as_json(getattr(record, self.field, None)) != self.seeded_value

    @property
    def is_edited(self) -> bool:
        return self.value_is_edited(self.content_object)


def as_json(value):
    """A field's value as Citation.seeded_value stores it (dates as ISO text)."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


class ShowQuerySet(CurationQuerySet):
    """The site covers one series: the first show made. Every look-up of "the show" goes
    through `current()` or, inside another query, `current_pk()`."""

    def current(self):
        """The show, or None before seeding."""
        return self.order_by("pk").first()

    def current_pk(self) -> Subquery:
        """The show's key as a subquery, so that filtering on it costs no query of its own."""
        return Subquery(self.order_by("pk").values("pk")[:1])


class SeasonQuerySet(CurationQuerySet):
    def of_current_show(self):
        return self.filter(show=Show.objects.current_pk())


class EpisodeQuerySet(CurationQuerySet):
    def of_current_show(self):
        return self.filter(season__show=Show.objects.current_pk())


class Show(CreditedImages, FrenchText, ExternalIds, FocalPoint, CatalogModel):
    POSTER = RenditionSpec(field="poster", widths=(320, 640), ratio=(2, 3))
    image_specs = (POSTER,)

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    network = models.CharField(_("network"), max_length=120, blank=True)
    where_to_watch = models.CharField(_("where to watch"), max_length=200, blank=True)
    premise = models.TextField(_("premise"), blank=True)
    genre = models.CharField(_("genre"), max_length=80, blank=True)
    original_language = models.CharField(_("original language"), max_length=80, blank=True)
    premiere_date = models.DateField(_("premiere date"), null=True, blank=True)
    new_york_premiere_date = models.DateField(_("New York premiere"), null=True, blank=True)
    new_york_premiere_venue = models.CharField(
        _("New York premiere venue"), max_length=200, blank=True
    )
    theme_song_title = models.CharField(_("theme song title"), max_length=200, blank=True)
    theme_song_note = models.TextField(_("about the theme song"), blank=True)
    poster = models.ImageField(_("poster"), upload_to="posters/", blank=True)
    poster_renditions = models.JSONField(default=dict, blank=True, editable=False)
    poster_credit = image_credit_field()
    poster_licence = image_licence_field()
    where_to_watch_fr = french_field(where_to_watch, _("where to watch (French)"))
    premise_fr = french_field(premise, _("premise (French)"))
    genre_fr = french_field(genre, _("genre (French)"))
    original_language_fr = french_field(original_language, _("original language (French)"))
    theme_song_note_fr = french_field(theme_song_note, _("about the theme song (French)"))

    french_fields = (
        "where_to_watch",
        "premise",
        "genre",
        "original_language",
        "theme_song_note",
    )

    objects = ShowQuerySet.as_manager()

    class Meta:
        verbose_name = _("show")
        verbose_name_plural = _("shows")
        constraints = [
            *ExternalIds.external_id_constraints("show"),
            *FocalPoint.focal_point_constraints("show"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("home")


class Season(FrenchText, CatalogModel):
    show = models.ForeignKey(
        Show, on_delete=models.CASCADE, related_name="seasons", verbose_name=_("show")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    premiere_date = models.DateField(_("premiere date"), null=True, blank=True)
    episode_count = models.PositiveSmallIntegerField(
        _("announced episode count"),
        null=True,
        blank=True,
        help_text=_("How many episodes the season has, as the sources state it."),
    )
    availability = models.CharField(_("availability"), max_length=300, blank=True)
    availability_fr = french_field(availability, _("availability (French)"))

    french_fields = ("availability",)

    objects = SeasonQuerySet.as_manager()

    class Meta:
        ordering = ["show", "number"]
        verbose_name = _("season")
        verbose_name_plural = _("seasons")
        constraints = [
            models.UniqueConstraint(fields=["show", "number"], name="season_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="season_number_positive"),
            models.CheckConstraint(
                condition=Q(episode_count__isnull=True) | Q(episode_count__gte=1),
                name="season_episode_count_positive",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Season %(number)s") % {"number": self.number})

    def get_absolute_url(self) -> str:
        return reverse("catalog:season", kwargs={"season": self.number})


class Episode(CreditedImages, FrenchText, ExternalIds, FocalPoint, CatalogModel):
    STILL = RenditionSpec(field="still", widths=(480, 960), ratio=(16, 9))
    image_specs = (STILL,)

    season = models.ForeignKey(
        Season, on_delete=models.CASCADE, related_name="episodes", verbose_name=_("season")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200)
    release_date = models.DateField(_("release date"), null=True, blank=True)
    runtime_minutes = models.PositiveSmallIntegerField(
        _("runtime (minutes)"), null=True, blank=True
    )
    synopsis = models.TextField(_("synopsis"), blank=True)
    still = models.ImageField(_("still"), upload_to="stills/", blank=True)
    still_renditions = models.JSONField(default=dict, blank=True, editable=False)
    still_credit = image_credit_field()
    still_licence = image_licence_field()
    title_fr = french_field(title, _("title (French)"))
    synopsis_fr = french_field(synopsis, _("synopsis (French)"))

    french_fields = ("title", "synopsis")

    objects = EpisodeQuerySet.as_manager()

    class Meta:
        ordering = ["season__number", "number"]
        verbose_name = _("episode")
        verbose_name_plural = _("episodes")
        constraints = [
            models.UniqueConstraint(fields=["season", "number"], name="episode_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="episode_number_positive"),
            models.CheckConstraint(
                condition=Q(runtime_minutes__isnull=True) | Q(runtime_minutes__gte=1),
                name="episode_runtime_positive",
            ),
            *ExternalIds.external_id_constraints("episode"),
            *FocalPoint.focal_point_constraints("episode"),
        ]

    def __str__(self) -> str:
        return f"S{self.season.number:02d}E{self.number:02d} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse(
            "catalog:episode", kwargs={"season": self.season.number, "episode": self.number}
        )

    @staticmethod
    def placeholder_title(number: int) -> str:
        """The title the seed stores until an editor finds the real one (in English, like
        every stored original)."""
        return f"Episode {number}"

    def translated_placeholder(self, name: str) -> str:
        if name == "title" and self.title == self.placeholder_title(self.number):
            return gettext("Episode %(number)s") % {"number": self.number}
        return ""


class Person(CreditedImages, FrenchText, FocalPoint, CatalogModel):
    HEADSHOT = RenditionSpec(field="headshot", widths=(160, 320), ratio=(1, 1))
    image_specs = (HEADSHOT,)

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("Individual")
        GROUP = "group", _("Group or band")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.INDIVIDUAL)
    also_known_as = models.CharField(_("also known as"), max_length=200, blank=True)
    about = models.TextField(_("about"), blank=True)
    headshot = models.ImageField(_("headshot"), upload_to="headshots/", blank=True)
    headshot_renditions = models.JSONField(default=dict, blank=True, editable=False)
    headshot_credit = image_credit_field()
    headshot_licence = image_licence_field()
    about_fr = french_field(about, _("about (French)"))

    french_fields = ("about",)

    objects = CurationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = FocalPoint.focal_point_constraints("person")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:person", kwargs={"slug": self.slug})


class Character(FrenchText, CatalogModel):
    show = models.ForeignKey(
        Show, on_delete=models.CASCADE, related_name="characters", verbose_name=_("show")
    )
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    description_fr = french_field(description, _("description (French)"))

    french_fields = ("description",)

    objects = CurationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("character")
        verbose_name_plural = _("characters")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:character", kwargs={"slug": self.slug})


class CreditQuerySet(models.QuerySet):
    def for_display(self):
        return self.select_related("person", "character").order_by("billing_order", "person__name")

    def cast(self):
        return self.filter(role=Credit.Role.CAST)

    def crew(self):
        return self.exclude(role=Credit.Role.CAST)


class Credit(FrenchText, models.Model):
    """A person's part in the show: a role, a character for cast, and a billing order."""

    class Role(models.TextChoices):
        CREATOR = "creator", _("Creator")
        SHOWRUNNER = "showrunner", _("Showrunner")
        EXECUTIVE_PRODUCER = "executive-producer", _("Executive producer")
        CAST = "cast", _("Cast")
        CHOREOGRAPHER = "choreographer", _("Choreographer")
        THEME_MUSIC = "theme-music", _("Theme music")
        WRITER = "writer", _("Writer")
        DIRECTOR = "director", _("Director")

    show = models.ForeignKey(
        Show, on_delete=models.CASCADE, related_name="credits", verbose_name=_("show")
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="credits", verbose_name=_("person")
    )
    role = models.CharField(_("role"), max_length=30, choices=Role)
    character = models.ForeignKey(
        Character,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credits",
        verbose_name=_("character"),
        help_text=_("Cast credits name the character; other roles leave this empty."),
    )
    billing_order = models.PositiveSmallIntegerField(_("billing order"), default=100)
    note = models.CharField(_("note"), max_length=300, blank=True)
    citations = GenericRelation("catalog.Citation")
    note_fr = french_field(note, _("note (French)"))

    french_fields = ("note",)

    objects = CreditQuerySet.as_manager()

    class Meta:
        ordering = ["billing_order", "person__name"]
        verbose_name = _("credit")
        verbose_name_plural = _("credits")
        constraints = [
            # Two constraints because NULL characters are distinct in a plain unique index.
            models.UniqueConstraint(
                fields=["show", "person", "role", "character"],
                condition=Q(character__isnull=False),
                name="credit_unique_with_character",
            ),
            models.UniqueConstraint(
                fields=["show", "person", "role"],
                condition=Q(character__isnull=True),
                name="credit_unique_without_character",
            ),
            models.CheckConstraint(
                condition=(
                    (Q(role="cast") & Q(character__isnull=False))
                    | (~Q(role="cast") & Q(character__isnull=True))
                ),
                name="credit_character_only_for_cast",
            ),
        ]

    def __str__(self) -> str:
        if self.character_id:
            return f"{self.person} as {self.character}"
        return f"{self.person} · {self.get_role_display()}"
