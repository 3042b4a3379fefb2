"""Self-test of the differential harness: is its comparison strict enough?

The reference-vs-reference run (`differential.py --supervisor tools/supervisor/python_supervisor.sh`)
shows that the normalisation is not too strict: two runs of the same supervisor compare equal.
This shows it is not too loose: each case runs one scenario against Airflow's supervisor with
one behaviour broken on purpose (differential_sabotage.py) and expects the scenario to FAIL, with
a failure line containing the expected text. A control case (no fault) must PASS.

Usage: differential_selftest.py [--work-dir DIR] [--only FAULT ...]
Exit status: 0 when every case behaves as expected, 1 otherwise.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import differential  # noqa: E402

# (fault, scenario, text one failure line must contain); fault None is the control.
CASES = [
    (None, "os_exit", None),
    ("no_mask", "success_xcom_vars_conn", "a secret appears in clear"),
    ("heartbeat_own_pid", "success_xcom_vars_conn", "differs from the PATCH run pid"),
    ("slow_heartbeat", "heartbeat_409", "heartbeat answers other than 204"),
    ("no_heartbeat", "success_xcom_vars_conn", "heartbeats: the reference sent"),
    ("retry_instead_of_failed", "os_exit", "final state: reference failed, other None"),
    ("quiet_abnormal_exit", "os_exit", "task log lines (supervisor) differ"),
    ("ignore_refreshed_token", "token_refresh", "API calls (heartbeats aside) differ"),
    ("logs_not_on_stdout", "fail_no_retry", "task lines forwarded to stdout differ"),
    ("exit_code_3", "skip", "exit code: reference 0, other 3"),
    ("remote_log_overwrites", "remote_log_s3_append", "task log lines (supervisor) differ"),
    ("remote_log_keeps_local_copy", "remote_log_s3", "local log after the upload"),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work-dir", type=Path)
    parser.add_argument("--only", action="append", default=[], metavar="FAULT")
    parser.add_argument("--s3-python", metavar="PYTHON",
                        help="the Python for the remote_log_* cases (see differential.py --help);"
                             " default: .venv-s3/bin/python at the repository's root")
    args = parser.parse_args(argv)
    default_s3 = HERE.parent.parent / ".venv-s3" / "bin" / "python"
    s3_python = args.s3_python or (str(default_s3) if default_s3.exists() else None)
    if s3_python:
        differential.S3_PYTHON.append(s3_python)
    work = args.work_dir.resolve() if args.work_dir else Path(tempfile.mkdtemp(prefix="airflow-supervisor-selftest-"))
    work.mkdir(parents=True, exist_ok=True)
    import os

    os.environ["AIRFLOW_HOME"] = str(work / "driver-airflow-home")
    scenarios = {s.name: s for s in differential.build_scenarios(False, None, 6.0)}
    cases = [c for c in CASES if not args.only or (c[0] or "control") in args.only]
    reference = [sys.executable, "-m", differential.REFERENCE_MODULE]
    references: dict[str, differential.Run] = {}
    bad = []
    t0 = time.monotonic()
    for fault, name, expect in cases:
        s = scenarios[name]
        # A remote-logging case runs both sides with the Python that has the amazon provider.
        python = sys.executable
        if s.remote_log:
            if not s3_python:
                parser.error(f"{fault} needs --s3-python (a venv from tools/s3-requirements.txt)")
            python = s3_python
        reference = [python, "-m", differential.REFERENCE_MODULE]
        if name not in references:
            references[name] = differential.run_side(s, "reference", reference, work)
        label = fault or "control"
        wrapper = work / f"sabotage-{label}.sh"
        inner = f'"{python}" "{HERE / "differential_sabotage.py"}" {fault} "$@"' if fault else \
            f'"{HERE / "python_supervisor.sh"}" "$@"'
        wrapper.write_text(f"#!/bin/sh\nexec {inner}\n")
        wrapper.chmod(0o755)
        sub = work / label
        result = differential.run_scenario(s, reference, [str(wrapper)], sub, ref=references[name])
        if fault is None:
            ok = result.passed
            why = "passes" if ok else "FAILS: " + "; ".join(result.failures[:3])
        else:
            hit = [f for f in result.failures if expect in f]
            ok = not result.passed and bool(hit)
            why = (f"caught: {hit[0][:160]}" if ok else
                   f"NOT caught as expected ({expect!r}); failures: {result.failures[:4]}")
        print(f"{'ok  ' if ok else 'BAD '} {label:24} {name:24} {why}", flush=True)
        if not ok:
            bad.append(label)
    print(f"\n{len(cases) - len(bad)} of {len(cases)} cases as expected ({time.monotonic() - t0:.0f} s)")
    if not bad and not args.work_dir:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
