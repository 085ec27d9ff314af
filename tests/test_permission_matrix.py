"""Every URL × every persona. A new URL pattern without a row here (or a reasoned
exemption) fails ``test_every_url_is_in_the_matrix``."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.policy import SYSTEM
from tests.conftest import PERSONAS, client_for
from tests.permissions import EVERYONE, SCOPED_PERSONAS, Exemption, Route, sign_in_url

ORGANISATION_READERS = frozenset({"performance_admin", "cmt", "cabinet", "directorate_lead", "service_lead"})
ADMINS = frozenset({"performance_admin"})
STAFF = frozenset({"no_role", "performance_admin", "cmt", "cabinet", "directorate_lead", "service_lead"})
PLAN_EDITORS = frozenset({"performance_admin", "directorate_lead", "service_lead"})
#: Risk registers: council-wide roles read every register, leads their own units' registers.
RISK_READERS = frozenset({"performance_admin", "cmt", "cabinet", "directorate_lead", "service_lead"})
#: Kept by performance admins and the leads over the register (not CMT or Cabinet).
RISK_EDITORS = frozenset({"performance_admin", "directorate_lead", "service_lead"})
#: A CIC objective is read by the employee (no_role) and their line manager (service_lead) only.
REVIEWERS = frozenset({"performance_admin", "directorate_lead"})
DASHBOARD_READERS = frozenset({"performance_admin", "cmt", "cabinet", "directorate_lead", "service_lead"})
DRAFT_READERS = frozenset({"performance_admin", "cmt", "cabinet"})
#: The audit committee's data quality report: the performance team and CMT.
DATA_QUALITY_READERS = frozenset({"performance_admin", "cmt"})
#: A draft report is not disclosed to people who read published reports only.
DRAFT_HIDDEN = {"scrutiny": 404, "no_role": 404, "directorate_lead": 404, "service_lead": 404}
ESCALATION_READERS = frozenset({"performance_admin", "cmt", "cabinet", "directorate_lead"})
CMT_DECIDERS = frozenset({"performance_admin", "cmt"})
#: A return is entered by its KPI's owner (service_lead) or an admin; others who can see it
#: (leads, CMT, Cabinet) are refused; people who cannot see it get 404.
RETURN_ENTRY = {"directorate_lead": 403, "cmt": 403, "cabinet": 403, "no_role": 404}
CIC_READERS_ONLY = {
    "performance_admin": 404,
    "cmt": 404,
    "cabinet": 404,
    "directorate_lead": 404,
    "scrutiny": 403,
}
#: A person's API token is reached by them and by a performance admin; to anyone else it does
#: not exist.
TOKEN_OWNER_OR_ADMIN = dict.fromkeys(("cmt", "cabinet", "scrutiny", "directorate_lead", "service_lead"), 404)


def _open_data(world, fmt: str) -> dict:
    period = world.kpis["published_snapshot"].period
    return {"year": period.year, "quarter": period.quarter, "fmt": fmt}


def _no_role_token(world):
    """A token of the person with no role, made through the service as they would make it."""
    from organisation.api_tokens import api_token_create

    return api_token_create(by=world.people["no_role"], name="Power BI", days=30)[0]


def _published_kpi(world) -> dict:
    """A KPI code shown in a published report: the world's own published report is built before
    any KPI reports against the Council Plan, so one more report (2025/26 Q1, within the Council
    Plan's years) shows S1-01."""
    from django.utils import timezone

    from kpis.models import ReportingPeriod
    from kpis.services.periods import period_create
    from reporting.content import build, digest
    from reporting.models import Snapshot

    if not Snapshot.objects.filter(period__year=2025, period__quarter=1).exists():
        world.kpis["s1"].council_plan_nodes.add(world.thread["priority"])
        period = ReportingPeriod.objects.filter(year=2025, quarter=1).first() or period_create(
            by=SYSTEM, year=2025, quarter=1, historic=True
        )
        content = build(period, kind="published", status_label="Published")
        Snapshot.objects.create(
            period=period,
            kind="published",
            as_at=timezone.now(),
            status_label="Published",
            content=content,
            sha256=digest(content),
        )
    return {"code": world.kpis["s1"].code}


#: Single sign-on configured (no provider is asked: these rows only redirect).
SINGLE_SIGN_ON = {
    "OIDC_RP_CLIENT_ID": "matrix-client",
    "OIDC_RP_CLIENT_SECRET": "matrix-secret",
    "PMF_OIDC_ISSUER": "",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://login.example.com/authorize",
}

ROUTES = (
    Route("reporting:overview", allowed=DASHBOARD_READERS),
    Route(
        "reporting:dashboard",
        allowed=DASHBOARD_READERS,
        hidden_from_scoped=lambda w: [w.kpis["s2"].title],
    ),
    Route("reporting:scorecard", allowed=DASHBOARD_READERS, hidden_from_scoped=lambda w: [w.kpis["s2"].title]),
    Route("reporting:scorecard-export", allowed=DASHBOARD_READERS, kwargs=lambda w: {"fmt": "csv"}),
    Route("reporting:exceptions", allowed=DASHBOARD_READERS, hidden_from_scoped=lambda w: [w.kpis["s2"].title]),
    Route("reporting:report-list", allowed=EVERYONE),
    Route("reporting:notifications", allowed=EVERYONE),
    Route("reporting:kpi-published", allowed=EVERYONE, kwargs=_published_kpi),
    Route("reporting:kpi-published-export", allowed=EVERYONE, kwargs=lambda w: _published_kpi(w) | {"fmt": "csv"}),
    Route("reporting:notification-settings", allowed=EVERYONE),
    Route("reporting:cycle", allowed=ADMINS, kwargs=lambda w: {"pk": w.kpis["period"].pk}),
    Route(
        "reporting:cycle",
        allowed=ADMINS,
        kwargs=lambda w: {"pk": w.kpis["period"].pk},
        method="post",
        data={"step": "0"},
        ok_status=404,
    ),
    Route("reporting:report", allowed=DRAFT_READERS, kwargs=lambda w: {"pk": w.kpis["period"].pk}),
    Route("reporting:data-quality", allowed=DATA_QUALITY_READERS, kwargs=lambda w: {"pk": w.kpis["period"].pk}),
    Route("reporting:data-quality-pdf", allowed=DATA_QUALITY_READERS, kwargs=lambda w: {"pk": w.kpis["period"].pk}),
    Route(
        "reporting:narrative-edit",
        allowed=ADMINS,
        kwargs=lambda w: {"pk": w.kpis["period"].pk, "node_pk": w.thread["priority"].pk},
    ),
    Route(
        "reporting:draft-build",
        allowed=ADMINS,
        kwargs=lambda w: {"pk": w.kpis["period"].pk},
        method="post",
        ok_status=302,
    ),
    Route(
        "reporting:publish", allowed=ADMINS, kwargs=lambda w: {"pk": w.kpis["period"].pk}, method="post", ok_status=302
    ),
    Route("reporting:snapshot", allowed=EVERYONE, kwargs=lambda w: {"pk": w.kpis["published_snapshot"].pk}),
    Route(
        "reporting:snapshot",
        allowed=EVERYONE,
        kwargs=lambda w: {"pk": w.kpis["draft_snapshot"].pk},
        by_persona=DRAFT_HIDDEN,
    ),
    Route("reporting:snapshot-progress", allowed=EVERYONE, kwargs=lambda w: {"pk": w.kpis["published_snapshot"].pk}),
    Route(
        "reporting:snapshot-progress",
        allowed=EVERYONE,
        kwargs=lambda w: {"pk": w.kpis["draft_snapshot"].pk},
        by_persona=DRAFT_HIDDEN,
    ),
    Route("reporting:file-download", allowed=EVERYONE, kwargs=lambda w: {"pk": w.kpis["published_file"].pk}),
    Route(
        "reporting:file-download",
        allowed=EVERYONE,
        kwargs=lambda w: {"pk": w.kpis["draft_file"].pk},
        by_persona=DRAFT_HIDDEN,
    ),
    Route("home"),
    Route("accessibility", public=True),
    Route("health", public=True),
    Route("accounts:sign-in", public=True, signed_in_status=302),
    # Single sign-on: not there unless configured; then the start sends everyone to the
    # provider and a callback without a code goes to the refusal page.
    Route("accounts:sso-start", public=True, ok_status=404),
    Route("accounts:sso-start", public=True, ok_status=302, settings=SINGLE_SIGN_ON),
    Route("accounts:sso-callback", public=True, ok_status=404),
    Route("accounts:sso-callback", public=True, ok_status=302, settings=SINGLE_SIGN_ON),
    Route("accounts:sso-refused", public=True),
    Route("api-schema", public=True),
    # Open data: published figures for anyone; a period not published is not there for anyone.
    Route("reporting:open-data", public=True),
    Route("reporting:open-data-licence", public=True),
    Route("reporting:open-data-file", public=True, kwargs=lambda w: _open_data(w, "csv")),
    Route("reporting:open-data-file", public=True, kwargs=lambda w: _open_data(w, "json")),
    Route(
        "reporting:open-data-file",
        public=True,
        ok_status=404,
        kwargs=lambda w: {"year": w.kpis["period"].year, "quarter": w.kpis["period"].quarter, "fmt": "csv"},
    ),
    Route("planning:council-plan-list"),
    Route("planning:council-plan-detail", kwargs=lambda w: {"pk": w.plan.pk}),
    Route(
        "accounts:org-unit-list",
        allowed=ORGANISATION_READERS,
        hidden_from_scoped=lambda w: [w.d2.name, w.s2.name, w.t2.name],
    ),
    Route(
        "accounts:org-unit-detail",
        allowed=ORGANISATION_READERS,
        kwargs=lambda w: {"code": w.s1.code},
        out_of_scope_kwargs=lambda w: {"code": w.s2.code},
    ),
    Route("organisation:person-list", allowed=ADMINS),
    Route("organisation:person-detail", allowed=ADMINS, kwargs=lambda w: {"pk": w.people["no_role"].pk}),
    Route(
        "organisation:person-detail",
        allowed=ADMINS,
        kwargs=lambda w: {"pk": w.people["no_role"].pk},
        method="post",
        data={"role": "scrutiny"},
        ok_status=302,
    ),
    Route(
        "organisation:role-remove",
        allowed=ADMINS,
        kwargs=lambda w: {"pk": w.people["cmt"].pk, "assignment_pk": w.people["cmt"].role_assignments.get().pk},
    ),
    Route(
        "organisation:role-remove",
        allowed=ADMINS,
        kwargs=lambda w: {"pk": w.people["cmt"].pk, "assignment_pk": w.people["cmt"].role_assignments.get().pk},
        method="post",
        ok_status=302,
    ),
    Route("audit:event-list", allowed=ADMINS),
    Route("privacy:subject-access", allowed=ADMINS, kwargs=lambda w: {"pk": w.people["no_role"].pk}),
    Route(
        "privacy:subject-access",
        allowed=ADMINS,
        kwargs=lambda w: {"pk": w.people["no_role"].pk},
        method="post",
    ),
    Route("api_tokens:list"),
    Route("api_tokens:list", method="post", data={"name": "Power BI", "days": "30"}),
    Route("api_tokens:everyone", allowed=ADMINS),
    Route("api_tokens:revoke", kwargs=lambda w: {"pk": _no_role_token(w).pk}, by_persona=TOKEN_OWNER_OR_ADMIN),
    Route(
        "api_tokens:revoke",
        kwargs=lambda w: {"pk": _no_role_token(w).pk},
        method="post",
        by_persona={**TOKEN_OWNER_OR_ADMIN, "no_role": 302, "performance_admin": 302},
    ),
    Route("planning:council-plan-create", allowed=ADMINS),
    Route("planning:council-plan-edit", allowed=ADMINS, kwargs=lambda w: {"pk": w.plan.pk}),
    Route("planning:plan-node-add", allowed=ADMINS, kwargs=lambda w: {"pk": w.plan.pk}),
    Route(
        "planning:plan-node-edit",
        allowed=ADMINS,
        kwargs=lambda w: {"pk": w.plan.pk, "node_pk": w.thread["priority"].pk},
    ),
    Route(
        "planning:plan-node-move",
        allowed=ADMINS,
        kwargs=lambda w: {"pk": w.plan.pk, "node_pk": w.thread["priority"].pk},
        method="post",
        data={"direction": "down"},
        ok_status=302,
    ),
    Route(
        "planning:plan-node-retire",
        allowed=ADMINS,
        kwargs=lambda w: {"pk": w.plan.pk, "node_pk": w.thread["priority"].pk},
    ),
    Route("planning:council-plan-export", allowed=ADMINS, kwargs=lambda w: {"pk": w.plan.pk, "fmt": "csv"}),
    Route("planning:council-plan-import", allowed=ADMINS, kwargs=lambda w: {"pk": w.plan.pk}),
    Route("planning:council-plan-import-new", allowed=ADMINS),
    Route("planning:council-plan-import-template", allowed=ADMINS),
    Route("planning:plan-list", allowed=STAFF),
    Route("planning:plan-create", allowed=PLAN_EDITORS),
    Route("planning:plan-detail", allowed=STAFF, kwargs=lambda w: {"pk": w.thread["plans"]["S2"].pk}),
    Route("planning:plan-on-a-page", allowed=STAFF, kwargs=lambda w: {"pk": w.thread["plans"]["D1"].pk}),
    Route(
        "planning:plan-edit",
        allowed=PLAN_EDITORS,
        kwargs=lambda w: {"pk": w.thread["plans"]["S1"].pk},
        out_of_scope_kwargs=lambda w: {"pk": w.thread["plans"]["S2"].pk},
    ),
    Route(
        "planning:objective-add",
        allowed=PLAN_EDITORS,
        kwargs=lambda w: {"pk": w.thread["plans"]["S1"].pk},
        out_of_scope_kwargs=lambda w: {"pk": w.thread["plans"]["S2"].pk},
    ),
    Route("planning:risk-register", allowed=RISK_READERS, hidden_from_scoped=lambda w: [w.thread["risk_s2"].title]),
    Route(
        "planning:risk-export",
        allowed=RISK_READERS,
        kwargs=lambda w: {"fmt": "csv"},
        hidden_from_scoped=lambda w: [w.thread["risk_s2"].title],
    ),
    Route(
        "planning:risk-detail",
        allowed=STAFF,  # any member of staff asks; only a risk's owner reaches it without a role
        kwargs=lambda w: {"pk": w.thread["risk_s1"].pk},
        out_of_scope_kwargs=lambda w: {"pk": w.thread["risk_s2"].pk},
        by_persona={"no_role": 404},
    ),
    Route("planning:risk-add", allowed=RISK_EDITORS),
    Route("planning:risk-import", allowed=RISK_EDITORS),
    Route("planning:risk-import-template", allowed=RISK_EDITORS),
    *(
        Route(
            name,
            allowed=RISK_EDITORS,
            kwargs=lambda w: {"pk": w.thread["risk_s1"].pk},
            out_of_scope_kwargs=lambda w: {"pk": w.thread["risk_s2"].pk},
        )
        for name in ("planning:risk-edit", "planning:risk-review", "planning:risk-escalate", "planning:risk-action-add")
    ),
    Route("planning:objective-detail", allowed=STAFF, kwargs=lambda w: {"pk": w.thread["s2_objective"].pk}),
    Route(
        "planning:objective-edit",
        allowed=PLAN_EDITORS,
        kwargs=lambda w: {"pk": w.thread["s1_objective"].pk},
        out_of_scope_kwargs=lambda w: {"pk": w.thread["s2_objective"].pk},
    ),
    Route(
        "planning:progress-add",
        allowed=PLAN_EDITORS,
        kwargs=lambda w: {"pk": w.thread["s1_objective"].pk},
        out_of_scope_kwargs=lambda w: {"pk": w.thread["s2_objective"].pk},
    ),
    Route("planning:thread-index", allowed=STAFF),
    Route("planning:thread-node", allowed=STAFF, kwargs=lambda w: {"pk": w.thread["priority"].pk}),
    Route("planning:gaps", allowed=STAFF),
    Route("planning:cic-list", allowed=STAFF),
    Route("planning:cic-add", allowed=STAFF),
    Route(
        "planning:cic-detail",
        allowed=STAFF,
        kwargs=lambda w: {"pk": w.thread["cic"].pk},
        by_persona=CIC_READERS_ONLY,
    ),
    Route("planning:cic-edit", allowed=STAFF, kwargs=lambda w: {"pk": w.thread["cic"].pk}, by_persona=CIC_READERS_ONLY),
    Route(
        "planning:cic-note-add",
        allowed=STAFF,
        kwargs=lambda w: {"pk": w.thread["cic"].pk},
        by_persona=CIC_READERS_ONLY,
    ),
    Route("kpis:kpi-list", allowed=STAFF),
    Route("kpis:kpi-create", allowed=ADMINS),
    Route("kpis:kpi-edit", allowed=ADMINS, kwargs=lambda w: {"code": w.kpis["s1"].code}),
    Route("kpis:kpi-version-add", allowed=ADMINS, kwargs=lambda w: {"code": w.kpis["s1"].code}),
    Route("kpis:kpi-target-add", allowed=ADMINS, kwargs=lambda w: {"code": w.kpis["s1"].code}),
    Route("kpis:return-revise", allowed=ADMINS, kwargs=lambda w: {"pk": w.kpis["return_s1"].pk}),
    Route("kpis:kpi-breakdown-add", allowed=ADMINS, kwargs=lambda w: {"code": w.kpis["s1"].code}),
    Route(
        "kpis:kpi-breakdown-edit",
        allowed=ADMINS,
        kwargs=lambda w: {"code": w.kpis["s1"].code, "pk": w.kpis["breakdown_s1"].pk},
    ),
    Route("kpis:kpi-detail", allowed=STAFF, kwargs=lambda w: {"code": w.kpis["s2"].code}),
    Route("kpis:kpi-equalities", allowed=STAFF, kwargs=lambda w: {"code": w.kpis["s1"].code}),
    Route(
        "kpis:escalation-create",
        allowed=REVIEWERS,
        kwargs=lambda w: {"code": w.kpis["s1"].code},
        out_of_scope_kwargs=lambda w: {"code": w.kpis["s2"].code},
    ),
    Route(
        "kpis:red-run-decision",
        allowed=REVIEWERS,
        kwargs=lambda w: {"code": w.kpis["s1"].code},
        out_of_scope_kwargs=lambda w: {"code": w.kpis["s2"].code},
    ),
    Route("kpis:period-list", allowed=ADMINS),
    Route("kpis:period-detail", allowed=ADMINS, kwargs=lambda w: {"pk": w.kpis["period"].pk}),
    Route(
        "kpis:period-advance",
        allowed=ADMINS,
        kwargs=lambda w: {"pk": w.kpis["period"].pk},
        method="post",
        data={"to": "closed"},
        ok_status=302,
    ),
    Route("kpis:my-returns", allowed=STAFF),
    Route("kpis:dictionary-export", allowed=STAFF, kwargs=lambda w: {"fmt": "csv"}),
    Route(
        "kpis:returns-export",
        allowed=frozenset({"performance_admin", "cmt", "cabinet", "directorate_lead", "service_lead"}),
        kwargs=lambda w: {"fmt": "csv"},
        hidden_from_scoped=lambda w: [w.kpis["s2"].code],
    ),
    Route("organisation:import-index", allowed=ADMINS),
    Route("organisation:import-upload", allowed=ADMINS, kwargs=lambda w: {"kind": "people"}),
    Route("organisation:import-template", allowed=ADMINS, kwargs=lambda w: {"kind": "organisation"}),
    Route(
        "organisation:import-apply",
        allowed=ADMINS,
        kwargs=lambda w: {"kind": "people"},
        method="post",
        data={"token": "none held"},
        ok_status=302,  # nothing previewed in this session: back to the upload
    ),
    Route("organisation:leavers", allowed=ADMINS),
    Route("kpis:kpi-hand-over", allowed=ADMINS, kwargs=lambda w: {"pk": w.kpis["s2"].owner_id}),
    Route("kpis:import-index", allowed=ADMINS),
    Route("kpis:import-upload", allowed=ADMINS, kwargs=lambda w: {"kind": "targets"}),
    Route("kpis:import-template", allowed=ADMINS, kwargs=lambda w: {"kind": "targets"}),
    Route(
        "kpis:return-edit",
        allowed=STAFF,
        kwargs=lambda w: {"pk": w.kpis["return_s1"].pk},
        out_of_scope_kwargs=lambda w: {"pk": w.kpis["return_s2"].pk},
        by_persona=RETURN_ENTRY,
    ),
    Route("kpis:review-queue", allowed=REVIEWERS, hidden_from_scoped=lambda w: [w.kpis["s2"].title]),
    Route(
        "kpis:return-review",
        allowed=REVIEWERS,
        kwargs=lambda w: {"pk": w.kpis["return_s1"].pk},
        out_of_scope_kwargs=lambda w: {"pk": w.kpis["return_s2"].pk},
    ),
    Route("kpis:escalation-list", allowed=ESCALATION_READERS, hidden_from_scoped=lambda w: [w.kpis["s2"].title]),
    Route(
        "kpis:escalation-detail",
        allowed=ESCALATION_READERS,
        kwargs=lambda w: {"pk": w.kpis["escalation_s1"].pk},
        out_of_scope_kwargs=lambda w: {"pk": w.kpis["escalation_s2"].pk},
    ),
    Route(
        "kpis:escalation-cmt",
        allowed=CMT_DECIDERS,
        kwargs=lambda w: {"pk": w.kpis["escalation_s1"].pk},
        method="post",
        data={"action": "decide", "note": "Fund the recovery plan"},
        ok_status=302,
    ),
    Route("api-me", api=True),
    Route("api:council-plan-list", api=True),
    Route("api:council-plan-detail", api=True, kwargs=lambda w: {"pk": w.plan.pk}),
    Route(
        "api:org-unit-list",
        api=True,
        allowed=ORGANISATION_READERS,
        hidden_from_scoped=lambda w: [f'"{w.s2.code}"', f'"{w.d2.code}"'],
    ),
    Route("api:plan-list", api=True, allowed=STAFF),
    Route("api:plan-detail", api=True, allowed=STAFF, kwargs=lambda w: {"pk": w.thread["plans"]["S1"].pk}),
    Route("api:objective-list", api=True, allowed=STAFF),
    Route("api:objective-detail", api=True, allowed=STAFF, kwargs=lambda w: {"pk": w.thread["s1_objective"].pk}),
    Route(
        "api:risk-list",
        api=True,
        allowed=RISK_READERS,
        hidden_from_scoped=lambda w: [w.thread["risk_s2"].title],
    ),
    Route(
        "api:risk-detail",
        api=True,
        allowed=RISK_READERS,
        kwargs=lambda w: {"pk": w.thread["risk_s1"].pk},
        out_of_scope_kwargs=lambda w: {"pk": w.thread["risk_s2"].pk},
    ),
    Route("api:kpi-list", api=True, allowed=STAFF),
    Route("api:kpi-detail", api=True, allowed=STAFF, kwargs=lambda w: {"code": w.kpis["s1"].code}),
    Route("api:period-list", api=True, allowed=STAFF),
    Route("api:period-detail", api=True, allowed=STAFF, kwargs=lambda w: {"pk": w.kpis["period"].pk}),
    Route("api:report-list", api=True, allowed=EVERYONE),
    Route("api:report-detail", api=True, allowed=EVERYONE, kwargs=lambda w: {"pk": w.kpis["published_snapshot"].pk}),
    Route(
        "api:report-detail",
        api=True,
        allowed=EVERYONE,
        kwargs=lambda w: {"pk": w.kpis["draft_snapshot"].pk},
        by_persona=DRAFT_HIDDEN,
    ),
    Route(
        "api:return-list",
        api=True,
        allowed=STAFF,
        hidden_from_scoped=lambda w: [f'"{w.kpis["s2"].code}"'],
    ),
    Route(
        "api:return-detail",
        api=True,
        allowed=STAFF,
        kwargs=lambda w: {"pk": w.kpis["return_s1"].pk},
        out_of_scope_kwargs=lambda w: {"pk": w.kpis["return_s2"].pk},
        by_persona={"no_role": 404},
    ),
    Route(
        "api:org-unit-detail",
        api=True,
        allowed=ORGANISATION_READERS,
        kwargs=lambda w: {"code": w.s1.code},
        out_of_scope_kwargs=lambda w: {"code": w.s2.code},
    ),
)

EXEMPTIONS = (Exemption("accounts:sign-out", "POST only; tests/accounts/test_sign_in.py signs out for real"),)
#: Namespaces with their own tests: the Django admin (tests/test_admin.py).
EXEMPT_NAMESPACES = {"admin": "only performance admins reach it and it is read-only; see tests/test_admin.py"}


def _all_url_names(resolver=None, namespace: str = "") -> set[str]:
    names: set[str] = set()
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names |= _all_url_names(entry, inner)
        elif isinstance(entry, URLPattern):
            names.add(f"{namespace}{entry.name}" if entry.name else f"{namespace}<unnamed {entry.pattern}>")
    return names


def test_every_url_is_in_the_matrix():
    covered = {route.url_name for route in ROUTES} | {e.url_name for e in EXEMPTIONS}
    uncovered = {
        name for name in _all_url_names() if name not in covered and name.split(":", 1)[0] not in EXEMPT_NAMESPACES
    }
    assert not uncovered, f"URL patterns with neither a matrix row nor an exemption: {sorted(uncovered)}"


def test_matrix_has_no_stale_rows():
    names = _all_url_names()
    stale = [route.url_name for route in ROUTES if route.url_name not in names]
    assert not stale


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.url_name)
def test_route_answers_each_persona(world, route: Route, persona: str, settings):
    for name, value in route.settings.items():
        setattr(settings, name, value)
    client = client_for(world, persona)
    url = reverse(route.url_name, kwargs=route.kwargs(world))
    response = getattr(client, route.method)(url, route.data)
    expected = route.expected(persona)
    assert response.status_code == expected, f"{persona} GET {url}"
    if expected == 302 and persona == "anonymous" and not route.public:
        assert response.url.startswith(sign_in_url())
    if expected == 302 and route.url_name == "accounts:sso-start":
        assert response.url.startswith(SINGLE_SIGN_ON["OIDC_OP_AUTHORIZATION_ENDPOINT"] + "?")
    if expected == 302 and route.url_name == "accounts:sso-callback":
        assert response.url == reverse("accounts:sso-refused")
    if expected == 200 and persona in SCOPED_PERSONAS and route.hidden_from_scoped:
        body = response.getvalue().decode()  # a CSV is streamed
        for text in route.hidden_from_scoped(world):
            assert text not in body, f"{persona} can see out-of-scope {text} at {url}"


SCOPED_CASES = [
    (route, persona)
    for route in ROUTES
    if route.out_of_scope_kwargs
    for persona in sorted(SCOPED_PERSONAS)
    if route.allowed is EVERYONE or persona in route.allowed
]


@pytest.mark.parametrize(("route", "persona"), SCOPED_CASES, ids=lambda v: getattr(v, "url_name", v))
def test_scoped_persona_gets_404_out_of_scope(world, route: Route, persona: str):
    url = reverse(route.url_name, kwargs=route.out_of_scope_kwargs(world))
    response = getattr(client_for(world, persona), route.method)(url, route.data)
    assert response.status_code == 404


def test_directorate_lead_sees_their_services_and_teams(world):
    client = client_for(world, "directorate_lead")
    body = client.get(reverse("accounts:org-unit-list")).content.decode()
    for unit in (world.d1, world.s1, world.t1):
        assert unit.name in body
