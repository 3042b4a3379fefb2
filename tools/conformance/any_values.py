#!/usr/bin/env python3
"""Frames whose ``Any``-typed fields hold what JSON cannot say, written and judged by the real SDK.

Airflow types some free-form fields as pydantic ``JsonValue`` (JSON only) and others as ``Any``,
a bare ``dict``, ``dict[str, Any]`` or ``list[dict[str, Any]]``: there pydantic keeps whatever
msgspec decoded from the frame, a ``datetime`` (msgpack timestamp), ``bytes``, non-string keys,
NaN.  This script:

1. lists every ``Any``-typed field of every message reachable from the seven channel unions
   (walking the pydantic annotations; a field typed ``JsonValue`` is not one);
2. takes one accepted message of each type from the frame corpus (``tests/corpus/frames``),
   puts values JSON cannot carry into every such field it holds, and writes the frame with the
   sender's own encoder (``model_dump()`` and the SDK's ``_RequestFrame``/``_ResponseFrame``);
3. adds trigger events built by real triggers: ``DateTimeTrigger`` (its event's payload is a
   ``datetime``) and SQL-result-like rows, sent through the trigger runner's own
   ``TriggerCommsDecoder._make_frame``;
4. reads every frame back with the SDK's own reader (the supervisor's for requests, the child's
   ``CommsDecoder`` for replies) and records the verdict, ``model_dump(mode="json",
   by_alias=True)`` (or why it fails), and whether the SDK's re-encoding of what it read gives
   the same bytes.

Usage::

    python tools/conformance/any_values.py [--out tests/corpus/frames/any-values.jsonl]

Deterministic: values come from fixed tables, ids are line numbers.  CI regenerates and diffs.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import math
import pathlib
import sys
import typing
from typing import Any

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import generate_frames as _GF  # noqa: E402  (same directory: the SDK's frame readers)
from common import (  # noqa: E402  (tools/common.py)
    CHANNEL_NAMES, CHANNELS, FRAMES, REQUEST_CHANNELS, check_pins, dumps_line, load_union, read_jsonl,
)

DEFAULT_OUT = FRAMES / "any-values.jsonl"

WHEN = dt.datetime(2026, 11, 21, 3, 4, 5, 123456, tzinfo=dt.timezone.utc)
MIDNIGHT = dt.datetime(2026, 11, 21, tzinfo=dt.timezone.utc)
BEFORE_1970 = dt.datetime(1960, 1, 1, 12, tzinfo=dt.timezone.utc)


# ---------------------------------------------------------------------------------------------
# Which fields are Any-typed
# ---------------------------------------------------------------------------------------------

def free_form_kind(annotation: Any) -> str | None:
    """How a field is free-form: "any", "dict" (bare), "str-dict", "list-str-dict", "list-any"
    (a bare ``list``), or None.

    ``Optional[...]`` and ``... | str`` are looked through.  A type mentioning pydantic's
    ``JsonValue`` is JSON-only, not Any-typed.
    """
    if "JsonValue" in repr(annotation):
        return None
    if annotation is Any:
        return "any"
    if annotation is dict or annotation is typing.Dict:  # noqa: UP006
        return "dict"
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is dict and args == (str, Any):
        return "str-dict"
    if origin is dict and args in ((Any, Any), ()):
        return "dict"
    if origin is list and len(args) == 1 and free_form_kind(args[0]) == "str-dict":
        return "list-str-dict"
    if annotation is list or (origin is list and args in ((Any,), ())):
        return "list-any"
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        kinds = {free_form_kind(a) for a in args if a not in (type(None), str)}
        kinds.discard(None)
        if len(kinds) == 1:
            return kinds.pop()
    if typing.get_origin(annotation) is typing.Annotated:
        return free_form_kind(args[0])
    return None


def models_of(tp: Any, out: dict[type, None]) -> None:
    from pydantic import BaseModel

    if isinstance(tp, type) and issubclass(tp, BaseModel):
        if tp in out:
            return
        out[tp] = None
        for field in tp.model_fields.values():
            models_of(field.annotation, out)
        return
    if isinstance(tp, type) and issubclass(tp, tuple) and hasattr(tp, "__annotations__"):
        for ann in typing.get_type_hints(tp).values():
            models_of(ann, out)
        return
    for arg in typing.get_args(tp):
        models_of(arg, out)


def any_typed_fields() -> list[str]:
    models: dict[type, None] = {}
    for ch in CHANNELS:
        models_of(load_union(ch.name), models)
    found = set()
    for model in models:
        if model.__pydantic_decorators__.model_serializers:
            # A model that writes itself (the task-end trigger events write only
            # `task_instance_state` and `xcoms`): its other fields never travel.
            continue
        for name, field in model.model_fields.items():
            if free_form_kind(field.annotation):
                found.add(f"{model.__name__}.{name}")
    return sorted(found)


# ---------------------------------------------------------------------------------------------
# Values JSON cannot carry
# ---------------------------------------------------------------------------------------------

def rich_any() -> Any:
    """A value an ``Any`` field may hold: a date-time in a dict with non-string keys, bytes, NaN."""
    return {
        "moment": WHEN,
        "rows": [[1, MIDNIGHT, b"raw bytes", None, 1.5, "text"], [2, BEFORE_1970, b"", True, -0.0, ""]],
        7: "an integer key",
        (1, "a"): "a tuple key",
        2.5: "a float key",
        None: "a nil key",
        "not a number": math.nan,
        "infinity": -math.inf,
    }


def rich_str_dict() -> dict[str, Any]:
    return {
        "logical_date": WHEN,
        "payload": b"\x00\x01 bytes",
        "by_id": {1: "one", 2: [MIDNIGHT, b"x"], (3, 4): "a tuple key"},
        "ratio": math.nan,
        "note": "plain text",
    }


def rich_dict() -> dict:
    return {1: "an integer key", "when": WHEN, b"key": "a bytes key", None: [b"v", math.inf], "s": "text"}


FLOAT_KEYS = [
    1e16, 1e15, 123456789012345.6, 1234567890123456.8, 0.0001, 0.00001, 1e-5, 0.1, 100.0, 1.5e300,
    -2.5e-7, 5e-324, 1.7976931348623157e308, -0.5, 3.0e-5, 12.345, 1e22, 2.0**60,
]

RICH = {
    "any": rich_any,
    "str-dict": rich_str_dict,
    "dict": rich_dict,
    "list-str-dict": lambda: [rich_str_dict(), {"second": BEFORE_1970}],
    "list-any": lambda: [rich_any(), MIDNIGHT, b"bytes"],
}


def enrich(value: Any, path: str, touched: list[str]) -> Any:
    """The same value with every Any-typed field inside it holding a rich value."""
    from pydantic import BaseModel

    if isinstance(value, BaseModel):
        dumped = value.model_dump()
        update = {}
        for name, field in type(value).model_fields.items():
            kind = free_form_kind(field.annotation)
            if kind and name in dumped:
                update[name] = RICH[kind]()
                touched.append(f"{type(value).__name__}.{name}")
            else:
                inner = getattr(value, name)
                new = enrich(inner, f"{path}.{name}", touched)
                if new is not inner:
                    update[name] = new
        return value.model_copy(update=update) if update else value
    if isinstance(value, tuple) and hasattr(value, "_replace"):
        changes = {}
        for name in value._fields:
            inner = getattr(value, name)
            new = enrich(inner, f"{path}.{name}", touched)
            if new is not inner:
                changes[name] = new
        return value._replace(**changes) if changes else value
    if isinstance(value, list):
        items = [enrich(v, f"{path}[]", touched) for v in value]
        return items if any(a is not b for a, b in zip(items, value)) else value
    return value


# ---------------------------------------------------------------------------------------------
# Frames
# ---------------------------------------------------------------------------------------------

def request_bytes(n: int, message) -> bytes:
    return bytes(_GF.SDK.RequestFrame(id=n, body=message.model_dump(), context_carrier=None).as_bytes())


def reply_bytes(n: int, message) -> bytes:
    return bytes(_GF.SDK.ResponseFrame(id=n, body=message.model_dump()).as_bytes())


def judge(case: str, channel: str, frame: bytes, fields: list[str]) -> dict:
    """What the SDK's own reader makes of `frame`."""
    line: dict[str, Any] = {"case": case, "channel": channel, "fields": fields, "frame": frame.hex()}
    if channel in REQUEST_CHANNELS:
        req, msg, error = _GF.supervisor_read(frame, channel)
        again = None if msg is None else request_bytes(req.id, msg)
    else:
        resp, msg, err_slot, error = _GF.child_read(frame, channel)
        again = None if msg is None else reply_bytes(resp.id, msg)
    line["accepted"] = msg is not None
    line["python_error"] = error
    line["expected"] = None
    line["json_error"] = None
    if msg is not None:
        try:
            line["expected"] = _GF.json_dump(msg)
        except Exception as exc:  # noqa: BLE001 - pydantic's verdict
            line["json_error"] = _GF.short_error(exc)
        # What the SDK writes back for what it read: the very bytes it read, unless it merged
        # keys, widened a float32, rounded nanoseconds or dropped an input-only field.
        line["reencoded"] = again.hex()
        line["reencodes_identically"] = again == frame
    return line


def read_back(channel: str) -> list[Any]:
    """Every accepted message of the channel's frame corpus, as the SDK reads it, in order."""
    out = []
    for rec in read_jsonl(FRAMES / f"{channel}.jsonl"):
        frame = bytes.fromhex(rec["frame"])
        if channel in REQUEST_CHANNELS:
            _, msg, _ = _GF.supervisor_read(frame, channel)
        else:
            _, msg, _, _ = _GF.child_read(frame, channel)
        if msg is not None:
            out.append(msg)
    return out


def corpus_messages(channel: str) -> list[tuple[str, Any]]:
    """One accepted message of each type in the channel's frame corpus, as the SDK reads it: the
    first of those that hold the most Any-typed fields."""
    seen: dict[str, Any] = {}
    reach: dict[str, int] = {}
    for msg in read_back(channel):
        probe: list[str] = []
        enrich(msg, "", probe)
        tag = type(msg).__name__
        if len(set(probe)) > reach.get(tag, 0):
            seen[tag], reach[tag] = msg, len(set(probe))
    return sorted(seen.items())


def all_messages(channel: str) -> list[tuple[str, Any]]:
    """Every accepted message of the channel's frame corpus, as the SDK reads it, in order."""
    return [(type(msg).__name__, msg) for msg in read_back(channel)]


def trigger_runner_frames() -> list[tuple[str, bytes, list[str]]]:
    """Events fired by real triggers, framed by the trigger runner's own comms decoder."""
    import socket

    from airflow.jobs.triggerer_job_runner import TriggerCommsDecoder, TriggerEventEntry, messages
    from airflow.providers.standard.triggers.temporal import DateTimeTrigger
    from airflow.triggers.base import TaskSuccessEvent, TriggerEvent

    async def first_event(trigger):
        async for event in trigger.run():
            return event

    # A moment in the past: the trigger fires at once, with the moment as its payload.
    fired = asyncio.run(first_event(DateTimeTrigger(moment=WHEN)))
    sql_rows = TriggerEvent(
        {
            "status": "success",
            "columns": ["id", "loaded_at", "checksum", "amount"],
            "rows": [[1, WHEN, b"\xde\xad\xbe\xef", 12.5], [2, MIDNIGHT, b"", None]],
            "row_count_by_partition": {20261121: 2, 20261120: 0},
        }
    )
    cases = [
        ("trigger/DateTimeTrigger-payload", [TriggerEventEntry(1, fired, None)]),
        ("trigger/sql-rows", [TriggerEventEntry(2, sql_rows, 7)]),
        (
            "trigger/mixed-with-task-end",
            [TriggerEventEntry(3, TriggerEvent(BEFORE_1970), None), TriggerEventEntry(4, TaskSuccessEvent(), None)],
        ),
        ("trigger/bytes-not-utf8", [TriggerEventEntry(5, TriggerEvent({"blob": b"\xff\xfe"}), None)]),
        ("trigger/other-extension", [TriggerEventEntry(6, TriggerEvent(_GF.SDK.msgspec.msgpack.Ext(5, b"ab")), None)]),
        ("trigger/non-finite", [TriggerEventEntry(7, TriggerEvent([math.nan, math.inf, -math.inf]), None)]),
        # JSON keys are Python's `str()` of each float key: positional or exponent form by size.
        ("trigger/float-keys", [TriggerEventEntry(8, TriggerEvent({k: i for i, k in enumerate(FLOAT_KEYS)}), None)]),
    ]
    left, right = socket.socketpair()
    try:
        comms = TriggerCommsDecoder(socket=left, async_writer=None, async_reader=None)
        out = []
        for case, events in cases:
            msg = messages.TriggerStateChanges(events=events)
            out.append((case, bytes(comms._make_frame(msg).as_bytes()), ["TriggerEvent.payload"]))
        return out
    finally:
        left.close()
        right.close()


def hostile_frames() -> list[tuple[str, bytes]]:
    """Hand-built frames around the edges of what msgspec decodes into an ``Any`` field."""
    enc = _GF.SDK.msgspec.msgpack.Encoder()

    def trigger_event(payload_raw: bytes) -> bytes:
        # [0, {"type": "TriggerStateChanges", "events": [[1, {"payload": <raw>}, nil]]}, nil]
        body = (
            b"\x82" + enc.encode("type") + enc.encode("TriggerStateChanges")
            + enc.encode("events") + b"\x91\x93\x01\x81" + enc.encode("payload") + payload_raw + b"\xc0"
        )
        return _GF.with_prefix(b"\x93\x00" + body + b"\xc0")

    return [
        ("hostile/map-key-is-a-map", trigger_event(b"\x81\x81\x01\x02\x03")),
        ("hostile/map-key-is-an-extension", trigger_event(b"\x81\xd4\x05\x01\x01")),
        ("hostile/tuple-key-holding-a-map", trigger_event(b"\x81\x92\x01\x81\x01\x02\x03")),
        ("hostile/keys-python-holds-equal", trigger_event(b"\x84\x01\xa1a\xc3\xa1b\xcb\x3f\xf0\x00\x00\x00\x00\x00\x00\xa1c\xa1\x31\xa1d")),
        ("hostile/nan-keys-never-equal", trigger_event(b"\x82\xcb\x7f\xf8\x00\x00\x00\x00\x00\x00\x01\xcb\x7f\xf8\x00\x00\x00\x00\x00\x00\x02")),
        ("hostile/float32", trigger_event(b"\xca\x3f\xc0\x00\x00")),
        ("hostile/timestamp-year-10000", trigger_event(b"\xc7\x0c\xff" + (0).to_bytes(4, "big") + (253_402_300_800).to_bytes(8, "big"))),
        ("hostile/timestamp-bad-length", trigger_event(b"\xd6\xff\x00\x00\x00")),
        ("hostile/timestamp-500ns", trigger_event(b"\xd7\xff" + ((500 << 34) | 1_795_341_600).to_bytes(8, "big"))),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=pathlib.Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    check_pins("any_values", _GF.EXTRA_PINS)
    _GF.SDK = _GF.Sdk()

    lines = []
    n = 0
    for case, frame, fields in trigger_runner_frames():
        lines.append(judge(case, "trigger", frame, fields))
    for channel in CHANNEL_NAMES:
        for tag, msg in corpus_messages(channel):
            n += 1
            touched: list[str] = []
            rich = enrich(msg, "", touched)
            frame = request_bytes(n, rich) if channel in REQUEST_CHANNELS else reply_bytes(n, rich)
            lines.append(judge(f"{channel}/{tag}", channel, frame, sorted(set(touched))))
    for case, frame in hostile_frames():
        lines.append(judge(case, "trigger", frame, ["TriggerEvent.payload"]))

    # A field the SDK reads but never writes (`exclude=True`): put into the body by hand.
    for tag, msg in corpus_messages("to-trigger-runner"):
        if tag == "TriggerStateSync" and msg.to_create:
            n += 1
            body = msg.model_dump()
            body["to_create"][0]["ti"]["executor_config"] = rich_dict()
            frame = bytes(_GF.SDK.ResponseFrame(id=n, body=body).as_bytes())
            lines.append(judge("to-trigger-runner/input-only-field", "to-trigger-runner", frame, ["TaskInstanceDTO.executor_config"]))

    # A key that is not a string inside a nested model: an unknown key, ignored or refused as
    # the model's policy says (msgspec hands pydantic any key inside the body).
    for channel, tag, path in [
        ("to-task", "AssetEventsResult", ("asset_events", 0)),
        ("task", "SucceedTask", ("task_outlets", 0)),
    ]:
        for found, msg in corpus_messages(channel) + [(t, m) for t, m in all_messages(channel)]:
            if found != tag:
                continue
            body = msg.model_dump()
            inner = body
            try:
                for step in path:
                    inner = inner[step]
            except (KeyError, IndexError, TypeError):
                continue
            inner[7] = "an integer key"
            n += 1
            frame_obj = (_GF.SDK.RequestFrame(id=n, body=body, context_carrier=None)
                         if channel in REQUEST_CHANNELS else _GF.SDK.ResponseFrame(id=n, body=body))
            lines.append(judge(f"{channel}/{tag}/integer-key-in-nested-model", channel,
                               bytes(frame_obj.as_bytes()), []))
            break

    fields = any_typed_fields()
    covered = {f for line in lines if line["accepted"] for f in line["fields"]}
    missing = [f for f in fields if f not in covered]
    lines.append({"any_typed_fields": fields, "not_covered": missing})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("".join(dumps_line(line) + "\n" for line in lines), encoding="utf-8")
    print(f"{len(lines) - 1} frames, {len(fields)} Any-typed fields, not covered: {missing}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
