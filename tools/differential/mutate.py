#!/usr/bin/env python3
"""Differential mutants for airflow-comms, judged by the real Airflow SDK (pydantic + msgspec).

The conformance corpus (``tests/corpus/<channel>.jsonl``) holds hand-designed cases. This script
goes wider: it takes every canonical message pydantic accepted in that corpus, applies 1 to 3
seeded random mutations to it (drop a required field, change a field's JSON type, add unknown
fields, swap the type tag, boundary integers, NaN and infinities, huge strings, odd date-times,
broken UUIDs, empty strings, deep nesting, duplicate keys, and for msgpack: bin for str, invalid
UTF-8, ext types, integers and headers of every width, raw timestamps), and writes each mutant in
up to two encodings:

* ``json``: the JSON text, validated by ``TypeAdapter(<union>).validate_json`` exactly as
  ``tools/conformance/generate_corpus.py`` does;
* ``msgpack``: a length-prefixed frame, read by the SDK's own readers (the supervisor's
  ``length_prefixed_frame_reader`` for request channels, the child's ``CommsDecoder`` for reply
  directions), via the helpers of ``tools/conformance/generate_frames.py``.

Every verdict comes from running the SDK: accept (with ``model_dump(mode="json", by_alias=True)``,
the form ``canonical`` / ``defaults`` / ``lax`` as the corpus helpers classify it, and a coercion
label per coerced value) or reject (with the corpus's error kind and pydantic's first error).
``tests/differential.rs`` replays the mutants against the Rust decoder without Python.

Usage (from the repository root)::

    .venv/bin/python tools/differential/mutate.py                 # the checked-in bounded set
    .venv/bin/python tools/differential/mutate.py --count 120000 --out target/differential --huge \
        --max-base-bytes 0

Output: ``<out>/<channel>.<encoding>.jsonl`` and ``<out>/summary.json``. The output depends only
on ``--seed``, ``--count``, ``--max-base-bytes`` and ``--huge`` (and the pinned packages): seeded
``random.Random`` streams per channel, no clocks, no iteration over sets of strings, so running it
twice gives byte-identical files.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import datetime as dt
import importlib.metadata
import json
import math
import pathlib
import random
import re
import struct
import sys
import time
import typing
import zlib
from typing import Any

TOOLS = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TOOLS))
sys.path.insert(0, str(TOOLS / "conformance"))

# The conformance generators, imported as modules: channel table, pins, annotation analysis,
# classification of accepted forms, reject kinds, and the SDK's frame readers.
import generate_corpus as GC  # noqa: E402
import generate_frames as GF  # noqa: E402
from common import (  # noqa: E402  (tools/common.py)
    CORPUS, MISSING, REQUEST_CHANNELS, Surprise, check_pins, corpus_cases, dumps, exit_on_surprise, get_at,
    json_equal, set_at,
)


def _tolerant(parse):
    """The corpus's RFC 3339 reader builds a datetime from the digits; mutants carry digits no
    datetime holds (second 60, hour 24, day 30 of February). Those are simply not date-times."""
    def wrapped(text):
        try:
            return parse(text)
        except ValueError:
            return None
    return wrapped


GC.parse_rfc3339 = _tolerant(GC.parse_rfc3339)

DEFAULT_OUT = CORPUS / "differential"
DEFAULT_COUNT = 5000
DEFAULT_MAX_BASE_BYTES = 400
I64 = (-(2**63), 2**63 - 1)

# Deep JSON values: pydantic's parser and the Rust decoder both bound nesting; probe around it.
DEPTHS = [64, 127, 128, 129, 198, 199, 200, 201, 202, 253, 254, 255, 256, 2000]
BOUNDARY_INTS = [0, -1, 1, 2**31 - 1, 2**31, -(2**31), -(2**31) - 1, 2**32, 2**53 - 1, 2**53,
                 2**53 + 1, -(2**53) - 1, 2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 2**64 - 1, 2**64,
                 -(2**64), 10**30, -(10**30), 10**300, -(10**300)]
NON_FINITE = [math.nan, math.inf, -math.inf]


# ---------------------------------------------------------------------------------------------
# Values that only one encoding can carry
# ---------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Bin:
    """msgpack bin (bytes), where the model expects a string or anything else."""
    data: bytes


@dataclasses.dataclass(frozen=True)
class RawStr:
    """msgpack str holding arbitrary bytes (invalid UTF-8 included); usable as a map key."""
    data: bytes


@dataclasses.dataclass(frozen=True)
class Ext:
    """msgpack extension value (type -1 is the timestamp)."""
    code: int
    data: bytes


@dataclasses.dataclass(frozen=True)
class Fmt:
    """A value written with a chosen msgpack format instead of the shortest one."""
    value: Any
    fmt: str  # u8..u64, i8..i64, f32, str8/16/32, arr16/32, map16/32


@dataclasses.dataclass(frozen=True)
class Deep:
    """A value nested `depth` arrays (or one-key objects) deep, written without recursion."""
    depth: int
    shape: str  # array | object
    leaf: Any = None


@dataclasses.dataclass
class Dup:
    """A JSON object written with repeated keys (JSON text only)."""
    pairs: list


class NotEncodable(Exception):
    """The value cannot be written in this encoding (e.g. 2**64 in msgpack)."""


INT_FORMATS = {"u8": (0xCC, ">B", 0, 2**8 - 1), "u16": (0xCD, ">H", 0, 2**16 - 1),
               "u32": (0xCE, ">I", 0, 2**32 - 1), "u64": (0xCF, ">Q", 0, 2**64 - 1),
               "i8": (0xD0, ">b", -(2**7), 2**7 - 1), "i16": (0xD1, ">h", -(2**15), 2**15 - 1),
               "i32": (0xD2, ">i", -(2**31), 2**31 - 1), "i64": (0xD3, ">q", -(2**63), 2**63 - 1)}


# ---------------------------------------------------------------------------------------------
# Encoders
# ---------------------------------------------------------------------------------------------

def json_text(v) -> str:
    """JSON text the way Python's json writes it (NaN / Infinity spelled as json.dumps does)."""
    out: list[str] = []
    _json(v, out)
    return "".join(out)


def _json(v, out: list[str]) -> None:
    if isinstance(v, dict):
        pairs = list(v.items())
    elif isinstance(v, Dup):
        pairs = v.pairs
    else:
        pairs = None
    if pairs is not None:
        out.append("{")
        for i, (k, item) in enumerate(pairs):
            if not isinstance(k, str):
                raise NotEncodable("non-string key")
            out.append(("," if i else "") + json.dumps(k, ensure_ascii=False) + ":")
            _json(item, out)
        out.append("}")
    elif isinstance(v, (list, tuple)):
        out.append("[")
        for i, item in enumerate(v):
            if i:
                out.append(",")
            _json(item, out)
        out.append("]")
    elif isinstance(v, Deep):
        opener, closer = ("[", "]") if v.shape == "array" else ('{"a":', "}")
        out.append(opener * v.depth)
        _json(v.leaf, out)
        out.append(closer * v.depth)
    elif isinstance(v, Fmt):
        if v.fmt == "f32":
            raise NotEncodable("float32 is a msgpack format")
        _json(v.value, out)
    elif isinstance(v, (Bin, RawStr, Ext, dt.datetime)):
        raise NotEncodable(type(v).__name__)
    else:
        out.append(json.dumps(v, ensure_ascii=False))


def mp_encode(v, out: bytearray) -> None:
    """msgpack, choosing formats as msgspec does (checked against msgspec for plain values)."""
    if v is None:
        out.append(0xC0)
    elif v is True or v is False:
        out.append(0xC3 if v else 0xC2)
    elif isinstance(v, int):
        if 0 <= v < 128:
            out.append(v)
        elif -32 <= v < 0:
            out.append(v & 0xFF)
        else:
            for fmt in (("u8", "u16", "u32", "u64") if v > 0 else ("i8", "i16", "i32", "i64")):
                lo, hi = INT_FORMATS[fmt][2:]
                if lo <= v <= hi:
                    _int(v, fmt, out)
                    break
            else:
                raise NotEncodable(f"integer {v} does not fit in 64 bits")
    elif isinstance(v, float):
        out += b"\xcb" + struct.pack(">d", v)
    elif isinstance(v, str):
        _str(v.encode("utf-8"), out)
    elif isinstance(v, RawStr):
        _str(v.data, out)
    elif isinstance(v, Bin):
        n = len(v.data)
        out += (bytes([0xC4, n]) if n < 2**8 else b"\xc5" + struct.pack(">H", n) if n < 2**16
                else b"\xc6" + struct.pack(">I", n)) + v.data
    elif isinstance(v, (list, tuple)):
        _head(len(v), 0x90, 16, 0xDC, out)
        for item in v:
            mp_encode(item, out)
    elif isinstance(v, dict):
        _head(len(v), 0x80, 16, 0xDE, out)
        for k, item in v.items():
            mp_encode(k, out)
            mp_encode(item, out)
    elif isinstance(v, Deep):
        if v.shape == "array":
            out += b"\x91" * v.depth
        else:
            out += b"\x81\xa1a" * v.depth
        mp_encode(v.leaf, out)
    elif isinstance(v, Ext):
        n = len(v.data)
        fixed = {1: 0xD4, 2: 0xD5, 4: 0xD6, 8: 0xD7, 16: 0xD8}
        if n in fixed:
            out.append(fixed[n])
        elif n < 2**8:
            out += bytes([0xC7, n])
        else:
            out += b"\xc8" + struct.pack(">H", n)
        out += struct.pack(">b", v.code) + v.data
    elif isinstance(v, dt.datetime):
        if v.tzinfo is None:
            raise NotEncodable("naive datetime")  # never produced: naive values stay strings
        mp_encode(Ext(-1, timestamp_bytes(v)), out)
    elif isinstance(v, Fmt):
        _fmt(v, out)
    else:
        raise NotEncodable(type(v).__name__)


def _int(v: int, fmt: str, out: bytearray) -> None:
    code, pack, lo, hi = INT_FORMATS[fmt]
    if not lo <= v <= hi:
        raise NotEncodable(f"{v} does not fit {fmt}")
    out += bytes([code]) + struct.pack(pack, v)


def _str(data: bytes, out: bytearray, fmt: str | None = None) -> None:
    n = len(data)
    if fmt is None:
        fmt = "fix" if n < 32 else "str8" if n < 2**8 else "str16" if n < 2**16 else "str32"
    out += {"fix": lambda: bytes([0xA0 | n]), "str8": lambda: bytes([0xD9, n]),
            "str16": lambda: b"\xda" + struct.pack(">H", n), "str32": lambda: b"\xdb" + struct.pack(">I", n)}[fmt]()
    out += data


def _head(n: int, fix: int, fix_max: int, code16: int, out: bytearray, fmt: str | None = None) -> None:
    if fmt is None:
        fmt = "fix" if n < fix_max else "16" if n < 2**16 else "32"
    if fmt == "fix":
        out.append(fix | n)
    elif fmt == "16":
        out += bytes([code16]) + struct.pack(">H", n)
    else:
        out += bytes([code16 + 1]) + struct.pack(">I", n)


def _fmt(v: Fmt, out: bytearray) -> None:
    x = v.value
    if v.fmt in INT_FORMATS:
        _int(x, v.fmt, out)
    elif v.fmt == "f32":
        out += b"\xca" + struct.pack(">f", x)
    elif v.fmt.startswith("str"):
        _str(x.encode("utf-8"), out, v.fmt)
    elif v.fmt.startswith("arr"):
        _head(len(x), 0x90, 16, 0xDC, out, v.fmt[3:])
        for item in x:
            mp_encode(item, out)
    elif v.fmt.startswith("map"):
        _head(len(x), 0x80, 16, 0xDE, out, v.fmt[3:])
        for k, item in x.items():
            mp_encode(k, out)
            mp_encode(item, out)
    else:
        raise ValueError(v.fmt)


def timestamp_bytes(value: dt.datetime) -> bytes:
    """msgspec's timestamp ext payload: the shortest of the 4, 8 and 12 byte forms."""
    delta = value - dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
    secs = delta.days * 86400 + delta.seconds
    nanos = delta.microseconds * 1000
    if secs >> 34 == 0:
        if nanos == 0 and secs < 2**32:
            return struct.pack(">I", secs)
        return struct.pack(">Q", (nanos << 34) | secs)
    return struct.pack(">Iq", nanos, secs)


def raw_timestamp(nanos: int, secs: int, size: int) -> Ext:
    if size == 4:
        return Ext(-1, struct.pack(">I", secs))
    if size == 8:
        return Ext(-1, struct.pack(">Q", (nanos << 34) | secs))
    if size == 12:
        return Ext(-1, struct.pack(">Iq", nanos, secs))
    return Ext(-1, bytes(size))


def mp(v) -> bytearray:
    out = bytearray()
    mp_encode(v, out)
    return out


def frame_bytes(frame_id, body) -> bytes:
    payload = bytearray(b"\x93")
    mp_encode(frame_id, payload)
    mp_encode(body, payload)
    payload.append(0xC0)
    return len(payload).to_bytes(4, "big") + bytes(payload)


def is_plain(v) -> bool:
    """Only values msgspec itself writes (so the frame can be checked against msgspec)."""
    if isinstance(v, dict):
        return all(isinstance(k, str) and is_plain(x) for k, x in v.items())
    if isinstance(v, list):
        return all(is_plain(x) for x in v)
    if isinstance(v, int) and not isinstance(v, bool):
        return -(2**63) <= v < 2**64
    return v is None or isinstance(v, (bool, float, str, dt.datetime))


# ---------------------------------------------------------------------------------------------
# A typed view of a message: the annotation kind at every path
# ---------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Slot:
    path: tuple
    kind: str  # kind of the annotation (of the union member the value matches)
    kinds: tuple  # kinds of every non-None member
    nullable: bool
    required: bool | None  # model fields only
    in_json: bool  # inside a free-form JSON value (JsonValue / Any)
    ann: Any = None


class BinView(str):
    """A msgpack bin value, in the JSON view of a body (never equal to a str)."""


class ExtView(str):
    """A msgpack ext value other than a timestamp, in the JSON view of a body."""


def vtype(v) -> str:
    if isinstance(v, Fmt):
        return "float" if v.fmt == "f32" else vtype(v.value)
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    if isinstance(v, (Bin, BinView)):
        return "bytes"
    if isinstance(v, (Ext, ExtView)):
        return "ext"
    if isinstance(v, (str, RawStr)):
        return "string"
    if isinstance(v, (list, tuple)) or (isinstance(v, Deep) and v.shape == "array"):
        return "array"
    if isinstance(v, (dict, Dup, Deep)):
        return "object"
    if isinstance(v, dt.datetime):
        return "datetime"
    return "other"


STRINGY = {"str", "uuid", "aware_dt", "utc_dt", "naive_dt", "timedelta", "path", "enum", "literal"}


def matches(ann, value) -> bool:
    """Whether `value` has the canonical JSON shape of annotation `ann`."""
    k = GC.kind_of(ann)
    base = GC.strip_annotated(ann)[0]
    t = vtype(value)
    if k in ("json", "any"):
        return True
    if k == "none":
        return t == "null"
    if k == "literal":
        return isinstance(value, (str, int)) and value in GC.literal_values(ann)
    if k == "enum":
        return isinstance(value, str) and value in [m.value for m in base]
    if k in STRINGY:
        return t == "string"
    if k == "int":
        return t == "int"
    if k == "float":
        return t in ("int", "float")
    if k == "bool":
        return t == "bool"
    if k in ("list", "set", "tuple", "namedtuple"):
        return t == "array"
    if k == "model":
        if t != "object" or not isinstance(value, dict):
            return False
        f = base.model_fields.get("type")
        if f is not None and GC.kind_of(f.annotation) == "literal" and "type" in value:
            return value["type"] in GC.literal_values(f.annotation)
        return True
    if k == "dict":
        return t == "object"
    return False


def walk(ann, value, path, slots, required=None) -> None:
    k = GC.kind_of(ann)
    base = GC.strip_annotated(ann)[0]
    kinds, nullable = (k,), False
    if k == "union":
        args = typing.get_args(base)
        members = [m for m in args if m is not type(None)]
        nullable = len(members) < len(args)
        kinds = tuple(GC.kind_of(m) for m in members)
        chosen = next((m for m in members if matches(m, value)), None)
        if chosen is None:
            slots.append(Slot(path, kinds[0] if len(members) == 1 else "union", kinds, nullable, required, False, ann))
            return
        ann, k = chosen, GC.kind_of(chosen)
        base = GC.strip_annotated(chosen)[0]
    slots.append(Slot(path, k, kinds, nullable, required, False, ann))
    if k in ("json", "any"):
        walk_json(value, path, slots)
    elif k == "model" and isinstance(value, dict):
        for name, f in base.model_fields.items():
            key = f.alias or name
            if key in value:
                walk(f.rebuild_annotation(), value[key], path + (key,), slots, f.is_required())
    elif k == "namedtuple" and isinstance(value, list):
        hints = typing.get_type_hints(base, include_extras=True)
        for j, fname in enumerate(base._fields[:len(value)]):
            walk(hints[fname], value[j], path + (j,), slots, True)
    elif k in ("list", "set") and isinstance(value, list):
        (elem,) = typing.get_args(base) or (Any,)
        for j, item in enumerate(value):
            walk(elem, item, path + (j,), slots)
    elif k == "tuple" and isinstance(value, list):
        args = typing.get_args(base)
        items = [args[0]] * len(value) if len(args) == 2 and args[1] is Ellipsis else args
        for j, (a, item) in enumerate(zip(items, value)):
            walk(a, item, path + (j,), slots)
    elif k == "dict" and isinstance(value, dict):
        args = typing.get_args(base)
        vt = args[1] if args else Any
        for key, item in value.items():
            walk(vt, item, path + (key,), slots)


def walk_json(value, path, slots) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            slots.append(Slot(path + (key,), "json", ("json",), True, None, True))
            walk_json(item, path + (key,), slots)
    elif isinstance(value, list):
        for j, item in enumerate(value):
            slots.append(Slot(path + (j,), "json", ("json",), True, None, True))
            walk_json(item, path + (j,), slots)


# ---------------------------------------------------------------------------------------------
# Paths (common.get_at/set_at are tolerant: a path through a value a mutation replaced is simply
# not there)
# ---------------------------------------------------------------------------------------------

def slug(path) -> str:
    return ".".join(str(p) for p in path) or "$"


def rust_path(path) -> str:
    """A path as the Rust decoder reports it: `task_outlets[0].uri`."""
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "."


# ---------------------------------------------------------------------------------------------
# Mutations
# ---------------------------------------------------------------------------------------------

BOTH, JSON_ONLY, MSGPACK_ONLY = frozenset({"json", "msgpack"}), frozenset({"json"}), frozenset({"msgpack"})

RETYPE_POOL = [("string", "x"), ("string", "42"), ("int", 42), ("int", -7), ("float", 1.5), ("float", 0.0),
               ("bool", True), ("bool", False), ("null", None), ("array", []), ("array", ["x", 1]),
               ("object", {}), ("object", {"k": "v"})]
UNKNOWN_VALUES = [1, "future", None, True, [1, "two"], {"added_in": "3.4"}, 2.5, ""]

DATETIME_STRINGS = [
    ("naive", "2026-01-01T00:00:00"), ("z", "2026-01-01T00:00:00Z"), ("plus-zero", "2026-01-01T00:00:00+00:00"),
    ("minus-zero", "2026-01-01T00:00:00-00:00"), ("offset-0545", "2026-01-01T05:45:00+05:45"),
    ("offset-max", "2026-01-01T23:59:00+23:59"), ("offset-1400", "2026-01-01T14:00:00+14:00"),
    ("offset-minus-1200", "2025-12-31T12:00:00-12:00"), ("offset-2400", "2026-01-01T00:00:00+24:00"),
    ("offset-seconds", "2026-01-01T00:00:00+05:30:15"), ("offset-no-colon", "2026-01-01T00:00:00+0530"),
    ("offset-hours-only", "2026-01-01T00:00:00+05"), ("lowercase-tz", "2026-01-01t00:00:00z"),
    ("feb-30", "2026-02-30T00:00:00Z"), ("feb-29-non-leap", "2026-02-29T00:00:00Z"),
    ("feb-29-leap", "2028-02-29T00:00:00Z"), ("month-13", "2026-13-01T00:00:00Z"),
    ("month-0", "2026-00-10T00:00:00Z"), ("day-0", "2026-01-00T00:00:00Z"), ("year-0", "0000-01-01T00:00:00Z"),
    ("year-1", "0001-01-01T00:00:00Z"), ("year-9999", "9999-12-31T23:59:59.999999Z"),
    ("year-10000", "10000-01-01T00:00:00Z"), ("negative-year", "-0001-01-01T00:00:00Z"),
    ("leap-second", "2016-12-31T23:59:60Z"), ("hour-24", "2026-01-01T24:00:00Z"), ("minute-60", "2026-01-01T00:60:00Z"),
    ("fraction-1", "2026-01-01T00:00:00.5Z"), ("fraction-9", "2026-01-01T00:00:00.123456789Z"),
    ("fraction-comma", "2026-01-01T00:00:00,5Z"), ("fraction-empty", "2026-01-01T00:00:00.Z"),
    ("no-seconds", "2026-01-01T00:00Z"), ("space-separator", "2026-01-01 00:00:00Z"),
    ("date-only", "2026-01-01"), ("time-only", "12:00:00"), ("unix-seconds-string", "1767225600"),
    ("trailing-space", "2026-01-01T00:00:00Z "), ("basic-format", "20260101T000000Z"),
    ("week-date", "2026-W01-1T00:00:00Z"), ("ordinal-date", "2026-001T00:00:00Z"),
]
DATETIME_NUMBERS = [("unix-seconds", 1767225600), ("unix-millis", 1767225600000), ("unix-float", 1767225600.5),
                    ("unix-zero", 0), ("unix-negative", -1), ("unix-huge", 2**63)]
TIMESTAMPS = [
    ("ts4", lambda: raw_timestamp(0, 1_767_225_600, 4)), ("ts8-nanos", lambda: raw_timestamp(123_456_789, 1_767_225_600, 8)),
    ("ts8-1ns", lambda: raw_timestamp(1, 1_767_225_600, 8)), ("ts8-500ns", lambda: raw_timestamp(500, 1_767_225_600, 8)),
    ("ts8-999999999ns", lambda: raw_timestamp(999_999_999, 1_767_225_600, 8)),
    ("ts8-nanos-out-of-range", lambda: raw_timestamp(1_000_000_000, 1_767_225_600, 8)),
    ("ts12-negative", lambda: raw_timestamp(0, -1, 12)), ("ts12-nonminimal", lambda: raw_timestamp(0, 1_767_225_600, 12)),
    ("ts12-year-1", lambda: raw_timestamp(0, -62_135_596_800, 12)),
    ("ts12-year-0", lambda: raw_timestamp(0, -62_135_596_801, 12)),
    ("ts12-year-9999", lambda: raw_timestamp(999_999_000, 253_402_300_799, 12)),
    ("ts12-year-10000", lambda: raw_timestamp(0, 253_402_300_800, 12)),
    ("ts12-i64-max", lambda: raw_timestamp(0, 2**63 - 1, 12)), ("ts-length-5", lambda: raw_timestamp(0, 0, 5)),
    ("ts-length-0", lambda: Ext(-1, b"")), ("ts-length-16", lambda: raw_timestamp(0, 0, 16)),
]
UUID_VARIANTS = [
    ("short", lambda u: u[:-1]), ("long", lambda u: u + "0"), ("bad-hex", lambda u: u[:-1] + "g"),
    ("braces", lambda u: "{" + u + "}"), ("uppercase", lambda u: u.upper()), ("urn", lambda u: "urn:uuid:" + u),
    ("no-hyphens", lambda u: u.replace("-", "")), ("moved-hyphen", lambda u: u[:7] + "-" + u[7] + u[9:]),
    ("hyphens-32-hex-short", lambda u: u.replace("-", "")[:31]), ("empty", lambda u: ""),
    ("nil", lambda u: "00000000-0000-0000-0000-000000000000"), ("max", lambda u: "ffffffff-ffff-ffff-ffff-ffffffffffff"),
    ("spaces", lambda u: " " + u + " "), ("urn-uppercase", lambda u: "URN:UUID:" + u),
    ("unicode-digit", lambda u: u[:-1] + "\u0661"), ("int", lambda u: zlib.crc32(u.encode())),
]
NON_UTF8 = [b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x82", b"\x80abc", b"ok\xfe"]
EXT_VALUES = [Ext(1, b"\x00"), Ext(5, b"ab"), Ext(127, b"\x01\x02\x03\x04"), Ext(-2, b"\x00" * 8), Ext(-128, b"x" * 3),
              Ext(0, b"")]
ENUM_TWEAKS = [("upper", str.upper), ("lower", str.lower), ("title", str.title), ("padded", lambda s: s + " ")]


@dataclasses.dataclass
class Ctx:
    """What a mutation may look at: the channel's and every channel's tags, plus the rng."""
    rng: random.Random
    channel: str
    tags: list
    other_tags: list  # tags of other channels that this channel does not permit
    huge: bool
    same_tag_values: dict  # (tag, path) -> values seen at that path in other bases


@dataclasses.dataclass
class Applied:
    name: str
    encodings: frozenset
    touched: tuple | None = None  # path whose value the mutation replaced (for reports)
    known: str | None = None  # a documented difference the mutation may provoke
    first_wins: Any = None  # duplicate keys: the message as it would read if the first one won


class Mutator:
    """One message being mutated: its tree, a fresh typed view after every mutation."""

    def __init__(self, ctx: Ctx, cls, tree):
        self.ctx, self.cls, self.tree = ctx, cls, copy.deepcopy(tree)
        self.tag = GC.tag_of(cls)
        self.touched: set = set()
        self.refresh()

    def refresh(self):
        self.slots: list[Slot] = []
        walk(self.cls, self.tree, (), self.slots)
        self.slots = [s for s in self.slots if s.path and get_at(self.tree, s.path) is not MISSING]

    def pick(self, pred):
        """A random slot satisfying pred; the top-level tag is left to swap_tag."""
        cands = [s for s in self.slots if s.path != ("type",) and pred(s)]
        return self.ctx.rng.choice(cands) if cands else None

    def put(self, s: Slot, new) -> bool:
        if set_at(self.tree, s.path, new):
            self.touched.add(s.path)
            return True
        return False

    # -- mutations: each returns Applied, or None when it does not apply to this message -------

    def drop_field(self):
        required = self.ctx.rng.random() < 0.8
        s = self.pick(lambda s: s.required is not None and (s.required or not required) and s.path[-1] != "type")
        if s is None:
            return None
        parent = get_at(self.tree, s.path[:-1])
        del parent[s.path[-1]]
        return Applied(f"drop-{'required' if s.required else 'optional'}:{slug(s.path)}", BOTH, s.path)

    def retype(self):
        s = self.pick(lambda s: not s.in_json or self.ctx.rng.random() < 0.2)
        if s is None:
            return None
        old = vtype(get_at(self.tree, s.path))
        to, new = self.ctx.rng.choice([c for c in RETYPE_POOL if c[0] != old])
        self.put(s, copy.deepcopy(new))
        return Applied(f"retype:{slug(s.path)}:{old}->{to}", BOTH, s.path)

    def wrong_for_kind(self):
        s = self.pick(lambda s: s.kind in GC.WRONG)
        if s is None:
            return None
        name, new = self.ctx.rng.choice(GC.WRONG[s.kind])
        self.put(s, copy.deepcopy(new))
        return Applied(f"wrong:{name}:{slug(s.path)}", BOTH, s.path)

    def coerce(self):
        """Non-canonical spellings pydantic's lax mode converts (the corpus's lax_variants)."""
        rng = self.ctx.rng
        options = []
        for s in self.slots:
            value = get_at(self.tree, s.path)
            site = GC.Site(s.path, None, "", "", s.ann, s.kind, s.kinds, bool(s.required), s.nullable, [])
            options += [(s, label, new) for label, new in GC.lax_variants(site, value)]
            if s.kind == "bool" and isinstance(value, bool):
                options += [(s, "bool-from-string", w) for w in (("yes", "on", "1", "True") if value else ("no", "off", "0"))]
                options.append((s, "bool-from-float", float(value)))
            if s.kind == "int" and isinstance(value, int) and not isinstance(value, bool):
                options += [(s, "int-from-float-string", f"{value}.0"), (s, "int-from-string-padded", f" {value} "),
                            (s, "int-from-exponent", float(f"{value}e0") if abs(value) < 2**53 else value)]
            if s.kind == "float" and isinstance(value, (int, float)) and not isinstance(value, bool):
                options.append((s, "float-from-bool", True))
            if s.kind == "namedtuple" and isinstance(value, list):
                names = GC.strip_annotated(s.ann)[0]._fields
                options.append((s, "namedtuple-from-object", dict(zip(names, value))))
        if not options:
            return None
        s, label, new = rng.choice(options)
        self.put(s, new)
        return Applied(f"coerce:{label}:{slug(s.path)}", BOTH, s.path)

    def unknown_field(self):
        rng = self.ctx.rng
        objects = [()] + [s.path for s in self.slots if isinstance(get_at(self.tree, s.path), dict)]
        path = () if rng.random() < 0.5 else rng.choice(objects)
        target = get_at(self.tree, path)
        if not isinstance(target, dict):
            return None
        key = rng.choice(["x_unknown", "future_field", "Type", "type_", "", "__class__", "schema_", "ünïcödé"])
        if key in target:
            return None
        target[key] = copy.deepcopy(rng.choice(UNKNOWN_VALUES))
        return Applied(f"unknown-field:{slug(path + (key,))}", BOTH, path + (key,))

    def swap_tag(self):
        rng = self.ctx.rng
        nested = [s for s in self.slots if s.path[-1] == "type" and len(s.path) > 1 and s.kind == "literal"]
        if nested and rng.random() < 0.2:
            s = rng.choice(nested)
            new = rng.choice(["NoSuchType", str(get_at(self.tree, s.path)).lower(), "Asset", "AssetAlias", "AssetRef",
                              "DagCallbackRequest", "TaskCallbackRequest", ""])
            self.put(s, new)
            return Applied(f"swap-nested-tag:{slug(s.path)}:{new}", BOTH, s.path)
        old = self.tag
        kind = rng.choice(["same", "other", "unknown"])
        if kind == "same" and len(self.ctx.tags) > 1:
            new = rng.choice([t for t in self.ctx.tags if t != old])
        elif kind == "other" and self.ctx.other_tags:
            new = rng.choice(self.ctx.other_tags)
        else:
            kind = "unknown"
            new = rng.choice(["NoSuchMessage", old.lower(), old + " ", "", "Get", old + "Result", old.upper(),
                              "type", 5, None, True, [old], {"name": old}])
        self.tree["type"] = new
        self.touched.add(("type",))
        return Applied(f"swap-tag-{kind}:{json.dumps(new, ensure_ascii=False)}", BOTH, ("type",))

    def boundary_int(self):
        rng = self.ctx.rng
        if rng.random() < 0.7:
            s = self.pick(lambda s: "int" in s.kinds and not s.in_json)
        else:
            s = self.pick(lambda s: s.in_json or s.kind in ("float", "json", "any"))
        if s is None:
            return None
        new = rng.choice(BOUNDARY_INTS)
        self.put(s, new)
        typed = "int" in s.kinds and not s.in_json
        known = "int-beyond-i64" if typed and not I64[0] <= new <= I64[1] else None
        return Applied(f"int:{slug(s.path)}={int_name(new)}", BOTH, s.path, known)

    def non_finite(self):
        s = self.pick(lambda s: s.kind in ("float", "int", "json", "any") or s.in_json)
        if s is None:
            return None
        new = self.ctx.rng.choice(NON_FINITE)
        self.put(s, new)
        return Applied(f"non-finite:{slug(s.path)}={new!r}", BOTH, s.path, "json-nan-infinity")

    def huge_string(self):
        if not self.ctx.huge or self.ctx.rng.random() < 0.8:  # rare even in big runs: each is up to 1 MiB
            return None
        s = self.pick(lambda s: s.kind in STRINGY or s.in_json)
        if s is None:
            return None
        n = self.ctx.rng.choice([100 << 10, 256 << 10, 1 << 20])
        unit = self.ctx.rng.choice(["x", "ünï ", "日本語🚀"])
        self.put(s, (unit * (n // len(unit.encode()) + 1))[: n // len(unit.encode()) * len(unit)])
        return Applied(f"huge-string:{slug(s.path)}:{n}", BOTH, s.path)

    def datetime(self):
        rng = self.ctx.rng
        s = self.pick(lambda s: s.kind in ("aware_dt", "utc_dt", "naive_dt") or
                      (s.kind == "union" and set(s.kinds) & {"aware_dt", "utc_dt", "naive_dt"}))
        if s is None:
            return None
        if rng.random() < 0.8:
            name, new = rng.choice(DATETIME_STRINGS)
        else:
            name, new = rng.choice(DATETIME_NUMBERS)
        self.put(s, new)
        return Applied(f"datetime:{name}:{slug(s.path)}", BOTH, s.path)

    def uuid(self):
        s = self.pick(lambda s: s.kind == "uuid" and is_uuid_text(get_at(self.tree, s.path)))
        if s is None:
            return None
        name, op = self.ctx.rng.choice(UUID_VARIANTS)
        self.put(s, op(get_at(self.tree, s.path)))
        return Applied(f"uuid:{name}:{slug(s.path)}", BOTH, s.path)

    def empty_string(self):
        s = self.pick(lambda s: isinstance(get_at(self.tree, s.path), str) and get_at(self.tree, s.path) != "")
        if s is None:
            return None
        self.put(s, "")
        return Applied(f"empty-string:{slug(s.path)}", BOTH, s.path)

    def deep_nesting(self):
        s = self.pick(lambda s: s.kind in ("json", "any"))
        if s is None:
            return None
        rng = self.ctx.rng
        depth, shape = rng.choice(DEPTHS), rng.choice(["array", "object"])
        self.put(s, Deep(depth, shape, rng.choice([None, 1, "leaf"])))
        # On the frame path pydantic counts the levels of a JsonValue from the value itself and
        # does not count inside an `Any` value at all, where Rust holds the whole frame to its
        # own bound (README's msgpack-any-beyond-512); only msgpack mutants carry the label
        # (see generate_channel).
        root = max((r for r in self.slots if not r.in_json and r.kind in ("json", "any")
                    and s.path[:len(r.path)] == r.path), key=lambda r: len(r.path), default=s)
        in_body = depth + len(s.path)  # containers from the body map down
        return Applied(f"deep-{shape}:{slug(s.path)}:{depth}", BOTH, s.path,
                       "msgpack-any-beyond-512" if root.kind == "any" and in_body > 512 else None)

    def enum_case(self):
        s = self.pick(lambda s: s.kind in ("enum", "literal") and isinstance(get_at(self.tree, s.path), str))
        if s is None:
            return None
        name, op = self.ctx.rng.choice(ENUM_TWEAKS)
        self.put(s, op(get_at(self.tree, s.path)))
        return Applied(f"enum-{name}:{slug(s.path)}", BOTH, s.path)

    def list_shape(self):
        s = self.pick(lambda s: s.kind in ("list", "set", "tuple", "namedtuple") and
                      isinstance(get_at(self.tree, s.path), list))
        if s is None:
            return None
        value = get_at(self.tree, s.path)
        options = [("empty", []), ("wrapped", [value]), ("scalar", value[0] if value else 0)]
        if value:
            options += [("repeated", value + value[:1]), ("reversed", value[::-1]), ("truncated", value[:-1]),
                        ("extra-null", value + [None])]
        name, new = self.ctx.rng.choice(options)
        self.put(s, copy.deepcopy(new))
        return Applied(f"list-{name}:{slug(s.path)}", BOTH, s.path)

    # -- JSON text only -------------------------------------------------------------------------

    def duplicate_key(self):
        rng = self.ctx.rng
        objects = [()] + [s.path for s in self.slots if isinstance(get_at(self.tree, s.path), dict)
                          and get_at(self.tree, s.path)]
        path = rng.choice(objects) if rng.random() < 0.4 else ()
        target = get_at(self.tree, path)
        if not isinstance(target, dict) or not target:
            return None
        key = rng.choice(list(target))
        valid = self.ctx.same_tag_values.get((self.tag, path + (key,)), [])
        variant = rng.choice(["same", "other-valid", "earlier-invalid", "later-invalid"])
        if variant == "other-valid":
            others = [v for v in valid if not json_equal(v, target[key])]
            if not others:
                variant = "same"
            else:
                extra = copy.deepcopy(rng.choice(others))
        if variant == "same":
            extra = copy.deepcopy(target[key])
        if variant in ("earlier-invalid", "later-invalid"):
            extra = rng.choice([c[1] for c in RETYPE_POOL if c[0] != vtype(target[key])])
        pairs = list(target.items())
        if variant == "later-invalid":
            pairs.append((key, extra))
        else:
            pairs.insert(0, (key, extra))
        first: dict = {}
        for k, v in pairs:
            first.setdefault(k, v)
        first_wins = copy.deepcopy(self.tree)
        if path:
            set_at(first_wins, path, first)
        else:
            first_wins = first
        dup = Dup(pairs)
        if path:
            set_at(self.tree, path, dup)
        else:
            self.tree = dup  # nothing else can be applied after this
        self.touched.add(path + (key,))
        return Applied(f"duplicate-key-{variant}:{slug(path + (key,))}", JSON_ONLY, path + (key,),
                       first_wins=first_wins)

    # -- msgpack only ---------------------------------------------------------------------------

    def bin_for_str(self):
        s = self.pick(lambda s: isinstance(get_at(self.tree, s.path), str))
        if s is None:
            return None
        self.put(s, Bin(get_at(self.tree, s.path).encode()))
        # pydantic's lax mode reads bin as UTF-8 text in a `str` field; Rust refuses it (README).
        # In an `Any`-typed value both keep it as bytes.
        return Applied(f"bin-for-str:{slug(s.path)}", MSGPACK_ONLY, s.path, "str-from-bin")

    def non_utf8_str(self):
        s = self.pick(lambda s: isinstance(get_at(self.tree, s.path), str))
        if s is None:
            return None
        bad = self.ctx.rng.choice(NON_UTF8)
        self.put(s, RawStr(get_at(self.tree, s.path).encode() + bad))
        return Applied(f"non-utf8-str:{slug(s.path)}:{bad.hex()}", MSGPACK_ONLY, s.path)

    def odd_key(self):
        rng = self.ctx.rng
        objects = [()] + [s.path for s in self.slots if isinstance(get_at(self.tree, s.path), dict)
                          and get_at(self.tree, s.path)]
        path = rng.choice(objects)
        target = get_at(self.tree, path)
        keys = [k for k in target if isinstance(k, str)] if isinstance(target, dict) else []
        if not keys:
            return None
        key = rng.choice(keys)
        variant = rng.choice(["non-utf8", "bin", "int", "nil", "bool"])
        new_key = {"non-utf8": RawStr(key.encode() + rng.choice(NON_UTF8)), "bin": Bin(key.encode()),
                   "int": 1, "nil": None, "bool": True}[variant]
        rebuilt = {(new_key if k == key else k): v for k, v in target.items()}
        if path:
            set_at(self.tree, path, rebuilt)
        else:
            self.tree = rebuilt
        # A bin key where a `dict[str, ...]` wants a string is read as text by pydantic's lax mode.
        known = "map-key-from-bytes" if variant == "bin" else None
        return Applied(f"key-{variant}:{slug(path + (key,))}", MSGPACK_ONLY, path + (key,), known)

    def ext(self):
        s = self.pick(lambda s: True)
        if s is None:
            return None
        new = self.ctx.rng.choice(EXT_VALUES + [raw_timestamp(0, 1_767_225_600, 4)])
        self.put(s, new)
        return Applied(f"ext-{new.code}:{slug(s.path)}", MSGPACK_ONLY, s.path)

    def timestamp(self):
        rng = self.ctx.rng
        s = self.pick(lambda s: s.kind in ("aware_dt", "utc_dt", "naive_dt") or
                      (s.kind == "union" and set(s.kinds) & {"aware_dt", "utc_dt", "naive_dt"}))
        if s is None or rng.random() < 0.1:
            s = self.pick(lambda s: s.kind in STRINGY or s.in_json)
        if s is None:
            return None
        name, make = rng.choice(TIMESTAMPS)
        self.put(s, make())
        return Applied(f"timestamp:{name}:{slug(s.path)}", MSGPACK_ONLY, s.path)

    def int_width(self):
        rng = self.ctx.rng
        cands = [s for s in self.slots if type(get_at(self.tree, s.path)) is int]
        if not cands:
            return None
        s = rng.choice(cands)
        value = get_at(self.tree, s.path)
        fits = [f for f, (_, _, lo, hi) in INT_FORMATS.items() if lo <= value <= hi]
        if not fits:
            return None
        fmt = rng.choice(fits)
        self.put(s, Fmt(value, fmt))
        return Applied(f"int-width:{slug(s.path)}:{fmt}", MSGPACK_ONLY, s.path)

    def other_width(self):
        rng = self.ctx.rng
        cands = []
        for s in self.slots:
            v = get_at(self.tree, s.path)
            if type(v) is float:
                cands.append((s, "f32"))
            elif isinstance(v, str) and len(v.encode()) < 2**16:
                cands.append((s, rng.choice(["str8", "str16", "str32"] if len(v.encode()) < 256 else ["str16", "str32"])))
            elif isinstance(v, list) and len(v) < 2**16:
                cands.append((s, rng.choice(["arr16", "arr32"])))
            elif isinstance(v, dict) and all(isinstance(k, str) for k in v) and len(v) < 2**16:
                cands.append((s, rng.choice(["map16", "map32"])))
        if not cands:
            return None
        s, fmt = rng.choice(cands)
        self.put(s, Fmt(get_at(self.tree, s.path), fmt))
        return Applied(f"width:{slug(s.path)}:{fmt}", MSGPACK_ONLY, s.path)


def int_name(v: int) -> str:
    for power in (31, 32, 53, 63, 64):
        for off in (-1, 0, 1):
            if abs(v) == 2**power + off:
                return ("-" if v < 0 else "") + f"2^{power}" + (f"{off:+d}" if off else "")
    return str(v) if abs(v) < 10**6 else f"~10^{len(str(abs(v))) - 1}"


# (method, weight). Weights favour the mutations that find the most distinct behaviour.
MUTATIONS = [
    (Mutator.drop_field, 10), (Mutator.retype, 12), (Mutator.wrong_for_kind, 6), (Mutator.coerce, 8),
    (Mutator.unknown_field, 8), (Mutator.swap_tag, 8), (Mutator.boundary_int, 8), (Mutator.non_finite, 4),
    (Mutator.huge_string, 1), (Mutator.datetime, 14), (Mutator.uuid, 12), (Mutator.empty_string, 5),
    (Mutator.deep_nesting, 3), (Mutator.enum_case, 5), (Mutator.list_shape, 5), (Mutator.duplicate_key, 5),
    (Mutator.bin_for_str, 3), (Mutator.non_utf8_str, 2), (Mutator.odd_key, 2), (Mutator.ext, 2),
    (Mutator.timestamp, 3), (Mutator.int_width, 3), (Mutator.other_width, 2),
]


# ---------------------------------------------------------------------------------------------
# Judging a mutant with the SDK
# ---------------------------------------------------------------------------------------------

def json_view(v):
    """The JSON value a msgpack body stands for, to classify it against pydantic's dump."""
    if isinstance(v, dict):
        return {json_view(k) if not isinstance(k, str) else k: json_view(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [json_view(x) for x in v]
    if isinstance(v, Fmt):
        return struct.unpack(">f", struct.pack(">f", v.value))[0] if v.fmt == "f32" else json_view(v.value)
    if isinstance(v, Deep):
        leaf = json_view(v.leaf)
        for _ in range(v.depth):
            leaf = [leaf] if v.shape == "array" else {"a": leaf}
        return leaf
    if isinstance(v, RawStr):
        return v.data.decode("utf-8", "replace")
    if isinstance(v, Bin):
        return BinView(v.data.decode("utf-8", "replace"))
    if isinstance(v, Ext):
        if v.code == -1:
            try:  # a timestamp: msgspec hands pydantic a datetime
                return GF.SDK.msgspec.msgpack.decode(bytes(mp(v))).isoformat()
            except Exception:  # noqa: BLE001 - an invalid timestamp stays an opaque ext
                pass
        return ExtView(f"ext {v.code}: {v.data.hex()}")
    if isinstance(v, dt.datetime):
        return v.isoformat()
    return v


def is_datetime_text(s) -> bool:
    return isinstance(s, str) and GC.parse_rfc3339(s) is not None


def is_uuid_text(s) -> bool:
    return isinstance(s, str) and len(s) == 36 and s.count("-") == 4


def coercion_label(inp, exp) -> str:
    """Name the lax conversion that turned input value `inp` into dumped value `exp`, using the
    corpus's labels (README's "Deliberate differences" table) where one applies."""
    ti, te = vtype(inp), vtype(exp)
    if ti == "bytes":
        if is_datetime_text(exp):
            return "datetime-from-bin"
        if is_uuid_text(exp):
            return "uuid-from-bin"
        return {"string": "str-from-bin", "int": "int-from-bin", "float": "float-from-bin"}.get(te, f"{te}-from-bin")
    if te == "int":
        return {"string": "int-from-string", "float": "int-from-float", "bool": "int-from-bool"}.get(ti, f"int-from-{ti}")
    if te == "float":
        return {"string": "float-from-string", "int": "float-from-int", "bool": "float-from-bool"}.get(ti, f"float-from-{ti}")
    if te == "bool":
        return {"string": "bool-from-string", "int": "bool-from-int", "float": "bool-from-float"}.get(ti, f"bool-from-{ti}")
    if te == "null" and ti == "float" and not math.isfinite(inp):
        return "non-finite-float-to-null"
    if te == "array" and ti == "object":
        return "namedtuple-from-object"
    if te == "string" and is_datetime_text(exp):
        if ti in ("int", "float"):
            return "datetime-from-unix-seconds"
        if ti == "string":
            if inp.strip().lstrip("-").replace(".", "", 1).isdigit():
                return "datetime-from-unix-seconds-string"
            if len(inp) == 10:
                return "datetime-date-only"
            if re.search(r"[.,]\d{7,}", inp):
                return "datetime-nanoseconds-truncated"
            if " " in inp:
                return "datetime-space-separator"
            return "datetime-other-spelling"
        return f"datetime-from-{ti}"
    if te == "string" and ti in ("int", "float") and GC.parse_duration(exp, GC.DURATION_ANY) is not None:
        return "duration-from-seconds"
    if te == "string" and ti == "bool" and GC.parse_duration(exp, GC.DURATION_ANY) is not None:
        return "duration-from-bool"
    if te == "string" and ti == "string":
        if GC.parse_duration(exp, GC.DURATION_ANY) is not None:
            return "duration-clock-string" if ":" in inp else "duration-other-spelling"
        if is_uuid_text(exp):
            low = inp.lower()
            if low.startswith("urn:uuid:"):
                return "uuid-urn-prefix"
            if low.startswith("{"):
                return "uuid-braces"
            if "-" not in inp:
                return "uuid-32-hex"
            return "uuid-uppercase" if inp != low else "uuid-other-spelling"
        if exp == "." and inp == "":
            return "path-empty-string"
        return "string-rewritten"
    return f"unlabelled:{ti}-to-{te}"


def coercions(inp, exp, path, out: list) -> None:
    """Every coerced leaf (as GC.differences sees coercion) with its path and label."""
    if isinstance(inp, dict) and isinstance(exp, dict):
        for k in inp:
            if not isinstance(k, str) or isinstance(k, BinView):  # msgpack keys pydantic made strings
                out.append({"path": rust_path(path), "class": f"map-key-from-{vtype(k)}"})
            elif k in exp:
                coercions(inp[k], exp[k], path + (k,), out)
        return
    if isinstance(inp, list) and isinstance(exp, list):
        if len(inp) == len(exp):
            for j, (x, y) in enumerate(zip(inp, exp)):
                coercions(x, y, path + (j,), out)
        return
    found: set = set()
    GC.differences(inp, exp, found)
    if "coerced" in found or isinstance(inp, (BinView, ExtView)):
        # msgpack bin and ext values are never canonical, even where the text inside is.
        out.append({"path": rust_path(path), "class": coercion_label(inp, exp)})


def has_non_finite(v) -> bool:
    if isinstance(v, float):
        return not math.isfinite(v)
    if isinstance(v, dict):
        return any(has_non_finite(x) for x in v.values())
    if isinstance(v, list):
        return any(has_non_finite(x) for x in v)
    return False


def body_kind(body, channel_tags: set, all_tags: set) -> str:
    """The corpus's reject kind for a decoded msgpack body (reject_kind's rules, on a dict)."""
    if not isinstance(body, dict):
        return "malformed"
    tag = body.get("type", MISSING)
    if not isinstance(tag, str) or tag not in all_tags:
        return "unknown_type"
    return "not_permitted" if tag not in channel_tags else "invalid"


def short(error: dict) -> dict:
    return {"type": error["type"], "loc": [str(p) for p in error["loc"]][:8], "msg": error["msg"][:160]}


class Judge:
    def __init__(self, channel: str, channel_tags: set, all_tags: set):
        self.channel, self.channel_tags, self.all_tags = channel, channel_tags, all_tags
        self.adapter = GC.ENV.TypeAdapter(GC.ENV.unions[channel])

    def accepted(self, record: dict, inst, view, extra_coercions=()) -> dict:
        try:
            dumped = expected = self.adapter.dump_python(inst, mode="json", by_alias=True)
            if has_non_finite(dumped):
                # JSON has no NaN or infinity: take pydantic's own JSON rendering of the same
                # value (dump_json writes them as null), and say so.
                expected = json.loads(self.adapter.dump_json(inst, by_alias=True))
                record["expected_from"] = "dump_json"
        except Exception as exc:  # noqa: BLE001 - ValueError or PydanticSerializationError
            # pydantic validated the value but cannot dump it (serialization depth): the SDK
            # would act on the message, there is just no output to compare with.
            record.pop("expected_from", None)
            record.update(verdict="accept", form="undumpable", dump_error=str(exc)[:160])
            return record
        form, _ = GC.classify(view, dumped)
        found: list = list(extra_coercions)
        coercions(view, dumped, (), found)
        if form == "lax" and not found:
            found.append({"path": ".", "class": "unlabelled"})
        if found:
            form = "lax"
        record.update(verdict="accept", form=form)
        if found:
            record["coercions"] = found
        record["expected"] = expected
        return record

    def canonical_json(self, text: str) -> bool:
        """Whether pydantic accepts `text` without a lax coercion."""
        try:
            inst = self.adapter.validate_json(text)
            dumped = self.adapter.dump_python(inst, mode="json", by_alias=True)
        except Exception:  # noqa: BLE001
            return False
        found: list = []
        coercions(json.loads(text), dumped, (), found)
        return GC.classify(json.loads(text), dumped)[0] != "lax" and not found

    def json_case(self, record: dict, text: str, duplicate: bool) -> dict:
        try:
            inst = self.adapter.validate_json(text)
        except Exception as exc:  # noqa: BLE001 - any exception is a decode failure on the wire
            error = GC.first_error(exc)
            record.update(verdict="reject", kind=GC.reject_kind(text, self.channel_tags, self.all_tags, error),
                          pydantic=short(error))
            return record
        view = json.loads(text)
        extra = [{"path": ".", "class": "duplicate-key-last-wins"}] if duplicate else []
        return self.accepted(record, inst, view, extra)

    def frame_case(self, record: dict, frame: bytes, body, frame_id) -> dict:
        if self.channel in REQUEST_CHANNELS:
            req, msg, err = GF.supervisor_read(frame, self.channel)
        else:
            req, msg, _, err = GF.child_read(frame, self.channel)
        if err:
            if err.startswith("frame:"):
                # msgspec refused the frame itself: fatal to the SDK's reader, no pydantic involved.
                record.update(verdict="reject", kind="frame", python_error=err[:240])
                return record
            try:  # the reader only kept a one-line summary: validate again for the structured error
                self.adapter.validate_python(req.body)
            except Exception as exc:  # noqa: BLE001
                error = short(GC.first_error(exc))
            else:
                raise Surprise(f"{record['case']}: the SDK refused a body pydantic accepts: {err}")
            record.update(verdict="reject", kind=body_kind(req.body, self.channel_tags, self.all_tags),
                          pydantic=error)
            return record
        # Every id msgspec reads (-2**63 to 2**64 - 1) is one Rust reads too: no coercion to label.
        record["id"] = req.id
        return self.accepted(record, msg, json_view(body))


# ---------------------------------------------------------------------------------------------
# Driving it
# ---------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Base:
    case: str
    tag: str
    tree: Any


def load_bases(channel: str, max_bytes: int | None) -> list[Base]:
    """Canonical accepts of the corpus; with max_bytes, those up to that size plus the two
    smallest of every type (so every type is mutated)."""
    by_tag: dict[str, list] = {}
    for rec in corpus_cases(channel, ("canonical",)):
        tree = json.loads(rec["input"])
        by_tag.setdefault(tree["type"], []).append((len(dumps(tree)), rec["case"], tree))
    bases = []
    for tag in by_tag:  # corpus order
        items = by_tag[tag]
        smallest = {c for _, c, _ in sorted(items, key=lambda x: (x[0], x[1]))[:2]}
        for size, case, tree in items:
            if max_bytes is None or size <= max_bytes or case in smallest:
                bases.append(Base(case, tag, tree))
    return bases


def wire_body(m: Mutator, tree):
    """The msgpack body a Python sender would write: aware date-times as timestamps (ext -1)
    where the mutations left the canonical text alone; everything else as it is."""
    tree = copy.deepcopy(tree)
    for s in m.slots:
        if s.kind not in ("aware_dt", "utc_dt", "naive_dt") or s.path in m.touched:
            continue
        value = get_at(tree, s.path)
        if isinstance(value, str) and GC.parse_rfc3339(value):
            parsed = dt.datetime.fromisoformat(value)
            if parsed.tzinfo is not None:
                set_at(tree, s.path, parsed)
    return tree


def make_mutant(ctx: Ctx, cls, base: Base):
    """Apply 1-3 mutations; returns (mutator, applied list, encodings) or None."""
    rng = ctx.rng
    m = Mutator(ctx, cls, base.tree)
    want = rng.choices([1, 2, 3], weights=[5, 3, 2])[0]
    encodings = BOTH
    applied: list[Applied] = []
    methods, weights = zip(*MUTATIONS)
    for _ in range(want * 4):
        if len(applied) == want or isinstance(m.tree, Dup):
            break
        method = rng.choices(methods, weights=weights)[0]
        if method is Mutator.duplicate_key and len(applied) + 1 < want:
            continue  # duplicate keys are written last: nothing can be applied inside them
        before = copy.deepcopy(m.tree), set(m.touched)
        result = method(m)
        if result is None:
            continue
        if not (encodings & result.encodings):
            m.tree, m.touched = before
            continue
        encodings &= result.encodings
        applied.append(result)
        if not isinstance(m.tree, Dup):
            m.refresh()
    return (m, applied, encodings) if applied else None


def generate_channel(channel: str, count: int, args, channel_tags: dict, classes: dict, all_tags: set):
    rng = random.Random(f"{args.seed}/{channel}")
    tags = channel_tags[channel]
    others = sorted(all_tags - set(tags))
    bases = load_bases(channel, args.max_base_bytes)
    same_tag_values: dict = {}
    for b in bases:
        for k, v in b.tree.items():
            same_tag_values.setdefault((b.tag, (k,)), []).append(v)
    ctx = Ctx(rng, channel, tags, others, args.huge, same_tag_values)
    judge = Judge(channel, set(tags), all_tags)
    out = {"json": [], "msgpack": []}
    n = 0
    msgspec = GF.SDK.msgspec
    while len(out["json"]) + len(out["msgpack"]) < count:
        base = rng.choice(bases)
        made = make_mutant(ctx, classes[base.tag], base)
        if made is None:
            continue
        m, applied, encodings = made
        names = [a.name for a in applied]
        known = sorted({a.known for a in applied if a.known})
        common = {"base": base.case, "mutations": names}
        if "json" in encodings and len(out["json"]) + len(out["msgpack"]) < count:
            try:
                text = json_text(m.tree)
            except NotEncodable:
                text = None
            if text is not None:
                record = {"case": f"{channel}/json/{len(out['json'])}", **common, "input": text}
                json_known = [k for k in known if k != "msgpack-any-beyond-512"]
                if json_known:
                    record["known"] = json_known
                # Rust may refuse a message whose earlier duplicate is invalid (README's
                # duplicate-key-last-wins): pydantic says whether it is, by judging the message
                # as it would read if the first duplicate won.
                alt = next((a.first_wins for a in applied if a.first_wins is not None), None)
                dup = alt is not None and not judge.canonical_json(json_text(alt))
                # Two different `type` tags: Rust reads the last as the tag, as pydantic does,
                # and refuses the model when the earlier one does not match it.
                dup = dup or any(a.name == "duplicate-key-other-valid:type" for a in applied)
                out["json"].append(judge.json_case(record, text, dup))
        if "msgpack" in encodings and len(out["json"]) + len(out["msgpack"]) < count:
            frame_id = len(out["msgpack"])
            if rng.random() < 0.03:
                frame_id = rng.choice([Fmt(frame_id, "u64"), Fmt(frame_id, "i64"), Fmt(frame_id, "u32"),
                                       2**63, 2**64 - 1, -1, -(2**63)])
            body = wire_body(m, m.tree)
            try:
                frame = frame_bytes(frame_id, body)
            except NotEncodable:
                frame = None
            if frame is not None:
                if is_plain(body) and isinstance(frame_id, int):
                    sdk = msgspec.msgpack.encode([frame_id, body, None])
                    if GF.with_prefix(sdk) != frame:
                        raise Surprise(f"frame differs from msgspec's for {names}: {frame.hex()} vs {sdk.hex()}")
                record = {"case": f"{channel}/msgpack/{len(out['msgpack'])}", **common}
                if not isinstance(frame_id, int):
                    record["mutations"] = names + [f"frame-id-width:{frame_id.fmt}"]
                elif frame_id != len(out["msgpack"]):
                    record["mutations"] = names + [f"frame-id:{int_name(frame_id)}"]
                # README documents NaN and infinities for JSON text; msgpack floats carry them
                # natively, which gets a label of its own.
                mp_known = [("msgpack-non-finite-float" if k == "json-nan-infinity" else k) for k in known]
                if mp_known:
                    record["known"] = mp_known
                record["frame"] = frame.hex()
                out["msgpack"].append(judge.frame_case(record, frame, body, frame_id))
        n += 1
    return out


def write_jsonl(path: pathlib.Path, records: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for r in records:
            line = json.dumps(r, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
            fh.write(line.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT,
                        help="mutants to write, over all channels and both encodings")
    parser.add_argument("--out", type=pathlib.Path, default=DEFAULT_OUT)
    parser.add_argument("--max-base-bytes", type=int, default=DEFAULT_MAX_BASE_BYTES,
                        help="mutate only canonical messages up to this size, plus the two smallest of each type "
                             "(0: all of them, as big runs do)")
    parser.add_argument("--huge", action="store_true", help="also write 100 KiB - 1 MiB strings (big runs)")
    args = parser.parse_args()
    if args.max_base_bytes == 0:
        args.max_base_bytes = None

    check_pins("mutate", GF.EXTRA_PINS)
    GC.ENV = GC.Env()
    GF.SDK = GF.Sdk()
    sys.setrecursionlimit(20000)

    channel_tags = {ch: [GC.tag_of(m) for m in GC.union_members(u)] for ch, u in GC.ENV.unions.items()}
    classes = {}
    for u in GC.ENV.unions.values():
        for m in GC.union_members(u):
            classes[GC.tag_of(m)] = m
    all_tags = set(classes)

    # Share of the mutants per channel: more types, more mutants.
    weights = {ch: len(tags) + 10 for ch, tags in channel_tags.items()}
    total = sum(weights.values())
    shares = {ch: args.count * w // total for ch, w in weights.items()}
    first = next(iter(shares))
    shares[first] += args.count - sum(shares.values())

    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob("*.jsonl"):
        old.unlink()
    summary: dict[str, Any] = {
        "generated_with": {
            "apache-airflow-task-sdk": importlib.metadata.version("apache-airflow-task-sdk"),
            "apache-airflow-core": importlib.metadata.version("apache-airflow-core"),
            "pydantic": importlib.metadata.version("pydantic"),
            "msgspec": importlib.metadata.version("msgspec"),
        },
        "parameters": {"seed": args.seed, "count": args.count, "max_base_bytes": args.max_base_bytes,
                       "huge": args.huge},
        "files": {},
    }
    started = time.monotonic()
    for channel in channel_tags:
        t0 = time.monotonic()
        out = generate_channel(channel, shares[channel], args, channel_tags, classes, all_tags)
        for encoding, records in out.items():
            name = f"{channel}.{encoding}.jsonl"
            write_jsonl(args.out / name, records)
            counts: dict[str, Any] = {"mutants": len(records), "accept": {}, "reject": {}}
            for r in records:
                bucket = counts["accept"] if r["verdict"] == "accept" else counts["reject"]
                key = r.get("form") or r.get("kind")
                bucket[key] = bucket.get(key, 0) + 1
            counts["accept"] = dict(sorted(counts["accept"].items()))
            counts["reject"] = dict(sorted(counts["reject"].items()))
            summary["files"][name] = counts
        print(f"{channel:18} {len(out['json']):6} json {len(out['msgpack']):6} msgpack "
              f"({time.monotonic() - t0:.1f} s)", file=sys.stderr)
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.count} mutants to {args.out} in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    exit_on_surprise("mutate", main)
