"""The council's data quality policy, as the one rule every page and report asks.

The corporate quality assurance policy in the seeds (CIPPF 2006/07, developed with the Audit
Commission) asks that performance information be reliable, consistent and comparable, and
be checked "quarterly at service level ... including data quality". Its six dimensions are the
Audit Commission's standards for better quality data: accurate, valid, reliable, timely,
relevant and complete. With each return the service lead says, dimension by dimension, whether
the figure meets it, and why not where it does not; the directorate lead records their own
check when approving.

An attestation is stored on the return (``KpiReturn.data_quality``) as
``{dimension: {"met": bool, "why": str}}``; an empty one means nobody attested (history loaded
from elsewhere, or a return not yet submitted). A figure carries a caveat when a dimension is
not met or the attested return has a data quality note: ``caveat`` says so, and every
dashboard, PDF and the audit committee's report show what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


class Dimension(models.TextChoices):
    ACCURATE = "accurate", "Accurate"
    VALID = "valid", "Valid"
    RELIABLE = "reliable", "Reliable"
    TIMELY = "timely", "Timely"
    RELEVANT = "relevant", "Relevant"
    COMPLETE = "complete", "Complete"


#: What each dimension asks, in the policy's (the Audit Commission's) words, for the form's hints.
MEANING = {
    Dimension.ACCURATE: "Correct, and detailed enough for its purpose, as recorded when the work was done",
    Dimension.VALID: "Recorded and calculated by the KPI's definition and any national guidance",
    Dimension.RELIABLE: "Collected the same way across teams and over time, so periods compare",
    Dimension.TIMELY: "Captured soon after the event and available in time for this report",
    Dimension.RELEVANT: "Measures what the KPI is meant to measure, for the period it is labelled with",
    Dimension.COMPLETE: "Includes every case it should; nothing missing from the count",
}


def problem_key(dimension: str, why: bool = False) -> str:
    """The problem key (as ``kpis.entry`` keys them) for a dimension's answer or its reason."""
    return f"data_quality:{dimension}{':why' if why else ''}"


def attestation(answers: dict[str, bool | None], reasons: dict[str, str]) -> dict:
    """The stored form of what was answered: only the dimensions answered, a reason kept only
    where the dimension is not met (a reason for a met one would read as a caveat)."""
    stored = {}
    for dimension in Dimension:
        met = answers.get(dimension.value)
        if met is None:
            continue
        why = "" if met else (reasons.get(dimension.value) or "").strip()
        stored[dimension.value] = {"met": bool(met), "why": why}
    return stored


def attestation_problems(data_quality: dict) -> dict[str, str]:
    """Problem key → message for an attestation that cannot be submitted: every dimension
    answered, and a reason for each one not met. ``return_submit`` refuses on these."""
    problems = {}
    for dimension in Dimension:
        answer = (data_quality or {}).get(dimension.value)
        word = dimension.label.lower()
        if answer is None:
            problems[problem_key(dimension)] = f"Say whether the figure is {word}"
        elif not answer.get("met") and not (answer.get("why") or "").strip():
            problems[problem_key(dimension, why=True)] = f"Say why the figure is not {word}"
    return problems


@dataclass(frozen=True)
class Caveat:
    """Why a figure should be read with care: the dimensions not met, each with its reason,
    and the return's data quality note."""

    unmet: tuple[tuple[str, str], ...]  # (dimension label, why)
    note: str

    @property
    def text(self) -> str:
        """The caveat in one paragraph, as the dashboards and PDFs print it."""
        parts = [f"Not {label.lower()}: {why}" for label, why in self.unmet]
        if self.note:
            parts.append(self.note)
        return " ".join(part if part.endswith(".") else f"{part}." for part in parts)

    @property
    def unmet_labels(self) -> list[str]:
        return [label for label, _ in self.unmet]


def caveat(data_quality: dict | None, note: str = "") -> Caveat | None:
    """The caveat a figure carries, or None: a dimension attested not met, or a data quality
    note given with the attestation. A figure nobody attested carries none: history loaded
    from elsewhere keeps its note (the history import's "Imported history", the demo's source)
    as where the figure came from, not as a warning about it (ADR 0021)."""
    unmet = tuple(
        (dimension.label, (answer.get("why") or "").strip())
        for dimension in Dimension
        if (answer := (data_quality or {}).get(dimension.value)) is not None and not answer.get("met")
    )
    note = (note or "").strip() if data_quality else ""
    if not unmet and not note:
        return None
    return Caveat(unmet=unmet, note=note)


def caveat_of(kpi_return) -> Caveat | None:
    """A return's caveat (``caveat`` of its attestation and note)."""
    return caveat(kpi_return.data_quality, kpi_return.data_quality_note)


#: Every dimension met: what a service lead attests for a figure with nothing to warn of.
ALL_MET = attestation(dict.fromkeys(Dimension.values, True), {})


def attested(kpi_return) -> list[dict]:
    """The attestation dimension by dimension, for the review page: label, "Met", "Not met"
    or "Not answered", and the reason."""
    stored = kpi_return.data_quality or {}
    rows = []
    for dimension in Dimension:
        answer = stored.get(dimension.value)
        answer_text = "Not answered" if answer is None else ("Met" if answer.get("met") else "Not met")
        rows.append({"label": dimension.label, "answer": answer_text, "why": (answer or {}).get("why", "")})
    return rows
