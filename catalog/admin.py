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
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import get_text_list
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from catalog import services
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
from catalog.seeding import load_seed_data
from catalog.tasks import make_renditions
from jobs.queue import enqueue
from kernel import history, pagecache
from kernel.history import ChangeHistoryMixin
from kernel.images import (
    RenditionSpec,
    clean_upload,
    delete_stored,
    renditions_current,
    stored_names,
)
from kernel.search import AccentFoldingSearchMixin

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
    fields = ["fact", "source", "quote", "note", "edited"]
    readonly_fields = ["edited"]
    verbose_name = _("citation")
    verbose_name_plural = _("citations")

    def get_formset(self, request, obj=None, **kwargs):
        kwargs["form"] = type("CitationForm", (self.form,), {"citable_model": self.parent_model})
        return super().get_formset(request, obj, **kwargs)

    @admin.display(description=_("fact"))
    def fact(self, obj):
        return obj.field_label or _("The whole record")

    @admin.display(description=_("edited since"))
    def edited(self, citation):
        """Whether the record's field still holds the value quoted, as the pages tell it."""
        if citation.pk is None or not citation.is_edited:
            return "—"
        if citation.edited_at is None:
            return gettext("Edited by the site’s editors")
        return gettext("Edited by the site’s editors on %(date)s") % {
            "date": date_format(timezone.localtime(citation.edited_at).date(), "DATE_FORMAT")
        }

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
    """Stores an uploaded image and queues the job that makes its renditions
    (catalog.tasks.make_renditions), previews it, and removes the files of the image it
    replaces."""

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
        # A moved focal point re-crops the renditions of the image already there.
        focus_moved = {"image_focus_x", "image_focus_y"} & set(form.changed_data)
        changed_specs = [
            spec
            for spec in self.image_specs
            if spec.field in form.changed_data or (focus_moved and getattr(obj, spec.field))
        ]
        before = type(obj).objects.get(pk=obj.pk) if change and changed_specs else None
        written = []
        try:
            with transaction.atomic():
                super().save_model(request, obj, form, change)
                removed = []
                for spec in changed_specs:
                    image = getattr(obj, spec.field)
                    old_image = getattr(before, spec.field) if before else None
                    if image:
                        # The pages show the image before, with its renditions, until the job
                        # has made the new ones; the job then removes the old files.
                        written.append(image.name)
                        enqueue(
                            make_renditions,
                            model=obj._meta.label,
                            pk=obj.pk,
                            field=spec.field,
                            image=image.name,
                            focus=list(obj.image_focus),
                            previous=old_image.name if old_image else "",
                        )
                    elif before:
                        # The image was cleared: it and its renditions go once this commits.
                        removed += stored_names(before, spec)
                        setattr(obj, spec.renditions_field, {})
                        obj.save(update_fields=[spec.renditions_field])
                transaction.on_commit(partial(delete_stored, removed))
        except OSError as error:
            delete_stored(written)
            raise ImageStorageError from error
        if not written:
            return
        # As the job may have left it (at once, when jobs run in the request).
        obj.refresh_from_db(fields=[f for spec in changed_specs for f in spec.fields])
        if any(getattr(obj, spec.field).name not in written for spec in changed_specs):
            self.message_user(
                request,
                _("This picture could not be processed; the picture before is kept."),
                messages.ERROR,
            )
        elif not all(renditions_current(obj, spec, obj.image_focus) for spec in changed_specs):
            self.message_user(
                request,
                _(
                    "The picture is stored; its sizes for the pages are being made, and the "
                    "pages show it in a moment."
                ),
                messages.INFO,
            )

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

    @admin.display(description=_("as the site crops it"))
    def crop_preview(self, obj):
        """The rendition the pages show, at its size on the page: cropped around the focal
        point. Saved with a new focal point, the crop here is the new one once its job has
        made it (until then, a line says so). With JavaScript (static/js/focal-point.js) it
        follows the numbers as they change, from the whole image, which a click on it also
        moves the point on."""
        for spec in self.image_specs:
            if getattr(obj, spec.field) and not renditions_current(obj, spec, obj.image_focus):
                return _(
                    "The crops of this picture are being made: reload this page in a moment "
                    "to see them."
                )
            renditions = getattr(obj, spec.renditions_field)
            if renditions:
                width = min(spec.widths)
                ratio = f"{spec.ratio[0]}:{spec.ratio[1]}"
                return format_html(
                    '<div class="focal-preview" data-focal-preview data-source="{}" '
                    'data-width="{}" data-height="{}" data-live-note="{}" data-whole-label="{}">'
                    '<img src="{}" alt="" width="{}" height="{}">'
                    '<br><small class="focal-preview__note">{}</small></div>',
                    getattr(obj, spec.field).url,
                    width,
                    spec.height_for(width),
                    _("Cropped to %(ratio)s around the focal point, as you change it.")
                    % {"ratio": ratio},
                    _("The whole image: click where the crops should centre."),
                    default_storage.url(renditions["jpg"][str(width)]),
                    width,
                    spec.height_for(width),
                    _("Cropped to %(ratio)s around the focal point; save to see a new one.")
                    % {"ratio": ratio},
                )
        return _("Add an image, then choose where its crops centre.")

    class Media:
        js = ["js/focal-point.js"]


class DatesFactEdits:
    """Saving a record dates, on its citations, each cited fact the editor changed, so that
    pages show it as the editors' (catalog.services.record_fact_edits)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            services.record_fact_edits(record=obj, changed_fields=form.changed_data)


def locked_records(modeladmin, queryset) -> list:
    """The selected rows again, locked until the action's transaction ends, so that an edit
    made meanwhile cannot slip past the check."""
    rows = modeladmin.model._default_manager.filter(pk__in=queryset.values("pk"))
    if isinstance(modeladmin.list_select_related, list | tuple):
        rows = rows.select_related(*modeladmin.list_select_related)
    return list(rows.select_for_update(of=("self",)).order_by("pk"))


def not_curated_message(record, missing: list[str]) -> str:
    """Which fields the record lacks, by their labels, in the editor's language."""
    labels = [str(record._meta.get_field(name).verbose_name) for name in missing]
    return _("“%(record)s” is not marked as curated: fill in its %(fields)s first.") % {
        "record": record,
        "fields": get_text_list(labels, gettext("and")),
    }


@admin.action(description=_("Mark selected as curated"))
def mark_curated(modeladmin, request, queryset):
    """Curates the selected records whose placeholders an editor has replaced; tells which
    fields each of the others still needs, and leaves them awaiting curation."""
    seed_data = load_seed_data()
    refused = []
    with transaction.atomic():
        ready = []
        for record in locked_records(modeladmin, queryset):
            if not record.awaiting_curation:
                continue
            missing = services.missing_for_curation(record, seed_data=seed_data)
            if missing:
                refused.append((record, missing))
            else:
                ready.append(record)
        modeladmin.model._default_manager.filter(pk__in=[r.pk for r in ready]).update(
            # The note said what awaited curation: done, it goes (as on a form saved as curated).
            awaiting_curation=False,
            curation_note="",
        )
        history.record_action(
            request,
            ready,
            action=history.action_description(modeladmin, request),
            changes={"awaiting_curation": (True, False)},
        )
        if ready:
            pagecache.changed(*pagecache.static_groups(queryset.model))  # update() sends no signal
    for record, missing in refused:
        modeladmin.message_user(request, not_curated_message(record, missing), messages.WARNING)
    if ready or not refused:
        modeladmin.message_user(
            request,
            ngettext("%d record marked as curated.", "%d records marked as curated.", len(ready))
            % len(ready),
            messages.SUCCESS,
        )


@admin.action(description=_("Mark selected as awaiting curation"))
def mark_awaiting_curation(modeladmin, request, queryset):
    with transaction.atomic():
        records = [r for r in locked_records(modeladmin, queryset) if not r.awaiting_curation]
        updated = modeladmin.model._default_manager.filter(pk__in=[r.pk for r in records]).update(
            awaiting_curation=True
        )
        history.record_action(
            request,
            records,
            action=history.action_description(modeladmin, request),
            changes={"awaiting_curation": (False, True)},
        )
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


class CatalogRecordAdminMixin:
    """The change form says how far the French is filled (in its section's title, read even
    while collapsed), and shows "what awaits curation" only while the record awaits it; a
    record saved as curated drops its note, so a later "awaiting" starts from a fresh one."""

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        shown = []
        for name, options in fieldsets:
            fields = list(options["fields"])
            if fields and all(str(field).endswith("_fr") for field in fields):
                name = french_status(obj)
            if not obj.awaiting_curation and "curation_note" in fields:
                fields.remove("curation_note")
            shown.append((name, {**options, "fields": fields}))
        return shown

    def save_model(self, request, obj, form, change):
        if not obj.awaiting_curation:
            obj.curation_note = ""
        super().save_model(request, obj, form, change)


def french_status(obj) -> str:
    """The French section's title: whether every text with an original has its French."""
    needed = [name for name in obj.french_fields if getattr(obj, name).strip()]
    if not needed:
        return _("French")
    filled = [
        name
        for name in needed
        if getattr(obj, f"{name}_fr").strip() or obj.translated_placeholder(name)
    ]
    if len(filled) == len(needed):
        return _("French: filled")
    if not filled:
        return _("French: not filled yet (French readers see the English text)")
    return _(
        "French: %(filled)s of %(total)s filled (French readers see the English text of the rest)"
    ) % {"filled": len(filled), "total": len(needed)}


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
class ShowAdmin(
    ChangeHistoryMixin,
    DatesFactEdits,
    CatalogRecordAdminMixin,
    AccentFoldingSearchMixin,
    ImageAdminMixin,
    admin.ModelAdmin,
):
    form = SafeImageForm
    image_specs = (Show.POSTER,)
    list_display = ["title", "network", "premiere_date", "awaiting_curation", "image_preview"]
    list_filter = ["awaiting_curation"]
    search_fields = ["title", "premise"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["image_preview", "crop_preview"]
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
        (
            _("Poster"),
            {
                "fields": [
                    "poster",
                    "poster_credit",
                    "poster_licence",
                    "image_preview",
                    "image_focus_x",
                    "image_focus_y",
                    "crop_preview",
                ]
            },
        ),
        EXTERNAL_IDS_FIELDSET,
        (_("Curation"), {"fields": ["awaiting_curation", "curation_note"]}),
    ]


@admin.register(Season)
class SeasonAdmin(ChangeHistoryMixin, DatesFactEdits, CatalogRecordAdminMixin, admin.ModelAdmin):
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
class EpisodeAdmin(
    ChangeHistoryMixin,
    CatalogRecordAdminMixin,
    AccentFoldingSearchMixin,
    ImageAdminMixin,
    admin.ModelAdmin,
):
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
    readonly_fields = ["image_preview", "crop_preview"]
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
        (
            _("Still"),
            {
                "fields": [
                    "still",
                    "still_credit",
                    "still_licence",
                    "image_preview",
                    "image_focus_x",
                    "image_focus_y",
                    "crop_preview",
                ]
            },
        ),
        EXTERNAL_IDS_FIELDSET,
        (_("Curation"), {"fields": ["awaiting_curation", "curation_note"]}),
    ]

    @admin.display(description=_("episode"), ordering="number")
    def code(self, obj):
        return f"S{obj.season.number:02d}E{obj.number:02d}"


@admin.register(Person)
class PersonAdmin(
    ChangeHistoryMixin,
    DatesFactEdits,
    CatalogRecordAdminMixin,
    AccentFoldingSearchMixin,
    ImageAdminMixin,
    admin.ModelAdmin,
):
    form = SafeImageForm
    image_specs = (Person.HEADSHOT,)
    list_display = ["name", "kind", "credit_summary", "awaiting_curation", "image_preview"]
    list_filter = ["awaiting_curation", "kind", "credits__role"]
    search_fields = ["name", "also_known_as"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["image_preview", "crop_preview"]
    inlines = [CitationInline, CreditInlineForPerson]
    actions = CURATION_ACTIONS
    fieldsets = [
        (None, {"fields": ["name", "slug", "kind", "also_known_as", "about"]}),
        french_fieldset(*Person.french_fields),
        (
            _("Headshot"),
            {
                "fields": [
                    "headshot",
                    "headshot_credit",
                    "headshot_licence",
                    "image_preview",
                    "image_focus_x",
                    "image_focus_y",
                    "crop_preview",
                ]
            },
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
class CharacterAdmin(
    ChangeHistoryMixin,
    DatesFactEdits,
    CatalogRecordAdminMixin,
    AccentFoldingSearchMixin,
    admin.ModelAdmin,
):
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
class CreditAdmin(ChangeHistoryMixin, admin.ModelAdmin):
    list_display = ["person", "role", "character", "show", "billing_order"]
    list_filter = ["role", "show"]
    list_select_related = ["person", "character", "show"]
    search_fields = ["person__name", "character__name"]
    autocomplete_fields = ["person", "character"]
    ordering = ["role", "billing_order"]
    inlines = [CitationInline]
    fields = ["show", "person", "role", "character", "billing_order", "note", "note_fr"]


@admin.register(Source)
class SourceAdmin(ChangeHistoryMixin, admin.ModelAdmin):
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
