"""Import a whole Council Plan from a CSV or Excel file: the same form, checks and services as
the page (Council Plans → Import a Council Plan), all or nothing, with the row-by-row report on
failure.

    python manage.py import_council_plan plan.xlsx --as imogen.hart \\
        --title "Council Plan 2025-29" --start 2025-04-01 --end 2029-03-31 \\
        --vision "A borough where everyone has the chance to thrive."
"""

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from core.imports import ImportRefused, apply_import, check_file
from planning.forms import CouncilPlanImportForm
from planning.imports import new_plan_import
from planning.models import CouncilPlan


class Command(BaseCommand):
    help = "Import a new Council Plan (its levels and tree) from a CSV or Excel file."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--as", dest="username", required=True, help="who imports it (may manage Council Plans)")
        parser.add_argument("--title", required=True, help="the plan's title, e.g. Council Plan 2025-29")
        parser.add_argument("--start", required=True, help="the first day of the plan, YYYY-MM-DD")
        parser.add_argument("--end", required=True, help="the last day of the plan, YYYY-MM-DD")
        parser.add_argument("--vision", required=True, help="the plan's vision (or aim)")
        parser.add_argument("--vision-label", default="Vision", help="what the council calls it: Vision, Aim...")
        parser.add_argument("--description", default="", help="where the plan comes from")

    def handle(self, *args, file, username, **options):
        by = User.objects.filter(username=username, is_active=True).first()
        if by is None:
            raise CommandError(f"No active user called {username}")
        if not file.exists():
            raise CommandError(f"No file at {file}")
        details = {
            "title": options["title"],
            "start_date": options["start"],
            "end_date": options["end"],
            "vision_label": options["vision_label"],
            "vision": options["vision"],
            "description": options["description"],
        }
        form = CouncilPlanImportForm(details, {"file": SimpleUploadedFile(file.name, file.read_bytes())})
        if not form.is_valid():
            for field, errors in form.errors.items():
                for error in errors:
                    self.stderr.write(f"{field}: {error}")
            raise CommandError("Nothing was imported: the plan's details have problems.")
        kind = new_plan_import(form.details())
        checked = check_file(kind, form.cleaned_data["file"])
        if checked.problems:
            for problem in checked.problems:
                self.stderr.write(f"row {problem.row}, {problem.column or 'file'}: {problem.message}")
            raise CommandError(f"Nothing was imported: {len(checked.problems)} problem(s).")
        try:
            apply_import(by=by, kind=kind, checked=checked)
        except (ImportRefused, PermissionDenied) as refused:
            raise CommandError(f"Nothing was imported: {refused}") from refused
        plan = CouncilPlan.objects.get(title=form.cleaned_data["title"])
        self.stdout.write(f"Imported {plan}: {plan.nodes.count()} parts in levels {' → '.join(plan.level_names)}.")
