from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kernel.forms import HoneypotMixin
from reviews.models import (
    APPEAL_MAX_LENGTH,
    REPORT_NOTE_MAX_LENGTH,
    REVIEW_MAX_LENGTH,
    SCORES,
    Report,
    stars_label,
)

# The labels are read when a page is drawn, in its language: built when this module is
# imported, they were English on French pages.
lazy_stars_label = lazy(stars_label, str)


def rating_choices() -> list[tuple[int, str]]:
    return [(score, lazy_stars_label(score)) for score in SCORES]


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("Your rating"),
        # A callable: each form deep-copies its fields, and copying ten choices with lazy
        # labels cost a rating post 0.08 million instructions of 5.31; a callable is kept.
        choices=rating_choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose from ½ to 5 stars.")},
    )


class ReviewBodyField(forms.CharField):
    """Text as a browser sends it. A line break counts as one character, as the textarea's
    maxlength counts it (browsers submit CR LF), and NUL characters are dropped, not refused."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace("\r\n", "\n").replace("\x00", "")
        return super().to_python(value)


class ReviewForm(HoneypotMixin, forms.Form):
    body = ReviewBodyField(
        label=_("Your review"),
        max_length=REVIEW_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Plain text, up to 5,000 characters. Line breaks are kept; links work."),
        error_messages={"required": _("Write something first: a review cannot be empty.")},
    )
    is_spoiler = forms.BooleanField(
        label=_("This review contains spoilers"),
        required=False,
        help_text=_("Readers who have not watched this episode see it collapsed."),
    )
    spoils_up_to = forms.TypedChoiceField(
        label=_("It spoils episodes up to"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("Readers who have not watched that far see it collapsed."),
    )

    def __init__(self, *args, episode_numbers=range(1, 9), reviewed_number=1, **kwargs):
        super().__init__(*args, **kwargs)
        if "spoils_up_to" in self.fields:
            # A review can only spoil what comes after the episode it is about: offered
            # "Episode 2" on episode 3, it would then say "Spoils up to episode 2".
            self.fields["spoils_up_to"].choices = [("", _("Only this episode, if at all"))] + [
                (number, _("Episode %(number)s") % {"number": number})
                for number in episode_numbers
                if number >= reviewed_number
            ]

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        if not body.strip():
            raise forms.ValidationError(self.fields["body"].error_messages["required"])
        return body.strip()


class ReplyForm(ReviewForm):
    is_spoiler = None
    spoils_up_to = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].label = _("Your reply")
        self.fields["body"].widget.attrs["rows"] = 3
        self.fields["body"].help_text = _("Plain text, up to 5,000 characters.")


class WatchForm(forms.Form):
    watched_on = forms.DateField(
        label=_("Watched on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a date such as 2025-04-24.")},
    )
    # A fresh key is printed in every form: posting the same form twice makes one watch.
    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("What is wrong with it?"),
        choices=Report.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a reason.")},
    )
    note = forms.CharField(
        label=pgettext_lazy("what a member adds to their report", "Details"),
        required=False,
        max_length=REPORT_NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed for “something else”; up to 300 characters. Only moderators read it."),
    )

    def clean_note(self) -> str:
        return " ".join(self.cleaned_data["note"].replace("\x00", "").split())

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason") == Report.Reason.OTHER and not cleaned.get("note"):
            self.add_error("note", _("Tell the moderators what is wrong."))
        return cleaned


class AppealForm(HoneypotMixin, forms.Form):
    text = ReviewBodyField(
        label=_("Why should moderators look again?"),
        max_length=APPEAL_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Up to 1,000 characters. Only moderators read it. You can appeal once."),
        error_messages={"required": _("Tell the moderators why, in a few words.")},
    )

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError(self.fields["text"].error_messages["required"])
        return text


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Export file"),
        help_text=_(
            "A Trakt export (the zip, or its watched-history, ratings-episodes or watchlist "
            "JSON file), a CSV file in the columns listed below, or TV Time's seen_episode or "
            "tracking-prod-records CSV file. Up to 5 MB."
        ),
        error_messages={"required": _("Choose the file to import.")},
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,.json,.csv"}),
    )
