"""Forms for KPI pages. The services check every rule again; their messages land on fields."""

from __future__ import annotations

from django import forms

from core.forms import GovukFormMixin
from kpis.models import (
    POLARITY_CHOICES,
    CumulativeBasis,
    Escalation,
    Kpi,
    KpiReturn,
    KpiVersion,
    ReportingPeriod,
    Target,
    Unit,
)
from planning.forms import DATE, ServiceErrorsMixin


class ReturnForm(ServiceErrorsMixin, forms.ModelForm):
    """What a service lead enters. ``revision`` is the version of the return they opened, so
    a save over someone else's newer one is refused rather than silently overwriting it."""

    revision = forms.IntegerField(widget=forms.HiddenInput)
    confirm_unusual = forms.BooleanField(required=False, label="I have checked this value and it is right")

    class Meta:
        model = KpiReturn
        fields = ["value", "numerator", "denominator", "commentary", "actions", "data_quality_note"]
        widgets = {
            "commentary": forms.Textarea(attrs={"rows": 4}),
            "actions": forms.Textarea(attrs={"rows": 3}),
            "data_quality_note": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"data_quality_note": "Data quality note", "actions": "Actions being taken"}

    def __init__(self, *args, kpi_return: KpiReturn, **kwargs):
        super().__init__(*args, instance=kpi_return, **kwargs)
        version = kpi_return.version
        if version.is_ratio:
            del self.fields["value"]
            self.fields["numerator"].label = version.numerator_label or "Numerator"
            self.fields["denominator"].label = version.denominator_label or "Denominator"
            self.fields["denominator"].help_text = "Enter 0 if there were no eligible cases."
        else:
            del self.fields["numerator"]
            del self.fields["denominator"]
            self.fields["value"].label = f"Value ({version.get_unit_display()})"
            places = kpi_return.kpi.decimal_places
            self.fields["value"].help_text = f"To {places} decimal place{'s' if places != 1 else ''}."
        for name in ("value", "numerator", "denominator"):
            if name in self.fields:
                self.fields[name].widget = forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"})
                self.fields[name].widget.attrs["class"] = "govuk-input govuk-input--width-10"
                self.fields[name].error_messages["invalid"] = "Enter a number, like 82.5"
        self.fields["commentary"].help_text = (
            "Required: this is a Council Plan measure."
            if kpi_return.kpi.is_council_plan_measure
            else "Required if the result is Red."
        )
        self.fields["revision"].initial = kpi_return.revision
        for name in ("value", "numerator", "denominator"):
            stored = getattr(kpi_return, name)
            if name in self.fields and stored is not None:
                self.initial[name] = f"{stored.normalize():f}"  # 82.5, not 82.5000
        if not self.is_bound or not self.data.get("show_confirm"):
            self.fields["confirm_unusual"].widget = forms.HiddenInput()

    def entry(self) -> dict:
        names = [
            n
            for n in ("value", "numerator", "denominator", "commentary", "actions", "data_quality_note")
            if n in self.fields
        ]
        return {name: self.cleaned_data.get(name) for name in names}


class NotAvailableForm(ServiceErrorsMixin, forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput)
    not_available_reason = forms.CharField(
        label="Why the figure is not available", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    expected_date = forms.DateField(label="When it is expected", widget=DATE, required=False)


class SendBackForm(GovukFormMixin, forms.Form):
    reason = forms.CharField(label="What needs to change", widget=forms.Textarea(attrs={"rows": 3}), required=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = "Say what needs to change"


class EscalationForm(ServiceErrorsMixin, forms.ModelForm):
    class Meta:
        model = Escalation
        fields = ["reason", "actions", "owner", "due_date"]
        widgets = {
            "reason": forms.Textarea(attrs={"rows": 3}),
            "actions": forms.Textarea(attrs={"rows": 3}),
            "due_date": DATE,
        }
        labels = {"reason": "Why it is being escalated", "actions": "Actions agreed", "owner": "Who owns the actions"}


class EscalationUpdateForm(GovukFormMixin, forms.Form):
    note = forms.CharField(label="Update", widget=forms.Textarea(attrs={"rows": 2}))


class EscalationCloseForm(GovukFormMixin, forms.Form):
    resolution = forms.CharField(label="Resolution", widget=forms.Textarea(attrs={"rows": 2}))


class RedRunForm(GovukFormMixin, forms.Form):
    reason = forms.CharField(label="Why it is not being escalated", widget=forms.Textarea(attrs={"rows": 2}))


class PeriodDatesForm(ServiceErrorsMixin, forms.ModelForm):
    class Meta:
        model = ReportingPeriod
        fields = ["opens_on", "return_deadline", "review_deadline", "publish_on"]
        widgets = dict.fromkeys(fields, DATE)


class PeriodCreateForm(GovukFormMixin, forms.Form):
    year = forms.IntegerField(label="Financial year starting in April of", min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(choices=[(q, f"Q{q}") for q in range(1, 5)], coerce=int)


class KpiFilterForm(forms.Form):
    q = forms.CharField(label="Search code, title or definition", required=False)
    directorate = forms.CharField(required=False)
    portfolio = forms.CharField(required=False)
    frequency = forms.CharField(required=False)
    node = forms.CharField(label="Council Plan", required=False)
    council_plan_measure = forms.BooleanField(label="Council Plan measures only", required=False)
    rag = forms.CharField(label="Latest RAG", required=False)


class KpiForm(ServiceErrorsMixin, forms.ModelForm):
    """The data dictionary entry. On a new KPI the first version's fields come too."""

    calculation_method = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    unit = forms.ChoiceField(choices=Unit.choices, required=False)
    rate_per = forms.IntegerField(required=False, min_value=1, label="Rate per (for a rate)")
    polarity = forms.ChoiceField(choices=POLARITY_CHOICES, required=False)
    cumulative_basis = forms.ChoiceField(choices=CumulativeBasis.choices, required=False)
    is_ratio = forms.BooleanField(required=False, label="Entered as a numerator and a denominator")
    numerator_label = forms.CharField(required=False)
    denominator_label = forms.CharField(required=False)
    effective_from = forms.DateField(widget=DATE, required=False, label="Definition applies from")

    VERSION_FIELDS = (
        "calculation_method",
        "unit",
        "rate_per",
        "polarity",
        "cumulative_basis",
        "is_ratio",
        "numerator_label",
        "denominator_label",
        "effective_from",
    )

    class Meta:
        model = Kpi
        fields = ["code", *Kpi.EDITABLE_FIELDS, "council_plan_nodes", "objectives"]
        widgets = {
            "definition": forms.Textarea(attrs={"rows": 3}),
            "why_it_matters": forms.Textarea(attrs={"rows": 2}),
            "end_of_plan_target_date": DATE,
            "council_plan_nodes": forms.SelectMultiple(attrs={"size": 8}),
            "objectives": forms.SelectMultiple(attrs={"size": 8}),
        }
        help_texts = {
            "council_plan_nodes": "The parts of the Council Plan it reports against.",
            "objectives": "Plan objectives it measures.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from accounts.models import OrgUnit
        from planning.models import PlanNode

        self.fields["owning_service"].queryset = OrgUnit.objects.filter(kind="service").order_by("name")
        self.fields["council_plan_nodes"].queryset = (
            PlanNode.objects.active().select_related("plan").order_by("-plan__start_date", "depth", "order")
        )
        self.fields["council_plan_nodes"].label_from_instance = lambda n: f"{n.plan.title}: {n.code} {n.title}"[:120]
        self.fields["council_plan_nodes"].required = False
        from planning.models import Objective

        self.fields["objectives"].queryset = Objective.objects.select_related("plan__unit").order_by(
            "-plan__year", "plan__unit__path", "order"
        )
        self.fields["objectives"].label_from_instance = lambda o: f"{o.plan.year_label} {o.plan.unit.name}: {o.title}"[
            :120
        ]
        self.fields["objectives"].required = False
        if self.instance.pk:
            del self.fields["code"]
            for name in self.VERSION_FIELDS:
                del self.fields[name]
        else:
            for name in ("calculation_method", "unit", "polarity", "cumulative_basis", "effective_from"):
                self.fields[name].required = True

    def kpi_values(self) -> dict:
        names = [
            n for n in self.Meta.fields if n in self.fields and n not in {"code", "council_plan_nodes", "objectives"}
        ]
        return {name: self.cleaned_data.get(name) for name in names}

    def version_values(self) -> dict:
        return {n: self.cleaned_data.get(n) for n in self.VERSION_FIELDS if n != "effective_from"}


class KpiVersionForm(ServiceErrorsMixin, forms.ModelForm):
    class Meta:
        model = KpiVersion
        fields = ["effective_from", *KpiVersion.DEFINITION_FIELDS, "change_reason"]
        widgets = {
            "effective_from": DATE,
            "cumulative_since": DATE,
            "calculation_method": forms.Textarea(attrs={"rows": 2}),
            "change_reason": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["change_reason"].required = True


class TargetForm(ServiceErrorsMixin, forms.ModelForm):
    class Meta:
        model = Target
        fields = ["for_date", "value", "is_year_to_date", "note"]
        widgets = {"for_date": DATE}
