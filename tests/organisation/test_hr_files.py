"""The HR file generator the import tests and the end-to-end browser test use."""

from __future__ import annotations

from collections import Counter

from tests import hr_files


def test_the_generated_council_has_the_size_and_a_proper_hierarchy():
    files = hr_files.council()
    assert Counter(unit["unit_type"] for unit in files.units) == {"directorate": 5, "service": 40, "team": 200}
    assert len(files.people) == 2000
    numbers = {row["employee_number"] for row in files.people}
    assert len(numbers) == 2000
    assert len({row["email"] for row in files.people}) == 2000
    assert all(unit["head"] in numbers for unit in files.units)
    manager_of = {row["employee_number"]: row["line_manager_employee_number"] for row in files.people}
    assert [n for n, m in manager_of.items() if not m] == [files.people[0]["employee_number"]]
    for number in numbers:  # every chain reaches the chief executive within five steps
        steps = 0
        while manager_of[number]:
            number, steps = manager_of[number], steps + 1
            assert steps <= 5
    assert hr_files.council() == files  # deterministic


def test_next_month_changes_exactly_what_it_says():
    files = hr_files.council(directorates=2, services=4, teams=8, people=60)
    later, change = hr_files.next_month(files, joiners=4, movers=3, leavers=2)
    before = {row["employee_number"]: row for row in files.people}
    after = {row["employee_number"]: row for row in later.people}
    assert sorted(set(before) - set(after)) == change.leavers
    assert sorted(set(after) - set(before)) == sorted(change.joiners)
    moved = {n for n in set(before) & set(after) if before[n] != after[n]}
    assert moved == set(change.movers)
    assert hr_files.next_month(files, joiners=4, movers=3, leavers=2) == (later, change)
