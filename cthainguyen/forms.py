from django import forms
from django.utils.translation import gettext_lazy as _

from cthainguyen.models import Ward
from cthainguyen.text import nfc


class SignupForm(forms.Form):
    """The fields allauth's sign-up asks for besides the email and password."""

    full_name = forms.CharField(label=_("Full name"), max_length=150)
    home_ward = forms.ModelChoiceField(
        label=_("Home ward or commune"),
        queryset=Ward.objects.all(),
        required=False,
        help_text=_("Optional. Only staff ever see it."),
    )

    def clean_full_name(self):
        name = " ".join(nfc(self.cleaned_data["full_name"]).split())
        if not name:
            raise forms.ValidationError(_("Enter your full name."))
        return name

    def signup(self, request, user):
        user.full_name = self.cleaned_data["full_name"]
        user.home_ward = self.cleaned_data.get("home_ward")
        user.save(update_fields=["full_name", "home_ward"])
