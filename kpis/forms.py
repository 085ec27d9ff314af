"""Forms for KPI pages. The services check every rule again; their messages land on fields."""

from __future__ import annotations

from django import forms

from accounts.forms import PersonField
from core.forms import DATE, GovukFormMixin, ServiceErrorsMixin
from core.number_input import NumberField
from core.validators import today_or_later
from core.widgets import FastSelect, FastSelectMultiple, offer
from kpis.data_quality import MEANING, Dimension, attestation, problem_key
from kpis.entry import Parts, ReturnEntry, cell_key, entry_problems, month_key, quarter_months
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
from kpis.monthly import Month
from kpis.services import parts as return_parts
from kpis.services.returns import is_unusual_warning


class ReturnForm(ServiceErrorsMixin, forms.ModelForm):
    """What a service lead enters, handed to the service as one ``ReturnEntry``. ``revision``
    is the version of the return they opened, so a save over someone else's newer one is
    refused rather than silently overwriting it. The form alone knows its field names: a
    problem about a month or a cell comes back keyed by the month or cell, and lands here on
    the field that shows it."""

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
        labels = {"data_quality_note": "Data quality caveat (optional)", "actions": "Actions being taken"}
        field_classes = dict.fromkeys(["value", "numerator", "denominator"], NumberField)

    def __init__(self, *args, kpi_return: KpiReturn, **kwargs):
        super().__init__(*args, instance=kpi_return, **kwargs)
        self.kpi_return = kpi_return
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
        self.breakdowns = list(kpi_return.kpi.breakdowns.all())
        self.months: list = []
        #: Problem key (``kpis.entry``) → the field that shows it.
        self.field_for: dict[str, str] = {}
        saved = return_parts.stored(kpi_return, self.breakdowns)
        if kpi_return.kpi.is_monthly:
            self._add_month_fields(kpi_return, saved)
        self._add_breakdown_fields(saved)
        self.order_fields([name for name, field in self.fields.items() if isinstance(field, forms.DecimalField)])
        for name, field in self.fields.items():
            if isinstance(field, forms.DecimalField):
                field.widget = forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"})
                field.widget.attrs["class"] = "govuk-input govuk-input--width-10"
                field.error_messages["invalid"] = "Enter a number, like 82.5"
                if field.help_text:
                    field.widget.attrs["aria-describedby"] = f"id_{name}-hint"
        self.fields["commentary"].help_text = (
            "Required: this is a Council Plan measure."
            if kpi_return.kpi.is_council_plan_measure
            else "Required if the result is Red."
        )
        self._add_attestation_fields(kpi_return)
        self.fields["revision"].initial = kpi_return.revision
        for name in ("value", "numerator", "denominator"):
            stored = getattr(kpi_return, name)
            if name in self.fields and stored is not None:
                self.initial[name] = _plain(stored)
        if not self.is_bound or not self.data.get("show_confirm"):
            self.fields["confirm_unusual"].widget = forms.HiddenInput()

    def clean(self):
        """The KPI's rule for the entry (``entry_problems``, which ``return_save`` applies
        again), so a six-decimal value is told the KPI's places, as the hint says, not the
        column's, and a month or cell its own problem."""
        cleaned = super().clean()
        for key, message in entry_problems(self.kpi_return, self.entry(), self.breakdowns).items():
            name = self.field_for.get(key, key)
            if name in self.fields and name not in self.errors:
                self.add_error(name, message)
        return cleaned

    def add_service_errors(self, error: forms.ValidationError) -> None:
        """The service's problems on the fields that show them; an unusual movement also
        asks the person to confirm the value."""
        if is_unusual_warning(error):
            self.data = self.data.copy()
            self.data["show_confirm"] = "1"
            self.fields["confirm_unusual"].widget = ReturnForm.base_fields["confirm_unusual"].widget
        if hasattr(error, "error_dict"):
            error = forms.ValidationError({self.field_for.get(key, key): e for key, e in error.error_dict.items()})
        super().add_service_errors(error)

    def reopen_at(self, revision: int) -> None:
        """After a conflict: keep what was typed, at the revision now saved, so saving again
        is a deliberate overwrite."""
        self.data = self.data.copy()
        self.data["revision"] = str(revision)

    def _add_month_fields(self, kpi_return: KpiReturn, saved: Parts) -> None:
        """A monthly KPI is entered a month at a time; the quarter's figure is made from them."""
        version = kpi_return.version
        for name in ("value", "numerator", "denominator"):
            self.fields.pop(name, None)
        rule = version.get_quarter_rule_display().lower()
        months = quarter_months(kpi_return)
        new_fields = {}
        for index, month in enumerate(months, start=1):
            names = ("numerator", "denominator") if version.is_ratio else ("value",)
            for name in names:
                label = version.numerator_label if name == "numerator" else version.denominator_label
                field_name = f"month_{index}_{name}"
                self.field_for[month_key(month, name)] = field_name
                new_fields[field_name] = NumberField(
                    required=False,
                    label=f"{month:%B %Y}: {label or name}" if version.is_ratio else f"{month:%B %Y}",
                    help_text=f"The quarter's figure is {rule}." if index == 1 and name == names[0] else "",
                )
                stored = getattr(saved.months.get(month), name, None)
                if stored is not None:
                    self.initial[field_name] = _plain(stored)
        self.months = months
        self._prepend(new_fields)

    def _add_attestation_fields(self, kpi_return: KpiReturn) -> None:
        """The data quality attestation: a yes or no for each dimension of the policy, and why
        for a no; then the caveat note. Saving a draft keeps what is answered so far;
        submitting needs every answer (``submission_problems``)."""
        note = self.fields.pop("data_quality_note")
        note.help_text = (
            "Anything a reader should know about this figure's quality. "
            "It is shown with the figure on the dashboards and in the report."
        )
        stored = kpi_return.data_quality or {}
        for dimension in Dimension:
            word = dimension.label.lower()
            answer_name, why_name = f"dq_{dimension.value}", f"dq_{dimension.value}_why"
            self.field_for[problem_key(dimension)] = answer_name
            self.field_for[problem_key(dimension, why=True)] = why_name
            self.fields[answer_name] = forms.ChoiceField(
                choices=[("yes", "Yes"), ("no", "No")],
                widget=forms.RadioSelect,
                required=False,
                label=f"Data quality: is the figure {word}?",
                help_text=MEANING[dimension] + ".",
            )
            self.fields[why_name] = forms.CharField(
                required=False,
                label=f"If not, why is it not {word}?",
                # Added after GovukFormMixin styled the form's own fields, so styled here.
                widget=forms.Textarea(attrs={"rows": 2, "class": "govuk-textarea"}),
            )
            answer = stored.get(dimension.value)
            if answer is not None:
                self.initial[answer_name] = "yes" if answer.get("met") else "no"
                self.initial[why_name] = answer.get("why", "")
        self.fields["data_quality_note"] = note

    def _add_breakdown_fields(self, saved: Parts) -> None:
        for breakdown in self.breakdowns:
            for index, category in enumerate(breakdown.categories):
                field_name = f"breakdown_{breakdown.pk}_{index}"
                self.field_for[cell_key(breakdown.pk, category)] = field_name
                self.fields[field_name] = NumberField(
                    required=False,
                    label=f"{breakdown.name}: {category}",
                    help_text="Optional. Breakdowns are published with counts below 5 shown as fewer than 5."
                    if index == 0
                    else "",
                )
                stored = saved.cells.get((breakdown.pk, category))
                if stored is not None:
                    self.initial[field_name] = _plain(stored)

    def _prepend(self, new_fields: dict) -> None:
        self.fields = {**new_fields, **self.fields}

    def entry(self) -> ReturnEntry:
        """What was entered, as one value: the figure and text this form shows, and the
        months and breakdown cells."""
        data = self.cleaned_data
        given = {
            name: data.get(name)
            for name in ("value", "numerator", "denominator", "commentary", "actions", "data_quality_note")
            if name in self.fields
        }
        months = {
            month: Month(
                month,
                value=data.get(f"month_{index}_value"),
                numerator=data.get(f"month_{index}_numerator"),
                denominator=data.get(f"month_{index}_denominator"),
            )
            for index, month in enumerate(self.months, start=1)
        }
        cells = {
            (breakdown.pk, category): data.get(f"breakdown_{breakdown.pk}_{index}")
            for breakdown in self.breakdowns
            for index, category in enumerate(breakdown.categories)
        }
        answers = {d.value: {"yes": True, "no": False}.get(data.get(f"dq_{d.value}") or "") for d in Dimension}
        reasons = {d.value: data.get(f"dq_{d.value}_why") or "" for d in Dimension}
        return ReturnEntry(**given, data_quality=attestation(answers, reasons), months=months, cells=cells)


def _plain(number) -> str:
    return f"{number.normalize():f}"  # 82.5, not 82.5000


class NotAvailableForm(ServiceErrorsMixin, forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput)
    not_available_reason = forms.CharField(
        label="Why the figure is not available", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    expected_date = forms.DateField(label="When it is expected", widget=DATE, required=False)


class HandOverForm(ServiceErrorsMixin, forms.Form):
    """Who takes over a leaver's KPIs."""

    to_person = PersonField(label="Who takes them over")


class ApproveForm(ServiceErrorsMixin, forms.Form):
    """The reviewer's own data quality check, recorded with the approval (``return_approve``)."""

    quality_checked = forms.BooleanField(
        required=False,
        label="I have checked this figure's data quality",
        help_text="Against the six dimensions the service lead attested, and the evidence behind the figure.",
    )
    quality_note = forms.CharField(
        required=False,
        label="Note on your check (optional)",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Shown in the data quality report for the audit committee.",
    )


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
        field_classes = {"owner": PersonField}

    def clean_due_date(self):
        """The rule ``escalation_raise`` applies, told before the rest is checked."""
        due_date = self.cleaned_data.get("due_date")
        problem = today_or_later(due_date)
        if problem:
            raise forms.ValidationError(problem)
        return due_date


class EscalationUpdateForm(GovukFormMixin, forms.Form):
    note = forms.CharField(label="Update", widget=forms.Textarea(attrs={"rows": 2}))


class EscalationCloseForm(GovukFormMixin, forms.Form):
    resolution = forms.CharField(label="Resolution", widget=forms.Textarea(attrs={"rows": 2}))


class EscalationCmtForm(ServiceErrorsMixin, forms.Form):
    """What CMT does with an escalation: one choice and the words that go with it."""

    action = forms.ChoiceField(
        label="What CMT does",
        choices=[
            ("decide", "Record CMT's decision"),
            ("ask", "Ask for an update"),
            ("close", "Close it with a resolution"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what CMT does"},
    )
    note = forms.CharField(
        label="The decision, what CMT wants to know, or the resolution",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the decision, the question or the resolution"},
    )


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
            # Every objective and part of the Council Plan: options rendered in Python (issue 16).
            "owning_service": FastSelect,
            "council_plan_nodes": FastSelectMultiple(attrs={"size": 8}),
            "objectives": FastSelectMultiple(attrs={"size": 8}),
        }
        help_texts = {
            "council_plan_nodes": "The parts of the Council Plan it reports against.",
            "objectives": "Plan objectives it measures.",
        }
        field_classes = {
            "tolerance_amount": NumberField,
            "end_of_plan_target": NumberField,
            "owner": PersonField,
            "deputy": PersonField,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from accounts.models import OrgUnit
        from planning.models import PlanNode

        offer(
            self.fields["owning_service"],
            OrgUnit.objects.filter(kind="service").order_by("name"),
            str,
            "name",
        )
        offer(
            self.fields["council_plan_nodes"],
            PlanNode.objects.active().select_related("plan").order_by("-plan__start_date", "depth", "order"),
            lambda n: f"{n.plan.title}: {n.code} {n.title}"[:120],
            "code",
            "title",
            "plan__title",
        )
        self.fields["council_plan_nodes"].required = False
        from planning.models import Objective

        offer(
            self.fields["objectives"],
            Objective.objects.select_related("plan__unit").order_by("-plan__year", "plan__unit__path", "order"),
            lambda o: f"{o.plan.year_label} {o.plan.unit.name}: {o.title}"[:120],
            "title",
            "plan__year",
            "plan__unit__name",
        )
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
    """A target, checked by the same rule as ``target_set`` and the targets import."""

    class Meta:
        model = Target
        fields = ["for_date", "value", "is_year_to_date", "note"]
        widgets = {"for_date": DATE}
        field_classes = {"value": NumberField}

    def __init__(self, *args, kpi: Kpi, **kwargs):
        super().__init__(*args, **kwargs)
        self.kpi = kpi
        self.fields["value"].widget = forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"})

    def clean(self):
        from kpis.services.dictionary import target_problems

        cleaned = super().clean()
        if "value" not in self.errors:
            problems = target_problems(kpi=self.kpi, for_date=cleaned.get("for_date"), value=cleaned.get("value"))
            for name, message in problems.items():
                self.add_error(name, message)
        return cleaned


class BreakdownForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(max_length=100, help_text="For example Ward, Age band or Ethnic group.")
    categories = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="One per line, in the order they should be shown.",
    )
    holds_counts = forms.BooleanField(
        required=False,
        label="Each category holds a count of people",
        help_text="For example checks received in each ward, beside a percentage. Counts below 5 are suppressed "
        "wherever they are published.",
    )

    def cleaned_categories(self) -> list[str]:
        return self.cleaned_data["categories"].splitlines()


class RevisionForm(ServiceErrorsMixin, forms.Form):
    value = NumberField(required=False, label="Revised value")
    numerator = NumberField(required=False)
    denominator = NumberField(required=False)
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Why the published figure is revised",
        help_text="Shown in the next report beside the old and the new value.",
    )

    def __init__(self, *args, kpi_return: KpiReturn, **kwargs):
        super().__init__(*args, **kwargs)
        version = kpi_return.version
        if version.is_ratio:
            del self.fields["value"]
            self.fields["numerator"].label = version.numerator_label or "Numerator"
            self.fields["denominator"].label = version.denominator_label or "Denominator"
        else:
            del self.fields["numerator"]
            del self.fields["denominator"]
