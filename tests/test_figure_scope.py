"""No figure from a period still being reported reaches anyone who may not read it.

Each persona signs in and walks every page, partial, export and API list they can reach:
the matrix's routes, every API list, the exports, the dashboards with their filters (as
pages and as htmx partials) and every link those pages offer. Two approved figures sit in
the open, unpublished period, one in each directorate, each with a value and a commentary
no other page could produce. A figure published in an earlier quarter is readable by all.
"""

from __future__ import annotations

import io
import re
from collections import deque
from decimal import Decimal

import pytest
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from openpyxl import load_workbook

from accounts.policy import Capability
from kpis.models import Kpi, KpiReturn, PeriodState, ReturnState
from kpis.services.returns import return_for
from tests.conftest import client_for
from tests.test_permission_matrix import ROUTES

#: What a figure in the open period looks like on any page: its value and its commentary.
UNPUBLISHED = {
    "s1": ("87.65", "Commentary only Service One's readers may see"),
    "s2": ("43.21", "Commentary only Directorate Two's readers may see"),
}
PUBLISHED = ("61.48", "Commentary published to Cabinet in an earlier quarter")

#: Who must never meet each unpublished figure.
MUST_NOT_SEE = {
    "no_role": {"s1", "s2"},
    "scrutiny": {"s1", "s2"},
    "service_lead": {"s2"},
    "directorate_lead": {"s2"},
}
MAX_PAGES = 160
SKIP = ("/accounts/sign-out/", "/admin/", "/static/", "/api/schema/")


@pytest.fixture
def figures(world):
    """Approve both open-period returns with marked figures, and publish an earlier one."""
    for kpi in (world.kpis["s1"], world.kpis["s2"]):
        Kpi.objects.filter(pk=kpi.pk).update(decimal_places=2)
        kpi.council_plan_nodes.add(world.thread["priority"])
    for key, (value, commentary) in UNPUBLISHED.items():
        KpiReturn.objects.filter(pk=world.kpis[f"return_{key}"].pk).update(
            state=ReturnState.APPROVED, value=Decimal(value), commentary=commentary, actions=commentary
        )
    published_period = world.kpis["published_snapshot"].period
    assert published_period.historic
    assert published_period.state == PeriodState.CLOSED
    earlier = return_for(world.kpis["s2"], published_period)
    KpiReturn.objects.filter(pk=earlier.pk).update(
        state=ReturnState.APPROVED, value=Decimal(PUBLISHED[0]), commentary=PUBLISHED[1]
    )
    assert world.kpis["period"].state == PeriodState.OPEN
    return world


def _api_lists() -> list[str]:
    urls = []
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "api":
            for pattern in entry.url_patterns:
                if isinstance(pattern, URLPattern) and pattern.name and pattern.name.endswith("-list"):
                    try:
                        urls.append(reverse(f"api:{pattern.name}"))
                    except NoReverseMatch:
                        continue
    return urls


def _seeds(world) -> list[str]:
    seeds = []
    for route in ROUTES:
        if route.method != "get":
            continue
        for kwargs in (route.kwargs, route.out_of_scope_kwargs):
            if kwargs is not None:
                seeds.append(reverse(route.url_name, kwargs=kwargs(world)))
    period = world.kpis["period"].pk
    seeds += _api_lists()
    seeds += [f"/api/v1/returns/?period={period}", f"/api/v1/returns/{world.kpis['return_s2'].pk}/"]
    seeds += [f"/api/v1/kpis/{world.kpis['s2'].code}/", f"/api/v1/kpis/{world.kpis['s1'].code}/"]
    seeds += ["/kpis/export.csv", "/kpis/export.xlsx", "/returns/export.csv", f"/returns/export.xlsx?period={period}"]
    for rag in ("green", "amber", "red", "data_only", "none"):
        seeds += [f"/kpis/?rag={rag}", f"/dashboards/kpis/?rag={rag}&period={period}"]
    seeds += [f"/dashboards/?period={period}", f"/dashboards/kpis/?period={period}&measures=on"]
    seeds += [f"/dashboards/kpis/?period={period}&priority={world.thread['priority'].pk}"]
    seeds += [f"/kpis/{world.kpis[key].code}/" for key in ("s1", "s2")]
    return seeds


def _text_of(response) -> str:
    body = response.getvalue()  # a CSV is streamed
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        workbook = load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(
            " ".join("" if cell is None else str(cell) for cell in row)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    return body.decode("utf-8", errors="replace")


HREF = re.compile(r'(?:href|hx-get)="(/[^"#]*)"')


def _walk(client, seeds: list[str]) -> dict[str, str]:
    """Every page reachable from the seeds by links, as (url → text), each page also asked
    for as an htmx partial where the view offers one."""
    seen: dict[str, str] = {}
    queue = deque(seeds)
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft().replace("&amp;", "&")
        if url in seen or url.startswith(SKIP):
            continue
        response = client.get(url)
        if response.status_code != 200:
            seen[url] = ""
            continue
        text = _text_of(response)
        if "HX-Request" in response.get("Vary", ""):
            text += _text_of(client.get(url, headers={"HX-Request": "true"}))
        seen[url] = text
        if response.get("Content-Type", "").startswith("text/html"):
            queue.extend(link for link in HREF.findall(text) if link not in seen)
    return seen


@pytest.mark.parametrize("persona", sorted(MUST_NOT_SEE))
def test_no_unpublished_figure_reaches_someone_who_may_not_read_it(figures, persona):
    world = figures
    pages = _walk(client_for(world, persona), _seeds(world))
    assert len([text for text in pages.values() if text]) > 10, "the walk reached too little to prove anything"
    leaks = [
        f"{key} {marker!r} at {url}"
        for url, text in pages.items()
        for key in sorted(MUST_NOT_SEE[persona])
        for marker in UNPUBLISHED[key]
        if marker in text
    ]
    assert not leaks, f"{persona} reached unpublished figures: {leaks[:10]}"


@pytest.mark.parametrize("persona", ["no_role", "scrutiny", "service_lead", "directorate_lead", "performance_admin"])
def test_a_published_figure_is_readable_by_every_member_of_staff(figures, persona):
    """The other half of the rule: published figures are for everyone who reads the
    dictionary (scrutiny members read published reports instead)."""
    world = figures
    client = client_for(world, persona)
    response = client.get(f"/kpis/{world.kpis['s2'].code}/")
    if persona == "scrutiny":
        assert response.status_code == 403
        return
    body = response.content.decode()
    assert PUBLISHED[0] in body
    listed = client.get("/kpis/").content.decode()
    shown = PUBLISHED[0] if persona in MUST_NOT_SEE else UNPUBLISHED["s2"][0]
    assert shown in listed


@pytest.mark.parametrize("persona", ["performance_admin", "cmt", "cabinet"])
def test_the_walk_finds_the_figures_where_they_may_be_read(figures, persona):
    """The control: people who may read live returns meet both marked figures, so the walk
    above would notice a leak."""
    world = figures
    pages = _walk(client_for(world, persona), _seeds(world))
    for key, markers in UNPUBLISHED.items():
        for marker in markers:
            assert any(marker in text for text in pages.values()), f"{persona} never met {key} {marker!r}"


def test_the_dictionary_filters_by_rag_only_on_figures_the_person_may_read(figures):
    """``/kpis/?rag=`` once judged the unpublished figure for everyone, so the filter itself
    said which way a hidden figure went."""
    world = figures
    from kpis.services.dictionary import target_set

    target_set(
        by=world.people["performance_admin"],
        kpi=world.kpis["s2"],
        for_date=world.kpis["return_s2"].data_period_end,
        value=Decimal("90"),
    )
    admin = client_for(world, "performance_admin").get("/kpis/?rag=red").content.decode()
    assert world.kpis["s2"].code in admin  # 43.21 against 90: Red, for those who may read it
    employee = client_for(world, "no_role").get("/kpis/?rag=red").content.decode()
    assert f"/kpis/{world.kpis['s2'].code}/" not in employee


def test_restrict_is_the_one_scope_for_returns(figures):
    """Published figures for everyone; live ones within scope; owners their own KPI's."""
    world = figures
    readable = {
        persona: set(
            KpiReturn.objects.restrict(world.people[persona], Capability.VIEW_RETURNS)
            .filter(state=ReturnState.APPROVED)
            .values_list("value", flat=True)
        )
        for persona in ("no_role", "scrutiny", "service_lead", "directorate_lead", "cmt")
    }
    published, s1, s2 = Decimal(PUBLISHED[0]), Decimal(UNPUBLISHED["s1"][0]), Decimal(UNPUBLISHED["s2"][0])
    assert readable["no_role"] == {published}
    assert readable["scrutiny"] == {published}
    assert readable["service_lead"] == {published, s1}
    assert readable["directorate_lead"] == {published, s1}
    assert readable["cmt"] == {published, s1, s2}
