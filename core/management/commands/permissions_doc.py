"""Rewrite the generated tables in docs/permissions.md from accounts/policy.py: the
capability × role table and who may grant which role."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.models import ROLE_SCOPE_KIND
from accounts.policy import ROLE_GRANTERS, Role, grants_markdown


def role_grants_markdown() -> str:
    """Who may grant which role (``accounts.policy.ROLE_GRANTERS``) and what each role is held
    for (``accounts.models.ROLE_SCOPE_KIND``), as docs/permissions.md shows it."""
    lines = ["| role | held for | granted and removed by |", "| --- | --- | --- |"]
    for role in Role:
        kind = ROLE_SCOPE_KIND[role]
        held_for = f"one {kind.label.lower()} (and everything below it)" if kind else "the whole council"
        granters = " or ".join(sorted(f"a {granter.label.lower()}" for granter in ROLE_GRANTERS[role]))
        lines.append(f"| {role.label} | {held_for} | {granters}, never for themselves |")
    return "\n".join(lines)


#: Each generated block: its name in the page's markers, and what writes it.
BLOCKS = {"grants": grants_markdown, "role-grants": role_grants_markdown}


def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->\n", f"\n<!-- {name}:end -->"


def generated(text: str, name: str) -> str:
    """The block between ``name``'s markers, as the page has it."""
    start, end = markers(name)
    return text[text.index(start) + len(start) : text.index(end)]


def with_blocks(text: str) -> str:
    """The page with every generated block written afresh."""
    for name, make in BLOCKS.items():
        start, end = markers(name)
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        text = head + start + make() + end + tail
    return text


class Command(BaseCommand):
    help = "Regenerate the capability × role table and the role-granting table in docs/permissions.md."

    def handle(self, *args, **options):
        path = Path(settings.BASE_DIR) / "docs" / "permissions.md"
        path.write_text(with_blocks(path.read_text(encoding="utf-8")), encoding="utf-8")
        self.stdout.write(f"Updated {path.relative_to(settings.BASE_DIR)}")
