"""Staff history: Django's admin LogEntry, with each changed field's value before and after.

Django's change message is a JSON list of sub-messages ("added", "changed", "deleted") that
`LogEntry.get_change_message()` turns into a sentence. We keep that shape, so Django's own
pages still read it, and add what it leaves out:

- `"values"` inside a "changed" sub-message: `[{"field", "label", "before", "after"}]`;
- `{"action": "..."}`: the admin action (bulk action, moderation decision) that made the change;
- `{"reason": "..."}`: the reason a moderator gave;
- `{"note": {"text": "...", "values": {...}}}`: a sentence with its values, as for an action on
  a kind of record as a whole ("Nothing was wrong: 8 episodes recounted").

Labels and action names are stored untranslated, as Django stores field labels, and
translated when shown. Passwords and email addresses are never stored, only that they
changed: the history is kept for good and read by staff who may not see members' emails.
"""

import contextlib
import datetime
import json
from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import override as translation_override

VALUE_MAX_LENGTH = 300


def is_secret(name: str, field: Any = None) -> bool:
    """Fields whose values the history leaves out: passwords, and email addresses."""
    if "password" in name or "email" in name:
        return True
    if isinstance(field, forms.Field):
        return isinstance(field, forms.EmailField) or isinstance(field.widget, forms.PasswordInput)
    return isinstance(field, models.EmailField)


def stored_value(value: Any, field: Any = None) -> Any:
    """A value as the history keeps it: booleans as such, everything else as short text."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(field, forms.ModelChoiceField) and not isinstance(value, models.Model):
        if isinstance(field, forms.ModelMultipleChoiceField):
            value = list(value) if not isinstance(value, str) else [value]
        else:
            with contextlib.suppress(forms.ValidationError):
                value = field.to_python(value)
    if isinstance(value, models.QuerySet | list | tuple | set):
        text = ", ".join(str(item) for item in value)
    elif isinstance(value, FieldFile):
        text = value.name or ""
    elif isinstance(value, datetime.datetime | datetime.date):
        text = value.isoformat()
    else:
        choices = getattr(field, "flatchoices", None) or getattr(field, "choices", None)
        if choices and not isinstance(field, forms.ModelChoiceField):
            labels = {}
            for key, label in choices:
                if isinstance(label, list | tuple):
                    labels.update({str(k): v for k, v in label})
                else:
                    labels[str(key)] = label
            value = labels.get(str(value), value)
        text = str(value)
    if len(text) > VALUE_MAX_LENGTH:
        text = text[: VALUE_MAX_LENGTH - 1] + "…"
    return text


def form_values(form, names: Iterable[str]) -> list[dict]:
    """Before and after of each named field of a bound, valid form."""
    values = []
    with translation_override(None):
        for name in names:
            field = form.fields.get(name)
            if field is None:
                # Django's password form reports "password", a field it does not have.
                if is_secret(name):
                    values.append({"field": name, "label": name, "secret": True})
                continue
            entry = {"field": name, "label": _label(form, name, field)}
            if is_secret(name, field):
                entry["secret"] = True
            else:
                entry["before"] = stored_value(form[name].initial, field)
                entry["after"] = stored_value(form.cleaned_data.get(name), field)
            values.append(entry)
    return values


def _label(form, name: str, field) -> str:
    # The model field's verbose name where there is one: the catalogue translates "title",
    # not the form's "Title".
    model = getattr(getattr(form, "_meta", None), "model", None)
    if model is not None:
        with contextlib.suppress(Exception):
            return str(model._meta.get_field(name).verbose_name)
    return str(field.label or name)


def model_values(model, changes: dict[str, tuple[Any, Any]]) -> list[dict]:
    """Before and after of model fields changed outside a form (an action)."""
    values = []
    with translation_override(None):
        for name, (before, after) in changes.items():
            field = model._meta.get_field(name)
            entry = {"field": name, "label": str(field.verbose_name)}
            if is_secret(name, field):
                entry["secret"] = True
            else:
                entry["before"] = stored_value(before, field)
                entry["after"] = stored_value(after, field)
            values.append(entry)
    return values


def dumps(message) -> str:
    # Unescaped accents, so the site-wide history's search finds "Étoile" in a message.
    return json.dumps(message, ensure_ascii=False) if isinstance(message, list) else message


def _action_message(model, *, action, changes=None, values=None, reason="", note=None) -> list:
    message = []
    values = (model_values(model, changes) if changes else []) + (values or [])
    if values:
        message.append(
            {"changed": {"fields": [value["label"] for value in values], "values": values}}
        )
    with translation_override(None):
        message.append({"action": str(action)})
    if note:
        message.append({"note": note})
    if reason:
        message.append({"reason": reason})
    return message


def record_action(
    request,
    objects: Iterable[models.Model],
    *,
    action: str,
    changes: dict[str, tuple[Any, Any]] | None = None,
    values: list[dict] | None = None,
    reason: str = "",
) -> list[LogEntry]:
    """One history entry per object for an admin action that changed them, in one query.
    `changes` are model fields before and after; `values` what no single field holds, in the
    stored shape ({"field", "label", "before", "after"}, the label untranslated). Entries name
    the record by its concrete model, so an item decided from the moderation queue (a proxy
    of reviews) is in the review's own history."""
    objects = list(objects)
    if not objects:
        return []
    model = objects[0]._meta.concrete_model
    message = _action_message(model, action=action, changes=changes, values=values, reason=reason)
    content_type = ContentType.objects.get_for_model(model)
    return LogEntry.objects.bulk_create(
        [
            LogEntry(
                user_id=request.user.pk,
                content_type=content_type,
                object_id=str(obj.pk),
                object_repr=str(obj)[:200],
                action_flag=CHANGE,
                change_message=dumps(message),
            )
            for obj in objects
        ]
    )


def record_model_action(
    request, model, *, action: str, object_repr: str, note: tuple[str, dict] | None = None
) -> LogEntry:
    """One history entry for an action on a kind of record as a whole (every episode's
    counters recounted), listed with that kind for staff who may view it. `note` is a
    message marked with gettext_noop and its values, translated when shown; `object_repr`
    is stored as given (untranslated, as a record)."""
    message = _action_message(
        model,
        action=action,
        note={"text": note[0], "values": note[1]} if note else None,
    )
    return LogEntry.objects.create(
        user_id=request.user.pk,
        content_type=ContentType.objects.get_for_model(model),
        object_id=None,
        object_repr=object_repr[:200],
        action_flag=CHANGE,
        change_message=dumps(message),
    )


def action_description(model_admin, request) -> str:
    """The admin action being run, by the name the action bar shows (stored untranslated)."""
    name = request.POST.get("action", "")
    action = model_admin.get_actions(request).get(name)
    if action is None:
        return name
    with translation_override(None):
        return str(action[2]) % {"verbose_name_plural": model_admin.opts.verbose_name_plural}


class ChangeHistoryMixin:
    """For ModelAdmins: the history entry of an edit names each changed field's value before
    and after (the main form and its inlines), not only the field's name."""

    def construct_change_message(self, request, form, formsets, add=False):
        message = super().construct_change_message(request, form, formsets, add)
        if add:
            return message
        edited = [(form, form.changed_data)] + [
            (_form_of(formset, obj), fields)
            for formset in formsets or []
            for obj, fields in formset.changed_objects
        ]
        # Django writes one "changed" sub-message for the main form (if it changed), then one
        # for each changed inline object, in the order of `edited`.
        if not form.changed_data:
            edited = edited[1:]
        changed = [part["changed"] for part in message if "changed" in part]
        for part, (edited_form, fields) in zip(changed, edited, strict=False):
            if edited_form is not None:
                part["values"] = form_values(edited_form, fields)
        return message

    def log_change(self, request, obj, message):
        return super().log_change(request, obj, dumps(message))


def _form_of(formset, obj):
    return next((form for form in formset.forms if form.instance is obj), None)


# --- Reading it -----------------------------------------------------------------------------


def _shown(value, field_name: str, model) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return gettext("yes")
    if value is False:
        return gettext("no")
    if model is not None:
        try:
            field = model._meta.get_field(field_name)
        except Exception:  # a field since removed: its stored text as it was
            field = None
        if field is not None and getattr(field, "choices", None):
            return gettext(value)
        if isinstance(field, models.DateTimeField):
            try:
                return date_format(datetime.datetime.fromisoformat(value), "DATETIME_FORMAT")
            except ValueError:
                pass
    return value


def change_lines(entry: LogEntry) -> list[str]:
    """What the entry did, one line a change, translated: the action, each field before and
    after, Django's own lines for added and deleted inline records, the reason."""
    text = entry.change_message
    if not text or not text.startswith("["):
        return [text] if text else []
    try:
        message = json.loads(text)
    except json.JSONDecodeError:
        return [text]
    model = entry.content_type.model_class() if entry.content_type_id else None
    lines = []
    for part in message:
        if not isinstance(part, dict):
            continue
        if "action" in part:
            lines.insert(0, gettext(part["action"]))
        elif "note" in part and isinstance(part["note"], dict):
            with contextlib.suppress(KeyError, TypeError, ValueError):
                lines.append(gettext(part["note"]["text"]) % part["note"].get("values", {}))
        elif "reason" in part:
            lines.append(gettext("Reason: %(reason)s") % {"reason": part["reason"]})
        elif "changed" in part and part["changed"].get("values"):
            values = part["changed"]["values"]
            prefix = ""
            if "name" in part["changed"]:
                prefix = (
                    f"{gettext(part['changed']['name'])} “{part['changed'].get('object', '')}”: "
                )
            for value in values:
                label = capfirst(gettext(value.get("label", value.get("field", ""))))
                if value.get("secret"):
                    # Translators: in the staff history: a field whose values are not kept.
                    lines.append(
                        prefix + gettext("%(field)s changed (not recorded)") % {"field": label}
                    )
                else:
                    lines.append(
                        # Translators: in the staff history: a field, its value before, after.
                        prefix
                        + gettext("%(field)s: %(before)s → %(after)s")
                        % {
                            "field": label,
                            "before": _shown(value.get("before"), value.get("field", ""), model),
                            "after": _shown(value.get("after"), value.get("field", ""), model),
                        }
                    )
        else:
            django_line = LogEntry(change_message=json.dumps([part])).get_change_message()
            if django_line and django_line != gettext("No fields changed."):
                lines.append(django_line)
    return lines


def change_details(entry: LogEntry) -> str:
    lines = change_lines(entry)
    if not lines:
        return entry.get_action_flag_display() if hasattr(entry, "get_action_flag_display") else ""
    if len(lines) == 1:
        return format_html("{}", lines[0])
    return format_html(
        '<ul class="history-changes">{}</ul>',
        format_html_join("", "<li>{}</li>", ((line,) for line in lines)),
    )
