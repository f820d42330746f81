from django import forms
from django.conf import settings
from django.forms.renderers import TemplatesSetting
from django.utils.translation import gettext_lazy as _


class SiteFormRenderer(TemplatesSetting):
    """Every field, ours and allauth's, renders through templates/forms/field.html."""

    field_template_name = "forms/field.html"


class HoneypotField(forms.CharField):
    """A field people never see and bots fill in. It is moved off-screen rather than made a
    hidden input, which bots skip; keyboard users never reach it (tabindex -1), and a
    screen-reader user who does is told to leave it empty."""

    def __init__(self, **kwargs):
        super().__init__(
            template_name="forms/honeypot.html",
            required=False,
            label=_("Leave this field empty"),
            widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
            **kwargs,
        )


# The same name allauth is told about (ACCOUNT_SIGNUP_FORM_HONEYPOT_FIELD).
HONEYPOT_FIELD = settings.ACCOUNT_SIGNUP_FORM_HONEYPOT_FIELD


class HoneypotMixin:
    """Adds the honeypot; the view asks `is_bot()` and, if so, refuses quietly."""

    def __init__(self, *args, honeypot: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if honeypot:  # forms only members who are signed in already see need none
            self.fields[HONEYPOT_FIELD] = HoneypotField()

    def is_bot(self) -> bool:
        return bool(self.data.get(self.add_prefix(HONEYPOT_FIELD)))
