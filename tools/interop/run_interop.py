"""Interop run: the Rust frame codec against the real Airflow SDK, both directions.

1. Supervisor direction. For the callback and task channels, the Rust example supervisor
   (examples/supervisor.rs) serves a Python child that sends one request of every type with the
   SDK's own CommsDecoder (tools/interop/child.py). Each request gets a canned reply, chosen so
   that every ToTask reply type is used; the child checks each reply as the SDK decodes it. On
   the callback channel the child also sends a task-only message (SucceedTask), which must be
   answered with an error frame instead of being left unanswered.
   The same run is repeated with the command line's mock supervisor (`airflow-comms supervise`),
   and once more on the callback channel with the child's id counter starting at 2**63 - 3, so
   that the SDK's client sends ids an i64 cannot hold and checks each reply echoes its id.
2. Reply frames. Every accepted reply of the corpus (to-task, to-trigger-runner,
   to-dag-processor) is encoded by Rust (`airflow-comms encode --output frames`) and decoded by
   the SDK's `_ResponseFrame` decoder plus the reply union.

Expected values always come from the SDK: a reply is sent through the Python encoder and decoder
first, and what comes out is what the Rust-encoded frame must decode to.

Fails (exit 1) on any difference, and fails rather than skips when something is missing.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import msgspec
from pydantic import TypeAdapter

from airflow.sdk.execution_time import comms

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import CORPUS, REPLY_CHANNELS, REPO, check_pins, corpus_cases, load_union  # noqa: E402

REPLY_UNIONS = {name: load_union(name) for name in REPLY_CHANNELS}
# ResendLoggingFD is answered with a descriptor passed as SCM_RIGHTS: tools/interop/descriptors.py
# checks that exchange with the SDK, both ways.
SKIPPED_REQUESTS = {"ResendLoggingFD"}


def first_input_per_type(channel: str) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for case in corpus_cases(channel, ("canonical",)):
        out.setdefault(case["case"].split("/")[0], json.loads(case["input"]))
    return out


def through_python_wire(union, body: dict) -> dict:
    """What a Python child decodes when the Python supervisor sends `body` as a reply."""
    adapter = TypeAdapter(union)
    model = adapter.validate_python(body)
    frame = comms._ResponseFrame(id=0, body=model.model_dump(by_alias=True), error=None)
    payload = bytes(frame.as_bytes())[4:]
    decoded = msgspec.msgpack.Decoder(comms._ResponseFrame).decode(payload)
    return adapter.validate_python(decoded.body).model_dump(mode="json", by_alias=True)


def supervisor_direction(supervisor: list[str], channel: str, tmp: Path, first_id: int = 0) -> list[str]:
    unions = json.loads((CORPUS / "unions.json").read_text())["channels"]
    requests = first_input_per_type(channel)
    replies = first_input_per_type("to-task")
    reply_types = unions["to-task"]
    canned: dict[str, dict] = {}
    expect: dict[str, object] = {}
    lines = []
    for i, request_type in enumerate(t for t in unions[channel] if t not in SKIPPED_REQUESTS):
        lines.append(requests[request_type])
        if i % 9 == 8:
            expect[request_type] = None  # no canned reply: an empty reply
        elif i % 9 == 4:
            error = {"error": "API_SERVER_ERROR", "detail": {"status_code": 503, "message": "try later"}, "type": "ErrorResponse"}
            canned[request_type] = {"error": error}
            expect[request_type] = {"error": through_python_wire(comms.ToTask, error)}
        else:
            reply_type = reply_types[i % len(reply_types)]
            canned[request_type] = replies[reply_type]
            expect[request_type] = through_python_wire(comms.ToTask, replies[reply_type])
    if channel == "callback":
        refused = first_input_per_type("task")["SucceedTask"]
        lines.append({**refused, "_refused": True})
    (tmp / "requests.jsonl").write_text("".join(json.dumps(l) + "\n" for l in lines))
    (tmp / "canned.json").write_text(json.dumps(canned))
    (tmp / "expect.json").write_text(json.dumps(expect))
    cmd = [
        *supervisor, "--channel", channel, "--responses", str(tmp / "canned.json"), "--",
        sys.executable, str(REPO / "tools" / "interop" / "child.py"), "--channel", channel,
        "--requests", str(tmp / "requests.jsonl"), "--expect", str(tmp / "expect.json"),
        "--first-id", str(first_id),
    ]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    summary = json.loads(run.stdout.strip().splitlines()[-1]) if run.stdout.strip() else None
    failures = list(summary["failures"]) if summary else []
    if run.returncode != 0 or not summary:
        failures.append(f"{channel}: supervisor exited {run.returncode}\n{run.stderr[-4000:]}")
    exchanges = [json.loads(l) for l in run.stderr.splitlines() if l.startswith("{")]
    print(f"{channel} ({Path(supervisor[0]).name} {' '.join(supervisor[1:])}, ids from {first_id}): "
          f"{summary and summary['sent']} requests sent by the SDK child, "
          f"{len(exchanges)} answered by Rust, {len(failures)} failures")
    return failures


def reply_frames(cli: Path, tmp: Path) -> list[str]:
    failures = []
    decoder = msgspec.msgpack.Decoder(comms._ResponseFrame)
    for channel, union in REPLY_UNIONS.items():
        chosen, unsendable = [], 0
        for case in corpus_cases(channel, ("canonical", "defaults")):
            try:
                through_python_wire(union, json.loads(case["input"]))
                chosen.append(case)
            except OverflowError:
                # Integers beyond 64 bits: msgspec cannot send them, and Rust refuses to as well
                # (tests/frames.rs checks that side).
                unsendable += 1
        source = tmp / f"{channel}.jsonl"
        # One message per line: re-dump inputs that the corpus spreads over several lines.
        compact = (json.dumps(json.loads(c["input"]), ensure_ascii=False) for c in chosen)
        source.write_text("".join(line + "\n" for line in compact), encoding="utf-8")
        run = subprocess.run([str(cli), "encode", "--channel", channel, "--output", "frames", str(source)], capture_output=True, timeout=300)
        if run.returncode != 0:
            failures.append(f"{channel}: encoder failed: {run.stderr.decode()[-2000:]}")
            continue
        data, at, decoded = run.stdout, 0, 0
        adapter = TypeAdapter(union)
        for case in chosen:
            size = int.from_bytes(data[at:at + 4], "big")
            frame = decoder.decode(data[at + 4:at + 4 + size])
            at += 4 + size
            try:
                got = adapter.validate_python(frame.body).model_dump(mode="json", by_alias=True)
            except Exception as err:  # the SDK refusing a Rust frame is the failure we look for
                failures.append(f"{channel} {case['case']}: the SDK refuses Rust's frame: {err}")
                continue
            want = through_python_wire(union, json.loads(case["input"]))
            if got != want:
                failures.append(f"{channel} {case['case']}: SDK decoded {got!r}, expected {want!r}")
            decoded += 1
        if at != len(data):
            failures.append(f"{channel}: {len(data) - at} bytes left after the last frame")
        print(f"{channel}: {decoded} of {len(chosen)} Rust-encoded reply frames decoded by the SDK as expected"
              f" ({unsendable} cases with integers beyond 64 bits left out: neither side can send them)")
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--example-supervisor", type=Path, required=True, help="target/debug/examples/supervisor")
    parser.add_argument("--cli", type=Path, required=True, help="target/debug/airflow-comms")
    args = parser.parse_args()
    check_pins("run_interop")
    for tool in (args.example_supervisor, args.cli):
        if not tool.is_file():
            print(f"missing {tool}: build it with `cargo build --examples`", file=sys.stderr)
            return 1
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        supervisors = {"example": [str(args.example_supervisor)], "cli": [str(args.cli), "supervise"]}
        for name, supervisor in supervisors.items():
            for channel in ("callback", "task"):
                workdir = Path(tmp) / name / channel
                workdir.mkdir(parents=True)
                failures += supervisor_direction(supervisor, channel, workdir)
            workdir = Path(tmp) / name / "callback-big-ids"
            workdir.mkdir(parents=True)
            failures += supervisor_direction(supervisor, "callback", workdir, first_id=2**63 - 3)
        failures += reply_frames(args.cli, Path(tmp))
    for failure in failures:
        print("FAIL", failure)
    print(f"interop: {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
