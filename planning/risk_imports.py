"""The risk register import: new risks and changes to existing ones, one row a risk.

It reads the register's own export (``planning.tabular.RISK_COLUMNS``), so a register can be
exported, worked on in a spreadsheet and read back: a row with a ``reference`` (``R12``)
changes that risk; a row without one adds a risk. Every row is checked first and nothing is
applied unless the whole file passes (``core.imports``); each row is then written through the
audited services, which check the person's scope again. ``current_score``, ``level`` and
``actions`` are the export's and are ignored here. The columns are documented in
docs/imports.md ("Risk register").
"""

from __future__ import annotations

import re

from accounts.models import OrgUnit, User
from accounts.policy import Capability, can
from core.imports import CellError, Column, ImportKind, choice, date, text
from planning.models import LEVEL_OF_KIND, Objective, Risk, RiskStatus
from planning.risk_scores import IMPACT_WORDS, LIKELIHOOD_WORDS

TITLE_LENGTH = Risk._meta.get_field("title").max_length


def _reference(value: str) -> int:
    match = re.fullmatch(r"[Rr]?([0-9]{1,9})", value.strip())
    if not match:
        raise CellError(f"“{value}” is not a risk reference (R and a number, as the export writes it)")
    return int(match.group(1))


def _one_to_five(words: dict[int, str]):
    def parse(value: str) -> int:
        value = value.strip()
        first = value.split()[0] if value else ""
        if first in {"1", "2", "3", "4", "5"}:
            return int(first)
        by_word = {word.lower(): number for number, word in words.items()}
        if value.lower() in by_word:
            return by_word[value.lower()]
        raise CellError(f"“{value}” should be 1 to 5 (or {', '.join(words.values())})")

    return parse


def _title(value: str) -> str:
    value = text(value)
    if len(value) > TITLE_LENGTH:
        raise CellError(f"A title is at most {TITLE_LENGTH} characters")
    return value


def _list(value: str) -> list[str]:
    return [part.strip() for part in text(value).split(";") if part.strip()]


COLUMNS = (
    Column("reference", _reference, required=False, help="empty for a new risk; R12 changes risk R12", example=""),
    Column(
        "register",
        text,
        help="the code of the council (corporate register), a directorate or a service",
        example="ASC",
    ),
    Column("title", _title, help=f"a short name, at most {TITLE_LENGTH} characters", example="Care market failure"),
    Column("cause", text, required=False, help="because of…", example="Rising costs of care providers"),
    Column("event", text, help="there is a risk that…", example="A large care provider leaves the borough"),
    Column(
        "effect", text, required=False, help="which would lead to…", example="Residents without care at short notice"
    ),
    Column("owner", text, help="the owner's username", example="a.owner"),
    *(
        Column(
            f"{stage}_{part}",
            _one_to_five(words),
            help=f"{stage} {part}, 1 to 5: " + ", ".join(f"{n} {w}" for n, w in words.items()),
            example=example,
        )
        for stage, examples in (("inherent", ("4", "5")), ("current", ("3", "4")), ("target", ("2", "3")))
        for part, words, example in (
            ("likelihood", LIKELIHOOD_WORDS, examples[0]),
            ("impact", IMPACT_WORDS, examples[1]),
        )
    ),
    Column("controls", text, required=False, help="what is in place now", example="Market position statement"),
    Column(
        "review_date",
        date,
        required=False,
        help="when the owner next reviews it, YYYY-MM-DD or DD/MM/YYYY; empty: not set yet",
        example="2026-03-31",
    ),
    Column(
        "status",
        choice(list(RiskStatus.values)),
        required=False,
        help="open or closed; empty means open",
        example="open",
    ),
    Column("objectives", _list, required=False, help="ids of objectives it threatens, split by ;", example=""),
    Column("kpis", _list, required=False, help="codes of KPIs it threatens, split by ;", example=""),
)


def _check_row(row: dict, context: dict) -> str | None:
    unit = context["units"].get(row["register"])
    if unit is None:
        return f"register: No council, directorate or service has the code “{row['register']}”"
    if row["reference"] is not None:
        risk = context["risks"].get(row["reference"])
        if risk is None:
            return f"reference: There is no risk R{row['reference']}"
        if risk.unit_id != unit.pk:
            return "register: Escalate a risk on its page to move it between registers; an import does not move it"
        if not can(context["by"], Capability.EDIT_RISKS, risk.unit):
            return f"reference: You do not keep the register of {risk.unit.name}"
    elif not can(context["by"], Capability.EDIT_RISKS, unit):
        return f"register: You do not keep the register of {unit.name}"
    if row["owner"] not in context["owners"]:
        return f"owner: No current member of staff has the username “{row['owner']}”"
    unknown = [code for code in row["kpis"] or [] if code not in context["kpis"]]
    if unknown:
        return f"kpis: No KPI has the code {', '.join(unknown)}"
    missing = [
        value for value in row["objectives"] or [] if not value.isdigit() or int(value) not in context["objectives"]
    ]
    if missing:
        return f"objectives: No objective has the id {', '.join(missing)}"
    return None


def risk_import(by) -> ImportKind:
    """The import as ``by`` may use it: rows only for the registers they keep."""
    from planning.services import risk_create, risk_update

    kpi_model = Risk._meta.get_field("kpis").related_model

    def context() -> dict:
        return {
            "by": by,
            "units": {u.code: u for u in OrgUnit.objects.filter(kind__in=list(LEVEL_OF_KIND))},
            "risks": {r.pk: r for r in Risk.objects.select_related("unit")},
            "owners": {u.username: u for u in User.objects.filter(is_active=True)},
            "kpis": {k.code: k for k in kpi_model.objects.all()},
            "objectives": {o.pk: o for o in Objective.objects.all()},
        }

    def apply(*, by, rows: list[dict]) -> int:
        found = context()
        for row in rows:
            fields = {name: row[name] or "" for name in ("cause", "effect", "controls")}
            fields.update({name: row[name] for name in ("title", "event", "review_date")})
            fields.update({c.name: row[c.name] for c in COLUMNS if c.name.endswith(("_likelihood", "_impact"))})
            fields["owner"] = found["owners"][row["owner"]]
            fields["status"] = row["status"] or RiskStatus.OPEN
            links = {
                "objectives": [found["objectives"][int(v)] for v in row["objectives"] or []],
                "kpis": [found["kpis"][code] for code in row["kpis"] or []],
            }
            if row["reference"] is None:
                risk_create(by=by, unit=found["units"][row["register"]], **links, **fields)
            else:
                risk_update(by=by, risk=found["risks"][row["reference"]], **links, **fields)
        return len(rows)

    return ImportKind(
        slug="risks",
        title="Risk register",
        description="New risks, and changes to risks already in the register, one row a risk.",
        columns=COLUMNS,
        check_row=_check_row,
        apply=apply,
        # A new risk (no reference) repeats nothing; kept apart from references, whose numbers
        # may equal a row number.
        key=lambda row: ("risk", row["reference"]) if row["reference"] is not None else ("new", row["_row"]),
        context=context,
        capability=Capability.EDIT_RISKS,
        repeat_message="Risk R{reference} is on this file twice (first on row {first})",
    )
