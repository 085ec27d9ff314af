"""Rewrite the capability table in docs/permissions.md from accounts/policy.py."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.policy import grants_markdown

START, END = "<!-- grants:start -->\n", "\n<!-- grants:end -->"


class Command(BaseCommand):
    help = "Regenerate the capability × role table in docs/permissions.md."

    def handle(self, *args, **options):
        path = Path(settings.BASE_DIR) / "docs" / "permissions.md"
        text = path.read_text(encoding="utf-8")
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
        path.write_text(head + START + grants_markdown() + END + tail, encoding="utf-8")
        self.stdout.write(f"Updated {path.relative_to(settings.BASE_DIR)}")
