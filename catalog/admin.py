import logging
from functools import partial

from django import forms
from django.contrib import admin, messages
from django.contrib.contenttypes.admin import GenericTabularInline
from django.contrib.contenttypes.forms import BaseGenericInlineFormSet
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from catalog.models import (
    Character,
    Citation,
    Credit,
    Episode,
    Person,
    Season,
    Show,
    Source,
    citable_fields,
)
from kernel import pagecache
from kernel.images import (
    RenditionSpec,
    build_renditions,
    clean_upload,
    delete_stored,
    stored_names,
)

logger = logging.getLogger(__name__)


def label_of(field) -> str:
    label = str(field.verbose_name)
    return label[:1].upper() + label[1:]


class CitationForm(forms.ModelForm):
    """An editor's citation of one of the record's facts: the fact is a choice of that
    model's citable fields, by label (stored in Citation.field), and the quote is required."""

    citable_model = None
    fact = forms.ChoiceField(
        label=_("fact"), required=False, help_text=_("The fact the quote supports.")
    )

    class Meta:
        model = Citation
        fields = ["fact", "source", "quote", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = citable_fields(self.citable_model) if self.citable_model else []
        self.fields["fact"].choices = [("", _("The whole record"))] + [
            (field.name, label_of(field)) for field in fields
        ]

    def clean_quote(self):
        quote = self.cleaned_data["quote"].strip()
        if not quote:
            raise forms.ValidationError(_("Quote the sentence of the source that states it."))
        return quote

    def clean(self):
        cleaned = super().clean()
        self.instance.field = cleaned.get("fact") or ""
        return cleaned


class CitationFormSet(BaseGenericInlineFormSet):
    def clean(self):
        super().clean()
        # The unique constraint names `field`, which the form does not: check it here, so a
        # citation given twice is a message, not a database error.
        seen = set()
        for form in self.extra_forms:
            if not form.has_changed() or not hasattr(form, "cleaned_data"):
                continue
            data = form.cleaned_data
            if not data.get("source") or not data.get("quote"):
                continue
            key = (data["source"].pk, data.get("fact") or "", data["quote"])
            already = (
                self.instance.pk is not None
                and Citation.objects.filter(
                    content_type=ContentType.objects.get_for_model(self.instance),
                    object_id=self.instance.pk,
                    source=data["source"],
                    field=key[1],
                    quote=key[2],
                ).exists()
            )
            if key in seen or already:
                form.add_error("quote", _("This record already cites this sentence for this fact."))
            seen.add(key)


class CitationInline(GenericTabularInline):
    """The record's citations, first on its page. The seed's are evidence and stay
    read-only; an editor allowed to add citations cites a source for a fact here."""

    model = Citation
    form = CitationForm
    formset = CitationFormSet
    extra = 0
    can_delete = False
    fields = ["fact", "source", "quote", "note"]
    verbose_name = _("citation")
    verbose_name_plural = _("citations")

    def get_formset(self, request, obj=None, **kwargs):
        kwargs["form"] = type("CitationForm", (self.form,), {"citable_model": self.parent_model})
        return super().get_formset(request, obj, **kwargs)

    @admin.display(description=_("fact"))
    def fact(self, obj):
        return obj.field_label or _("The whole record")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class SafeImageForm(forms.ModelForm):
    """Runs every uploaded image through kernel.images.clean_upload before it is stored."""

    image_specs: tuple[RenditionSpec, ...] = ()

    def clean(self):
        cleaned = super().clean()
        for spec in self.image_specs:
            upload = cleaned.get(spec.field)
            if upload and spec.field in self.changed_data and hasattr(upload, "content_type"):
                try:
                    cleaned[spec.field] = clean_upload(upload)
                except forms.ValidationError as error:
                    self.add_error(spec.field, error)
        return cleaned


class ImageStorageError(Exception):
    """An upload passed its checks but could not be stored or rendered (a full disk, say)."""


class ImageAdminMixin:
    """Makes the renditions once, when an image is uploaded, previews it, and removes the
    files of the image it replaces."""

    image_specs: tuple[RenditionSpec, ...] = ()
    # A plain file field: Django's ImageField would open the upload with Pillow before
    # clean_upload could refuse a decompression bomb with its own message.
    formfield_overrides = {models.ImageField: {"form_class": forms.FileField}}

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.image_specs = self.image_specs
        return form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ImageStorageError:
            logger.exception("storing an uploaded image failed")
            self.message_user(
                request, _("This picture could not be stored; nothing was changed."), messages.ERROR
            )
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        changed_specs = [spec for spec in self.image_specs if spec.field in form.changed_data]
        replaced = []
        if change and changed_specs:
            before = type(obj).objects.get(pk=obj.pk)
            replaced = [name for spec in changed_specs for name in stored_names(before, spec)]
        written = []
        try:
            with transaction.atomic():
                super().save_model(request, obj, form, change)
                for spec in changed_specs:
                    if getattr(obj, spec.field):
                        written.append(getattr(obj, spec.field).name)
                    renditions = build_renditions(obj, spec)
                    written += [name for widths in renditions.values() for name in widths.values()]
                    setattr(obj, spec.renditions_field, renditions)
                if changed_specs:
                    obj.save(update_fields=[spec.renditions_field for spec in changed_specs])
                # The old files go only once the new ones are the record's, for good.
                transaction.on_commit(partial(delete_stored, replaced))
        except OSError as error:
            delete_stored(written)
            raise ImageStorageError from error

    @admin.display(description=_("image"))
    def image_preview(self, obj):
        for spec in self.image_specs:
            renditions = getattr(obj, spec.renditions_field)
            if renditions:
                smallest = str(min(spec.widths))
                return format_html(
                    '<img src="{}" alt="" width="80">',
                    default_storage.url(renditions["jpg"][smallest]),
                )
        return "—"


@admin.action(description=_("Mark selected as curated"))
def mark_curated(modeladmin, request, queryset):
    updated = queryset.update(awaiting_curation=False)
    pagecache.changed(*pagecache.static_groups(queryset.model))  # update() sends no signal
    modeladmin.message_user(
        request,
        ngettext("%d record marked as curated.", "%d records marked as curated.", updated)
        % updated,
        messages.SUCCESS,
    )


@admin.action(description=_("Mark selected as awaiting curation"))
def mark_awaiting_curation(modeladmin, request, queryset):
    updated = queryset.update(awaiting_curation=True)
    pagecache.changed(*pagecache.static_groups(queryset.model))
    modeladmin.message_user(
        request,
        ngettext(
            "%d record marked as awaiting curation.",
            "%d records marked as awaiting curation.",
            updated,
        )
        % updated,
        messages.SUCCESS,
    )


CURATION_ACTIONS = [mark_curated, mark_awaiting_curation]


class CreditInlineForShow(admin.TabularInline):
    model = Credit
    extra = 0
    fields = ["person", "role", "character", "billing_order", "note", "note_fr"]
    autocomplete_fields = ["person", "character"]
    ordering = ["role", "billing_order"]


class CreditInlineForPerson(admin.TabularInline):
    model = Credit
    extra = 0
    fields = ["show", "role", "character", "billing_order", "note", "note_fr"]
    autocomplete_fields = ["character"]


class EpisodeInline(admin.TabularInline):
    model = Episode
    extra = 0
    fields = ["number", "title", "release_date", "runtime_minutes", "awaiting_curation"]
    show_change_link = True


def french_fieldset(*originals: str) -> tuple:
    """The French versions of a record's texts, in the order of their originals: collapsed,
    since most records are read in English first and translated later."""
    return (
        _("French"),
        {
            "classes": ["collapse"],
            "fields": [f"{name}_fr" for name in originals],
        },
    )


# Collapsed: set once by an admin, read by imports (reviews/interchange.py) and exports (reviews/exports.py).
EXTERNAL_IDS_FIELDSET = (
    _("External ids"),
    {
        "classes": ["collapse"],
        "fields": ["tmdb_id", "imdb_id", "trakt_id"],
        "description": _(
            "The ids of this record on TMDB, IMDb and Trakt, so that members' imports from "
            "those sites find it. Leave empty until checked against the site itself."
        ),
    },
)


@admin.register(Show)
class ShowAdmin(ImageAdminMixin, admin.ModelAdmin):
    form = SafeImageForm
    image_specs = (Show.POSTER,)
    list_display = ["title", "network", "premiere_date", "awaiting_curation", "image_preview"]
    list_filter = ["awaiting_curation"]
    search_fields = ["title", "premise"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["image_preview"]
    inlines = [CitationInline, CreditInlineForShow]
    actions = CURATION_ACTIONS
    fieldsets = [
        (None, {"fields": ["title", "slug", "network", "where_to_watch", "premise"]}),
        (
            _("Dates"),
            {"fields": ["premiere_date", "new_york_premiere_date", "new_york_premiere_venue"]},
        ),
        (
            _("Details"),
            {"fields": ["genre", "original_language", "theme_song_title", "theme_song_note"]},
        ),
        french_fieldset(*Show.french_fields),
        (_("Poster"), {"fields": ["poster", "poster_credit", "poster_licence", "image_preview"]}),
        EXTERNAL_IDS_FIELDSET,
        (_("Curation"), {"fields": ["awaiting_curation", "curation_note"]}),
    ]


@admin.register(Season)
class SeasonAdmin(admin.ModelAdmin):
    list_display = ["__str__", "show", "premiere_date", "episode_count", "awaiting_curation"]
    list_filter = ["awaiting_curation", "show"]
    list_select_related = ["show"]
    inlines = [CitationInline, EpisodeInline]
    actions = CURATION_ACTIONS
    fieldsets = [
        (None, {"fields": ["show", "number", "premiere_date", "episode_count", "availability"]}),
        french_fieldset(*Season.french_fields),
        (_("Curation"), {"fields": ["awaiting_curation", "curation_note"]}),
    ]


@admin.register(Episode)
class EpisodeAdmin(ImageAdminMixin, admin.ModelAdmin):
    form = SafeImageForm
    image_specs = (Episode.STILL,)
    list_display = [
        "code",
        "title",
        "release_date",
        "runtime_minutes",
        "awaiting_curation",
        "image_preview",
    ]
    list_display_links = ["code"]
    list_editable = ["title", "release_date"]
    list_filter = ["awaiting_curation", "season"]
    list_select_related = ["season"]
    search_fields = ["title", "synopsis", "title_fr"]
    readonly_fields = ["image_preview"]
    inlines = [CitationInline]
    actions = CURATION_ACTIONS
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "season",
                    "number",
                    "title",
                    "release_date",
                    "runtime_minutes",
                    "synopsis",
                ]
            },
        ),
        french_fieldset(*Episode.french_fields),
        (_("Still"), {"fields": ["still", "still_credit", "still_licence", "image_preview"]}),
        EXTERNAL_IDS_FIELDSET,
        (_("Curation"), {"fields": ["awaiting_curation", "curation_note"]}),
    ]

    @admin.display(description=_("episode"), ordering="number")
    def code(self, obj):
        return f"S{obj.season.number:02d}E{obj.number:02d}"


@admin.register(Person)
class PersonAdmin(ImageAdminMixin, admin.ModelAdmin):
    form = SafeImageForm
    image_specs = (Person.HEADSHOT,)
    list_display = ["name", "kind", "credit_summary", "awaiting_curation", "image_preview"]
    list_filter = ["awaiting_curation", "kind", "credits__role"]
    search_fields = ["name", "also_known_as"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["image_preview"]
    inlines = [CitationInline, CreditInlineForPerson]
    actions = CURATION_ACTIONS
    fieldsets = [
        (None, {"fields": ["name", "slug", "kind", "also_known_as", "about"]}),
        french_fieldset(*Person.french_fields),
        (
            _("Headshot"),
            {"fields": ["headshot", "headshot_credit", "headshot_licence", "image_preview"]},
        ),
        (_("Curation"), {"fields": ["awaiting_curation", "curation_note"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("credits__character")

    @admin.display(description=_("credits"))
    def credit_summary(self, obj):
        return ", ".join(
            str(credit.character or credit.get_role_display()) for credit in obj.credits.all()
        )


@admin.register(Character)
class CharacterAdmin(admin.ModelAdmin):
    list_display = ["name", "show", "played_by", "awaiting_curation"]
    list_filter = ["awaiting_curation", "show"]
    list_select_related = ["show"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [CitationInline]
    actions = CURATION_ACTIONS
    fieldsets = [
        (None, {"fields": ["show", "name", "slug", "description"]}),
        french_fieldset(*Character.french_fields),
        (_("Curation"), {"fields": ["awaiting_curation", "curation_note"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("credits__person")

    @admin.display(description=_("played by"))
    def played_by(self, obj):
        return ", ".join(credit.person.name for credit in obj.credits.all())


@admin.register(Credit)
class CreditAdmin(admin.ModelAdmin):
    list_display = ["person", "role", "character", "show", "billing_order"]
    list_filter = ["role", "show"]
    list_select_related = ["person", "character", "show"]
    search_fields = ["person__name", "character__name"]
    autocomplete_fields = ["person", "character"]
    ordering = ["role", "billing_order"]
    inlines = [CitationInline]
    fields = ["show", "person", "role", "character", "billing_order", "note", "note_fr"]


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["__str__", "publication", "author", "published_on", "citation_count"]
    search_fields = ["headline", "publication", "author"]
    readonly_fields = ["key", "file_name"]
    # A web address typed without a scheme is taken as https (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(citation_total=Count("citations"))

    @admin.display(description=_("citations"), ordering="citation_total")
    def citation_count(self, obj):
        return obj.citation_total


@admin.register(Citation)
class CitationAdmin(admin.ModelAdmin):
    """Read-only: the seed writes its citations from the reviewed data file, and editors
    add theirs on the record they cite (CitationInline), where the fact is a choice."""

    list_display = ["record", "fact", "source", "short_quote"]
    fields = ["record", "fact", "source", "quote", "note", "from_seed"]
    readonly_fields = fields
    list_filter = ["source", "content_type"]
    list_select_related = ["source", "content_type"]
    search_fields = ["quote", "field"]

    def get_queryset(self, request):
        # Credits name their person and character, so they need joins of their own.
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                GenericPrefetch(
                    "content_object",
                    [
                        Show.objects.all(),
                        Season.objects.all(),
                        Episode.objects.select_related("season"),
                        Person.objects.all(),
                        Character.objects.all(),
                        Credit.objects.select_related("person", "character"),
                    ],
                )
            )
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # An editor's mistaken citation can go, one at a time, by someone allowed to delete
        # citations (not the Editors group); the seed's evidence never can.
        return obj is not None and not obj.from_seed and super().has_delete_permission(request, obj)

    @admin.display(description=_("record"))
    def record(self, obj):
        return str(obj.content_object)

    @admin.display(description=_("fact"), ordering="field")
    def fact(self, obj):
        return obj.field_label or _("The whole record")

    @admin.display(description=_("quote"))
    def short_quote(self, obj):
        return obj.quote if len(obj.quote) <= 90 else f"{obj.quote[:87]}…"
