"""Writes tests/corpus/limits.json: how deep the real SDK lets JSON values nest.

For values nested around the SDK's own bounds (pydantic's JSON parser, and pydantic's recursion
guard on the msgpack path), in two places of a task request (the value of SetXCom, one level
below the body; a rendered field of SetRenderedFields, two levels below), as arrays and as
objects, this records what the SDK does with the body:
- as JSON text, through `TypeAdapter(ToSupervisor).validate_json`;
- as a request frame, through the supervisor's own frame reader and `validate_python`.

`tests/limits.rs` holds the Rust decoder's default depth limit to these verdicts. Deterministic;
CI regenerates the file and fails when it drifts.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import msgspec

import generate_corpus  # same directory: version pins
import generate_frames  # same directory: the supervisor's frame reader

REPO = Path(__file__).resolve().parents[2]

DEPTHS = [1, 100, 127, 128, 129, 198, 199, 200, 201, 202, 203, 252, 253, 254, 255, 256, 257, 511, 512, 1000, 5000]


def nested(kind: str, levels: int) -> tuple[str, bytes]:
    """A value of `levels` nested arrays (or single-key objects) around `1`: as JSON, as msgpack."""
    if kind == "array":
        return "[" * levels + "1" + "]" * levels, b"\x91" * levels + b"\x01"
    return '{"a":' * levels + "1" + "}" * levels, b"\x81\xa1a" * levels + b"\x01"


def body(place: str, json_value: str, packed_value: bytes) -> tuple[str, bytes, int]:
    """The message as JSON text and as a msgpack map, and how many levels enclose the value."""
    fields = {"dag_id": "d", "run_id": "r", "task_id": "t"}
    if place == "SetXCom.value":
        fields = {"key": "k", **fields}
        head = {**fields}
        text = json.dumps(head)[:-1] + ', "value": ' + json_value + ', "type": "SetXCom"}'
        packed = bytes([0x80 | (len(head) + 2)])
        packed += b"".join(msgspec.msgpack.encode(k) + msgspec.msgpack.encode(v) for k, v in head.items())
        packed += msgspec.msgpack.encode("value") + packed_value
        packed += msgspec.msgpack.encode("type") + msgspec.msgpack.encode("SetXCom")
        return text, packed, 1
    # SetRenderedFields.rendered_fields["f"]
    text = '{"rendered_fields": {"f": ' + json_value + '}, "type": "SetRenderedFields"}'
    packed = b"\x82" + msgspec.msgpack.encode("rendered_fields") + b"\x81" + msgspec.msgpack.encode("f")
    packed += packed_value + msgspec.msgpack.encode("type") + msgspec.msgpack.encode("SetRenderedFields")
    return text, packed, 2


def verdict_json(text: str) -> str:
    try:
        generate_frames.SDK.adapters["task"].validate_json(text)
    except Exception:  # noqa: BLE001 - any exception is the SDK's verdict
        return "reject"
    return "accept"


def verdict_frame(frame: bytes) -> str:
    _, message, error = generate_frames.supervisor_read(frame, "task")
    return "accept" if message is not None and error is None else "reject"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "tests" / "corpus" / "limits.json")
    args = parser.parse_args()
    generate_corpus.check_pins()
    generate_frames.SDK = generate_frames.Sdk()
    cases = []
    for place in ["SetXCom.value", "SetRenderedFields.rendered_fields.f"]:
        for kind in ["array", "object"]:
            for levels in DEPTHS:
                json_value, packed_value = nested(kind, levels)
                text, packed, enclosing = body(place, json_value, packed_value)
                frame = generate_frames.with_prefix(b"\x93\x00" + packed + b"\xc0")
                cases.append({
                    "case": f"{place}/{kind}/{levels}",
                    # Nesting levels of the whole body, the body itself being level 1.
                    "depth": enclosing + levels,
                    "json": text,
                    "json_verdict": verdict_json(text),
                    "frame": frame.hex(),
                    "frame_verdict": verdict_frame(frame),
                })
    args.out.write_text(json.dumps({"cases": cases}, indent=1) + "\n")
    print(f"{args.out}: {len(cases)} cases")


if __name__ == "__main__":
    main()
