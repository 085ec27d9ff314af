"""The data quality report for the audit committee: for one reporting period, what the council
should know about the quality of the figures it reported (the seeds' CIPPF puts "data quality"
in each quarter's monitoring, with reports to the audit committee).

Five parts, each read once from the database, with the figures written out as people read them
so the page and the PDF (``reporting.pdf.render_data_quality``) show the same words:

- caveated figures: returns handed in with a dimension of the policy not met, or a note
  given with the attestation (``kpis.data_quality.caveat``), with the directorate lead's check;
- late returns: first submitted after the period's return deadline, and those the deadline
  passed without, other than those marked not available (the audit log's first
  ``return:submit``: a return sent back and submitted again was not late the first time);
- returns sent back, and why (the audit log's ``return:send_back``, which keeps every one, not
  only the last reason the return holds);
- figures revised after publication, with their reasons (``ReturnRevision``);
- figures not available, with the reason and when they are expected.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from audit.models import AuditEvent
from kpis.data_quality import caveat_of
from kpis.figures import value_text
from kpis.models import KpiReturn, ReportingPeriod, ReturnRevision, ReturnState
from kpis.workflow import HANDED_IN


def _when(moment: datetime.datetime | None) -> str:
    return f"{timezone.localtime(moment):%-d %B %Y, %H:%M}" if moment else ""


def _figure(kpi_return: KpiReturn, value) -> str:
    if value is None:
        return "no value"
    return value_text(value, kpi_return.version, kpi_return.kpi.decimal_places)


def _row(kpi_return: KpiReturn) -> dict:
    return {
        "code": kpi_return.kpi.code,
        "title": kpi_return.kpi.title,
        "service": kpi_return.kpi.owning_service.name,
        "data_period_label": kpi_return.data_period_label,
        "state": kpi_return.get_state_display(),
    }


def data_quality_report(period: ReportingPeriod) -> dict:
    """The report's content for ``period`` (see the module docstring): five queries."""
    returns = list(
        KpiReturn.objects.filter(period=period)
        .select_related("kpi__owning_service", "version", "approved_by")
        .order_by("kpi__code")
    )
    by_id = {str(r.pk): r for r in returns}
    caveated = []
    for kpi_return in returns:
        found = caveat_of(kpi_return)
        if found is None or kpi_return.state not in HANDED_IN:
            continue
        caveated.append(
            {
                **_row(kpi_return),
                "value_text": _figure(kpi_return, kpi_return.value),
                "unmet": [{"dimension": label, "why": why} for label, why in found.unmet],
                "note": found.note,
                "review": (
                    f"Checked by {kpi_return.approved_by.display_name if kpi_return.approved_by_id else 'the reviewer'}"
                    + (f": {kpi_return.review_quality_note}" if kpi_return.review_quality_note else "")
                    if kpi_return.review_quality_checked
                    else "Not yet checked on approval"
                ),
            }
        )
    events = list(
        AuditEvent.objects.filter(
            object_type=KpiReturn._meta.label_lower,
            object_id__in=list(by_id),
            action__in=["return:submit", "return:send_back"],
        ).order_by("at", "id")
    )
    first_submitted: dict[str, datetime.datetime] = {}
    for event in events:
        if event.action == "return:submit":
            first_submitted.setdefault(event.object_id, event.at)
    deadline = period.return_deadline
    passed = timezone.localdate() > deadline
    late = []
    for kpi_return in returns:
        submitted = first_submitted.get(str(kpi_return.pk))
        if submitted is not None and timezone.localtime(submitted).date() > deadline:
            days = (timezone.localtime(submitted).date() - deadline).days
            late.append({**_row(kpi_return), "when": _when(submitted), "days_late": days})
        elif submitted is None and passed and kpi_return.state not in {*HANDED_IN, ReturnState.NOT_AVAILABLE}:
            late.append({**_row(kpi_return), "when": "Not submitted", "days_late": None})
    sent_back = [
        {
            **_row(by_id[event.object_id]),
            "when": _when(event.at),
            "by": event.actor_name or "the system",
            "reason": event.reason,
        }
        for event in events
        if event.action == "return:send_back"
    ]
    revisions = [
        {
            **_row(revision.kpi_return),
            "old_text": _figure(revision.kpi_return, revision.old_value),
            "new_text": _figure(revision.kpi_return, revision.new_value),
            "reason": revision.reason,
            "by": revision.revised_by.display_name,
            "when": _when(revision.revised_at),
        }
        for revision in ReturnRevision.objects.filter(kpi_return__period=period)
        .select_related("kpi_return__kpi__owning_service", "kpi_return__version", "revised_by")
        .order_by("revised_at", "pk")
    ]
    not_available = [
        {
            **_row(kpi_return),
            "reason": kpi_return.not_available_reason,
            "expected": f"{kpi_return.expected_date:%-d %B %Y}" if kpi_return.expected_date else "Not given",
        }
        for kpi_return in returns
        if kpi_return.state == ReturnState.NOT_AVAILABLE
    ]
    return {
        "period": {"id": period.pk, "label": period.label, "return_deadline": f"{deadline:%-d %B %Y}"},
        "as_at": _when(timezone.now()),
        "returns": len(returns),
        "caveated": caveated,
        "late": late,
        "sent_back": sent_back,
        "revisions": revisions,
        "not_available": not_available,
    }
