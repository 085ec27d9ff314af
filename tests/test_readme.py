"""The README's quickstart is exactly the two commands, and CI runs the second."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def quickstart_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```[a-z]*\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1, "the Quickstart section must hold exactly one code block"
    return [line.strip() for line in blocks[0].splitlines() if line.strip()]


def test_quickstart_is_the_run_command_then_the_test_command():
    assert quickstart_commands() == ["python3 run.py", "python3 run.py test"]


def test_ci_runs_exactly_the_readme_test_command():
    lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert f"exec {quickstart_commands()[1]}" in lines
