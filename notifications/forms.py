from django import forms

from notifications.models import EmailPreferences


class EmailPreferencesForm(forms.ModelForm):
    class Meta:
        model = EmailPreferences
        fields = ["reply", "like", "follower", "mention", "digest"]
