#!/usr/bin/env python3
"""The big differential run: many mutants judged by the real SDK, then the Rust check on them.

Generates ``--count`` mutants (default 120,000, huge strings included) with ``mutate.py`` into
``target/differential`` (not checked in), then runs ``cargo test --release --test differential``
with ``AIRFLOW_COMMS_DIFFERENTIAL`` pointing there, and prints how long each step took.

Usage (from the repository root, with the pinned venv)::

    .venv/bin/python tools/differential/run.py [--count 120000] [--seed N] [--out target/differential]

Extra arguments after ``--`` go to the test binary (e.g. ``-- --nocapture`` is always passed).
"""

from __future__ import annotations

import argparse
import os
import pathlib
import subprocess
import sys
import time

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=120_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=pathlib.Path, default=REPO_ROOT / "target" / "differential")
    parser.add_argument("--skip-generate", action="store_true", help="reuse the mutants already in --out")
    parser.add_argument("test_args", nargs="*", help="arguments for the test binary")
    args = parser.parse_args()

    if not args.skip_generate:
        started = time.monotonic()
        subprocess.run([sys.executable, str(REPO_ROOT / "tools" / "differential" / "mutate.py"),
                        "--count", str(args.count), "--seed", str(args.seed), "--out", str(args.out), "--huge",
                        "--max-base-bytes", "0"],
                       check=True, cwd=REPO_ROOT)
        print(f"generation: {time.monotonic() - started:.1f} s", file=sys.stderr)

    # Build first, so the time printed for the check is the check alone.
    subprocess.run(["cargo", "test", "--release", "--test", "differential", "--no-run"], check=True, cwd=REPO_ROOT)
    started = time.monotonic()
    result = subprocess.run(
        ["cargo", "test", "--release", "--test", "differential", "--", "--nocapture", *args.test_args],
        cwd=REPO_ROOT, env={**os.environ, "AIRFLOW_COMMS_DIFFERENTIAL": str(args.out.resolve())})
    print(f"Rust check: {time.monotonic() - started:.1f} s", file=sys.stderr)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
