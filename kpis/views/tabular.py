"""Imports and exports of the data dictionary and returns (CSV and Excel)."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from accounts.decorators import requires
from accounts.policy import Capability
from core.forms import ImportForm
from core.imports import check_and_apply
from core.numbers import record_id
from core.tabular import download
from kpis.figures import judged_figures
from kpis.imports import KINDS
from kpis.models import Kpi, KpiReturn

DICTIONARY_COLUMNS = [
    "code",
    "title",
    "definition",
    "owning_service",
    "owner",
    "frequency",
    "data_period_type",
    "unit",
    "polarity",
    "decimal_places",
    "tolerance_type",
    "tolerance_amount",
    "portfolio",
    "is_council_plan_measure",
]
RETURN_COLUMNS = [
    "kpi_code",
    "kpi_title",
    "period",
    "data_period",
    "value",
    "target",
    "rag",
    "direction",
    "state",
    "commentary",
]


#: KPIs, and returns, read from the database and judged a chunk at a time as an export is
#: sent: a chunk's rows, their history and targets are what a web process holds.
DICTIONARY_CHUNK = 2_000
RETURNS_CHUNK = 2_000


def _dictionary_row(kpi: Kpi) -> list:
    versions = kpi.versions.all()  # prefetched; the first in the definitions' own order
    version = versions[0] if versions else None
    return [
        kpi.code,
        kpi.title,
        kpi.definition,
        kpi.owning_service.code,
        kpi.owner.username,
        kpi.frequency,
        kpi.data_period_type,
        version.unit if version else "",
        version.polarity if version else "",
        kpi.decimal_places,
        kpi.tolerance_type,
        kpi.tolerance_amount,
        kpi.portfolio,
        "yes" if kpi.is_council_plan_measure else "no",
    ]


@requires(Capability.VIEW_KPIS)
def dictionary_export(request, fmt: str):
    kpis = (
        Kpi.objects.restrict(request.user, Capability.VIEW_KPIS)
        .select_related("owning_service", "owner")
        .order_by("code")
    )
    if request.GET.get("directorate"):
        kpis = kpis.filter(owning_service__parent__code=request.GET["directorate"])
    kpis = kpis.prefetch_related("versions").iterator(chunk_size=DICTIONARY_CHUNK)
    return download(request, fmt, "data-dictionary", DICTIONARY_COLUMNS, (_dictionary_row(kpi) for kpi in kpis))


def _return_row(r: KpiReturn, result) -> list:
    return [
        r.kpi.code,
        r.kpi.title,
        r.period.label,
        r.data_period_label,
        r.value,
        result.target if result else None,
        result.rag.written if result else "",
        result.direction.label if result else "",
        r.get_state_display(),
        r.commentary,
    ]


def _return_rows(returns, readable) -> Iterator[list]:
    """The returns' rows, read and judged ``RETURNS_CHUNK`` at a time as the file is sent.
    A chunk judged on its own is judged as in one piece: each return is compared with
    approved figures up to a year before it, which ``judged_figures`` reads for the chunk."""
    source = returns.iterator(chunk_size=RETURNS_CHUNK)
    while chunk := list(islice(source, RETURNS_CHUNK)):
        results = judged_figures(chunk, among=readable)
        for r in chunk:
            yield _return_row(r, results.get(r.pk))


@requires(Capability.VIEW_RETURNS)
def returns_export(request, fmt: str):
    """The returns the person may see: one period's (the home page and the review queue link
    the open one), or every period's, which is streamed (82,000 at the largest councils)."""
    readable = KpiReturn.objects.restrict(request.user, Capability.VIEW_RETURNS)
    returns = readable.select_related("kpi", "period", "version")
    if (period_id := record_id(request.GET.get("period"))) is not None:
        returns = returns.filter(period_id=period_id)
    if request.GET.get("state"):
        returns = returns.filter(state=request.GET["state"])
    returns = returns.order_by("-data_period_end", "kpi__code")
    count = returns.count() if fmt == "xlsx" else None  # every return is too many for Excel
    return download(request, fmt, "returns", RETURN_COLUMNS, _return_rows(returns, readable), count=count)


@requires(Capability.MANAGE_KPIS)
def import_index(request):
    return render(request, "kpis/import_index.html", {"kinds": KINDS.values()})


@requires(Capability.MANAGE_KPIS)
def import_template(request, kind: str):
    if kind not in KINDS:
        raise Http404("No such import")
    response = HttpResponse(KINDS[kind].template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.csv"'
    return response


@requires(Capability.MANAGE_KPIS)
def import_upload(request, kind: str):
    if kind not in KINDS:
        raise Http404("No such import")
    import_kind = KINDS[kind]
    form = ImportForm(request.POST or None, request.FILES or None)
    form.fields["file"].help_text = "Columns: " + ", ".join(c.name for c in import_kind.columns)
    checked = None
    if request.method == "POST" and form.is_valid():
        checked, count = check_and_apply(by=request.user, kind=import_kind, uploaded=form.cleaned_data["file"])
        if count is not None:
            messages.success(request, f"{import_kind.title}: {count} row{'s' if count != 1 else ''} imported.")
            return redirect("kpis:import-index")
    return render(
        request,
        "kpis/import_upload.html",
        {"kind": import_kind, "form": form, "checked": checked},
        status=400 if checked and checked.problems else 200,
    )
