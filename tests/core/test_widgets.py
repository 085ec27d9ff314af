"""The selects that render their options in Python (issue 16): the same HTML as Django's own
widgets, options read with only the columns their labels show, queries flat as the council's
objectives grow."""

from __future__ import annotations

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.widgets import FastSelect, FastSelectMixin, FastSelectMultiple
from tests.querycount import assert_flat

CHOICES = [
    ("", "---------"),
    ("1", 'Fish & chips <b>"quoted"</b>'),
    (2, "Plain"),
    ("Group <one>", [("3", "In a group"), ("4", "It's selected")]),
    ("5", "After the group"),
]
ATTRS = {"id": "id_x", "class": "govuk-select", "required": True, "disabled": False, "data-x": 'a"b<c>'}


@pytest.mark.parametrize(
    ("fast", "django_widget", "value"),
    [
        (FastSelect, forms.Select, "4"),
        (FastSelect, forms.Select, None),
        (FastSelectMultiple, forms.SelectMultiple, ["1", "4", 2]),
        (FastSelectMultiple, forms.SelectMultiple, []),
    ],
)
def test_the_same_html_as_djangos_select(fast, django_widget, value):
    expected = django_widget(attrs={"size": 8}, choices=CHOICES).render("x&y", value, attrs=ATTRS)
    assert fast(attrs={"size": 8}, choices=CHOICES).render("x&y", value, attrs=ATTRS) == expected
    assert "&amp;" in expected  # escaping is exercised
    assert "selected" in expected or not value


def render_with_djangos_widgets(form) -> tuple[dict[str, str], dict[str, str]]:
    """Each fast select's HTML, and the same field rendered by Django's own widget."""
    fast, plain = {}, {}
    for name, field in form.fields.items():
        if isinstance(field.widget, FastSelectMixin):
            fast[name] = str(form[name])
            field.widget.__class__ = field.widget.__class__.__mro__[2]  # Select or SelectMultiple
            plain[name] = str(form[name])
    return fast, plain


def test_risk_form_renders_as_before(world):
    from accounts.models import OrgUnit
    from planning.forms import RiskForm
    from planning.models import Objective, Risk

    objective = Objective.objects.first()
    objective.title = 'Keep <roads> & "paths" safe'
    objective.save()
    risk = Risk.objects.first()
    risk.objectives.add(objective)
    for form in (RiskForm(units=OrgUnit.objects.all()), RiskForm(instance=risk, units=OrgUnit.objects.all())):
        fast, plain = render_with_djangos_widgets(form)
        assert {"objectives", "kpis"} <= set(fast)
        assert fast == plain
    assert "&lt;roads&gt; &amp; &quot;paths&quot; safe</option>" in fast["objectives"]
    assert f'value="{objective.pk}" selected>' in fast["objectives"]


def test_kpi_forms_render_as_before(world):
    from kpis.forms import KpiForm

    kpi = world.kpis["s1"]
    for form in (KpiForm(), KpiForm(instance=kpi)):
        fast, plain = render_with_djangos_widgets(form)
        assert {"objectives", "council_plan_nodes", "owning_service"} <= set(fast)
        assert fast == plain


def objective_queries(render) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        render()
    return [q["sql"] for q in captured.captured_queries if 'FROM "planning_objective"' in q["sql"]]


def test_options_read_only_the_columns_shown(world):
    from accounts.models import OrgUnit
    from kpis.forms import KpiForm
    from planning.forms import RiskForm

    for form in (RiskForm(units=OrgUnit.objects.all()), KpiForm()):
        queries = objective_queries(lambda f=form: str(f["objectives"]))
        assert len(queries) == 1
        assert '"planning_objective"."description"' not in queries[0]
        assert '"planning_unitplan"."title"' not in queries[0]


def grow_objectives(world, n=15):
    from tests.factories import ObjectiveFactory

    def grow():
        for _ in range(n):
            ObjectiveFactory(plan=world.thread["plans"]["S1"], owner=world.people["service_lead"])

    return grow


def get_ok(client, url):
    def action():
        assert client.get(url).status_code == 200

    return action


@pytest.mark.parametrize("url_name", ["planning:risk-add", "kpis:kpi-create"])
def test_forms_listing_objectives_are_flat(world, clients, url_name):
    client = clients["performance_admin"]
    assert_flat(get_ok(client, reverse(url_name)), grow_objectives(world))


def test_edit_forms_listing_objectives_are_flat(world, clients):
    from planning.models import Risk

    client = clients["performance_admin"]
    risk = Risk.objects.first()
    risk.objectives.add(*world.thread["plans"]["S1"].objectives.all())
    assert_flat(get_ok(client, reverse("planning:risk-edit", kwargs={"pk": risk.pk})), grow_objectives(world))
    kpi = world.kpis["s1"]
    assert_flat(get_ok(client, reverse("kpis:kpi-edit", kwargs={"code": kpi.code})), grow_objectives(world))
