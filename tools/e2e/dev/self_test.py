"""Self-test of the e2e harness: it passes a correct runtime and fails broken ones, for the right reason.

The runtime is the Python stand-in (standin_runtime.py), packed by pack_standin.py. First every
scenario runs against the correct stand-in and must pass. Then the stand-in runs with every
deliberate fault (`E2E_STANDIN_SABOTAGE`) on the scenarios they break plus a control scenario none
touches: each broken scenario must fail with the reason its fault implies, the control must pass.

Usage: self_test.py  (exit 0 when the harness behaves, 1 otherwise)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
HARNESS = HERE.parent / "run_demo.py"
sys.path.insert(0, str(HERE))

from pack_standin import pack  # noqa: E402
from standin_runtime import SABOTAGES  # noqa: E402

CONTROL = "always_fails"
# sabotage -> (scenario it must break, a piece of the failure message that says why)
EXPECTED = {
    "wrong-sum": ("sum_upstream", "/sum_upstream/return_value body"),
    "no-mask-request": ("connect", "no MaskSecret request"),
    "uppercase-level": ("greet", "no info line whose event contains 'Hello, Ferris Zoë!'"),
    "no-terminal": ("skip_me", "0 PATCH .../state calls"),
    "fail-instead-of-retry": ("greet_retry", "state 'failed', expected 'up_for_retry'"),
    "stderr-noise": ("connect", "to stderr"),
    "hang": ("unknown_task", "timeout: no result after"),
}
# Faults that need a scenario of their own, and the harness options for that run.
SEPARATE = {"hang": ["--timeout", "5"]}


def run_harness(bundle: Path, report: Path, only: list[str], sabotage: str | None, extra=()) -> dict:
    env = dict(os.environ)
    env.pop("E2E_STANDIN_SABOTAGE", None)
    if sabotage:
        env["E2E_STANDIN_SABOTAGE"] = sabotage
    args = [sys.executable, str(HARNESS), str(bundle), "--json-report", str(report), *extra]
    for name in only:
        args += ["--only", name]
    proc = subprocess.run(args, env=env, capture_output=True, text=True)
    if not report.exists():
        raise SystemExit(f"harness wrote no report (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    doc = json.loads(report.read_text(encoding="utf-8"))
    doc["exit_code"] = proc.returncode
    doc["stdout"] = proc.stdout
    return doc


def main() -> int:
    assert set(EXPECTED) == set(SABOTAGES), "every sabotage needs an expectation"
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="e2e-self-test-") as tmp:
        tmp_path = Path(tmp)
        bundle = pack(tmp_path / "bundles" / "rust_demo")

        clean = run_harness(bundle, tmp_path / "clean.json", [], None)
        failed = [r["name"] for r in clean["results"] if not r["passed"]]
        print(f"correct stand-in: exit {clean['exit_code']}, failed {failed or 'none'}")
        if clean["exit_code"] != 0 or failed:
            problems.append(f"the correct stand-in did not pass:\n{clean['stdout']}")

        # The faults that can share a run at once (each breaks its own scenario), then each of the
        # others alone; every run has a control scenario that no fault touches.
        runs = [[s for s in EXPECTED if s not in SEPARATE], *([s] for s in SEPARATE)]
        docs = {}
        for n, sabotages in enumerate(runs):
            # The control runs last, so it also shows that a failed scenario leaves nothing behind.
            targets = sorted({EXPECTED[s][0] for s in sabotages}) + [CONTROL]
            extra = [a for s in sabotages for a in SEPARATE.get(s, [])]
            doc = run_harness(bundle, tmp_path / f"sabotaged-{n}.json", targets, ",".join(sabotages), extra)
            if doc["exit_code"] != 1:
                problems.append(f"the run with faults {sabotages} exited {doc['exit_code']}, expected 1")
            control = {r["name"]: r for r in doc["results"]}.get(CONTROL)
            if control is None or not control["passed"]:
                problems.append(f"control scenario {CONTROL} did not pass under {sabotages}:\n{doc['stdout']}")
            docs.update((s, doc) for s in sabotages)
        for sabotage, (target, reason) in EXPECTED.items():
            doc = docs[sabotage]
            broken = {r["name"]: r for r in doc["results"]}.get(target)
            ok = broken is not None and any(reason in f for f in broken["failures"])
            print(f"{'ok  ' if ok else 'BAD '} sabotage {sabotage:22} -> {target} fails ({SABOTAGES[sabotage]})")
            if not ok:
                problems.append(f"sabotage {sabotage}: expected {target} to fail with {reason!r}:\n{doc['stdout']}")

    for problem in problems:
        print(problem)
    print("harness self-test:", "PASS" if not problems else "FAIL")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
