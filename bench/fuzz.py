"""The long fuzz run: the suite's hypothesis properties with many random examples.

tests/napsite/test_fuzz.py holds the properties (public addresses with random query parameters,
the report PDF, random files for the update round's import) and runs a few deterministic
examples of each in the suite. This script runs them with ``--scale`` times as many random
examples, on PostgreSQL by default (pytest-django makes and drops ``test_<database>``), and
prints how many examples ran and whether any failed. A failure is shrunk to a minimal example
by hypothesis and kept in .hypothesis/ (git-ignored) so the next run tries it first.

    .venv/bin/python bench/fuzz.py                  # scale 50: ~3,000 addresses, ~2,000 files
    .venv/bin/python bench/fuzz.py --scale 200 --database-url sqlite
"""

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/nap_bench8_fuzz"
STATISTICS = re.compile(r"(\d+) passing, (\d+) failing, and (\d+) invalid")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, default=50, help="times the suite's examples")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE, help="or 'sqlite'")
    args = parser.parse_args()
    if not 1 <= args.scale <= 1000:
        parser.error("--scale must be 1-1000")
    env = {**os.environ, "NAP_FUZZ_SCALE": str(args.scale)}
    env.pop("DATABASE_URL", None)
    if args.database_url != "sqlite":
        env["DATABASE_URL"] = args.database_url
    started = time.monotonic()
    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/napsite/test_fuzz.py",
            "-q",
            "-p",
            "no:cacheprovider",
            "--hypothesis-show-statistics",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    print(finished.stdout[-20_000:])
    counts = [tuple(map(int, match)) for match in STATISTICS.findall(finished.stdout)]
    passing = sum(p for p, _, _ in counts)
    failing = sum(f for _, f, _ in counts)
    print(
        f"scale {args.scale} on {args.database_url}: {passing + failing} examples run, "
        f"{failing} failing, took {time.monotonic() - started:.0f}s"
    )
    if finished.returncode != 0:
        raise SystemExit(finished.stderr[-5_000:] or "FAILED")


if __name__ == "__main__":
    main()
