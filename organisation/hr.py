"""The organisation and its people, from the HR system's files.

Two imports share the house's import machinery (``core.imports``): the organisation
(directorates, services and teams with their parents and heads) and the people (who works
where, for whom, as what). Each file is the whole picture, not a list of changes: a re-import
next month is compared with what the council holds, and the difference is the change —
joiners, movers, leavers and returners; units added, renamed, moved, reopened and closed.

``plan_units`` and ``plan_people`` work that difference out without writing anything, with
every problem the file has (row by row, as every import reports); the preview page shows the
plan, and ``organisation.services`` applies it, audited, only when the plan has no problem.
A leaver is deactivated, never deleted: their history and the audit log keep their name.

Columns, allowed values and example rows: ``docs/imports.md``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count

from accounts.models import PARENT_KIND, OrgUnit, OrgUnitKind, User
from accounts.policy import Capability
from core.imports import CellError, Checked, Column, ImportKind, ImportRefused, apply_import, check_file, choice, text
from core.tabular import RowProblem

_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}", re.ASCII)


def unit_code(value: str) -> str:
    """A unit's code as the organisation keeps it (letters, digits, - and _; up to 32)."""
    value = text(value)
    if not _CODE.fullmatch(value):
        raise CellError(f"“{value}” is not a unit code: use letters, digits, - and _ only, at most 32 characters")
    return value


def employee_number(value: str) -> str:
    value = text(value)
    if len(value) > 32:
        raise CellError("An employee number has at most 32 characters")
    return value


def email(value: str) -> str:
    """An email address, lower-cased: single sign-on matches people by it."""
    value = text(value).lower()
    try:
        validate_email(value)
    except ValidationError:
        raise CellError(f"“{value}” is not an email address") from None
    return value


def _limited(length: int):
    def parse(value: str) -> str:
        value = text(value)
        if len(value) > length:
            raise CellError(f"At most {length} characters")
        return value

    return parse


# --- The organisation --------------------------------------------------------------------------

UNIT_TYPES = [OrgUnitKind.DIRECTORATE.value, OrgUnitKind.SERVICE.value, OrgUnitKind.TEAM.value]


def _units_context() -> dict:
    return {}


def _check_unit_row(row: dict, context: dict) -> str | None:
    if row["unit_type"] == OrgUnitKind.DIRECTORATE:
        return None
    if not row["parent_code"]:
        return f"parent_code: A {row['unit_type']} needs the code of the unit it sits in"
    return None


UNITS = ImportKind(
    slug="organisation",
    title="Organisation",
    description="The whole organisation below the council: every directorate, service and team, with the "
    "unit it sits in and its head. Units missing from the file are closed when nobody works in them.",
    columns=(
        Column("unit_code", unit_code, help="the unit's code; never changes", example="ENV-WASTE"),
        Column("unit_name", _limited(200), help="its name", example="Waste and Recycling"),
        Column("unit_type", choice(UNIT_TYPES), help="directorate, service or team", example="service"),
        Column(
            "parent_code",
            unit_code,
            required=False,
            help="the code of the unit it sits in; blank for a directorate",
            example="ENV",
        ),
        Column("head", _limited(254), required=False, help="the head's employee number or email", example="E100234"),
    ),
    check_row=_check_unit_row,
    apply=lambda *, by, rows: _apply_units(by=by, rows=rows),
    key=lambda row: (row["unit_code"].lower(),),
    context=_units_context,
    capability=Capability.MANAGE_ORGANISATION,
)


@dataclass
class UnitChange:
    unit: OrgUnit
    field: str  # "name", "parent", "head"
    before: str
    after: str
    value: object = None  # the new value to set (a name, a unit code, a person or None)


@dataclass
class OrganisationPlan:
    """What an organisation file would change. ``added`` rows are created parents first."""

    added: list[dict] = field(default_factory=list)
    changes: list[UnitChange] = field(default_factory=list)
    reopened: list[OrgUnit] = field(default_factory=list)
    closed: list[OrgUnit] = field(default_factory=list)
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    def of(self, name: str) -> list[UnitChange]:
        return [change for change in self.changes if change.field == name]

    @property
    def renamed(self) -> list[UnitChange]:
        return self.of("name")

    @property
    def moved(self) -> list[UnitChange]:
        return self.of("parent")

    @property
    def new_heads(self) -> list[UnitChange]:
        return self.of("head")

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.changes or self.reopened or self.closed)

    def digest(self) -> str:
        """A fingerprint of the plan: the preview's and the apply's must be the same."""
        parts = [f"+{row['unit_code']}|{row['unit_name']}|{row['parent_code']}" for row in self.added]
        parts += [f"~{c.unit.pk}|{c.field}|{c.before}|{c.after}" for c in self.changes]
        parts += [f"^{unit.pk}" for unit in self.reopened] + [f"-{unit.pk}" for unit in self.closed]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _people_index() -> tuple[dict[str, User], dict[str, User], dict[int, User]]:
    """Active and inactive people by employee number and by email (lower-cased), in one query."""
    people = User.objects.only(
        "id",
        "username",
        "first_name",
        "last_name",
        "email",
        "employee_number",
        "is_active",
        "job_title",
        "org_unit",
        "line_manager",
    ).order_by("id")
    by_number, by_email, by_pk = {}, {}, {}
    for person in people:
        by_pk[person.pk] = person
        if person.employee_number:
            by_number[person.employee_number] = person
        if person.email:
            by_email.setdefault(person.email.lower(), person)
    return by_number, by_email, by_pk


def _name(person: User | None) -> str:
    return person.display_name if person else "nobody"


def plan_units(rows: list[dict]) -> OrganisationPlan:
    """Compare an organisation file with the organisation held now. Reads: the units, the
    people (for heads) and the count of active people per unit — three queries."""
    plan = OrganisationPlan()
    units = {unit.code: unit for unit in OrgUnit.objects.select_related("head", "parent")}
    councils = [unit for unit in units.values() if unit.kind == OrgUnitKind.COUNCIL]
    if len(councils) != 1:
        plan.problems.append(RowProblem(1, "", "The council must be set up (one council at the top) before its units"))
        return plan
    council = councils[0]
    by_number, by_email, _ = _people_index()
    in_file = {row["unit_code"]: row for row in rows}
    kind_of = {code: row["unit_type"] for code, row in in_file.items()}
    kind_of[council.code] = OrgUnitKind.COUNCIL

    for row in rows:
        number, code = row["_row"], row["unit_code"]
        parent_code = row["parent_code"] or council.code
        expected_parent = PARENT_KIND[OrgUnitKind(row["unit_type"])]
        if code == council.code:
            plan.problems.append(RowProblem(number, "unit_code", f"{code} is the council itself; leave it out"))
            continue
        if parent_code not in kind_of:
            plan.problems.append(
                RowProblem(number, "parent_code", f"No unit {parent_code} in the file: every parent must be in it")
            )
            continue
        if kind_of[parent_code] != expected_parent:
            plan.problems.append(
                RowProblem(
                    number,
                    "parent_code",
                    f"A {row['unit_type']} must sit in a {expected_parent.label.lower()}; "
                    f"{parent_code} is a {OrgUnitKind(kind_of[parent_code]).label.lower()}",
                )
            )
            continue
        head, head_given = None, bool(row["head"])
        if head_given:
            reference = row["head"]
            head = by_number.get(reference) or by_email.get(reference.lower())
            if head is None:
                plan.notes.append(
                    f"Row {number}: the head of {code}, {reference}, is not yet known; import the people, "
                    "then this file again, to set it"
                )
            elif not head.is_active:
                plan.problems.append(RowProblem(number, "head", f"{head.display_name} has left (inactive)"))
                continue
        existing = units.get(code)
        if existing is None:
            plan.added.append({**row, "parent_code": parent_code, "_head": head})
            continue
        if existing.kind != row["unit_type"]:
            plan.problems.append(
                RowProblem(
                    number,
                    "unit_type",
                    f"{code} is a {existing.get_kind_display().lower()}; a unit's type cannot change "
                    "(close it and add a unit with a new code)",
                )
            )
            continue
        changed = False
        if not existing.is_active:
            plan.reopened.append(existing)
            changed = True
        if existing.name != row["unit_name"]:
            plan.changes.append(UnitChange(existing, "name", existing.name, row["unit_name"], row["unit_name"]))
            changed = True
        old_parent = existing.parent.code if existing.parent else ""
        if old_parent != parent_code:
            plan.changes.append(UnitChange(existing, "parent", old_parent, parent_code, parent_code))
            changed = True
        if (head is not None or not head_given) and existing.head_id != (head.pk if head else None):
            plan.changes.append(UnitChange(existing, "head", _name(existing.head), _name(head), head))
            changed = True
        plan.unchanged += not changed

    members = dict(
        User.objects.filter(is_active=True, org_unit__isnull=False)
        .values_list("org_unit")
        .annotate(count=Count("id"))
        .values_list("org_unit", "count")
    )
    staying = set(in_file) | {council.code}
    # Deepest first, so a unit whose team cannot close cannot close either. A child the file
    # moves elsewhere does not hold its old parent open.
    blocked: dict[int, str] = {}
    for unit in sorted(units.values(), key=lambda u: u.path, reverse=True):
        if unit.code in staying or not unit.is_active:
            continue
        reasons = []
        if held := members.get(unit.pk, 0):
            reasons.append(f"{held} active {'person works' if held == 1 else 'people work'} in it")
        stuck = sorted(child.code for child in units.values() if child.parent_id == unit.pk and child.pk in blocked)
        if stuck:
            reasons.append(f"units in it cannot close ({', '.join(stuck)})")
        if reasons:
            blocked[unit.pk] = unit.code
            plan.problems.append(
                RowProblem(
                    1,
                    "unit_code",
                    f"{unit.code} ({unit.name}) is not in the file but cannot close: {' and '.join(reasons)}. "
                    "Import the people first (moving them out), or keep the unit in the file",
                )
            )
            continue
        plan.closed.append(unit)
    plan.closed.sort(key=lambda u: u.path)
    order = {OrgUnitKind.DIRECTORATE: 0, OrgUnitKind.SERVICE: 1, OrgUnitKind.TEAM: 2}
    plan.added.sort(key=lambda row: (order[row["unit_type"]], row["_row"]))
    return plan


def _refuse_problems(problems: list[RowProblem]) -> None:
    if problems:
        raise ValidationError([f"row {p.row}, {p.column}: {p.message}" for p in problems[:20]])


def _apply_units(*, by, rows: list[dict]) -> int:
    from organisation.services import organisation_apply

    plan = plan_units(rows)
    _refuse_problems(plan.problems)
    organisation_apply(by=by, plan=plan)
    return len(rows)


# --- People ------------------------------------------------------------------------------------


def _people_context() -> dict:
    return {"units": {unit.code: unit for unit in OrgUnit.objects.filter(is_active=True)}}


def _check_person_row(row: dict, context: dict) -> str | None:
    unit = context["units"].get(row["unit_code"])
    if unit is None:
        return f"unit_code: No open unit {row['unit_code']}; import the organisation first"
    if row["line_manager_employee_number"] == row["employee_number"]:
        return "line_manager_employee_number: Nobody can be their own line manager"
    return None


PEOPLE = ImportKind(
    slug="people",
    title="People",
    description="Everyone who works for the council: where they work, their job and their line manager. "
    "People missing from the file have left: they are deactivated, never deleted.",
    columns=(
        Column("employee_number", employee_number, help="HR's number for the person", example="E100234"),
        Column("first_name", _limited(150), example="Priya"),
        Column("last_name", _limited(150), example="Shah"),
        Column(
            "email",
            email,
            help="their work email; single sign-on matches them by it",
            example="priya.shah@example.gov.uk",
        ),
        Column("job_title", _limited(200), required=False, example="Waste Services Manager"),
        Column("unit_code", unit_code, help="the code of the unit they work in", example="ENV-WASTE"),
        Column(
            "line_manager_employee_number",
            employee_number,
            required=False,
            help="their line manager's employee number; blank for the chief executive",
            example="E100017",
        ),
    ),
    check_row=_check_person_row,
    apply=lambda *, by, rows: _apply_people(by=by, rows=rows),
    key=lambda row: (row["employee_number"],),
    context=_people_context,
    capability=Capability.MANAGE_ORGANISATION,
)

#: What a mover's change is called on the preview, by field.
PERSON_FIELDS = {
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email",
    "job_title": "Job title",
    "org_unit": "Unit",
    "line_manager": "Line manager",
    "employee_number": "Employee number",
}


@dataclass
class PersonChange:
    """A known person whose details the file changes: ``changes`` is (field, before, after)
    for display; ``values`` the new values to set."""

    person: User
    row: dict
    changes: list[tuple[str, str, str]]
    values: dict


@dataclass
class PeoplePlan:
    joiners: list[dict] = field(default_factory=list)
    movers: list[PersonChange] = field(default_factory=list)
    returners: list[PersonChange] = field(default_factory=list)
    leavers: list[User] = field(default_factory=list)
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return bool(self.joiners or self.movers or self.returners or self.leavers)

    def digest(self) -> str:
        parts = [f"+{row['employee_number']}" for row in self.joiners]
        parts += [f"~{c.person.pk}|{c.changes}" for c in self.movers]
        parts += [f"^{c.person.pk}|{c.changes}" for c in self.returners]
        parts += [f"-{person.pk}" for person in self.leavers]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _cycles(manager_of: dict[str, str]) -> list[list[str]]:
    """Each circle of line managers once (A manages B manages A), in the file's terms."""
    state: dict[str, int] = {}  # 1: on the current walk, 2: done
    circles = []
    for start in manager_of:
        walk, node = [], start
        while node in manager_of and state.get(node) is None:
            state[node] = 1
            walk.append(node)
            node = manager_of[node]
        if state.get(node) == 1:
            circles.append(walk[walk.index(node) :])
        for visited in walk:
            state[visited] = 2
    return circles


def plan_people(rows: list[dict]) -> PeoplePlan:
    """Compare a people file with the people held now. Reads: the people (once), their line
    managers' numbers and the open units — a handful of queries however long the file."""
    plan = PeoplePlan()
    by_number, by_email, people = _people_index()
    units = {unit.code: unit for unit in OrgUnit.objects.filter(is_active=True)}
    unit_code_of = {unit.pk: unit.code for unit in OrgUnit.objects.only("id", "code")}
    numbers_in_file = {row["employee_number"]: row for row in rows}
    matched: set[int] = set()

    emails_seen: dict[str, int] = {}
    for row in rows:
        if row["email"] in emails_seen:
            plan.problems.append(RowProblem(row["_row"], "email", f"The same email as row {emails_seen[row['email']]}"))
        emails_seen.setdefault(row["email"], row["_row"])
        manager = row["line_manager_employee_number"]
        if manager and manager not in numbers_in_file:
            plan.problems.append(
                RowProblem(
                    row["_row"], "line_manager_employee_number", f"No one with employee number {manager} in the file"
                )
            )
    manager_of = {
        row["employee_number"]: row["line_manager_employee_number"]
        for row in rows
        if row["line_manager_employee_number"] in numbers_in_file
    }
    for circle in _cycles(manager_of):
        first = numbers_in_file[circle[0]]
        plan.problems.append(
            RowProblem(
                first["_row"],
                "line_manager_employee_number",
                "Line managers run in a circle: " + " → ".join([*circle, circle[0]]) + " (each manages the next)",
            )
        )

    for row in rows:
        number = row["employee_number"]
        person = by_number.get(number)
        holder = by_email.get(row["email"])
        if holder is not None and not holder.employee_number:
            # An account made before HR's file (the first admin): known by email, not number.
            if person is None:
                person = holder
            elif holder.is_active:
                plan.problems.append(
                    RowProblem(
                        row["_row"],
                        "email",
                        f"{row['email']} belongs to {holder.display_name}, whom the file does not list",
                    )
                )
                continue
        if person is None:
            plan.joiners.append(row)
            continue
        matched.add(person.pk)
        held = people[person.pk]
        manager_number = row["line_manager_employee_number"] or ""
        old_manager = people.get(held.line_manager_id)
        wanted = {
            "first_name": (person.first_name, row["first_name"]),
            "last_name": (person.last_name, row["last_name"]),
            "email": (person.email.lower(), row["email"]),
            "job_title": (held.job_title, row["job_title"] or ""),
            "org_unit": (unit_code_of.get(held.org_unit_id, ""), row["unit_code"]),
            "line_manager": (old_manager.employee_number if old_manager else "", manager_number),
            "employee_number": (person.employee_number, number),
        }
        changes, values = [], {}
        for name, (before, after) in wanted.items():
            if before != after:
                changes.append((PERSON_FIELDS[name], before or "(none)", after or "(none)"))
                values[name] = after
        if "org_unit" in values:
            values["org_unit"] = units[row["unit_code"]]
        change = PersonChange(person, row, changes, values)
        if not person.is_active:
            plan.returners.append(change)
        elif changes:
            plan.movers.append(change)
        else:
            plan.unchanged += 1

    plan.leavers = sorted(
        (
            person
            for person in by_number.values()
            if person.is_active and person.pk not in matched and person.employee_number not in numbers_in_file
        ),
        key=lambda person: (person.last_name, person.first_name, person.pk),
    )
    plan.problems.sort(key=lambda problem: (problem.row, problem.column))
    return plan


def _apply_people(*, by, rows: list[dict]) -> int:
    from organisation.services import people_apply

    plan = plan_people(rows)
    _refuse_problems(plan.problems)
    people_apply(by=by, plan=plan)
    return len(rows)


KINDS = {kind.slug: kind for kind in (UNITS, PEOPLE)}
PLANNERS = {UNITS.slug: plan_units, PEOPLE.slug: plan_people}


# --- Preview, then apply -----------------------------------------------------------------------


def preview(kind: ImportKind, name: str, data: bytes) -> tuple[Checked, OrganisationPlan | PeoplePlan | None]:
    """Check a file and work out its plan; the plan's problems join the row-by-row report.
    Nothing is written."""
    checked = check_file(kind, SimpleUploadedFile(name, data))
    if checked.problems:
        return checked, None
    plan = PLANNERS[kind.slug](checked.rows)
    checked.problems.extend(plan.problems)
    return checked, plan


@transaction.atomic
def apply_previewed(*, by, kind: ImportKind, name: str, data: bytes, digest: str):
    """Apply the file whose plan was previewed, if it still makes the same changes. The file
    is checked again here (it is never trusted from the page), and if the organisation
    changed since the preview so that the plan differs, nothing is applied."""
    # One HR import at a time: the council's row is the lock, so a second admin's apply waits
    # and then plans against what the first one wrote (and is refused if that changes its plan).
    OrgUnit.objects.select_for_update().filter(kind=OrgUnitKind.COUNCIL).first()
    checked, plan = preview(kind, name, data)
    if checked.problems:
        raise ImportRefused("Nothing was imported: the file has problems now; upload it again to see them")
    if plan.digest() != digest:
        raise ImportRefused(
            "Nothing was imported: the organisation changed since the preview; upload the file again to see "
            "what it would change now"
        )
    apply_import(by=by, kind=kind, checked=checked)
    return plan
