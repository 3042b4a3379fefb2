"""Side-by-side speed of the Python SDK and airflow-comms on the same bytes, in one run.

    .venv/bin/python tools/bench/compare.py            # runs `cargo bench --bench comms` first
    .venv/bin/python tools/bench/compare.py --no-cargo # reuse the last criterion results

The Rust benchmark (benches/comms.rs) writes every input it times to target/bench-data/; this
script times the Python SDK's real paths on those very files:

- decode, as the supervisor does it: msgspec decodes the frame (`_RequestFrame`), then
  `TypeAdapter(ToSupervisor).validate_python(body)` (replies: `_ResponseFrame` and `ToTask`);
- encode, as the task side does it: `model_dump()` then `_RequestFrame(...).as_bytes()`;
- JSON decode: `TypeAdapter(<union>).validate_json(text)`.

Both sides report the same statistic, the median time per call: Python is timed with `timeit`
(garbage collector off, its default) over 15 repeats, Rust by criterion's median estimate over
its samples. A median shrugs off the stalls a shared host adds to a few samples; comparing
Python's best repeat with criterion's mean (as this script once did) charged those stalls to
Rust alone. Prints the tables for the README.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import timeit
from pathlib import Path

import msgspec
from pydantic import TypeAdapter

from airflow.sdk.execution_time import comms

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "target" / "bench-data"
CRITERION = REPO / "target" / "criterion"
REQUESTS = ["GetConnection", "GetVariable", "GetXCom", "TaskState", "MaskSecret", "SucceedTask10"]
REPLIES = ["ConnectionResult", "StartupDetails"]
XCOMS = ["SetXCom100B", "SetXCom10KiB", "SetXCom1MiB", "SetXCom16MiB"]


REPEATS = 15


def python_time(fn, budget: float = 0.5) -> float:
    """Seconds per call: the median of `REPEATS` repeats, each sized to take about
    `budget` / `REPEATS`."""
    number, elapsed = 1, 0.0
    while elapsed < budget / REPEATS and number < 10**7:
        elapsed = timeit.timeit(fn, number=number)
        if elapsed < budget / REPEATS:
            number *= 4
    return statistics.median(timeit.repeat(fn, number=number, repeat=REPEATS)) / number


def rust_time(group: str, bench: str) -> float | None:
    """Seconds per iteration, criterion's median estimate, if that benchmark ran."""
    for path in (CRITERION / group / bench / "new" / "estimates.json", CRITERION / group / bench.replace("/", "_") / "new" / "estimates.json"):
        if path.exists():
            return json.loads(path.read_text())["median"]["point_estimate"] / 1e9
    return None


def fmt(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def ratio(python: float | None, rust: float | None) -> str:
    return f"{python / rust:.1f}×" if python and rust else "—"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-cargo", action="store_true", help="do not run cargo bench first")
    args = parser.parse_args()
    if not args.no_cargo:
        subprocess.run(["cargo", "bench", "--bench", "comms"], cwd=REPO, check=True)

    to_supervisor, to_task = TypeAdapter(comms.ToSupervisor), TypeAdapter(comms.ToTask)
    request_decoder = msgspec.msgpack.Decoder(comms._RequestFrame)
    response_decoder = msgspec.msgpack.Decoder(comms._ResponseFrame)

    print(f"Machine: {platform.machine()}, {platform.processor() or 'unknown CPU'}, Python {platform.python_version()}")
    print()
    print("| message | Python decode | Rust decode | Python/Rust | Rust struct floor | Rust/floor | Python encode | Rust encode | Python/Rust | Python JSON decode | Rust JSON decode | Python/Rust |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name in REQUESTS + REPLIES:
        frame = (DATA / f"{name}.frame").read_bytes()
        text = (DATA / f"{name}.json").read_text(encoding="utf-8")
        payload = frame[4:]
        if name in REQUESTS:
            decode = lambda: to_supervisor.validate_python(request_decoder.decode(payload).body)  # noqa: E731
            message = to_supervisor.validate_json(text)
            encode = lambda: comms._RequestFrame(id=0, body=message.model_dump()).as_bytes()  # noqa: E731
            adapter = to_supervisor
        else:
            decode = lambda: to_task.validate_python(response_decoder.decode(payload).body)  # noqa: E731
            message = to_task.validate_json(text)
            encode = lambda: comms._ResponseFrame(id=0, body=message.model_dump()).as_bytes()  # noqa: E731
            adapter = to_task
        json_decode = lambda: adapter.validate_json(text)  # noqa: E731
        py_decode, py_encode, py_json = python_time(decode), python_time(encode), python_time(json_decode)
        rs_decode, rs_encode = rust_time(name, "frame_decode"), rust_time(name, "frame_encode")
        rs_floor, rs_json = rust_time(name, "struct_floor"), rust_time(name, "json_decode")
        floor_ratio = f"{rs_decode / rs_floor:.2f}×" if rs_decode and rs_floor else "—"
        print(
            f"| {name} | {fmt(py_decode)} | {fmt(rs_decode)} | {ratio(py_decode, rs_decode)} | {fmt(rs_floor)} | {floor_ratio} "
            f"| {fmt(py_encode)} | {fmt(rs_encode)} | {ratio(py_encode, rs_encode)} "
            f"| {fmt(py_json)} | {fmt(rs_json)} | {ratio(py_json, rs_json)} |"
        )

    print()
    print("| SetXCom value | frame bytes | Python frame decode | MB/s | Rust frame decode | MB/s | Python/Rust | Python JSON decode | Rust JSON decode | Python/Rust | Python frame encode | Rust frame encode | Python/Rust |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name in XCOMS:
        frame = (DATA / f"{name}.frame").read_bytes()
        text = (DATA / f"{name}.json").read_text(encoding="utf-8")
        payload = frame[4:]
        py = python_time(lambda: to_supervisor.validate_python(request_decoder.decode(payload).body), budget=2.0)
        py_json = python_time(lambda: to_supervisor.validate_json(text), budget=2.0)
        message = to_supervisor.validate_json(text)
        py_encode = python_time(lambda: comms._RequestFrame(id=0, body=message.model_dump()).as_bytes(), budget=2.0)  # noqa: B023
        rs = rust_time("SetXCom", f"frame_decode/{name}")
        rs_json = rust_time("SetXCom", f"json_decode/{name}")
        rs_encode = rust_time("SetXCom", f"frame_encode/{name}")
        mbs = lambda seconds: f"{len(frame) / seconds / 1e6:.0f}" if seconds else "—"  # noqa: E731
        print(
            f"| {name.removeprefix('SetXCom')} | {len(frame)} | {fmt(py)} | {mbs(py)} | {fmt(rs)} | {mbs(rs)} | {ratio(py, rs)} "
            f"| {fmt(py_json)} | {fmt(rs_json)} | {ratio(py_json, rs_json)} "
            f"| {fmt(py_encode)} | {fmt(rs_encode)} | {ratio(py_encode, rs_encode)} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
