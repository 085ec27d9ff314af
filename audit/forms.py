"""The audit log search form."""

from django import forms


class AuditSearchForm(forms.Form):
    object_type = forms.ChoiceField(label="Type of record", required=False)
    object_id = forms.CharField(label="Record id", required=False, max_length=64)
    actor = forms.CharField(label="Changed by (name contains)", required=False, max_length=100)
    date_from = forms.DateField(
        label="From (YYYY-MM-DD)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label="To (YYYY-MM-DD)", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, object_types: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = [("", "Any")] + [(t, t) for t in object_types]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date must be the same as or after the start date")
        return cleaned
