"""The form a role manager grants a role with."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from accounts.models import ROLE_SCOPE_KIND, OrgUnit, OrgUnitKind, Role
from core.forms import ServiceErrorsMixin

#: The form's field for each kind of unit a role can be held for (``ROLE_SCOPE_KIND``).
UNIT_FIELD = {OrgUnitKind.DIRECTORATE: "directorate", OrgUnitKind.SERVICE: "service"}


class RoleGrantForm(ServiceErrorsMixin, forms.Form):
    """A role, and where the role needs one, the directorate or service it is held for; a
    Cabinet member's portfolio. Each unit list offers only units of the kind its role needs,
    and only the one for the chosen role is read, so a choice left in another cannot get in
    the way. Whether the unit fits the role is the
    model's rule (``RoleAssignment.clean``); its message lands next to the list it concerns.
    The lists are always shown (no reveal on choosing a role: GOV.UK's conditional radios
    give a radio ``aria-expanded``, which axe refuses)."""

    role = forms.ChoiceField(label="Role", widget=forms.RadioSelect)
    directorate = forms.ModelChoiceField(
        label="Directorate",
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label="Choose a directorate",
        help_text="For a directorate performance lead: the directorate they lead for.",
    )
    service = forms.ModelChoiceField(
        label="Service",
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label="Choose a service",
        help_text="For a service lead: the service they lead for.",
    )
    portfolio = forms.CharField(
        label="Cabinet portfolio",
        required=False,
        max_length=200,
        help_text="For a Cabinet member, optional: for example, Adult social care. It orders what they see first.",
    )

    def __init__(self, *args, roles: list[Role], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(role.value, role.label) for role in roles]
        self.fields["role"].error_messages["required"] = "Choose the role to grant"
        units = OrgUnit.objects.filter(is_active=True).order_by("name")
        for kind, name in UNIT_FIELD.items():
            self.fields[name].queryset = units.filter(kind=kind)

    @staticmethod
    def unit_field(role: str) -> str | None:
        kind = ROLE_SCOPE_KIND.get(Role(role)) if role in Role.values else None
        return UNIT_FIELD.get(kind) if kind else None

    def clean(self):
        data = super().clean()
        role = data.get("role")
        if role:
            field = self.unit_field(role)
            data["org_unit"] = data.get(field) if field else None
            if role != Role.CABINET:
                data["portfolio"] = ""
        return data

    def add_service_errors(self, error: ValidationError) -> None:
        """The model names the unit ``org_unit``; on this form it is the list for the role."""
        if hasattr(error, "error_dict") and "org_unit" in error.error_dict:
            field = self.unit_field(self.cleaned_data.get("role", "")) or "role"
            moved = dict(error.error_dict)
            moved.setdefault(field, []).extend(moved.pop("org_unit"))
            error = ValidationError(moved)
        super().add_service_errors(error)
