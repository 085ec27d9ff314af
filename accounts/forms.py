"""The sign-in form, worded for council staff, and the field every form names a person with."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db import models


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct user name and password. Both are case-sensitive.",
        "inactive": "This account has been switched off. Contact the corporate performance team.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "User name"
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "spellcheck": "false"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})
        self.fields["username"].error_messages["required"] = "Enter your user name"
        self.fields["password"].error_messages["required"] = "Enter your password"


class PersonField(forms.ModelChoiceField):
    """A person typed as their employee number, user name or email, not picked from a list.
    A list of everyone is thousands long: at the largest councils (15,000 staff) every form
    with an owner sent megabytes and took seconds to draw (docs/performance.md, "The largest
    councils"). The queryset still bounds who may be chosen, as for any choice field."""

    widget = forms.TextInput
    default_error_messages = {
        "invalid_choice": "No one still here has that employee number, user name or email",
        "ambiguous": "More than one person matches; give their employee number",
    }

    def __init__(self, queryset=None, **kwargs):
        from accounts.models import User

        kwargs.setdefault("help_text", "Their employee number, user name or email.")
        super().__init__(User.objects.filter(is_active=True) if queryset is None else queryset, **kwargs)
        self.widget.attrs.setdefault("spellcheck", "false")
        self.widget.attrs.setdefault("autocomplete", "off")

    def prepare_value(self, value):
        """A person (or their id, a bound model form's initial) is shown as their user name;
        what someone typed is shown back as typed."""
        if hasattr(value, "_meta"):
            return value.username
        if isinstance(value, int):
            return self.queryset.model._default_manager.filter(pk=value).values_list("username", flat=True).first()
        return value

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if hasattr(value, "_meta"):
            return value
        wanted = str(value).strip()
        found = list(
            self.queryset.filter(
                models.Q(employee_number=wanted) | models.Q(username=wanted) | models.Q(email__iexact=wanted)
            )[:2]
        )
        if not found:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        if len(found) > 1:
            raise ValidationError(self.error_messages["ambiguous"], code="ambiguous")
        return found[0]

    def has_changed(self, initial, data):
        return (self.prepare_value(initial) or "") != (data or "").strip()
