"""The plan-level key risks become a risk register (corporate, directorate, service).

Each existing risk keeps its row and id: it moves to the register of its plan's unit (a team
plan's risk to its service's register), its description becomes both its event and (cut to
200 characters) its title, its one score becomes its inherent, current and target score
alike (nobody recorded the others), and its mitigation becomes its controls.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

LIKELIHOOD = [(1, "1 Rare"), (2, "2 Unlikely"), (3, "3 Possible"), (4, "4 Likely"), (5, "5 Almost certain")]
IMPACT = [(1, "1 Negligible"), (2, "2 Minor"), (3, "3 Moderate"), (4, "4 Major"), (5, "5 Critical")]


def into_register(apps, schema_editor):
    risk_model = apps.get_model("planning", "Risk")
    for risk in risk_model.objects.select_related("plan__unit__parent"):
        unit = risk.plan.unit
        if unit.kind == "team":
            unit = unit.parent
        text = risk.description.strip()
        risk.unit_id = unit.pk
        risk.title = text if len(text) <= 200 else text[:199] + "…"
        risk.event = text
        risk.controls = risk.mitigation
        for stage in ("inherent", "current", "target"):
            setattr(risk, f"{stage}_likelihood", risk.likelihood)
            setattr(risk, f"{stage}_impact", risk.impact)
        risk.save()


def score(verbose_name, choices, nullable=False):
    return models.PositiveSmallIntegerField(verbose_name, choices=choices, null=nullable)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_employee_number"),
        ("planning", "0002_golden_thread"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="risk", name="risk_scores_one_to_five"),
        migrations.AddField(
            model_name="risk",
            name="unit",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="risks",
                to="accounts.orgunit",
                verbose_name="register",
            ),
        ),
        migrations.AddField(model_name="risk", name="title", field=models.CharField(default="", max_length=200)),
        migrations.AddField(
            model_name="risk",
            name="cause",
            field=models.TextField(blank=True, help_text="Because of… (what could bring it about)."),
        ),
        migrations.AddField(
            model_name="risk",
            name="event",
            field=models.TextField(default="", help_text="There is a risk that… (what might happen)."),
        ),
        migrations.AddField(
            model_name="risk",
            name="effect",
            field=models.TextField(blank=True, help_text="Which would lead to… (the consequences)."),
        ),
        migrations.AddField(model_name="risk", name="inherent_likelihood", field=score("inherent likelihood", LIKELIHOOD, True)),
        migrations.AddField(model_name="risk", name="inherent_impact", field=score("inherent impact", IMPACT, True)),
        migrations.AddField(model_name="risk", name="current_likelihood", field=score("current likelihood", LIKELIHOOD, True)),
        migrations.AddField(model_name="risk", name="current_impact", field=score("current impact", IMPACT, True)),
        migrations.AddField(model_name="risk", name="target_likelihood", field=score("target likelihood", LIKELIHOOD, True)),
        migrations.AddField(model_name="risk", name="target_impact", field=score("target impact", IMPACT, True)),
        migrations.AddField(
            model_name="risk",
            name="controls",
            field=models.TextField(blank=True, help_text="What is already in place that reduces the risk."),
        ),
        migrations.AddField(
            model_name="risk",
            name="review_date",
            field=models.DateField(blank=True, help_text="When the owner next reviews it.", null=True),
        ),
        migrations.AddField(model_name="risk", name="last_reviewed_on", field=models.DateField(blank=True, null=True)),
        migrations.AddField(
            model_name="risk",
            name="status",
            field=models.CharField(choices=[("open", "Open"), ("closed", "Closed")], default="open", max_length=10),
        ),
        migrations.AddField(
            model_name="risk",
            name="objectives",
            field=models.ManyToManyField(blank=True, related_name="risks", to="planning.objective"),
        ),
        migrations.AddField(
            model_name="risk", name="created_at", field=models.DateTimeField(default=django.utils.timezone.now)
        ),
        migrations.RunPython(into_register, migrations.RunPython.noop),
        migrations.RemoveField(model_name="risk", name="plan"),
        migrations.RemoveField(model_name="risk", name="description"),
        migrations.RemoveField(model_name="risk", name="likelihood"),
        migrations.RemoveField(model_name="risk", name="impact"),
        migrations.RemoveField(model_name="risk", name="mitigation"),
        migrations.AlterField(
            model_name="risk",
            name="unit",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="risks",
                to="accounts.orgunit",
                verbose_name="register",
            ),
        ),
        migrations.AlterField(model_name="risk", name="title", field=models.CharField(max_length=200)),
        migrations.AlterField(
            model_name="risk",
            name="event",
            field=models.TextField(help_text="There is a risk that… (what might happen)."),
        ),
        migrations.AlterField(model_name="risk", name="inherent_likelihood", field=score("inherent likelihood", LIKELIHOOD)),
        migrations.AlterField(model_name="risk", name="inherent_impact", field=score("inherent impact", IMPACT)),
        migrations.AlterField(model_name="risk", name="current_likelihood", field=score("current likelihood", LIKELIHOOD)),
        migrations.AlterField(model_name="risk", name="current_impact", field=score("current impact", IMPACT)),
        migrations.AlterField(model_name="risk", name="target_likelihood", field=score("target likelihood", LIKELIHOOD)),
        migrations.AlterField(model_name="risk", name="target_impact", field=score("target impact", IMPACT)),
        migrations.AlterModelOptions(
            name="risk", options={"ordering": ["unit__path", "-current_likelihood", "-current_impact", "id"]}
        ),
        migrations.AddConstraint(
            model_name="risk",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("current_impact__gte", 1),
                    ("current_impact__lte", 5),
                    ("current_likelihood__gte", 1),
                    ("current_likelihood__lte", 5),
                    ("inherent_impact__gte", 1),
                    ("inherent_impact__lte", 5),
                    ("inherent_likelihood__gte", 1),
                    ("inherent_likelihood__lte", 5),
                    ("target_impact__gte", 1),
                    ("target_impact__lte", 5),
                    ("target_likelihood__gte", 1),
                    ("target_likelihood__lte", 5),
                ),
                name="risk_scores_one_to_five",
            ),
        ),
        migrations.AddIndex(
            model_name="risk", index=models.Index(fields=["status", "review_date"], name="risk_status_review_idx")
        ),
        migrations.CreateModel(
            name="RiskAction",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("description", models.TextField()),
                ("due_date", models.DateField()),
                ("completed_on", models.DateField(blank=True, null=True)),
                (
                    "owner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "risk",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="actions", to="planning.risk"
                    ),
                ),
            ],
            options={"ordering": ["due_date", "id"]},
        ),
        migrations.CreateModel(
            name="RiskEscalation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("reason", models.TextField()),
                ("escalated_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "escalated_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "from_unit",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="accounts.orgunit"
                    ),
                ),
                (
                    "risk",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="escalations", to="planning.risk"
                    ),
                ),
                (
                    "to_unit",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="accounts.orgunit"
                    ),
                ),
            ],
            options={"ordering": ["escalated_at", "id"]},
        ),
    ]
