#!/usr/bin/env python3
"""Run Performance locally, or its checks and tests, with one command each.

    python3 run.py          set up on first run, then run the service at http://127.0.0.1:8000/
    python3 run.py test     set up, then ruff, the migration check and pytest

The first run makes .venv, installs the locked packages and builds the stylesheet; later
runs skip whatever is already up to date. The work is done by the devtools package.

This file itself must still run on old Pythons, far enough to say which Python is needed,
so it uses no syntax newer than Python 2.7 and imports devtools only after the check.
"""

import os
import sys

MINIMUM = (3, 11)


def version_problem(version_info):
    """The message for a Python older than MINIMUM, or None when this one will do."""
    if tuple(version_info[:2]) >= MINIMUM:
        return None
    found = ".".join(str(part) for part in version_info[:3])
    needed = str(MINIMUM[0]) + "." + str(MINIMUM[1])
    return "Python " + needed + " or newer is needed; this is " + found + "."


def main():
    problem = version_problem(sys.version_info)
    if problem:
        sys.stderr.write(problem + "\n")
        return 1
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from devtools.cli import main as run_command

    return run_command(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
