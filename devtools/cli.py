"""Command-line entry point behind run.py: pick the command, set up, re-execute, run."""

from __future__ import annotations

import sys

from . import app, bootstrap, testrun
from .console import Fatal, complain

USAGE = """\
Usage:
  python3 run.py              set up (first run only) and run Performance locally
  python3 run.py new-council  the same with a council of your own instead of the demo: asks
                              for its name and first performance admin on the first run
                              (docs/how-to/new-council.md)
  python3 run.py test [ARGS]  set up, then lint and test; ARGS are passed to pytest
  python3 run.py manage ARGS  a manage.py command against the running local service
                              (for example `python3 run.py manage demo_cycle`)

Environment: PMF_PORT (web port, default 8000); PMF_DEBUG=1 for Django's debug pages;
DATABASE_URL and REDIS_URL together to use your own PostgreSQL and Redis instead of the
embedded ones.
"""


def parse(argv: list[str]) -> tuple[str, list[str]]:
    """("run" | "new-council" | "test" | "serve" | "help", extra arguments). ``serve`` is
    internal: no set-up."""
    if not argv:
        return "run", []
    first, rest = argv[0], argv[1:]
    if first in ("-h", "--help", "help"):
        return "help", []
    if first == "test":
        return "test", rest
    if first == "manage" and rest:
        return "manage", rest
    if first in ("run", "serve", "new-council") and not rest:
        return first, []
    raise Fatal(f"Unknown command: {' '.join(argv)}\n\n{USAGE}", code=2)


def main(argv: list[str]) -> int:
    sys.stdout.reconfigure(errors="replace")
    sys.stderr.reconfigure(errors="replace")
    try:
        command, extra = parse(argv)
        if command == "help":
            print(USAGE, end="")
            return 0
        return dispatch(command, extra, argv)
    except Fatal as problem:
        complain(str(problem))
        return problem.code
    except KeyboardInterrupt:
        complain("\nInterrupted.")
        return 130


def dispatch(command: str, extra: list[str], argv: list[str]) -> int:
    if command in ("run", "new-council", "test", "manage") and not bootstrap.already_reexecuted():
        bootstrap.prepare(dev=command == "test")
        bootstrap.reexec(argv)
    if command == "test":
        return testrun.run(extra)
    if command == "manage":
        return app.manage(extra)
    return app.run(serve_only=command == "serve", new_council=command == "new-council")
