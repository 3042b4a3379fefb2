"""Writes tests/corpus/limits.json: how deep the real SDK lets JSON values nest.

For values nested around the SDK's own bounds (pydantic's JSON parser, which counts every array
and object of the body; pydantic's recursion guard on the frame path, which counts the levels of
a `JsonValue` from the value itself; Python's recursion limit, which stops msgspec), in places of
messages at several depths (SetXCom's value, one level below the body; a rendered field of
SetRenderedFields, two levels below; TriggerDagRun's `conf`, a `dict[str, Any]`; an asset event's
`extra` six levels down in a reply), as arrays and as objects, this records what the SDK does
with the message:
- as JSON text, through `TypeAdapter(<channel union>).validate_json`;
- as a frame, through the SDK's own frame reader (the supervisor's for requests, the child's for
  replies) and `validate_python`.

`tests/limits.rs` holds the Rust decoder's default depth limits to these verdicts. Deterministic;
CI regenerates the file and fails when it drifts.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import generate_frames  # noqa: E402  (same directory: the SDK's frame readers)
from common import CORPUS, REQUEST_CHANNELS, check_pins, corpus_cases, get_at  # noqa: E402  (tools/common.py)

DEPTHS = [1, 100, 127, 128, 129, 193, 194, 195, 198, 199, 200, 201, 202, 203, 252, 253, 254, 255, 256, 257, 505,
          506, 507, 510, 511, 512, 1000]


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


SENTINEL = "\u2063deep value here\u2063"


def from_corpus(channel: str, tag: str, path: tuple, json_value: str, packed_value: bytes) -> tuple[str, bytes]:
    """The smallest canonical corpus message of type `tag` that has a value at `path`, with that
    value replaced by the given one, as JSON text and as a msgpack map (date-times stay text)."""
    best = None
    for case in corpus_cases(channel, ("canonical",)):
        tree = json.loads(case["input"])
        if tree.get("type") != tag:
            continue
        parent = get_at(tree, path[:-1])
        if isinstance(parent, dict) and (best is None or len(case["input"]) < len(best[0])):
            parent[path[-1]] = SENTINEL
            best = (case["input"], tree)
    tree = best[1]
    text = json.dumps(tree, ensure_ascii=False).replace(json.dumps(SENTINEL, ensure_ascii=False), json_value)
    packed = msgspec.msgpack.encode(tree).replace(msgspec.msgpack.encode(SENTINEL), packed_value)
    return text, packed


# Where deep values are put: (channel, place, how the field is typed, how many arrays and maps
# enclose the value, the body included). A `JsonValue` is bounded by pydantic's recursion guard
# on the frame path wherever it sits; an `Any` value is not.
PLACES = [
    ("task", "SetXCom.value", "JsonValue", 1),
    ("task", "SetRenderedFields.rendered_fields.f", "JsonValue", 2),
    ("task", "TriggerDagRun.conf.k", "Any", 2),
    ("to-task", "PreviousDagRunResult.dag_run.consumed_asset_events.0.extra.k", "JsonValue", 6),
]


def message(channel: str, place: str, json_value: str, packed_value: bytes) -> tuple[str, bytes]:
    tag, *path = place.split(".")
    if place in ("SetXCom.value", "SetRenderedFields.rendered_fields.f"):
        text, packed, _ = body(place, json_value, packed_value)
        return text, packed
    path = tuple(int(p) if p.isdigit() else p for p in path)
    return from_corpus(channel, tag, path, json_value, packed_value)


def verdict_json(channel: str, text: str) -> str:
    try:
        generate_frames.SDK.adapters[channel].validate_json(text)
    except Exception:  # noqa: BLE001 - any exception is the SDK's verdict
        return "reject"
    return "accept"


def verdict_frame(channel: str, frame: bytes) -> str:
    if channel in REQUEST_CHANNELS:
        _, message, error = generate_frames.supervisor_read(frame, channel)
    else:
        _, message, _, error = generate_frames.child_read(frame, channel)
    return "accept" if message is not None and error is None else "reject"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=CORPUS / "limits.json")
    args = parser.parse_args()
    check_pins("limits_facts", generate_frames.EXTRA_PINS)
    generate_frames.SDK = generate_frames.Sdk()
    cases = []
    for channel, place, typed, enclosing in PLACES:
        for kind in ["array", "object"]:
            for levels in DEPTHS:
                json_value, packed_value = nested(kind, levels)
                text, packed = message(channel, place, json_value, packed_value)
                frame = generate_frames.with_prefix(b"\x93\x00" + packed + b"\xc0")
                cases.append({
                    "case": f"{channel}/{place}/{kind}/{levels}",
                    "channel": channel,
                    "typed": typed,
                    # Arrays and maps around the innermost value: in the whole body (the body
                    # being level 1), and inside the free-form value itself.
                    "depth": enclosing + levels,
                    "value_depth": levels,
                    "json": text,
                    "json_verdict": verdict_json(channel, text),
                    "frame": frame.hex(),
                    "frame_verdict": verdict_frame(channel, frame),
                })
    args.out.write_text(json.dumps({"cases": cases}, indent=1) + "\n")
    print(f"{args.out}: {len(cases)} cases")


if __name__ == "__main__":
    main()
