"""Every figure of "fast at quarter end and at the size of the largest councils" in one run:

1. ``dashboards.py``: at 500 KPIs with 12 quarters each, the priority dashboard and the
   overview against a trivial page, cached, on a first visit with nothing warmed, and on the
   first visit after a change once the worker's warm has run (goals 2x and 3x); the pack for
   100 KPIs from the database;
2. ``returns.py --quarter-end-only``: the sustained rate of saves and submissions per core and
   p95 at half that rate held for a minute (goal 300 ms, no errors, every accepted write
   present), with the load generator's own cost;
3. ``largest_council.py``: 2,000 KPIs with 40 quarters, 15,000 staff, 75,000 CIC objectives and
   20 published reports: every page's p50, p95, queries and ratio to a trivial page (goal
   300 ms), the web process's memory (goal 250 MB), the pack and a priority's PDF, and a
   worker killed while building.

Each part runs in its own process, one after another (they would only slow each other down
on the same cores), and prints its own table; the load average is printed before each.

    DATABASE_URL=postgres://pmf@127.0.0.1:55432/pmf REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python benchmarks/scale.py [--quick] [--keep]

``--quick`` holds the quarter-end rate for 10 s instead of 60 and seeds the largest council at
test size (for checking the script, not for figures). ``--keep`` keeps the largest council's
database between runs (``largest_council.py --keep``). The more-than-one-machine proof is a
test, not a benchmark: ``tests/reporting/test_more_than_one_machine.py``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def part(title: str, script: str, *args: str) -> int:
    print(f"\n{'=' * 100}\n{title}\n{'=' * 100}", flush=True)
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", flush=True)
    started = time.perf_counter()
    code = subprocess.call([sys.executable, str(HERE / script), *args], cwd=HERE.parent)
    print(f"[{script} finished in {time.perf_counter() - started:.0f} s, exit {code}]", flush=True)
    return code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short check of the script, not figures")
    parser.add_argument("--keep", action="store_true", help="keep the largest council's database")
    options = parser.parse_args()
    failed = 0
    failed += part("Dashboards at 500 KPIs: cached, cold and warmed after a change", "dashboards.py") != 0
    seconds = ["--seconds", "10", "--saturate", "10"] if options.quick else []
    failed += part("Quarter end: saves and submissions", "returns.py", "--quarter-end-only", *seconds) != 0
    large = (["--small"] if options.quick else []) + (["--keep"] if options.keep else [])
    failed += part("The largest councils", "largest_council.py", *large) != 0
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
