"""Realistic, deterministic HR files for tests: an organisation and its people, as the HR
system exports them, and "next month's" files with joiners, movers and leavers.

    files = hr_files.council()                      # 5 directorates, 40 services, 200 teams, 2,000 people
    files.units_csv(), files.people_csv()            # bytes, ready to upload (or .units_xlsx(), .people_xlsx())
    files.write(tmp_path)                            # (units.csv, people.csv) on disk
    later, change = hr_files.next_month(files, joiners=30, movers=20, leavers=25)
    change.joiners, change.movers, change.leavers    # employee numbers, to check the preview and result

The hierarchy is a proper one: the chief executive (no line manager) works in the council unit
(``council_code``, which the test creates); each directorate's head reports to the chief
executive, each service's head to their director, each team's manager to their head of
service, and everyone else to their team's manager. Every head is in the people file, so the
organisation file names heads by employee number. The same arguments always give the same
files (a seeded ``random.Random``); employee numbers are ``E`` and six digits.

Load them in this order: the organisation, the people, then the organisation again (its
heads are people, known only once the people file is in). ``next_month`` picks leavers among
people who manage nobody and head nothing, so its file has no problem.
"""

from __future__ import annotations

import copy
import csv
import io
import random
from dataclasses import dataclass, field
from pathlib import Path

from core.tabular import xlsx_bytes

UNIT_HEADER = ["unit_code", "unit_name", "unit_type", "parent_code", "head"]
PEOPLE_HEADER = [
    "employee_number",
    "first_name",
    "last_name",
    "email",
    "job_title",
    "unit_code",
    "line_manager_employee_number",
]

FIRST_NAMES = [
    "Aisha",
    "Alex",
    "Amelia",
    "Amir",
    "Ava",
    "Ben",
    "Chloe",
    "Connor",
    "Daniel",
    "Divya",
    "Ella",
    "Emily",
    "Ethan",
    "Fatima",
    "Finn",
    "Grace",
    "Hannah",
    "Harry",
    "Isaac",
    "Isla",
    "Jack",
    "Jade",
    "James",
    "Kiran",
    "Laura",
    "Leo",
    "Lily",
    "Lucy",
    "Maya",
    "Mohammed",
    "Noah",
    "Olivia",
    "Oscar",
    "Priya",
    "Rachel",
    "Ravi",
    "Rosie",
    "Ryan",
    "Sam",
    "Sophie",
    "Tom",
    "Yusuf",
    "Zara",
    "Zoe",
]
LAST_NAMES = [
    "Ahmed",
    "Ali",
    "Bailey",
    "Begum",
    "Brown",
    "Campbell",
    "Clarke",
    "Davies",
    "Edwards",
    "Evans",
    "Green",
    "Hall",
    "Harris",
    "Hughes",
    "Jackson",
    "James",
    "Jones",
    "Khan",
    "Kaur",
    "Lewis",
    "Martin",
    "Mitchell",
    "Morgan",
    "Morris",
    "Murphy",
    "Patel",
    "Price",
    "Roberts",
    "Robinson",
    "Shah",
    "Singh",
    "Smith",
    "Taylor",
    "Thomas",
    "Thompson",
    "Walker",
    "Ward",
    "White",
    "Williams",
    "Wilson",
    "Wood",
    "Wright",
    "Young",
]
DIRECTORATES = (
    ("ADU", "Adult Social Care"),
    ("CHI", "Children's Services"),
    ("ENV", "Environment and Place"),
    ("RES", "Resources"),
    ("COM", "Communities and Housing"),
)
SERVICE_WORDS = [
    "Assessment",
    "Commissioning",
    "Customer",
    "Digital",
    "Finance",
    "Highways",
    "Housing",
    "Inclusion",
    "Libraries",
    "Licensing",
    "Parks",
    "Planning",
    "Procurement",
    "Prevention",
    "Property",
    "Quality",
    "Recovery",
    "Revenues",
    "Safeguarding",
    "Transport",
    "Waste",
    "Wellbeing",
]
TEAM_WORDS = ["North", "South", "East", "West", "Central", "Duty", "Intake", "Review", "Projects", "Support"]
STAFF_TITLES = ("Officer", "Senior Officer", "Assistant", "Adviser", "Coordinator", "Practitioner", "Analyst")


@dataclass
class HrFiles:
    """One month's organisation and people files, as rows (dicts keyed by the header)."""

    units: list[dict]
    people: list[dict]
    council_code: str = "C"

    def units_csv(self) -> bytes:
        return _csv(UNIT_HEADER, self.units)

    def people_csv(self) -> bytes:
        return _csv(PEOPLE_HEADER, self.people)

    def people_xlsx(self) -> bytes:
        return xlsx_bytes(PEOPLE_HEADER, [[row[name] for name in PEOPLE_HEADER] for row in self.people])

    def units_xlsx(self) -> bytes:
        return xlsx_bytes(UNIT_HEADER, [[row[name] for name in UNIT_HEADER] for row in self.units])

    def write(self, directory) -> tuple[Path, Path]:
        """Both files as CSV in ``directory`` (for ``manage.py import_organisation`` and
        ``import_people``, or a browser's file chooser): (units.csv, people.csv)."""
        units, people = Path(directory) / "units.csv", Path(directory) / "people.csv"
        units.write_bytes(self.units_csv())
        people.write_bytes(self.people_csv())
        return units, people

    def person(self, number: str) -> dict:
        return next(row for row in self.people if row["employee_number"] == number)


@dataclass
class Change:
    """What ``next_month`` changed, by employee number. ``movers`` maps each mover to the
    team they moved to (and their new manager)."""

    joiners: list[str] = field(default_factory=list)
    movers: dict[str, dict] = field(default_factory=dict)
    leavers: list[str] = field(default_factory=list)


def _csv(header: list[str], rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


class _People:
    def __init__(self, rng: random.Random, first_number: int = 100001) -> None:
        self.rng = rng
        self.next_number = first_number
        self.emails: set[str] = set()

    def make(self, *, title: str, unit: str, manager: str) -> dict:
        first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
        local, n = f"{first}.{last}".lower(), 1
        while f"{local}@council.example" in self.emails:
            n += 1
            local = f"{first}.{last}{n}".lower()
        email = f"{local}@council.example"
        self.emails.add(email)
        number = f"E{self.next_number:06d}"
        self.next_number += 1
        return {
            "employee_number": number,
            "first_name": first,
            "last_name": last,
            "email": email,
            "job_title": title,
            "unit_code": unit,
            "line_manager_employee_number": manager,
        }


def council(
    *,
    directorates: int = 5,
    services: int = 40,
    teams: int = 200,
    people: int = 2000,
    council_code: str = "C",
    seed: int = 1,
) -> HrFiles:
    """An organisation of ``directorates`` → ``services`` → ``teams`` (spread evenly, each
    with a head) and ``people`` in all, the heads included."""
    if directorates > len(DIRECTORATES) or people < 1 + directorates + services + teams:
        raise ValueError("Too many directorates, or too few people to head every unit")
    rng = random.Random(seed)
    maker = _People(rng)
    units, staff = [], []
    chief = maker.make(title="Chief Executive", unit=council_code, manager="")
    staff.append(chief)
    directorate_codes = []
    for code, name in DIRECTORATES[:directorates]:
        head = maker.make(title=f"Director of {name}", unit=code, manager=chief["employee_number"])
        staff.append(head)
        units.append(
            {
                "unit_code": code,
                "unit_name": name,
                "unit_type": "directorate",
                "parent_code": "",
                "head": head["employee_number"],
            }
        )
        directorate_codes.append((code, head))
    service_codes = []
    for index in range(services):
        parent, director = directorate_codes[index % directorates]
        code = f"{parent}-S{index + 1:02d}"
        name = f"{SERVICE_WORDS[index % len(SERVICE_WORDS)]} Services {index + 1}"
        head = maker.make(title=f"Head of {name}", unit=code, manager=director["employee_number"])
        staff.append(head)
        units.append(
            {
                "unit_code": code,
                "unit_name": name,
                "unit_type": "service",
                "parent_code": parent,
                "head": head["employee_number"],
            }
        )
        service_codes.append((code, head))
    team_codes = []
    for index in range(teams):
        parent, service_head = service_codes[index % services]
        code = f"{parent}-T{index + 1:03d}"
        name = f"{TEAM_WORDS[index % len(TEAM_WORDS)]} Team {index + 1}"
        head = maker.make(title=f"{name} Manager", unit=code, manager=service_head["employee_number"])
        staff.append(head)
        units.append(
            {
                "unit_code": code,
                "unit_name": name,
                "unit_type": "team",
                "parent_code": parent,
                "head": head["employee_number"],
            }
        )
        team_codes.append((code, head))
    for index in range(people - len(staff)):
        code, manager = team_codes[index % teams]
        staff.append(maker.make(title=rng.choice(STAFF_TITLES), unit=code, manager=manager["employee_number"]))
    return HrFiles(units=units, people=staff, council_code=council_code)


def next_month(
    files: HrFiles, *, joiners: int = 0, movers: int = 0, leavers: int = 0, seed: int = 2
) -> tuple[HrFiles, Change]:
    """Next month's files: the same organisation, ``leavers`` people gone (staff who manage
    nobody), ``movers`` moved to another team (new unit, line manager and job title) and
    ``joiners`` new people in teams. The organisation file is unchanged."""
    rng = random.Random(seed)
    people = copy.deepcopy(files.people)
    managers = {row["line_manager_employee_number"] for row in people}
    heads = {row["head"] for row in files.units}
    plain = [
        row for row in people if row["employee_number"] not in managers | heads and row["line_manager_employee_number"]
    ]
    chosen = rng.sample(plain, leavers + movers)
    change = Change()
    gone = {row["employee_number"] for row in chosen[:leavers]}
    change.leavers = sorted(gone)
    teams = [unit for unit in files.units if unit["unit_type"] == "team"]
    for row in chosen[leavers:]:
        team = rng.choice([unit for unit in teams if unit["unit_code"] != row["unit_code"]])
        row.update(
            unit_code=team["unit_code"],
            line_manager_employee_number=team["head"],
            job_title=f"Senior {row['job_title']}",
        )
        change.movers[row["employee_number"]] = {"unit_code": team["unit_code"], "line_manager": team["head"]}
    people = [row for row in people if row["employee_number"] not in gone]
    maker = _People(rng, first_number=max(int(row["employee_number"][1:]) for row in files.people) + 1)
    maker.emails = {row["email"] for row in files.people}
    for _ in range(joiners):
        team = rng.choice(teams)
        joiner = maker.make(title=rng.choice(STAFF_TITLES), unit=team["unit_code"], manager=team["head"])
        people.append(joiner)
        change.joiners.append(joiner["employee_number"])
    return HrFiles(units=copy.deepcopy(files.units), people=people, council_code=files.council_code), change
