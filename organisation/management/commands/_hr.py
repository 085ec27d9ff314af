"""What ``import_organisation`` and ``import_people`` share: read the file, print the plan,
apply it as the named person unless ``--dry-run``."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from organisation.hr import KINDS, apply_previewed, preview


class HrImportCommand(BaseCommand):
    slug = ""

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .csv or .xlsx file in the layout docs/imports.md describes")
        parser.add_argument("--as", dest="username", required=True, help="the performance admin it is done as")
        parser.add_argument("--dry-run", action="store_true", help="print what it would change; change nothing")

    def handle(self, *args, file: str, username: str, dry_run: bool, **options):
        kind = KINDS[self.slug]
        try:
            by = User.objects.get(username=username, is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"No active person with the user name {username}") from None
        path = Path(file)
        data = path.read_bytes()
        checked, plan = preview(kind, path.name, data)
        if checked.problems:
            for problem in checked.problems:
                self.stderr.write(f"row {problem.row}, {problem.column or '-'}: {problem.message}")
            raise CommandError(f"Nothing was imported: the file has {len(checked.problems)} problem(s)")
        for line in describe(plan):
            self.stdout.write(line)
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")
            return
        apply_previewed(by=by, kind=kind, name=path.name, data=data, digest=plan.digest())
        self.stdout.write(self.style.SUCCESS(f"{kind.title} imported."))


def describe(plan) -> list[str]:
    """The preview as lines of text, the same counts and lists as the preview page."""
    lines = []
    if hasattr(plan, "joiners"):
        lines.append(
            f"Joiners: {len(plan.joiners)}; movers: {len(plan.movers)}; leavers: {len(plan.leavers)}; "
            f"returners: {len(plan.returners)}; unchanged: {plan.unchanged}"
        )
        lines += [
            f"  joins: {r['employee_number']} {r['first_name']} {r['last_name']} ({r['unit_code']})"
            for r in plan.joiners
        ]
        for change in plan.movers + plan.returners:
            what = "; ".join(f"{label}: {before} → {after}" for label, before, after in change.changes)
            verb = "returns" if change in plan.returners else "changes"
            lines.append(f"  {verb}: {change.row['employee_number']} {change.person.display_name}: {what}")
        lines += [f"  leaves: {p.employee_number} {p.display_name}" for p in plan.leavers]
    else:
        lines.append(
            f"Units added: {len(plan.added)}; renamed: {len(plan.renamed)}; moved: {len(plan.moved)}; "
            f"new heads: {len(plan.new_heads)}; reopened: {len(plan.reopened)}; closed: {len(plan.closed)}; "
            f"unchanged: {plan.unchanged}"
        )
        lines += [f"  adds: {r['unit_code']} {r['unit_name']} in {r['parent_code']}" for r in plan.added]
        lines += [f"  {c.unit.code} {c.field}: {c.before} → {c.after}" for c in plan.changes]
        lines += [f"  closes: {u.code} {u.name}" for u in plan.closed]
        lines += [f"  reopens: {u.code} {u.name}" for u in plan.reopened]
        lines += [f"  note: {note}" for note in plan.notes]
    return lines
