"""Import the data dictionary, targets, period values or benchmarks from a CSV or Excel file:
the same checks as the page, all or nothing, with the row-by-row report on failure."""

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from core.imports import ImportRefused, apply_import, check_file
from kpis.imports import KINDS


class Command(BaseCommand):
    help = "Import KPI data: " + ", ".join(KINDS)

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("file", type=Path)
        parser.add_argument("--as", dest="username", required=True, help="the performance admin making the change")

    def handle(self, *args, kind, file, username, **options):
        by = User.objects.filter(username=username).first()
        if by is None:
            raise CommandError(f"No user called {username}")
        if not file.exists():
            raise CommandError(f"No file at {file}")
        upload = SimpleUploadedFile(file.name, file.read_bytes())
        checked = check_file(KINDS[kind], upload)
        if checked.problems:
            for problem in checked.problems:
                self.stderr.write(f"row {problem.row}, {problem.column or 'file'}: {problem.message}")
            raise CommandError(f"Nothing was imported: {len(checked.problems)} problem(s).")
        try:
            count = apply_import(by=by, kind=KINDS[kind], checked=checked)
        except ImportRefused as refused:
            raise CommandError(str(refused)) from refused
        self.stdout.write(f"Imported {count} row(s) of {kind}.")
