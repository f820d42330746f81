from allauth.account.forms import SignupForm
from django import forms
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.forms.utils import ErrorDict
from django.utils.translation import gettext_lazy as _

from kernel.forms import HONEYPOT_FIELD, HoneypotField
from kernel.images import clean_upload
from members.models import (
    ACCESS_TOKENS_PER_MEMBER,
    DISPLAY_NAME_MAX_LENGTH,
    AccessToken,
    TokenScope,
    User,
)


class MemberSignupForm(SignupForm):
    """allauth's sign-up form; allauth itself answers a filled honeypot with its usual
    "check your email" page and creates nothing (ACCOUNT_SIGNUP_FORM_HONEYPOT_FIELD).
    Only the field is ours: allauth's has no label and an inline style."""

    # Asked at sign-up, as Letterboxd asks for a username: without it a new member showed as
    # "member-3f0d17fa" beside their reviews, in the header and in the confirmation email.
    name = forms.CharField(
        label=_("Name"),
        max_length=DISPLAY_NAME_MAX_LENGTH,
        help_text=_("Shown on your profile and beside your reviews. You can change it later."),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[HONEYPOT_FIELD] = HoneypotField()
        self.order_fields(["name", "email"])

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())

    def full_clean(self):
        # A bot that also sends nonsense must get the same "check your email" answer, not
        # the form's error messages: skip validation, and allauth's try_save answers.
        if self.data.get(self.add_prefix(HONEYPOT_FIELD)):
            self._errors = ErrorDict()
            self.cleaned_data = {HONEYPOT_FIELD: self.data[self.add_prefix(HONEYPOT_FIELD)]}
            return
        super().full_clean()

    def try_save(self, request):
        # A new sign-up hashes the password (PBKDF2 in production: most of its time) before
        # allauth answers "check your email"; for an address already registered allauth only
        # mails the owner. Without the same hash here that answer came ten times sooner,
        # telling registered addresses apart despite ACCOUNT_PREVENT_ENUMERATION.
        if self.account_already_exists:
            make_password(self.cleaned_data.get("password1"))
        return super().try_save(request)


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "handle", "bio", "hide_unwatched", "language"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 4}), "language": forms.RadioSelect}
        labels = {"language": _("Language of our emails")}
        help_texts = {
            "display_name": _("Shown on your profile and beside your reviews. Optional."),
            "bio": _("A few words about you, up to 500 characters."),
            "language": _(
                "Moderators' decisions, address confirmations and password resets are written "
                "in it. The language link at the top of every page changes it too."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.is_staff:
            self.fields["language"].label = _("Language of our emails and of the admin")
        # A form sent without it (an older page, a script) keeps the member's language.
        self.fields["language"].required = False

    def clean_language(self) -> str:
        return self.cleaned_data["language"] or self.instance.language

    def clean_handle(self) -> str:
        handle = self.cleaned_data["handle"].strip().lower()
        taken = User.objects.filter(handle__iexact=handle).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("This handle is taken. Please choose another."))
        return handle

    def clean_display_name(self) -> str:
        return " ".join(self.cleaned_data["display_name"].split())


class AvatarForm(forms.Form):
    # A plain FileField: kernel.images checks the picture itself, before decoding,
    # with clearer messages than ImageField's generic "not a valid image".
    avatar = forms.FileField(
        label=_("New avatar"),
        help_text=_("A JPEG, PNG or WebP picture, at most 5 MB. It is cropped to a square."),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def clean_avatar(self):
        return clean_upload(
            self.cleaned_data["avatar"],
            max_bytes=settings.MAX_AVATAR_UPLOAD_BYTES,
            random_name=True,
        )


class DeleteAccountForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that my account and everything listed above will be deleted."),
        error_messages={"required": _("Tick the box to confirm that you want to delete.")},
    )


class AccessTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=AccessToken._meta.get_field("name").max_length,
        help_text=_("What the token is for, so you know which to revoke: “My tracker script”."),
    )
    scope = forms.ChoiceField(
        label=_("Access"),
        choices=TokenScope.choices,
        initial=TokenScope.READ,
        widget=forms.RadioSelect,
        # A form posted without a choice gets the safe one, not an error.
        required=False,
        help_text=_(
            "A read-only token can see your ratings, watchlist and watches but change nothing. "
            "Choose read and write only for a program that rates or marks episodes for you."
        ),
    )

    def __init__(self, *args, member: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if self.member.access_tokens.filter(name=name).exists():
            raise forms.ValidationError(_("You already have a token with this name."))
        return name

    def clean_scope(self) -> str:
        return self.cleaned_data["scope"] or TokenScope.READ

    def clean(self):
        if self.member.access_tokens.count() >= ACCESS_TOKENS_PER_MEMBER:
            self.add_limit_reached_error()
        return super().clean()

    def add_limit_reached_error(self) -> None:
        """Also said when the count under the service's lock finds the cap reached by a
        request sent at the same time as this one."""
        self.add_error(
            None,
            _("You have %(limit)s tokens, the most a member can have: revoke one first.")
            % {"limit": ACCESS_TOKENS_PER_MEMBER},
        )
