"""GOV.UK Frontend styling for Django forms, so templates render any field the same way."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

WIDGET_CLASSES = {
    "textarea": "govuk-textarea",
    "select": "govuk-select",
    "selectmultiple": "govuk-select",
    "fastselect": "govuk-select",
    "fastselectmultiple": "govuk-select",
    "clearablefileinput": "govuk-file-upload",
    "fileinput": "govuk-file-upload",
}


class GovukFormMixin:
    """Adds GOV.UK classes, hint and error references (``aria-describedby``) to each widget.

    Error messages sit next to their field (``components/field.html``) and in the error
    summary; the fields keep what the person typed.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            kind = type(widget).__name__.lower()
            if isinstance(widget, (forms.CheckboxSelectMultiple, forms.RadioSelect)):
                continue
            css = WIDGET_CLASSES.get(kind, "govuk-input")
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
            if field.help_text:
                widget.attrs["aria-describedby"] = f"id_{self.add_prefix(name)}-hint"

    def mark_errors(self) -> None:
        for name in self.errors:
            if name not in self.fields:
                continue
            widget = self.fields[name].widget
            described = [f"id_{self.add_prefix(name)}-hint"] if self.fields[name].help_text else []
            described.append(f"id_{self.add_prefix(name)}-error")
            widget.attrs["aria-describedby"] = " ".join(described)
            css = widget.attrs.get("class", "")
            for base in ("govuk-input", "govuk-select", "govuk-textarea", "govuk-file-upload"):
                if base in css.split() and f"{base}--error" not in css:
                    css += f" {base}--error"
            widget.attrs["class"] = css

    def full_clean(self):
        super().full_clean()
        self.mark_errors()


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ServiceErrorsMixin(GovukFormMixin):
    """Put a service's ValidationError messages next to the fields they name."""

    def add_service_errors(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                target = field if field in self.fields else None
                for message in messages:
                    self.add_error(target, message)
        else:
            for message in error.messages:
                self.add_error(None, message)
        self.mark_errors()


class ImportForm(GovukFormMixin, forms.Form):
    """The upload of every import (Council Plans, the data dictionary, targets, history)."""

    file = forms.FileField(label="CSV or Excel file", help_text="Columns: code, parent_code, title, description.")
