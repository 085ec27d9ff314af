"""Forms for planning pages. Choices are limited to what the person may pick; the services
re-check every rule and their messages come back onto the right field."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from accounts.forms import PersonField
from accounts.models import User
from core.forms import DATE, ServiceErrorsMixin
from core.widgets import FastSelect, FastSelectMultiple, offer
from planning.models import CicObjective, CouncilPlan, Objective, ObjectiveStatus, PlanNode, Risk, UnitPlan
from planning.risk_scores import IMPACT_CHOICES, LIKELIHOOD_CHOICES
from planning.selectors import cic_objective_choices


class CouncilPlanForm(ServiceErrorsMixin, forms.ModelForm):
    level_names_text = forms.CharField(
        label="Level names, from the top down",
        help_text="One per line, at least three, for example Priority, Outcome, Marker of Success.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    class Meta:
        model = CouncilPlan
        fields = ["title", "start_date", "end_date", "vision_label", "vision", "description"]
        widgets = {"start_date": DATE, "end_date": DATE, "vision": forms.Textarea(attrs={"rows": 3})}
        labels = {"vision_label": "What the headline is called", "vision": "Vision or aim"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["level_names_text"].initial = "\n".join(self.instance.level_names)
        self.order_fields(["title", "start_date", "end_date", "vision_label", "vision", "level_names_text"])

    def clean(self):
        cleaned = super().clean()
        if isinstance(cleaned.get("level_names_text"), list):
            self.instance.level_names = cleaned["level_names_text"]
        return cleaned

    def add_error(self, field, error):
        # The model names the field level_names; on the form it is the text box.
        if field == "level_names":
            field = "level_names_text"
        elif isinstance(error, ValidationError) and hasattr(error, "error_dict") and "level_names" in error.error_dict:
            error.error_dict.setdefault("level_names_text", []).extend(error.error_dict.pop("level_names"))
        if field == "level_names_text" and self.errors.get("level_names_text"):
            return None  # one message about the levels is enough
        return super().add_error(field, error)

    def clean_level_names_text(self) -> list[str]:
        names = [line.strip() for line in self.cleaned_data["level_names_text"].splitlines() if line.strip()]
        if len(names) < 3:
            raise ValidationError("Give at least three level names, one per line")
        return names

    def service_values(self) -> dict:
        values = {name: self.cleaned_data[name] for name in self.Meta.fields}
        values["level_names"] = self.cleaned_data["level_names_text"]
        return values


class CouncilPlanImportForm(ServiceErrorsMixin, forms.ModelForm):
    """A new plan's details, with the file of its tree. Its levels come from the file, so the
    model's rules on levels are checked with the file's rows (``planning.imports``), not here.
    The command ``import_council_plan`` fills in the same form from its options."""

    file = forms.FileField(
        label="The plan's tree: a CSV or Excel file",
        help_text="One row per part of the plan, with the columns code, parent_code, level, title and description.",
    )

    class Meta:
        model = CouncilPlan
        fields = ["title", "start_date", "end_date", "vision_label", "vision", "description"]
        widgets = CouncilPlanForm.Meta.widgets
        labels = CouncilPlanForm.Meta.labels

    def add_error(self, field, error):
        if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            error.error_dict.pop("level_names", None)
            if not error.error_dict:
                return None
        return super().add_error(field, error)

    def details(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class PlanNodeForm(ServiceErrorsMixin, forms.ModelForm):
    class Meta:
        model = PlanNode
        fields = ["code", "title", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class UnitPlanForm(ServiceErrorsMixin, forms.ModelForm):
    class Meta:
        model = UnitPlan
        fields = ["unit", "year", "title", "summary"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 4})}
        labels = {"unit": "Directorate, service or team", "year": "Financial year starting in April of"}

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units
        if self.instance.pk:
            del self.fields["unit"]
            del self.fields["year"]


class ObjectiveForm(ServiceErrorsMixin, forms.ModelForm):
    class Meta:
        model = Objective
        fields = [*Objective.EDITABLE_FIELDS, "contributes_to"]
        widgets = {
            "start_date": DATE,
            "due_date": DATE,
            "description": forms.Textarea(attrs={"rows": 3}),
            "contributes_to": forms.CheckboxSelectMultiple,
        }
        field_classes = {"owner": PersonField}
        help_texts = {
            "council_plan_node": "Link to the Council Plan directly, or to an objective of a unit above: not both.",
            "contributes_to": "Objectives in other directorates that this one also helps to deliver.",
        }

    def __init__(self, *args, plan: UnitPlan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        unit = plan.unit
        self.fields["owner"].queryset = User.objects.filter(is_active=True, org_unit__path__startswith=unit.path) | (
            User.objects.filter(pk=unit.head_id) if unit.head_id else User.objects.none()
        )
        nodes = PlanNode.objects.active().filter(
            plan__start_date__lte=plan.end_date, plan__end_date__gte=plan.start_date
        )
        self.fields["council_plan_node"].queryset = nodes.select_related("plan").order_by(
            "plan__start_date", "depth", "order"
        )
        self.fields["council_plan_node"].label_from_instance = lambda n: f"{n.level_name} {n.code}: {n.title}"
        ancestor_paths = [p for p in unit.ancestor_paths if p != unit.path]
        self.fields["parent_objective"].queryset = (
            Objective.objects.filter(plan__year=plan.year, plan__unit__path__in=ancestor_paths)
            .select_related("plan__unit")
            .order_by("plan__unit__path", "order")
        )
        self.fields["parent_objective"].label_from_instance = lambda o: f"{o.plan.unit.name}: {o.title}"
        directorate = "/".join(unit.path.split("/")[:3]) + "/"
        self.fields["contributes_to"].queryset = (
            Objective.objects.filter(plan__year=plan.year, plan__unit__kind="directorate")
            .exclude(plan__unit__path__startswith=directorate)
            .select_related("plan__unit")
            .order_by("plan__unit__name", "order")
        )
        self.fields["contributes_to"].label_from_instance = lambda o: f"{o.plan.unit.name}: {o.title}"
        self.fields["contributes_to"].required = False

    def clean(self):
        """Run the thread's rules here too, so every message shows at once, next to its field.
        The service runs them again inside its transaction before saving."""
        from planning.services.plans import validate_objective

        cleaned = super().clean()
        candidate = Objective(plan=self.plan, pk=self.instance.pk)
        for name in ("title", "owner", "start_date", "due_date", "council_plan_node", "parent_objective"):
            setattr(candidate, name, cleaned.get(name))
        try:
            validate_objective(candidate, list(cleaned.get("contributes_to") or []))
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    if field in self.fields and message not in self.errors.get(field, []):
                        self.add_error(field, message)
        return cleaned

    def service_values(self) -> dict:
        values = {name: self.cleaned_data[name] for name in self.Meta.fields if name != "contributes_to"}
        values["contributes_to"] = list(self.cleaned_data.get("contributes_to") or [])
        return values


class ProgressUpdateForm(ServiceErrorsMixin, forms.Form):
    date = forms.DateField(widget=DATE, label="Date of the update")
    status = forms.ChoiceField(choices=ObjectiveStatus.choices)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Progress")


class RiskForm(ServiceErrorsMixin, forms.ModelForm):
    """A risk in a register. The register is chosen among the units the person keeps risks
    for; objectives and KPIs are any in the council (a risk may threaten another's)."""

    kpis = forms.ModelMultipleChoiceField(
        queryset=None, required=False, label="KPIs it threatens", widget=FastSelectMultiple
    )

    class Meta:
        model = Risk
        fields = ["unit", *Risk.EDITABLE_FIELDS, "objectives"]
        widgets = {
            # Every objective and KPI in the council: options rendered in Python (issue 16).
            "unit": FastSelect,
            "objectives": FastSelectMultiple,
            "cause": forms.Textarea(attrs={"rows": 2}),
            "event": forms.Textarea(attrs={"rows": 2}),
            "effect": forms.Textarea(attrs={"rows": 2}),
            "controls": forms.Textarea(attrs={"rows": 3}),
            "review_date": DATE,
        }
        labels = {"unit": "Register", "event": "Event", "objectives": "Objectives it threatens"}
        field_classes = {"owner": PersonField}

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["unit"].label_from_instance = lambda u: f"{u.name} ({u.get_kind_display().lower()})"
        if self.instance.pk:
            # Escalation, not editing, moves a risk between registers.
            del self.fields["unit"]
        self.fields["owner"].queryset = User.objects.filter(is_active=True)
        self.fields["owner"].required = True
        self.fields["review_date"].required = True
        offer(
            self.fields["objectives"],
            Objective.objects.select_related("plan__unit").order_by("plan__unit__path", "order"),
            lambda o: f"{o.plan.unit.name}: {o.title}",
            "title",
            "plan__unit__name",
        )
        # The KPI app's model, reached through its link to risks (kpis builds on planning).
        kpi_model = Risk._meta.get_field("kpis").related_model
        offer(
            self.fields["kpis"],
            kpi_model.objects.filter(is_active=True).order_by("code"),
            lambda k: f"{k.code} {k.title}",
            "code",
            "title",
        )
        if self.instance.pk:
            self.fields["kpis"].initial = list(self.instance.kpis.values_list("pk", flat=True))

    def service_values(self) -> dict:
        values = {name: self.cleaned_data[name] for name in Risk.EDITABLE_FIELDS}
        values["objectives"] = list(self.cleaned_data.get("objectives") or [])
        values["kpis"] = list(self.cleaned_data.get("kpis") or [])
        if "unit" in self.fields:
            values["unit"] = self.cleaned_data["unit"]
        return values


class RiskReviewForm(ServiceErrorsMixin, forms.Form):
    current_likelihood = forms.TypedChoiceField(choices=LIKELIHOOD_CHOICES, coerce=int, label="Current likelihood")
    current_impact = forms.TypedChoiceField(choices=IMPACT_CHOICES, coerce=int, label="Current impact")
    controls = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    next_review_date = forms.DateField(widget=DATE, label="Next review date")


class RiskEscalateForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label="Why it needs the register above", required=False
    )


class RiskActionForm(ServiceErrorsMixin, forms.Form):
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Action")
    owner = PersonField()
    due_date = forms.DateField(widget=DATE, label="Due date")


class CicObjectiveForm(ServiceErrorsMixin, forms.ModelForm):
    class Meta:
        model = CicObjective
        fields = ["title", "description", "objective", "status"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        labels = {"objective": "Team or service objective it contributes to"}

    def __init__(self, *args, employee: User, **kwargs):
        """Offers the objectives of the person's own team and the units above it
        (``cic_objective_choices``), and the one it is linked to now, should they have moved."""
        super().__init__(*args, **kwargs)
        choices = cic_objective_choices(employee)
        if self.instance.pk and self.instance.objective_id:
            choices = choices | Objective.objects.filter(pk=self.instance.objective_id).select_related("plan__unit")
        self.fields["objective"].queryset = choices
        self.fields["objective"].label_from_instance = lambda o: f"{o.plan.unit.name}: {o.title}"


class CicNoteForm(ServiceErrorsMixin, forms.Form):
    date = forms.DateField(widget=DATE)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Progress note")
