"""Forms of the intake pages. They check shape only (lengths, choices); what a value
means (is it an email, a phone, a number of employees) is the pipeline's to decide, so a
page and a CSV row are judged by the same rules."""

from __future__ import annotations

from django import forms

from leadflow.crm.models.choices import choices
from leadflow.domain.profile import Need
from leadflow.domain.temperature import ActivityKind, FollowUpWish
from leadflow.intake.fields import Field, MappingError
from leadflow.intake.mappings import IGNORE, check_mapping
from leadflow.intake.options import ListKind, Mode

MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # larger lists: `leadflow import`, not a web request

_KINDS = [
    (ListKind.RESPONSES.value, "Responses (each row showed interest: leads)"),
    (ListKind.FARM_LIST.value, "Farm list (rented or bought: prospects only)"),
]
_MODES = [
    (Mode.ALL_OR_NOTHING.value, "All or nothing (any row error: write nothing)"),
    (Mode.SKIP_BAD.value, "Skip bad rows (write the good ones, report the rest)"),
]


def _suggesting(datalist: str) -> forms.TextInput:
    """A text input that offers the stored names (a <datalist>) but takes a new one."""
    return forms.TextInput(attrs={"list": datalist, "autocomplete": "off"})


FIELD_CHOICES = [(IGNORE, "— ignore —")] + [(f.value, f.value.replace("_", " ")) for f in Field]


class UploadForm(forms.Form):
    file = forms.FileField(label="CSV or Excel file")
    campaign = forms.CharField(max_length=200, widget=_suggesting("campaign-names"))
    source = forms.CharField(max_length=100, widget=_suggesting("source-names"))
    kind = forms.ChoiceField(choices=_KINDS, initial=ListKind.RESPONSES.value)
    mode = forms.ChoiceField(choices=_MODES, initial=Mode.ALL_OR_NOTHING.value)
    sheet = forms.CharField(
        required=False, max_length=100, help_text="Excel only; blank: the first sheet"
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"the file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB; "
                "import it with the `leadflow import` command instead"
            )
        return upload

    def clean_campaign(self) -> str:
        return _required_text(self.cleaned_data["campaign"])

    def clean_source(self) -> str:
        return _required_text(self.cleaned_data["source"])


class MappingForm(forms.Form):
    """One select per column of the file (field or ignore), plus how to run."""

    mode = forms.ChoiceField(choices=_MODES)
    save_mapping = forms.BooleanField(required=False, label="Save this mapping for the source")

    def __init__(
        self, *args: object, headers: list[str], initial_mapping: dict[str, str], **kw: object
    ) -> None:
        super().__init__(*args, **kw)  # type: ignore[arg-type]
        self.headers = headers
        for position, header in enumerate(headers):
            self.fields[f"column_{position}"] = forms.ChoiceField(
                choices=FIELD_CHOICES,
                label=header,
                initial=initial_mapping.get(header, IGNORE),
            )

    def column_fields(self) -> list[forms.BoundField]:
        return [self[f"column_{position}"] for position in range(len(self.headers))]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        try:
            check_mapping(self._chosen(data))
        except MappingError as error:
            raise forms.ValidationError(error.reason) from error
        return data

    def mapping(self) -> dict[str, str]:
        """Header → field or "ignore", for every column; call after is_valid()."""
        return check_mapping(self._chosen(self.cleaned_data))

    def _chosen(self, data: dict[str, object]) -> dict[str, str]:
        return {
            header: str(data.get(f"column_{position}") or IGNORE)
            for position, header in enumerate(self.headers)
        }


class ManualEntryForm(forms.Form):
    """One person's response typed in by hand. Field names are intake field names, so
    the pipeline's "row 1: phone: ..." errors land next to the field they are about."""

    first_name = forms.CharField(required=False, max_length=100)
    last_name = forms.CharField(required=False, max_length=100)
    email = forms.CharField(required=False, max_length=254)
    phone = forms.CharField(required=False, max_length=40)
    title = forms.CharField(required=False, max_length=150, label="Job title")
    company = forms.CharField(required=False, max_length=200)
    website = forms.CharField(required=False, max_length=200)
    niche = forms.CharField(required=False, max_length=100, label="Industry")
    employee_count = forms.CharField(required=False, max_length=20, label="Employees")
    city = forms.CharField(required=False, max_length=100)
    region = forms.CharField(required=False, max_length=50, label="State / region")
    country = forms.CharField(required=False, max_length=60)
    need = forms.ChoiceField(required=False, choices=[("", "unknown"), *choices(Need)])
    services_wanted = forms.CharField(
        required=False, max_length=500, help_text="separated by ; or ,"
    )
    problem = forms.CharField(required=False, max_length=2000, widget=forms.Textarea)
    follow_up = forms.ChoiceField(
        required=False,
        label="Wants a follow-up",
        choices=[("", "not said"), *choices(FollowUpWish)],
    )
    activity = forms.ChoiceField(
        choices=choices(ActivityKind), initial=ActivityKind.INBOUND_CALL.value
    )
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea)
    campaign = forms.CharField(
        max_length=200, initial="Manual entry", widget=_suggesting("campaign-names")
    )
    source = forms.CharField(
        max_length=100, initial="manual entry", widget=_suggesting("source-names")
    )

    # What is not a column of the row: the run's options.
    OPTION_FIELDS = frozenset({"campaign", "source"})

    def clean_campaign(self) -> str:
        return _required_text(self.cleaned_data["campaign"])

    def clean_source(self) -> str:
        return _required_text(self.cleaned_data["source"])

    def record(self) -> dict[str, str]:
        """The row for the pipeline: every field but the run's options, as typed."""
        return {
            name: str(value)
            for name, value in self.cleaned_data.items()
            if name not in self.OPTION_FIELDS
        }


class SourceForm(forms.Form):
    name = forms.CharField(max_length=100, label="New source")

    def clean_name(self) -> str:
        return _required_text(self.cleaned_data["name"])


def _required_text(value: str) -> str:
    text = " ".join(value.split())
    if not text:
        raise forms.ValidationError("This field is required.")
    return text
