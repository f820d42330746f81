from django import forms
from django.utils.translation import gettext_lazy as _

from search.terms import MAX_QUERY_LENGTH


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search for"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        error_messages={
            "max_length": _(
                "Search for %(limit_value)d characters at most (this is %(show_value)d): "
                "a few words find more than a sentence."
            ),
        },
        widget=forms.TextInput(attrs={"type": "search"}),
    )
