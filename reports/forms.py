import datetime
import uuid
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cthainguyen.geo import in_province
from cthainguyen.models import Agency, Ward
from cthainguyen.text import clean_text
from reports.models import Category, Report
from reports.photos import MAX_UPLOAD_BYTES, check_photo

MAX_PHOTOS = 5
# The period a filter may ask for: the app started in 2021; far dates overflow.
FIRST_DAY = datetime.date(2000, 1, 1)
LAST_DAY = datetime.date(2100, 12, 31)


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to five photos, each decoded and checked here so refusals show on the form.

    Cleans to a list of CheckedPhoto; a worker makes the clean JPEGs after saving.
    """

    widget = MultiplePhotoInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.widget.attrs.update(
            {"accept": "image/*,.heic,.heif", "multiple": True, "data-max": MAX_PHOTOS}
        )

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            files = [upload for upload in data if upload]
        else:
            files = [data] if data else []
        if len(files) > MAX_PHOTOS:
            raise ValidationError(
                _("Send at most %(count)s photos.") % {"count": MAX_PHOTOS},
                code="too_many",
            )
        checked, errors = [], []
        for upload in files:
            try:
                checked.append(check_photo(upload))
            except ValidationError as error:
                for message in error.messages:
                    errors.append(
                        _("%(name)s: %(problem)s")
                        % {"name": upload.name[:80], "problem": message}
                    )
        if errors:
            raise ValidationError(errors)
        return checked


class CleanCharField(forms.CharField):
    """A text field that normalises before its length is measured."""

    def __init__(self, *args, multiline=False, **kwargs):
        self.multiline = multiline
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        return clean_text(super().to_python(value), multiline=self.multiline)


def _coordinate(value, low, high, message):
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ValidationError(message) from None
    if not number.is_finite() or not low <= number <= high:
        raise ValidationError(message) from None
    return number.quantize(Decimal("0.000001"))


class ReportForm(forms.Form):
    # The page's one-time key; a tampered or missing one just starts a new report.
    submission_key = forms.CharField(widget=forms.HiddenInput, required=False)
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(is_active=True),
        empty_label=_("Choose a category"),
    )
    title = CleanCharField(
        label=_("Title"),
        max_length=120,
        help_text=_("A few words, for example: Pothole in front of house 25."),
    )
    description = CleanCharField(
        label=_("Description"),
        multiline=True,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What is wrong, since when, and how it affects people."),
    )
    photos = PhotosField(
        label=_("Photos"),
        help_text=_("Up to 5 photos, at most %(limit)s MB each.")
        % {"limit": MAX_UPLOAD_BYTES // (1024 * 1024)},
    )
    latitude = forms.CharField(label=_("Latitude"), widget=forms.HiddenInput)
    longitude = forms.CharField(label=_("Longitude"), widget=forms.HiddenInput)
    ward = forms.ModelChoiceField(
        label=_("Ward or commune"),
        queryset=Ward.objects.all(),
        empty_label=_("Choose the ward or commune"),
    )
    address = CleanCharField(
        label=_("Address"),
        max_length=255,
        required=False,
        help_text=_("House number, street, hamlet or a landmark nearby."),
    )
    hide_name = forms.BooleanField(
        label=_("Hide my name from the public"),
        required=False,
        help_text=_("Officials still see who sent the report."),
    )

    def clean_submission_key(self):
        try:
            return uuid.UUID(self.cleaned_data["submission_key"])
        except ValueError:
            return uuid.uuid4()

    def clean_title(self):
        return " ".join(self.cleaned_data["title"].split())

    def clean_description(self):
        text = self.cleaned_data["description"]
        if len(text) < 10:
            raise ValidationError(_("Describe the problem in at least 10 characters."))
        return text

    def clean_address(self):
        return " ".join(self.cleaned_data["address"].split())

    def clean(self):
        data = super().clean()
        if "latitude" in data and "longitude" in data:
            message = _("Pick the place on the map, or use your location.")
            try:
                latitude = _coordinate(data["latitude"], -90, 90, message)
                longitude = _coordinate(data["longitude"], -180, 180, message)
            except ValidationError as error:
                self.add_error("latitude", error)
                return data
            if latitude == 0 and longitude == 0:
                self.add_error("latitude", message)
            elif not in_province(latitude, longitude):
                self.add_error(
                    "latitude",
                    _(
                        "This place is outside Thái Nguyên province. Pick a place "
                        "in the province on the map."
                    ),
                )
            else:
                data["latitude"], data["longitude"] = latitude, longitude
        elif "latitude" in self.errors or "longitude" in self.errors:
            self.errors.pop("longitude", None)
            self.errors["latitude"] = self.error_class(
                [_("Pick the place on the map, or use your location.")]
            )
        return data


class RatingForm(forms.Form):
    rating = forms.ChoiceField(
        label=_("How satisfied are you with the result?"),
        choices=Report.Rating.choices,
        widget=forms.RadioSelect,
    )
    comment = CleanCharField(
        label=_("Comment"),
        multiline=True,
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReportFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.all(),
        required=False,
        empty_label=_("All categories"),
    )
    ward = forms.ModelChoiceField(
        label=_("Ward or commune"),
        queryset=Ward.objects.all(),
        required=False,
        empty_label=_("All wards and communes"),
    )
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("All states"))]
        + [(state.value, state.label) for state in Report.PUBLIC_STATES],
    )
    agency = forms.ModelChoiceField(
        label=_("Agency"),
        queryset=Agency.objects.all(),
        required=False,
        empty_label=_("All agencies"),
    )
    since = forms.DateField(label=_("From"), required=False)
    until = forms.DateField(label=_("To"), required=False)

    def _clean_day(self, name):
        day = self.cleaned_data.get(name)
        if day and not FIRST_DAY <= day <= LAST_DAY:
            raise ValidationError(
                _("Enter a date between %(first)s and %(last)s.")
                % {
                    "first": FIRST_DAY.strftime("%d/%m/%Y"),
                    "last": LAST_DAY.strftime("%d/%m/%Y"),
                }
            )
        return day

    def clean_since(self):
        return self._clean_day("since")

    def clean_until(self):
        return self._clean_day("until")

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The end date is before the start date."))
        return data
