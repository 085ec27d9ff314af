"""Load the demo council: Walsall's organisation (fictional people), the real 2022-25 Council
Plan as a past, read-only plan, a 2025-29 demo plan under the real 2025-29 vision, plans and
CIC objectives, and KPIs with their history. It lives in ``reporting`` because it loads every
app's data and reporting is the one app allowed to depend on all of them.

Idempotent: running it again changes nothing that is already there, so the run command can
call it on every start. Everything is written through the services, so it is audited.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import OrgUnit, RoleAssignment, User
from accounts.policy import SYSTEM
from kpis.calendar import add_working_days, quarter_bounds
from kpis.data_periods import DataPeriod
from kpis.entry import ReturnEntry
from kpis.models import Kpi, KpiReturn, PeriodState, ReportingPeriod
from kpis.results import round_half_up
from kpis.services.dictionary import benchmark_set, breakdown_set, kpi_create, target_set
from kpis.services.periods import period_advance, period_create, period_update_dates
from kpis.services.returns import return_backfill
from organisation.services import (
    org_unit_create,
    org_unit_set_head,
    role_assignment_create,
    user_create,
    user_set_line_manager,
)
from planning.models import (
    CouncilPlan,
    Objective,
    PlanNode,
    Risk,
    UnitPlan,
    financial_year_bounds,
    financial_year_of,
)
from planning.services import (
    cic_objective_create,
    council_plan_create,
    objective_create,
    objective_update,
    plan_node_create,
    risk_action_add,
    risk_create,
    risk_escalate,
    unit_plan_create,
)

BASE = Path(settings.BASE_DIR)
KPI_FILE = BASE / "demo" / "data" / "kpis.json"
#: Real published figures for every council, in the publishers' layouts (demo/data/README.md),
#: loaded through the imports a council uses, in this order.
BENCHMARK_FILES = [
    ("councils", "councils.csv"),
    ("comparator_groups", "comparator_groups.csv"),
    ("benchmark_indicators", "indicators.csv"),
    ("benchmark_oflog", "oflog_asc.csv"),
    ("benchmark_lait", "lait.csv"),
    ("benchmark_fingertips", "fingertips_adults_smoking.csv"),
    ("benchmark_fingertips", "fingertips_obese_year6.csv"),
]
DEMO_COUNCIL_GSS = "E08000030"  # Walsall


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def quarter_of(day: datetime.date) -> int:
    return {4: 1, 5: 1, 6: 1, 7: 2, 8: 2, 9: 2, 10: 3, 11: 3, 12: 3}.get(day.month, 4)


def reporting_quarter_for(end: datetime.date, *, annual: bool, reporting_quarter: int) -> tuple[int, int]:
    """The reporting period that carries a figure for a data period ending on ``end``: the
    quarter itself for quarterly data; for annual data, the first reporting quarter (in the
    council's chosen quarter) that ends after the data period does."""
    if not annual:
        return financial_year_of(end), quarter_of(end)
    year = financial_year_of(end)
    while quarter_bounds(year, reporting_quarter)[1] < end:
        year += 1
    return year, reporting_quarter


ORGANISATION_FILE = BASE / "demo" / "data" / "organisation.json"
PLAN_FILES = [
    BASE / "demo" / "data" / "council_plan_2022_25.json",
    BASE / "demo" / "data" / "council_plan_2025_29.json",
]
#: Which Markers of Success each directorate's plan takes on. M4, M18 and M20 are left with no
#: objective so the gaps page has something to show.
DEMO_DIRECTORATE_MARKERS = {
    "CHS": ["M13", "M14", "M15", "M16"],
    "ASH": ["M5", "M6", "M7", "M8"],
    "EEC": ["M1", "M2", "M3", "M17", "M19"],
    "RT": ["M9", "M10", "M11", "M12"],
}
DEMO_STATUSES = ["on_track", "on_track", "at_risk", "complete", "off_track", "on_track", "not_started"]
DEMO_SERVICE_OBJECTIVES = [
    "Cut the average wait for {unit} by 10%",
    "Move three {unit} processes online",
]
DEMO_TEAM_OBJECTIVES = [
    "Clear the {unit} backlog of open cases",
    "Train every {unit} officer in the new case system",
]
DEMO_CIC_TITLES = [
    "Complete the data quality e-learning",
    "Lead the team's weekly performance huddle",
    "Shadow a colleague in another directorate",
    "Gain a project management qualification",
    "Mentor a new starter through their first quarter",
]

#: Demo only: every demo person signs in with this password (it is in the README).
DEMO_PASSWORD = "walsall-demo-2025"  # noqa: S105


def holds_real_data() -> bool:
    """Whether the database holds people, KPIs or plans that the demo did not put there.

    Simply: it has any user, KPI or Council Plan, but no demo Council Plan, the one record
    that says the demo has been loaded. An empty database (a fresh ``var/``) and the
    demo's own database (re-runs, and people added while trying the demo) pass; a
    council's real database, reached by a mistaken ``DATABASE_URL``, does not.
    """
    has_data = User.objects.exists() or Kpi.objects.exists() or CouncilPlan.objects.exists()
    return has_data and not CouncilPlan.objects.filter(is_demo=True).exists()


class Command(BaseCommand):
    help = "Load (or top up) the demo council. Safe to run repeatedly; refuses a database with real data."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Load the demo even into a database that holds other data."
        )

    def handle(self, *args, **options):
        if holds_real_data() and not options["force"]:
            raise CommandError(
                "This database already holds data that the demo did not make (people, KPIs or plans, "
                "and no demo Council Plan). The demo council is fictional and would mix with it. "
                "Use --force only if this really is a database for trying the demo."
            )
        with transaction.atomic():
            created = self.load_organisation()
            created += self.load_plans()
            created += self.load_golden_thread()
            created += self.load_kpis()
            created += self.load_benchmarking()
            created += self.load_risks()
            created += self.load_reports()
        self.write_sign_ins()
        self.stdout.write(f"Demo council ready ({created} records added).")

    def load_benchmarking(self) -> int:
        """Walsall, its nearest and statistical neighbours, and every council's published values
        for the demo KPIs' indicators, through the same all-or-nothing imports a council uses."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        from core.imports import apply_import, check_file
        from kpis.imports import KINDS
        from kpis.models import BenchmarkValue, Council
        from kpis.services.benchmarking import council_mark_own

        if BenchmarkValue.objects.exists():
            return 0
        added = 0
        for slug, name in BENCHMARK_FILES:
            path = BASE / "demo" / "data" / "benchmarking" / name
            checked = check_file(KINDS[slug], SimpleUploadedFile(name, path.read_bytes(), content_type="text/csv"))
            if checked.problems:
                raise CommandError(f"{name}: {checked.problems[:3]}")
            added += apply_import(by=SYSTEM, kind=KINDS[slug], checked=checked)
        council_mark_own(by=SYSTEM, council=Council.objects.get(gss_code=DEMO_COUNCIL_GSS))
        return added

    # --- organisation -------------------------------------------------------------------

    def load_organisation(self) -> int:
        data = json.loads(ORGANISATION_FILE.read_text(encoding="utf-8"))
        existing_units = {unit.code: unit for unit in OrgUnit.objects.all()}
        created = 0

        def walk(node: dict, parent: OrgUnit | None) -> None:
            nonlocal created
            unit = existing_units.get(node["code"])
            if unit is None:
                unit = org_unit_create(
                    by=SYSTEM, kind=node["kind"], code=node["code"], name=node["name"], parent=parent
                )
                existing_units[unit.code] = unit
                created += 1
            for child in node.get("children", []):
                walk(child, unit)

        walk(data, None)

        people = data["people"]
        # Demo people share one password, so hash it once: Argon2 is deliberately slow.
        password_hash = make_password(DEMO_PASSWORD)
        users = {user.username: user for user in User.objects.filter(username__in=[p["username"] for p in people])}
        for person in people:
            if person["username"] not in users:
                users[person["username"]] = user_create(
                    by=SYSTEM,
                    username=person["username"],
                    first_name=person["first_name"],
                    last_name=person["last_name"],
                    email=f"{person['username']}@example.org",
                    job_title=person.get("job_title", ""),
                    org_unit=existing_units.get(person.get("unit")) if person.get("unit") else None,
                    password_hash=password_hash,
                )
                created += 1
        held = set(RoleAssignment.objects.values_list("user__username", "role", "org_unit__code"))
        for person in people:
            user = users[person["username"]]
            manager = users.get(person.get("line_manager")) if person.get("line_manager") else None
            if user.line_manager_id != (manager.pk if manager else None):
                user_set_line_manager(by=SYSTEM, user=user, line_manager=manager)
            for role in person.get("roles", []):
                if (person["username"], role["role"], role.get("unit")) in held:
                    continue
                role_assignment_create(
                    by=SYSTEM,
                    user=user,
                    role=role["role"],
                    org_unit=existing_units[role["unit"]] if role.get("unit") else None,
                    portfolio=role.get("portfolio", ""),
                )
                created += 1
            for code in person.get("head_of", []):
                unit = existing_units[code]
                if unit.head_id != user.pk:
                    org_unit_set_head(by=SYSTEM, unit=unit, head=user)
        return created

    # --- Council Plans ------------------------------------------------------------------

    def load_plans(self) -> int:
        created = 0
        for path in PLAN_FILES:
            data = json.loads(path.read_text(encoding="utf-8"))
            plan = CouncilPlan.objects.filter(title=data["title"]).first()
            is_demo = "demo_note" in data
            if plan is None:
                description = data.get("demo_note") or f"Source: {data['source']}."
                plan = council_plan_create(
                    by=SYSTEM,
                    title=data["title"],
                    start_date=datetime.date.fromisoformat(data["start_date"]),
                    end_date=datetime.date.fromisoformat(data["end_date"]),
                    vision=data["vision"],
                    vision_label=data.get("vision_label", "Vision"),
                    level_names=data["level_names"],
                    description=description,
                    is_demo=is_demo,
                )
                created += 1
            existing = {node.code: node for node in PlanNode.objects.filter(plan=plan)}

            def walk(nodes: list[dict], parent: PlanNode | None, plan: CouncilPlan = plan, existing=existing) -> int:
                added = 0
                for order, item in enumerate(nodes, start=1):
                    node = existing.get(item["code"])
                    if node is None:
                        node = plan_node_create(
                            by=SYSTEM,
                            plan=plan,
                            code=item["code"],
                            title=item["title"],
                            description=item.get("description", ""),
                            parent=parent,
                            order=order,
                            allow_read_only=True,
                        )
                        existing[node.code] = node
                        added += 1
                    added += walk(item.get("children", []), node)
                return added

            created += walk(data["nodes"], None)
        return created

    # --- plans, objectives and CIC objectives ---------------------------------------------

    def load_golden_thread(self) -> int:
        """Plans for every directorate, service and team in the current financial year, with
        objectives across the priorities: some at risk, some overdue, some contributing across
        directorates, one linked to nothing and one plan still empty, so the thread and gaps
        pages have something to show. Then CIC objectives for the employees."""
        today = timezone.localdate()
        year = financial_year_of(today)
        if UnitPlan.objects.filter(year=year).exists():
            return 0
        plan = CouncilPlan.objects.current(today)
        if plan is None:
            return 0
        start, end = financial_year_bounds(year)
        overdue_due = today - datetime.timedelta(days=30)
        overdue_due = overdue_due if overdue_due >= start + datetime.timedelta(days=30) else None
        nodes = {node.code: node for node in plan.nodes.all()}
        units = {unit.code: unit for unit in OrgUnit.objects.select_related("head")}
        counter = {"n": 0}

        def next_status() -> str:
            counter["n"] += 1
            return DEMO_STATUSES[counter["n"] % len(DEMO_STATUSES)]

        def make_objective(unit_plan, title, owner, **link):
            status = next_status()
            due = end
            if overdue_due and status in {"at_risk", "off_track", "on_track"} and counter["n"] % 4 == 0:
                due = overdue_due
            return objective_create(
                by=SYSTEM,
                plan=unit_plan,
                title=title,
                description="",
                owner=owner,
                start_date=start,
                due_date=due,
                status=status,
                **link,
            )

        created = 0
        directorate_objectives: dict[str, list] = {}
        service_objectives: dict[str, list] = {}
        for code, marker_codes in DEMO_DIRECTORATE_MARKERS.items():
            directorate = units[code]
            unit_plan = unit_plan_create(
                by=SYSTEM,
                unit=directorate,
                year=year,
                title=f"{directorate.name}: plan on a page {year}/{str(year + 1)[-2:]}",
            )
            created += 1
            directorate_objectives[code] = []
            for marker_code in marker_codes:
                marker = nodes[marker_code]
                title = marker.title
                directorate_objectives[code].append(
                    make_objective(unit_plan, title, directorate.head, council_plan_node=marker)
                )
                created += 1
        codes = list(DEMO_DIRECTORATE_MARKERS)
        for index, code in enumerate(codes[:-1]):  # a chain across directorates, not a loop
            partner = directorate_objectives[codes[(index + 1) % len(codes)]][0]
            objective_update(by=SYSTEM, objective=directorate_objectives[code][0], contributes_to=[partner])

        services = OrgUnit.objects.filter(kind="service", parent__code__in=codes).select_related("head", "parent")
        for service_index, service in enumerate(services.order_by("path")):
            unit_plan = unit_plan_create(by=SYSTEM, unit=service, year=year, title=f"{service.name} service plan")
            created += 1
            parents = directorate_objectives[service.parent.code]
            service_objectives[service.code] = []
            for i, template in enumerate(DEMO_SERVICE_OBJECTIVES[:2]):
                parent = parents[(service_index + i) % len(parents)]
                service_objectives[service.code].append(
                    make_objective(unit_plan, template.format(unit=service.name), service.head, parent_objective=parent)
                )
                created += 1
            if service_index == 2:
                make_objective(unit_plan, f"Refresh the {service.name} website pages", service.head)
                created += 1

        teams = list(OrgUnit.objects.filter(kind="team", parent__code__in=service_objectives).order_by("path"))
        for team_index, team in enumerate(teams):
            unit_plan = unit_plan_create(by=SYSTEM, unit=team, year=year, title=f"{team.name} team plan")
            created += 1
            if team_index == len(teams) - 1:
                continue  # one plan left empty for the gaps page
            parents = service_objectives[team.parent.code]
            for i, template in enumerate(DEMO_TEAM_OBJECTIVES):
                make_objective(
                    unit_plan,
                    template.format(unit=team.name),
                    team.head,
                    parent_objective=parents[(team_index + i) % len(parents)],
                )
                created += 1

        team_objectives = {}
        for objective in Objective.objects.filter(
            plan__year=year, plan__unit__kind__in=["team", "service"]
        ).select_related("plan__unit"):
            team_objectives.setdefault(objective.plan.unit_id, []).append(objective)
        for person_index, person in enumerate(
            User.objects.filter(org_unit__kind__in=["team", "service"]).select_related("org_unit").order_by("username")
        ):
            choices = team_objectives.get(person.org_unit_id) or team_objectives.get(person.org_unit.parent_id) or []
            for i in range(min(2, len(choices))):
                cic_objective_create(
                    by=person,
                    employee=person,
                    objective=choices[(person_index + i) % len(choices)],
                    title=DEMO_CIC_TITLES[(person_index + i) % len(DEMO_CIC_TITLES)],
                    description="Agreed at my Continuous Improvement Conversation.",
                    status=DEMO_STATUSES[(person_index + i) % len(DEMO_STATUSES)],
                )
                created += 1
        return created

    # --- KPIs, history and the open period ---------------------------------------------------

    def load_kpis(self) -> int:
        """The demo data dictionary with real published history (demo/data/kpis.md), invented
        targets labelled as such, and the latest quarter open with returns in every state."""
        if Kpi.objects.exists():
            return 0
        data = json.loads(KPI_FILE.read_text(encoding="utf-8"))
        units = {u.code: u for u in OrgUnit.objects.all()}
        people = {u.username: u for u in User.objects.all()}
        plan = CouncilPlan.objects.current(timezone.localdate())
        nodes = {n.code: n for n in plan.nodes.all()} if plan else {}
        today = timezone.localdate()
        open_year = financial_year_of(today - datetime.timedelta(days=92))
        open_quarter = quarter_of(today - datetime.timedelta(days=92))
        periods: dict[tuple[int, int], ReportingPeriod] = {
            (p.year, p.quarter): p for p in ReportingPeriod.objects.all()
        }

        def period(year: int, quarter: int, historic: bool) -> ReportingPeriod:
            if (year, quarter) not in periods:
                periods[(year, quarter)] = period_create(by=SYSTEM, year=year, quarter=quarter, historic=historic)
            return periods[(year, quarter)]

        created = 0
        kpis = []
        for item in data:
            annual = item["frequency"] == "annual"
            kpi = kpi_create(
                by=SYSTEM,
                code=item["code"],
                effective_from=datetime.date(2010, 4, 1),
                version={
                    "calculation_method": item["calculation_method"],
                    "unit": item["unit"],
                    "rate_per": item.get("rate_per"),
                    "polarity": item["polarity"],
                    "cumulative_basis": item["cumulative_basis"],
                },
                council_plan_nodes=[nodes[c] for c in item.get("council_plan_markers", []) if c in nodes],
                title=item["title"],
                definition=item["definition"],
                why_it_matters=item.get("why_it_matters", ""),
                source_system=item.get("source_system", ""),
                owning_service=units[item["owning_service"]],
                owner=people[item["owner"]],
                deputy=people.get(item.get("deputy") or ""),
                portfolio=item.get("portfolio", ""),
                benchmark_source=item.get("benchmark_source", ""),
                is_statutory=item.get("is_statutory", False),
                is_council_plan_measure=item.get("is_council_plan_measure", False),
                frequency=item["frequency"],
                data_period_type=item["data_period_type"],
                # The demo reports every annual KPI in the open quarter, so it has them all to show.
                annual_reporting_quarter=open_quarter if annual else 1,
                decimal_places=item["decimal_places"],
                tolerance_type=item.get("tolerance_type") or "none",
                tolerance_amount=_decimal(item.get("tolerance_amount")),
            )
            kpis.append(kpi)
            created += 1
            for target in item.get("targets", []):
                target_set(
                    by=SYSTEM,
                    kpi=kpi,
                    for_date=datetime.date.fromisoformat(target["for_date"]),
                    value=_decimal(target["value"]),
                    is_year_to_date=target.get("is_year_to_date", False),
                    note=target.get("note", "Invented for the demo"),
                )
            for benchmark in item.get("benchmarks", []):
                benchmark_set(
                    by=SYSTEM,
                    kpi=kpi,
                    period_end=datetime.date.fromisoformat(benchmark["period_end"]),
                    comparator=benchmark["comparator"],
                    data_period_label=benchmark["data_period_label"],
                    value=_decimal(benchmark["value"]),
                    source=benchmark.get("source", ""),
                )
            history = []
            for point in item["history"]:
                end = datetime.date.fromisoformat(point["period_end"])
                year, quarter = reporting_quarter_for(end, annual=annual, reporting_quarter=open_quarter)
                if (year, quarter) < (open_year, open_quarter):
                    history.append((point, end, year, quarter))
            latest = max((end for _point, end, _year, _quarter in history), default=None)
            for point, end, year, quarter in history:
                # The latest figure before the open period, which the published report
                # (``load_reports``) shows, carries the commentary and actions a service writes,
                # invented and labelled so, as a real report's exceptions do.
                words = (
                    {
                        "commentary": "Demo commentary, invented for the demonstration: why the "
                        f"{point['data_period_label']} figure moved as it did.",
                        "actions": "Demo actions, invented for the demonstration: what the service is doing next.",
                    }
                    if end == latest
                    else {}
                )
                return_backfill(
                    by=SYSTEM,
                    kpi=kpi,
                    period=period(year, quarter, historic=True),
                    # The demo's KPIs are not entered as ratios, so a point's numerator and
                    # denominator (in kpis.json, for reference) are not the figure's.
                    value=_decimal(point["value"]),
                    note=f"Published figure for {point['data_period_label']} (see demo/data/kpis.md)",
                    data_period=DataPeriod(
                        point["data_period_label"],
                        datetime.date.fromisoformat(point.get("period_start") or "1900-01-01"),
                        end,
                    ),
                    **words,
                )
                created += 1
        current = period(open_year, open_quarter, historic=False)
        # The demo's open period is mid-cycle today, so the cycle does not close it at once.
        deadline = add_working_days(today, 10)
        period_update_dates(
            by=SYSTEM,
            period=current,
            opens_on=min(current.opens_on, today),
            return_deadline=deadline,
            review_deadline=add_working_days(deadline, 5),
            publish_on=add_working_days(deadline, 15),
        )
        period_advance(by=SYSTEM, period=current, to=PeriodState.OPEN)
        self.demo_states(current, kpis)
        return created

    def demo_states(self, period: ReportingPeriod, kpis: list) -> None:
        """Returns in every state, so each role's pages have something to do."""
        from kpis.data_quality import ALL_MET
        from kpis.services.returns import (
            history,
            return_approve,
            return_mark_not_available,
            return_save,
            return_send_back,
            return_submit,
        )

        lead_of = {
            a.org_unit_id: a.user for a in RoleAssignment.objects.filter(role="directorate_lead").select_related("user")
        }
        plan = ["approved", "submitted", "returned", "draft", "not_started", "not_available", "submitted"]
        returns = {r.kpi_id: r for r in KpiReturn.objects.filter(period=period).select_related("version", "kpi")}
        for index, kpi in enumerate(kpis):
            kpi_return = returns.get(kpi.pk)
            if kpi_return is None:
                continue
            state = plan[index % len(plan)]
            if state == "not_started":
                continue
            owner = kpi.owner
            if state == "not_available":
                return_mark_not_available(
                    by=owner,
                    kpi_return=kpi_return,
                    revision=0,
                    reason="The national release is later than usual this year.",
                    expected_date=period.review_deadline,
                )
                continue
            past = history(kpi_return)
            value = past[-1] if past else Decimal("50")
            entry = ReturnEntry(
                value=round_half_up(value, kpi.decimal_places),
                commentary="Demo value, invented for the demonstration: in line with last year.",
            )
            if state == "draft":  # not yet attested: that is done when it is submitted
                return_save(by=owner, kpi_return=kpi_return, revision=0, confirm_unusual=True, entry=entry)
                continue
            # Every dimension of the data quality policy attested met: a caveat on every demo
            # figure would hide the one a service lead raises.
            attested = replace(entry, data_quality=ALL_MET)
            return_submit(by=owner, kpi_return=kpi_return, revision=0, confirm_unusual=True, entry=attested)
            lead = lead_of.get(kpi.owning_service.parent_id)
            if state == "approved" and lead:
                return_approve(by=lead, kpi_return=kpi_return, quality_checked=True)
            elif state == "returned" and lead:
                return_send_back(by=lead, kpi_return=kpi_return, reason="Please add the actions you are taking.")

    # --- risks --------------------------------------------------------------------------

    def load_risks(self) -> int:
        """A few realistic risks, every one invented for the demonstration and saying so: a
        corporate one, one escalated from Adult Social Care to its directorate, service risks
        linked to their KPIs and objectives, and one whose review is overdue (so the reminders
        have something to say)."""
        if Risk.objects.exists():
            return 0
        today = timezone.localdate()
        units = {unit.code: unit for unit in OrgUnit.objects.select_related("head")}
        kpis = {kpi.code: kpi for kpi in Kpi.objects.all()}
        invented = " (Demo risk, invented for the demonstration.)"

        def owner_of(code: str) -> User:
            unit = units[code]
            return unit.head or User.objects.filter(org_unit__path__startswith=unit.path, is_active=True).first()

        def scores(inherent, current, target) -> dict:
            values = {}
            for stage, (likelihood, impact) in zip(
                ("inherent", "current", "target"), (inherent, current, target), strict=True
            ):
                values[f"{stage}_likelihood"], values[f"{stage}_impact"] = likelihood, impact
            return values

        def objective_of(code: str) -> list:
            found = Objective.objects.filter(plan__unit__code=code, plan__year=financial_year_of(today)).first()
            return [found] if found else []

        specs = [
            (
                "WMBC",
                "Cyber attack disrupts council services",
                "Ransomware and phishing aimed at local government; some systems past vendor support",
                "A cyber attack takes key systems offline for days",
                "Residents cannot reach services or be paid benefits; data may be lost or published",
                "Backups held off site; multi-factor sign-in; annual penetration test",
                ((4, 5), (3, 5), (2, 4)),
                [],
                60,
            ),
            (
                "ASC",
                "Care workforce turnover leaves packages unstaffed",
                "Care work pays less than retail and hospitality nearby",
                "Providers cannot staff the home care packages the council commissions",
                "People wait in hospital or at home without the care they were assessed for",
                "Fair cost of care uplift; joint recruitment campaign with providers",
                ((5, 4), (4, 4), (3, 3)),
                ["ASC-04", "ASC-01"],
                -10,  # review overdue
            ),
            (
                "ASC",
                "Adult social care spending exceeds the budget",
                "More older people with complex needs; care fees rising faster than inflation",
                "Spending on care packages runs ahead of the budget during the year",
                "Savings must be found elsewhere in the council at short notice",
                "Monthly budget monitoring; panel approval of high-cost packages",
                ((5, 4), (4, 4), (3, 3)),
                ["ASC-02"],
                45,
            ),
            (
                "CSC",
                "Repeat referrals signal unmet need in families",
                "Cases closed before the family's underlying needs are met",
                "Families are referred again within a year",
                "Children stay at risk for longer and demand on social workers grows",
                "Step-down to early help; audit of closed cases",
                ((4, 4), (3, 4), (2, 3)),
                ["CSC-01", "CSC-02"],
                30,
            ),
            (
                "PH",
                "Health Check uptake falls as GP capacity tightens",
                "GP practices prioritise urgent appointments",
                "Fewer eligible residents are offered and take up an NHS Health Check",
                "Cardiovascular risk goes undetected for longer",
                "Outreach checks in community venues",
                ((3, 3), (3, 3), (2, 3)),
                ["PH-01"],
                90,
            ),
        ]
        made = []
        for code, title, cause, event, effect, controls, stages, kpi_codes, review_in in specs:
            if code not in units:
                continue
            made.append(
                risk_create(
                    by=SYSTEM,
                    unit=units[code],
                    title=title,
                    cause=cause,
                    event=event + invented,
                    effect=effect,
                    owner=owner_of(code),
                    controls=controls,
                    review_date=today + datetime.timedelta(days=review_in),
                    status="open",
                    objectives=objective_of(code),
                    kpis=[kpis[k] for k in kpi_codes if k in kpis],
                    **scores(*stages),
                )
            )
        for risk in made:
            risk_action_add(
                by=SYSTEM,
                risk=risk,
                description="Report progress on the controls to the directorate leadership team (invented).",
                owner=risk.owner,
                due_date=today + datetime.timedelta(days=30),
            )
        budget = next((r for r in made if r.title.startswith("Adult social care spending")), None)
        if budget is not None:
            risk_escalate(
                by=SYSTEM,
                risk=budget,
                reason="The pressure is beyond what the service can manage alone (invented for the demonstration).",
            )
        return len(made)

    # --- reports ------------------------------------------------------------------------

    def load_reports(self) -> int:
        """The latest quarter of history published, with invented priority narratives, so
        scrutiny members have a report to read. Its PDFs are made by the worker."""
        from reporting.models import Snapshot
        from reporting.selectors import plan_for
        from reporting.services import draft_build, narrative_save, report_publish

        if Snapshot.objects.exists():
            return 0
        # The latest quarter of loaded history that the current Council Plan covers.
        period = next(
            (
                p
                for p in ReportingPeriod.objects.filter(state=PeriodState.CLOSED, historic=True).order_by(
                    "-year", "-quarter"
                )
                if plan_for(p) is not None
            ),
            None,
        )
        if period is None:
            return 0
        plan = plan_for(period)
        self.load_breakdowns(period)
        period_advance(by=SYSTEM, period=period, to=PeriodState.DRAFT_REPORT)
        for priority in plan.nodes.active().priorities():
            narrative_save(
                by=SYSTEM,
                period=period,
                node=priority,
                text=f"Demo narrative, invented for the demonstration: progress on {priority.title.lower()} "
                "this quarter, with the measures below.",
            )
        draft_build(by=SYSTEM, period=period)
        report_publish(by=SYSTEM, period=period)
        return 1

    #: Invented breakdowns (ADR 0022): a count of people by ward, with small counts that the
    #: published report and open data suppress, and a percentage by age band.
    DEMO_WARDS = ("Bloxwich East", "Darlaston South", "Paddock", "Pheasey Park Farm", "Willenhall North")
    DEMO_WARD_COUNTS = ((41, 3, 26, 17, 33), (38, 6, 24, 2, 30), (44, 4, 29, 15, 36), (40, 7, 27, 12, 31))
    DEMO_AGE_BANDS = (("18 to 34", Decimal("-4.2")), ("35 to 64", Decimal("1.1")), ("65 and over", Decimal("3.6")))

    def load_breakdowns(self, period: ReportingPeriod) -> None:
        """Breakdowns for two KPIs, with their last four figures' values per category, all
        invented and named so: a count by ward for a Council Plan measure reported in the period
        to be published (its report shows it suppressed), and a percentage by age band."""
        from kpis.services.breakdowns import breakdown_history_set

        in_period = KpiReturn.objects.filter(period=period, state="approved", value__isnull=False)
        in_plan = set(in_period.filter(kpi__council_plan_nodes__isnull=False).values_list("pk", flat=True))
        # Council Plan measures first: the published report shows those.
        reported = sorted(in_period.select_related("kpi", "version"), key=lambda r: (r.pk not in in_plan, r.kpi.code))[
            :1
        ]
        # A second KPI (one the first is not) by its latest approved figure in any earlier period.
        other = (
            KpiReturn.objects.filter(state="approved", value__isnull=False, period__historic=True)
            .exclude(kpi__in=[r.kpi_id for r in reported])
            .select_related("kpi", "version")
            .order_by("kpi__code", "-data_period_end")
            .first()
        )
        reported += [other] if other else []
        for index, shown in enumerate(reported):
            kpi = shown.kpi
            history = list(
                KpiReturn.objects.filter(
                    kpi=kpi, state="approved", value__isnull=False, data_period_end__lte=shown.data_period_end
                ).order_by("-data_period_end")[:4]
            )
            if index == 0:
                breakdown = breakdown_set(
                    by=SYSTEM,
                    kpi=kpi,
                    name="Ward (invented for the demo)",
                    categories=list(self.DEMO_WARDS),
                    holds_counts=True,
                )
                for kpi_return, counts in zip(history, self.DEMO_WARD_COUNTS, strict=False):
                    cells = {ward: Decimal(count) for ward, count in zip(self.DEMO_WARDS, counts, strict=True)}
                    breakdown_history_set(by=SYSTEM, kpi_return=kpi_return, breakdown=breakdown, cells=cells)
            else:
                breakdown = breakdown_set(
                    by=SYSTEM,
                    kpi=kpi,
                    name="Age band (invented for the demo)",
                    categories=[band for band, _ in self.DEMO_AGE_BANDS],
                )
                upper = Decimal(100) if shown.version.unit == "percentage" else None
                for step, kpi_return in enumerate(history):
                    cells = {}
                    for band, offset in self.DEMO_AGE_BANDS:
                        value = max(kpi_return.value + offset + Decimal(step) / 2, Decimal(0))
                        cells[band] = round_half_up(min(value, upper) if upper else value, kpi.decimal_places)
                    breakdown_history_set(by=SYSTEM, kpi_return=kpi_return, breakdown=breakdown, cells=cells)

    # --- sign-ins -----------------------------------------------------------------------

    def write_sign_ins(self) -> None:
        """A file the run command prints: who to sign in as to see each role."""
        lines = [f"Demo sign-ins (password for all: {DEMO_PASSWORD}):"]
        assignments = list(RoleAssignment.objects.select_related("user", "org_unit").order_by("role", "user__username"))
        role_count: dict[int, int] = {}
        for assignment in assignments:
            role_count[assignment.user_id] = role_count.get(assignment.user_id, 0) + 1
        # One person per role, preferring people who hold just that role, so each sign-in shows one view.
        chosen: dict[str, RoleAssignment] = {}
        for assignment in sorted(assignments, key=lambda a: (role_count[a.user_id], a.user.username)):
            chosen.setdefault(assignment.role, assignment)
        for role in sorted(chosen):
            assignment = chosen[role]
            lines.append(f"  {assignment.user.username:<22} {assignment}")
        employee = (
            User.objects.filter(role_assignments__isnull=True, line_manager__isnull=False).order_by("username").first()
        )
        if employee:
            lines.append(f"  {employee.username:<22} Employee with no performance role")
        path = Path(settings.VAR_DIR) / "demo-sign-ins.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
