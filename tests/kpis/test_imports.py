"""Imports are all-or-nothing with a row-by-row report; exports neutralise formulas."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AuditEvent
from kpis.models import Kpi, KpiReturn, ReportingPeriod, Target

DICTIONARY_HEADER = (
    "code,title,definition,calculation_method,owning_service,owner,unit,polarity,frequency,"
    "data_period_type,cumulative_basis,decimal_places,tolerance_type,tolerance_amount\n"
)


def upload(text: str, name: str = "data.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_targets_import_sets_every_row(world, clients):
    text = "kpi_code,for_date,value,note\nS1-01,2025-09-30,85,Agreed by Cabinet\nS2-01,30/09/2025,80.5,\n"
    response = clients["performance_admin"].post(
        reverse("kpis:import-upload", kwargs={"kind": "targets"}), {"file": upload(text)}
    )
    assert response.status_code == 302
    assert Target.objects.get(kpi__code="S1-01").value == Decimal("85")
    assert Target.objects.get(kpi__code="S2-01").value == Decimal("80.5")
    assert AuditEvent.objects.filter(object_type="kpis.target").count() == 2


def test_a_bad_row_means_nothing_is_imported_and_every_problem_is_reported(world, clients):
    text = (
        "kpi_code,for_date,value\n"
        "S1-01,2025-09-30,85\n"  # fine on its own
        "NOPE,2025-09-30,1\n"  # unknown KPI
        "S2-01,31/02/2025,1\n"  # impossible date
        "S2-01,2025-12-31,lots\n"  # not a number
        "S1-01,2025-09-30,86\n"  # repeats row 2
    )
    response = clients["performance_admin"].post(
        reverse("kpis:import-upload", kwargs={"kind": "targets"}), {"file": upload(text)}
    )
    assert response.status_code == 400
    problems = [(p.row, p.column) for p in response.context["checked"].problems]
    assert problems == [(3, "kpi_code"), (4, "for_date"), (5, "value"), (6, "kpi_code")]
    assert "Nothing was imported" in response.content.decode()
    assert not Target.objects.exists()


def test_dictionary_import_adds_kpis_with_their_first_version(world, clients):
    text = DICTIONARY_HEADER + (
        "NEW-1,Rough sleepers,People sleeping rough on a snapshot night,Count on the night,S1,service_lead,"
        "number,lower,annual,as_at,none,0,absolute,2\n"
    )
    response = clients["performance_admin"].post(
        reverse("kpis:import-upload", kwargs={"kind": "dictionary"}), {"file": upload(text)}
    )
    assert response.status_code == 302, response.context["checked"].problems
    kpi = Kpi.objects.get(code="NEW-1")
    assert kpi.versions.get().polarity == "lower"


def test_dictionary_import_refuses_a_definition_change(world, clients):
    text = DICTIONARY_HEADER + (
        "S1-01,Cases,Share,A different method,S1,service_lead,percentage,higher,quarterly,quarter,none,1,none,\n"
    )
    response = clients["performance_admin"].post(
        reverse("kpis:import-upload", kwargs={"kind": "dictionary"}), {"file": upload(text)}
    )
    assert response.status_code == 400
    assert "add a new version" in response.content.decode()


def test_values_import_backfills_history_as_approved(world, clients):
    ReportingPeriod.objects.create(year=2024, quarter=2, state="closed", **ReportingPeriod.default_dates(2024, 2))
    text = "kpi_code,year,quarter,data_period_label,data_period_end,value\nS1-01,2024,2,2024/25 Q2,2024-09-30,77.5\n"
    response = clients["performance_admin"].post(
        reverse("kpis:import-upload", kwargs={"kind": "values"}), {"file": upload(text)}
    )
    assert response.status_code == 302
    history = KpiReturn.objects.get(kpi__code="S1-01", period__year=2024)
    assert (history.state, history.value, history.data_period_label) == ("approved", Decimal("77.5"), "2024/25 Q2")


def test_values_cannot_go_into_the_open_period(world, clients):
    text = "kpi_code,year,quarter,data_period_label,data_period_end,value\nS1-01,2025,2,Q2,2025-09-30,1\n"
    response = clients["performance_admin"].post(
        reverse("kpis:import-upload", kwargs={"kind": "values"}), {"file": upload(text)}
    )
    assert response.status_code == 400
    assert "enter its values as returns" in response.content.decode()


def test_benchmarks_import_from_excel(world, clients):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["kpi_code", "data_period_label", "period_end", "comparator", "value"])
    workbook.active.append(["S1-01", "2024/25", "2025-03-31", "England", 71.2])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = clients["performance_admin"].post(
        reverse("kpis:import-upload", kwargs={"kind": "benchmarks"}),
        {"file": SimpleUploadedFile("b.xlsx", buffer.getvalue())},
    )
    assert response.status_code == 302
    assert world.kpis["s1"].benchmarks.get().value == Decimal("71.2")


def test_management_command_reports_rows_and_imports_nothing(world, tmp_path, capsys):
    import pytest
    from django.core.management.base import CommandError

    path = tmp_path / "targets.csv"
    path.write_text("kpi_code,for_date,value\nNOPE,2025-09-30,1\n")
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_kpi_data", "targets", str(path), "--as", "performance_admin")
    assert "row 2, kpi_code" in capsys.readouterr().err
    path.write_text("kpi_code,for_date,value\nS1-01,2025-09-30,90\n")
    call_command("import_kpi_data", "targets", str(path), "--as", "performance_admin")
    assert Target.objects.get().value == Decimal("90")


def test_templates_download_with_the_columns(world, clients):
    body = clients["performance_admin"].get(reverse("kpis:import-template", kwargs={"kind": "values"})).content
    assert body.decode().startswith("kpi_code,year,quarter,data_period_label,data_period_end,value")


def test_exports_neutralise_formulas_and_keep_numbers(world, clients):
    KpiReturn.objects.filter(pk=world.kpis["return_s1"].pk).update(
        value=Decimal("82.5"), commentary="=HYPERLINK(1)", state="submitted"
    )
    text = clients["service_lead"].get(reverse("kpis:returns-export", kwargs={"fmt": "csv"})).getvalue().decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][0] == "S1-01"
    assert rows[1][-1] == "'=HYPERLINK(1)"
    assert rows[1][4] == "82.5000"
    xlsx = clients["service_lead"].get(reverse("kpis:returns-export", kwargs={"fmt": "xlsx"})).content
    sheet = load_workbook(io.BytesIO(xlsx)).active
    row = [cell.value for cell in sheet[2]]
    assert row[-1] == "'=HYPERLINK(1)"
    assert isinstance(row[4], (int, float))
    dictionary = clients["cmt"].get(reverse("kpis:dictionary-export", kwargs={"fmt": "csv"})).getvalue().decode()
    assert "S1-01" in dictionary
    assert "S2-01" in dictionary


def _section(text: str, slug: str) -> str:
    """The part of docs/imports.md about one import: its heading to the next heading of its
    level or above (the benchmarking imports are ``###`` and ``####`` sections of one ``##``)."""
    import re

    start = text.index(f"(`{slug}`)")
    level = len(text[text.rindex("\n", 0, start) + 1 :].split(" ", 1)[0])
    end = re.compile(rf"^#{{1,{level}}} ", re.MULTILINE).search(text, start)
    return text[start : end.start() if end else None]


def test_every_import_column_is_documented_with_its_meaning_and_allowed_values():
    import re
    from pathlib import Path

    from django.conf import settings

    from kpis.imports import KINDS

    text = (Path(settings.BASE_DIR) / "docs" / "imports.md").read_text()
    for kind in KINDS.values():
        section = _section(text, kind.slug)
        for column in kind.columns:
            row = re.search(rf"^\| `{column.name}` \| (yes|no) \| (.*?) \| (.*?) \|$", section, re.MULTILINE)
            assert row, (kind.slug, column.name)
            required, meaning, allowed = row.groups()
            assert required == ("yes" if column.required else "no"), (kind.slug, column.name)
            assert meaning.strip(), (kind.slug, column.name)
            assert allowed.strip(), (kind.slug, column.name)
        # The example the docs show is the template's: header and example row.
        assert kind.template_csv().strip() in section, kind.slug


def test_every_template_has_an_example_row_that_imports_cleanly(world):
    """Each template, header and example row, goes through the import's own check with no
    problem and applies, in a council holding what the examples name (the service ASC, the
    person imogen.hart; ASC-01 made by the dictionary's own example). The history example's
    quarter has no period: the import makes it, historic."""
    from accounts.models import OrgUnitKind
    from accounts.policy import SYSTEM
    from kpis.imports import KINDS, apply_import, check_file
    from tests.factories import OrgUnitFactory, UserFactory

    OrgUnitFactory(kind=OrgUnitKind.SERVICE, code="ASC", name="Adult Social Care", parent=world.d1)
    UserFactory(username="imogen.hart")
    for slug in ("dictionary", "targets", "values", "benchmarks", "breakdown-values"):
        if slug == "breakdown-values":  # the breakdown its example names, on the KPI just imported
            from kpis.models import Kpi
            from kpis.services.dictionary import breakdown_set

            breakdown_set(by=SYSTEM, kpi=Kpi.objects.get(code="ASC-01"), name="Age band", categories=["65 to 74"])
        kind = KINDS[slug]
        lines = kind.template_csv().splitlines()
        assert len(lines) == 2, slug  # the header and one example row
        checked = check_file(kind, upload(kind.template_csv()))
        assert checked.problems == [], slug
        assert apply_import(by=SYSTEM, kind=kind, checked=checked) == 1
    history = KpiReturn.objects.get(kpi__code="ASC-01", period__historic=True)
    assert (history.state, history.value, history.numerator, history.period.historic) == (
        "approved",
        Decimal("82.5"),
        Decimal("165"),
        True,
    )


def test_every_benchmark_template_has_an_example_row_that_imports_cleanly(world):
    """Each benchmarking template, loaded in the documented order (councils, groups,
    indicators, values), goes through the import's own check with no problem and applies its
    row. The world holds what the examples name: Walsall and Dudley beside the councils
    template's Gateshead, the KPIs ASC-01 (the code of the dictionary template's example) and
    EMP-01, and the other publishers' indicators mapped to KPIs, so each value example is stored
    rather than read and skipped."""
    import datetime

    from accounts.policy import SYSTEM
    from kpis.imports import apply_import, check_file
    from kpis.imports_benchmarks import BENCHMARK_KINDS
    from kpis.models import BenchmarkValue, Council
    from kpis.services.benchmarking import councils_set
    from kpis.services.dictionary import kpi_create

    version = {"calculation_method": "As published", "unit": "percentage", "polarity": "higher"}
    for code, kind in (("ASC-01", "quarter"), ("EMP-01", "financial_year")):
        kpi_create(
            by=SYSTEM,
            code=code,
            effective_from=datetime.date(2020, 4, 1),
            version=version,
            data_period_type=kind,
            title=code,
            definition=code,
            owning_service=world.s1,
            owner=world.people["service_lead"],
        )
    walsall = [Council(gss_code="E08000030", name="Walsall", region="West Midlands", kind="MD")]
    councils_set(by=SYSTEM, councils=[*walsall, Council(gss_code="E08000027", name="Dudley", kind="MD")])
    for slug, kind in BENCHMARK_KINDS.items():
        assert all(column.example for column in kind.columns), slug  # every column shows a value
        lines = kind.template_csv().splitlines()
        assert len(lines) == 2, slug  # the header and one example row
        checked = check_file(kind, upload(kind.template_csv()))
        assert checked.problems == [], slug
        assert apply_import(by=SYSTEM, kind=kind, checked=checked) == 1, slug
        if slug == "benchmark_indicators":  # the other publishers' indicators, on other KPIs
            example = {slug: {c.name: c.example for c in k.columns} for slug, k in BENCHMARK_KINDS.items()}
            mapping = (
                f"dfe_lait,{example['benchmark_lait']['short desc']},S1-01\n"
                f"fingertips,{example['benchmark_fingertips']['indicator']},S2-01\n"
                f"lg_inform,{example['benchmark_lg_inform']['metric id']},EMP-01\n"
            )
            checked = check_file(kind, upload("source,indicator_code,kpi_code\n" + mapping))
            assert apply_import(by=SYSTEM, kind=kind, checked=checked) == 3
    assert Council.objects.get(gss_code="E08000037").former_gss_codes == "E08000020"
    stored = {
        (v.indicator.source, v.council.name, str(v.value))
        for v in BenchmarkValue.objects.select_related("indicator", "council")
    }
    assert stored == {
        ("oflog", "Walsall", "75.0000"),
        ("dfe_lait", "Walsall", "19.7000"),
        ("fingertips", "Walsall", "14.6000"),
        ("lg_inform", "Walsall", "71.2000"),
    }


def test_a_monthly_kpis_quarter_rule_imports_and_one_that_cannot_apply_is_reported(world, clients):
    header = DICTIONARY_HEADER.strip() + ",quarter_rule\n"
    url = reverse("kpis:import-upload", kwargs={"kind": "dictionary"})
    text = header + (
        "M-1,Missed bins,Bins missed,Count of missed collections,S1,service_lead,number,lower,monthly,"
        "quarter,financial_ytd,0,none,,sum\n"
    )
    response = clients["performance_admin"].post(url, {"file": upload(text)})
    assert response.status_code == 400
    problem = response.context["checked"].problems[0]
    assert (problem.row, problem.column) == (2, "quarter_rule")
    assert "cannot be summed" in problem.message
    response = clients["performance_admin"].post(url, {"file": upload(text.replace("financial_ytd", "none"))})
    assert response.status_code == 302
    assert Kpi.objects.get(code="M-1").versions.get().quarter_rule == "sum"


def test_the_dictionary_import_has_a_column_for_every_field_of_the_kpi_form():
    """Objectives of service plans are linked on the KPI's page, not from the dictionary."""
    from kpis.forms import KpiForm
    from kpis.imports import DICTIONARY
    from kpis.models import KpiVersion

    columns = {column.name for column in DICTIONARY.columns}
    assert set(KpiForm.base_fields) - {"objectives"} <= columns
    assert set(KpiVersion.DEFINITION_FIELDS) <= columns


def test_dictionary_import_sets_every_field_of_the_form(world, clients):
    header = DICTIONARY_HEADER.strip() + (
        ",is_ratio,numerator_label,denominator_label,allows_over_100,cumulative_since,annual_reporting_quarter,"
        "benchmark_source,council_plan_nodes,end_of_plan_target,end_of_plan_target_date\n"
    )
    url = reverse("kpis:import-upload", kwargs={"kind": "dictionary"})
    text = header + (
        "R-1,Reablement,Still at home 91 days after leaving hospital,Home at 91 days / discharged,S1,service_lead,"
        "percentage,higher,annual,financial_year,since_date,1,none,,yes,At home after 91 days,Discharged to reablement,"
        "yes,2024-04-01,3,NHS Digital ASCOF,M1;O1,85,2029-03-31\n"
    )
    response = clients["performance_admin"].post(url, {"file": upload(text)})
    assert response.status_code == 302, response.context["checked"].problems
    kpi = Kpi.objects.get(code="R-1")
    version = kpi.versions.get()
    assert (kpi.annual_reporting_quarter, kpi.allows_over_100, kpi.benchmark_source) == (3, True, "NHS Digital ASCOF")
    assert (kpi.end_of_plan_target, str(kpi.end_of_plan_target_date)) == (Decimal("85"), "2029-03-31")
    assert sorted(kpi.council_plan_nodes.values_list("code", flat=True)) == ["M1", "O1"]
    assert (version.is_ratio, version.numerator_label, version.denominator_label) == (
        True,
        "At home after 91 days",
        "Discharged to reablement",
    )
    assert str(version.cumulative_since) == "2024-04-01"


def test_dictionary_import_checks_the_definition_as_the_form_does(world, clients):
    header = DICTIONARY_HEADER.strip() + ",is_ratio,council_plan_nodes\n"
    url = reverse("kpis:import-upload", kwargs={"kind": "dictionary"})
    text = header + (
        "R-2,Ratio,Share,Parts,S1,service_lead,percentage,higher,quarterly,quarter,none,1,none,,yes,\n"
        "R-3,Since,Count,Count,S1,service_lead,number,higher,quarterly,quarter,since_date,0,none,,no,\n"
        "R-4,Linked,Count,Count,S1,service_lead,number,higher,quarterly,quarter,none,0,none,,no,P9\n"
    )
    response = clients["performance_admin"].post(url, {"file": upload(text)})
    assert response.status_code == 400
    found = [(p.row, p.column, p.message) for p in response.context["checked"].problems]
    assert found[0] == (2, "numerator_label", "Name the numerator and the denominator of the ratio.")
    assert found[1] == (3, "cumulative_since", "Give the date the count runs from.")
    assert found[2][:2] == (4, "council_plan_nodes")
    assert "no Council Plan node P9" in found[2][2]
    assert not Kpi.objects.filter(code__startswith="R-").exists()
