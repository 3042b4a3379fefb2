#!/usr/bin/env python3
"""Generate the wire-conformance corpus for airflow-comms from the real Airflow models.

The Rust crate has to decode exactly what Airflow's pydantic unions decode, and reject exactly what
they reject.  Rather than transcribing that behaviour by hand, this script builds messages by
walking the annotations of every model in the seven channel unions, feeds each one to the real
``TypeAdapter(<union>).validate_json`` and records what pydantic did: the normalised dump for
accepted inputs, the first error for rejected ones.  Nothing here decides a verdict on its own:
the generator only proposes inputs.  A proposed reject that pydantic accepts is recorded as an
accept (and listed on stderr); a proposed accept that pydantic refuses, or that lands in another
form than intended, stops the run, because it means the generator's model of the protocol is wrong.

Forms of accepted inputs are classified by comparing the input with pydantic's dump:
``canonical`` (same JSON value), ``defaults`` (only omitted defaults filled in, ignored unknown
keys dropped, or the same instant/duration/set spelled differently), ``lax`` (anything else: a
type coercion).  Every lax case carries a ``coercion`` label naming the conversion.

Usage::

    python tools/conformance/generate_corpus.py [--out tests/corpus]

Output is byte-for-byte deterministic: values come from fixed tables, UUIDs from
``uuid.UUID(int=...)`` seeded with CRC32 of field names, no clocks, no RNG, no iteration over
``set``s of strings (whose order depends on PYTHONHASHSEED).  CI regenerates and diffs.

Only the standard library and the pinned Airflow packages (plus what they pull in: pydantic) are
used.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import datetime as dt
import enum
import importlib.metadata
import json
import pathlib
import re
import sys
import types
import typing
import uuid
import zlib
from decimal import Decimal
from typing import Any

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from common import (  # noqa: E402  (tools/common.py)
    CHANNELS, MISSING, PINS, Surprise, check_pins, dumps, dumps_line, exit_on_surprise, get_at, json_equal,
    load_union, with_at, without_at,
)


# ---------------------------------------------------------------------------------------------
# Value tables.  Values are chosen to look like what Airflow really sends, so a failing Rust test
# reads like a real message.  Lists give alternatives: list items and later profiles rotate.
# ---------------------------------------------------------------------------------------------

STR_HINTS: dict[str, list[str]] = {
    "dag_id": ["example_etl", "sales_daily", "ml_training"],
    "run_id": [
        "manual__2026-01-01T00:00:00+00:00",
        "scheduled__2026-01-02T00:00:00+00:00",
        "asset_triggered__2026-01-03T04:05:06.123456+00:00",
    ],
    "task_id": ["extract", "transform.clean", "load"],
    "key": ["return_value", "row_count", "cursor"],
    "conn_id": ["postgres_default", "aws_default"],
    "conn_type": ["postgres", "aws"],
    "host": ["db.internal.example.com"],
    "schema_": ["public"],
    "login": ["airflow"],
    "password": ["s3cr3t-p@ss"],
    "extra": ['{"sslmode": "require", "connect_timeout": 10}'],
    "classpath": [
        "airflow.providers.standard.triggers.temporal.DateTimeTrigger",
        "airflow.providers.standard.triggers.file.FileTrigger",
    ],
    "next_method": ["execute_complete"],
    "queue": ["high_memory", "kubernetes"],
    "hostname": ["worker-1.airflow.svc.cluster.local"],
    "rendered_map_index": ["customer=acme"],
    "retry_reason": ["Connection reset by peer"],
    "name": ["daily_sales", "orders_raw"],
    "uri": ["s3://data-lake/sales/daily.parquet", "postgres://warehouse/public/orders"],
    "group": ["asset"],
    "alias_name": ["sales_alias"],
    "prefix": ["etl_"],
    "value": ["s3://exports-bucket/etl"],
    "description": ["Where the ETL job writes its exports"],
    "state": ["success", "failed"],
    "partition_key": ["2026-01-01", "region=eu"],
    "note": ["Triggered from the UI"],
    "triggering_user_name": ["admin"],
    "team_name": ["data-platform"],
    "subject": ["Approve the load into production?"],
    "body": ["The extract produced **1,204** rows. Approve to continue."],
    "options": ["Approve", "Reject", "Escalate"],
    "chosen_options": ["Approve", "Escalate"],
    "defaults": ["Reject"],
    "id": ["user-1", "user-2"],
    "type": ["Asset", "AssetAlias"],
    "source_task_id": ["produce_sales"],
    "source_dag_id": ["upstream_producer"],
    "source_run_id": ["scheduled__2025-12-31T00:00:00+00:00"],
    "bundle_name": ["dags-folder"],
    "bundle_version": ["7f3c2a9e"],
    "version": ["7f3c2a9e"],
    "relative_fileloc": ["etl/example_etl.py"],
    "dag_rel_path": ["etl/example_etl.py"],
    "owners": ["airflow, data-eng"],
    "tags": ["etl", "daily", "finance"],
    "fileloc": ["/opt/airflow/dags/etl/example_etl.py"],
    "file": ["/opt/airflow/dags/etl/example_etl.py"],
    "filepath": ["etl/example_etl.py"],
    "bundle_path": ["/opt/airflow/dags"],
    "msg": ["Task failed with exception"],
    "encrypted_kwargs": ["gAAAAABnZ0B0cmlnZ2VyX2t3YXJnc19lbmNyeXB0ZWRfYmxvYg=="],
    "trigger_kwargs": ["gAAAAABnZ0B0cmlnZ2VyX2t3YXJnc19lbmNyeXB0ZWRfYmxvYg=="],
    "next_kwargs": ["gAAAAABnZ0BuZXh0X2t3YXJnc19lbmNyeXB0ZWQ="],
    "sentry_integration": ["sentry_sdk.integrations.logging.LoggingIntegration"],
    "external_executor_id": ["celery-7c1d3f0e"],
    "xcom_keys_to_clear": ["return_value", "row_count"],
    "failures": [
        "Traceback (most recent call last):",
        '  File "/opt/airflow/plugins/my_trigger.py", line 42, in run',
        "ValueError: remote service answered 503",
    ],
    "tasks": ["load", "load_partition", "notify"],
    "task_ids": ["extract", "load"],
    "run_ids": ["manual__2026-01-01T00:00:00+00:00", "scheduled__2026-01-02T00:00:00+00:00"],
    "states": ["success", "failed", "running"],
    "task_group_id": ["etl_group"],
}

# Same field name, different meaning, depending on the model that holds it.
STR_HINTS_BY_MODEL: dict[tuple[str, str], list[str]] = {
    ("HITLUser", "name"): ["Alice Example", "Bob Example"],
    ("MaskSecret", "name"): ["password"],
    ("AssetAliasReferenceAssetEventDagRun", "name"): ["sales_alias"],
    ("BundleInfo", "name"): ["dags-folder"],
    ("PutVariable", "key"): ["etl_target_bucket"],
    ("GetVariable", "key"): ["etl_target_bucket"],
    ("DeleteVariable", "key"): ["etl_target_bucket"],
    ("VariableResult", "key"): ["etl_target_bucket"],
    ("VariableResponse", "key"): ["etl_target_bucket"],
    ("VariableKeysResult", "keys"): ["etl_target_bucket", "etl_source_bucket", "alert_email"],
    ("DagRunAssetReference", "state"): ["success", "running"],
    ("GetPreviousDagRun", "state"): ["success"],
    ("PreviousTIResponse", "state"): ["success"],
}

INT_HINTS: dict[str, int] = {
    "map_index": 3,
    "port": 5432,
    "try_number": 2,
    "max_tries": 3,
    "pool_slots": 2,
    "priority_weight": 10,
    "id": 42,
    "trigger_id": 17,
    "persist_seq": 5,
    "count": 12,
    "total_entries": 3,
    "len": 4,
    "limit": 50,
    "offset": 10,
    "start": 0,
    "stop": 10,
    "step": 2,
    "task_reschedule_count": 1,
    "clear_number": 1,
    "source_map_index": 0,
    "mapped_length": 3,
    "fds": 7,
    "to_cancel": 1,
    "finished": 21,
    "failures": 18,
    "events_persisted": 5,
    "tasks": 2,
}

FLOAT_HINTS: dict[str, float] = {"retry_delay_seconds": 300.0, "duration": 12.5}

# Base instants (UTC, naive) per datetime field name; offsets are applied per profile.
DT_HINTS: dict[str, dt.datetime] = {
    "logical_date": dt.datetime(2026, 1, 1, 0, 0, 0),
    "logical_dates": dt.datetime(2026, 1, 1, 0, 0, 0),
    "run_after": dt.datetime(2026, 1, 1, 0, 0, 0),
    "data_interval_start": dt.datetime(2025, 12, 31, 0, 0, 0),
    "data_interval_end": dt.datetime(2026, 1, 1, 0, 0, 0),
    "start_date": dt.datetime(2026, 1, 1, 0, 0, 5),
    "end_date": dt.datetime(2026, 1, 1, 0, 10, 42),
    "reschedule_date": dt.datetime(2026, 1, 1, 0, 15, 0),
    "timestamp": dt.datetime(2025, 12, 31, 23, 59, 59),
    "after": dt.datetime(2025, 12, 1, 0, 0, 0),
    "before": dt.datetime(2026, 1, 1, 0, 0, 0),
    "expires_at": dt.datetime(2026, 1, 8, 0, 0, 0),
    "next_dagrun": dt.datetime(2026, 1, 2, 0, 0, 0),
    "responded_at": dt.datetime(2026, 1, 1, 0, 20, 0),
    "partition_date": dt.datetime(2026, 1, 1, 0, 0, 0),
    "timeout_after": dt.datetime(2026, 1, 1, 1, 0, 0),
    "last_loaded": dt.datetime(2026, 1, 1, 0, 0, 1),
}
DT_DEFAULT = dt.datetime(2026, 1, 1, 12, 0, 0)

TRIGGER_EVENT_PAYLOAD = {"status": "success", "moment": "2026-01-01T01:00:00+00:00", "count": 3}

# Realistic JSON objects for dict/JsonValue/Any fields (keyed by field name).
JSON_HINTS: dict[str, Any] = {
    "next_kwargs": {"event": {"status": "success", "rows": 1204}},
    "trigger_kwargs": {"moment": "2026-01-01T01:00:00+00:00", "end_from_trigger": False},
    "conf": {"source": "api", "retries": 3, "targets": ["eu", "us"], "dry_run": False, "threshold": 0.75, "owner": None},
    "outlet_events": {
        "dest_asset_key": {"name": "daily_sales", "uri": "s3://data-lake/sales/daily.parquet"},
        "extra": {"rows": 1204},
        "asset_alias_events": [],
    },
    "params": {"threshold": 0.75, "comment": "", "notify": True},
    "params_input": {"threshold": 0.9, "comment": "looks good", "notify": False},
    "rendered_fields": {"bash_command": "echo 'hello'", "env": {"STAGE": "prod"}, "retries": 2, "templates_dict": None},
    "value": {"rows": 1204, "files": ["part-0000.parquet", "part-0001.parquet"], "ok": True},
    "root": {"partition": "2026-01-01", "rows": 17},
    "detail": {
        "status_code": 404,
        "message": "Connection not found",
        "detail": {"detail": {"reason": "not_found", "message": "Connection with ID postgres_default not found"}},
    },
    "xcoms": {"return_value": {"rows": 1204}, "row_count": 1204},
    "payload": TRIGGER_EVENT_PAYLOAD,
    "data": {
        "__version": 3,
        "dag": {
            "dag_id": "example_etl",
            "fileloc": "/opt/airflow/dags/etl/example_etl.py",
            "relative_fileloc": "etl/example_etl.py",
            "timetable": {"__type": "airflow.timetables.simple.NullTimetable", "__var": {}},
            "tasks": [{"__type": "operator", "__var": {"task_id": "extract", "task_type": "PythonOperator"}}],
            "tags": ["etl"],
        },
    },
    "extra": {"rows": 1204, "format": "parquet", "schema_version": 2},
    "context_carrier": {
        "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "tracestate": "rojo=00f067aa0ba902b7",
    },
    "task_states": {"manual__2026-01-01T00:00:00+00:00": {"extract": "success", "load": "running"}},
    "breadcrumbs": {"task_id": "extract", "map_index": -1, "state": "success", "operator": "PythonOperator"},
    "warnings": {
        "dag_id": "example_etl",
        "warning_type": "runtime varying value",
        "message": "start_date is computed from datetime.now() at parse time",
    },
    "executor_config": {"pod_override": {"spec": {"containers": [{"name": "base"}]}}},
    "dag_data": {"dag_id": "example_etl", "fileloc": "/opt/airflow/dags/etl/example_etl.py"},
    "dag_run_data": {"dag_id": "example_etl", "run_id": "manual__2026-01-01T00:00:00+00:00"},
}
JSON_DEFAULT = {"key": "value", "count": 3}

STRDICT_HINTS: dict[str, dict[str, str]] = {
    "watched_assets": {"daily_sales": "s3://data-lake/sales/daily.parquet", "orders_raw": "postgres://warehouse/public/orders"},
    "import_errors": {
        "etl/broken.py": 'Traceback (most recent call last):\n  File "etl/broken.py", line 3\nSyntaxError: invalid syntax',
    },
}

# Deliberately awkward JSON: 64-bit limits and beyond (only ever inside JsonValue/Any), float
# corner cases, nesting, unicode keys, empty key, nulls and bools.
EDGE_JSON = {
    "ints": [0, -1, 2**53 + 1, 2**63 - 1, -(2**63), 2**64, -(2**64) - 1, 10**30],
    "floats": [0.1, 1e-7, 1.5e300, -0.0, 2.5],
    "nested": {"list": [{"a": None, "b": True, "c": False}, [], {}, [[{"deep": [1, {"deeper": None}]}]]]},
    "ünïcödé ✓": "日本語",
    "emoji 🚀": ["🔥", ""],
    "": "empty key",
    "null": None,
}
EDGE_JSON_LIST = [0, -1, 2**53 + 1, 2**63 - 1, -(2**63), 2**64, 1e-7, -0.0, True, None, "", {"k": [1, {}]}]
UNICODE_JSON = {"ключ": "значение", "日本語": "テスト ✓", "emoji 🚀": "🔥", "escapes": "tab\t nl\n quote\" back\\"}

UNICODE_SUFFIXES = [
    " ünïcödé ✓ 日本語",
    " 🚀🔥 emoji",
    ' "quoted" \\ back\tslash\nnewline',
    " Ωmega — dash … \u2028sep",
    " nul\u0000 bell\u0007",
]

ENUM_PREFERRED = {"DagRunType": "manual", "DagRunState": "success", "TaskInstanceState": "success",
                  "ErrorType": "CONNECTION_NOT_FOUND"}


@dataclasses.dataclass(frozen=True)
class Profile:
    """One way of filling a model; every message type is generated once per profile."""

    name: str
    minimal: bool = False  # only required fields (nullable required ones -> null)
    strings: str = "real"  # real | unicode | empty
    json: str = "real"  # real | unicode | empty | edge | edge-list | scalar
    json_scalar: Any = None
    ints: int | None = None  # edge int for every int field
    floats: float | None = None
    dt: str = "z"  # z | east | micro-west | micro-z | micro-east
    td: str = "PT1H"
    enum_offset: int = 0
    union_offset: int = 0
    list_len: int | None = None


PROFILES = [
    Profile("minimal", minimal=True, json="scalar", json_scalar=None),
    Profile("full"),
    Profile("unicode", strings="unicode", json="unicode", dt="east", td="PT45S", enum_offset=1, union_offset=1),
    Profile("empty-strings", strings="empty", json="empty", td="PT0S", enum_offset=2, list_len=0),
    Profile("edge-max", ints=2**63 - 1, floats=1.5e300, json="edge", dt="micro-west", td="P1DT2H3M4.5S", enum_offset=3),
    Profile("edge-min", ints=-(2**63), floats=1e-7, json="edge-list", dt="micro-z", td="-PT5S", enum_offset=4, union_offset=1),
    Profile("edge-zero", ints=0, floats=-0.0, json="scalar", json_scalar=0, dt="micro-east", td="PT0.000001S"),
    Profile("edge-neg-one", ints=-1, floats=0.1, json="scalar", json_scalar=True, td="PT0S"),
    Profile("edge-2p53", ints=2**53 + 1, floats=2.5, json="scalar", json_scalar=2**53 + 1, td="P400D"),
]
FULL = PROFILES[1]


# ---------------------------------------------------------------------------------------------
# Annotation analysis
# ---------------------------------------------------------------------------------------------

class Env:
    """Airflow/pydantic objects, imported only after the version check."""

    def __init__(self) -> None:
        import pydantic
        from pydantic import BaseModel, JsonValue, TypeAdapter
        from pydantic.functional_validators import AfterValidator

        from airflow.triggers.base import BaseTaskEndEvent, TriggerEvent

        self.pydantic = pydantic
        self.BaseModel = BaseModel
        self.JsonValue = JsonValue
        self.TypeAdapter = TypeAdapter
        self.AfterValidator = AfterValidator
        self.AwareDatetime = pydantic.AwareDatetime
        self.ValidationError = pydantic.ValidationError
        self.BaseTaskEndEvent = BaseTaskEndEvent
        self.TriggerEvent = TriggerEvent
        self.unions = {}
        for ch in CHANNELS:
            self.unions[ch.name] = load_union(ch.name)


ENV: Env


def strip_annotated(ann):
    meta = []
    while typing.get_origin(ann) is typing.Annotated:
        args = typing.get_args(ann)
        ann, meta = args[0], meta + list(args[1:])
    return ann, meta


def union_members(union) -> list:
    return list(typing.get_args(typing.get_args(union)[0]))


def tag_of(cls) -> str:
    (tag,) = typing.get_args(cls.model_fields["type"].annotation)
    return tag


def is_union(ann) -> bool:
    return typing.get_origin(ann) in (typing.Union, types.UnionType)


def kind_of(ann) -> str:
    base, meta = strip_annotated(ann)
    if base is type(None):
        return "none"
    if base is ENV.JsonValue:
        return "json"
    if base is Any:
        return "any"
    origin = typing.get_origin(base)
    if is_union(base):
        return "union"
    if origin is typing.Literal:
        return "literal"
    if base is list or origin is list:
        return "list"
    if base in (set, frozenset) or origin in (set, frozenset):
        return "set"
    if origin is tuple:
        return "tuple"
    if base is dict or origin is dict:
        return "dict"
    if isinstance(base, type):
        if issubclass(base, ENV.BaseModel):
            return "model"
        if issubclass(base, tuple) and hasattr(base, "_fields"):
            return "namedtuple"
        if issubclass(base, enum.Enum):
            return "enum"
        if base is bool:
            return "bool"
        if base is int:
            return "int"
        if base is float:
            return "float"
        if base is str:
            return "str"
        if base is ENV.AwareDatetime:
            return "utc_dt" if any(isinstance(m, ENV.AfterValidator) for m in meta) else "aware_dt"
        if base is dt.datetime:
            return "naive_dt"
        if base is dt.timedelta:
            return "timedelta"
        if base is uuid.UUID:
            return "uuid"
        if issubclass(base, pathlib.PurePath):
            return "path"
    raise TypeError(f"generator does not know how to build {ann!r}")


def is_jsonish(ann) -> bool:
    """JsonValue, Any, or Optional of those: values we fill with free-form JSON."""
    k = kind_of(ann)
    if k in ("json", "any"):
        return True
    if k == "union":
        ks = {kind_of(a) for a in typing.get_args(strip_annotated(ann)[0])}
        return ks <= {"json", "any", "none"}
    return False


def list_item(ann):
    """Item annotation of a list field (through Optional), else None."""
    base = strip_annotated(ann)[0]
    if is_union(base):
        members = [m for m in typing.get_args(base) if m is not type(None)]
        if len(members) != 1:
            return None
        base = strip_annotated(members[0])[0]
    if kind_of(base) != "list":
        return None
    args = typing.get_args(base)
    return args[0] if args else Any


def variety(ann) -> int:
    """How many list items it takes to show every member of the unions inside one item."""
    base = strip_annotated(ann)[0]
    if is_union(base):
        return len([a for a in typing.get_args(base) if a is not type(None)])
    if kind_of(base) == "namedtuple":
        return max(variety(a) for a in typing.get_type_hints(base, include_extras=True).values())
    return 1


def reachable_models(ann, out: dict) -> dict:
    """Every pydantic model class that can appear inside a value of this annotation."""
    base = strip_annotated(ann)[0]
    if isinstance(base, type) and issubclass(base, ENV.BaseModel):
        if base in out:
            return out
        out[base] = None
        for f in base.model_fields.values():
            reachable_models(f.rebuild_annotation(), out)
    elif isinstance(base, type) and issubclass(base, tuple) and hasattr(base, "_fields"):
        for a in typing.get_type_hints(base, include_extras=True).values():
            reachable_models(a, out)
    for a in typing.get_args(base):
        if not isinstance(a, (str, int, enum.Enum)):
            reachable_models(a, out)
    return out


def min_length(meta) -> int:
    return max([getattr(m, "min_length", 0) or 0 for m in meta] + [0])


def literal_values(ann) -> list:
    return [v.value if isinstance(v, enum.Enum) else v for v in typing.get_args(strip_annotated(ann)[0])]


# ---------------------------------------------------------------------------------------------
# Value generation
# ---------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Site:
    """Where a generated field lives in a message, so rejects can mutate it precisely."""

    path: tuple
    model: type
    name: str
    key: str
    ann: Any
    kind: str  # kind of the member actually generated (for unions)
    member_kinds: tuple  # kinds of all non-None members
    required: bool
    nullable: bool
    meta: list


@dataclasses.dataclass
class ModelSite:
    path: tuple
    model: type


class Gen:
    def __init__(self, profile: Profile, salt: int = 0):
        self.p = profile
        self.salt = salt
        self.sites: list[Site] = []
        self.models: list[ModelSite] = []
        self.enum_seen: list[tuple[str, str, str]] = []

    # -- scalars -------------------------------------------------------------------------------

    def text(self, model, name, i):
        options = STR_HINTS_BY_MODEL.get((model.__name__ if model else "", name)) or STR_HINTS.get(name)
        base = options[i % len(options)] if options else f"{name}_value"
        if self.p.strings == "unicode":
            return base + UNICODE_SUFFIXES[(i + zlib.crc32(name.encode())) % len(UNICODE_SUFFIXES)]
        if self.p.strings == "empty":
            return ""
        return base

    def integer(self, name, i, default):
        if self.p.ints is not None:
            return self.p.ints
        v = INT_HINTS.get(name, 7) + i
        return v + 1 if v == default else v

    def timestamp(self, name, kind, i):
        base = DT_HINTS.get(name, DT_DEFAULT) + dt.timedelta(hours=i)
        mode = self.p.dt
        micros = 123456 + i if mode.startswith("micro") else 0
        offset = {"z": 0, "east": 330, "micro-west": -180, "micro-z": 0, "micro-east": 330}[mode]
        if kind == "naive_dt" and mode in ("z", "micro-z", "east"):
            # plain `datetime` fields accept naive values: that is their canonical form.
            return (base.replace(microsecond=micros)).isoformat()
        local = base + dt.timedelta(minutes=offset)
        text = local.replace(microsecond=micros).isoformat()
        if offset == 0:
            return text + "Z"
        sign = "+" if offset > 0 else "-"
        return f"{text}{sign}{abs(offset) // 60:02d}:{abs(offset) % 60:02d}"

    def uid(self, name, i):
        n = (zlib.crc32(name.encode()) << 16) | ((self.salt & 0xFF) << 8) | (i & 0xFF)
        return str(uuid.UUID(int=(0x01970000_0000_7000_8000_000000000000 | n)))

    def enum_value(self, model, name, values, i, enum_name=None):
        start = values.index(ENUM_PREFERRED[enum_name]) if enum_name in ENUM_PREFERRED else 0
        v = values[(start + self.p.enum_offset + i) % len(values)]
        self.enum_seen.append((model.__name__ if model else "", name, v))
        return v

    def json_value(self, name, i, as_dict):
        mode = self.p.json
        if mode == "edge":
            return copy.deepcopy(EDGE_JSON)
        if mode == "unicode":
            return dict(UNICODE_JSON) if as_dict else "ünïcödé ✓ 日本語 🚀"
        if mode == "empty":
            return {} if as_dict else ""
        if mode == "edge-list" and not as_dict:
            return copy.deepcopy(EDGE_JSON_LIST)
        if mode == "scalar" and not as_dict:
            return self.p.json_scalar
        hint = copy.deepcopy(JSON_HINTS.get(name, JSON_DEFAULT))
        if mode == "edge-list":
            hint = {"values": copy.deepcopy(EDGE_JSON_LIST), **(hint if isinstance(hint, dict) else {})}
        if i and isinstance(hint, dict):
            hint = {**hint, "item": i}
        return hint

    # -- structure -----------------------------------------------------------------------------

    def list_len(self, item_ann, meta):
        if self.p.minimal:
            n = 0
        elif self.p.list_len is not None:
            n = self.p.list_len
        else:
            n = max(2, variety(item_ann))
        return max(n, min_length(meta))

    def value(self, ann, path, model, name, i=0, default=None, force_tag=False, item=False):
        """JSON value for `ann`; `i` is the position in the enclosing list (varies the data),
        `item` says the value is itself a list/tuple element rather than a model field."""
        kind = kind_of(ann)
        base, meta = strip_annotated(ann)
        if kind == "union":
            args = typing.get_args(base)
            members = [a for a in args if a is not type(None)]
            if len(members) < len(args) and (self.p.minimal or (item and i % 2 == 1)) and not force_tag:
                # Optional values inside containers: null in minimal, and on every second item
                # elsewhere, so nulls inside arrays/tuples are exercised too.
                return None
            # A union carrying a discriminator needs the member's tag even when it has a default.
            tagged = force_tag or any(getattr(m, "discriminator", None) for m in meta)
            member = members[(self.p.union_offset + i) % len(members)]
            return self.value(member, path, model, name, i, default, force_tag=tagged, item=item)
        if kind == "none":
            return None
        if kind == "model":
            return self.model(base, path, force_tag=force_tag, i=i)
        if kind == "namedtuple":
            hints = typing.get_type_hints(base, include_extras=True)
            return [self.value(hints[f], path + (j,), None, f, i, item=True) for j, f in enumerate(base._fields)]
        if kind == "list":
            (elem,) = typing.get_args(base) or (Any,)
            if kind_of(elem) == "json" and not self.p.minimal and self.p.json == "real":
                # list[JsonValue]: mix every JSON type.
                return [self.json_value(name, 0, as_dict=True), "part-0001.parquet", 17, 2.5, None, True, []]
            n = self.list_len(elem, meta)
            if is_jsonish(elem):
                return [self.json_value(name, j, as_dict=kind_of(elem) != "json") for j in range(n)]
            return [self.value(elem, path + (j,), model, name, j, item=True) for j in range(n)]
        if kind == "set":
            (elem,) = typing.get_args(base)
            if self.p.ints is not None:
                return [self.p.ints]  # one element: a set cannot hold repeats
            n = self.list_len(elem, meta)
            # Small distinct ints iterate in sorted order in CPython, so the dump order is stable.
            return sorted({self.value(elem, path + (j,), model, name, j, item=True) for j in range(n)})
        if kind == "tuple":
            return [self.value(a, path + (j,), model, name, i, item=True) for j, a in enumerate(typing.get_args(base))]
        if kind == "dict":
            args = typing.get_args(base)
            vt = args[1] if args else Any
            if is_jsonish(vt):
                return self.json_value(name, i, as_dict=True)
            if kind_of(vt) == "str":
                if self.p.strings == "empty" or self.p.minimal:
                    return {}
                d = STRDICT_HINTS.get(name, {"k": "v"})
                if self.p.strings == "unicode":
                    return {k + UNICODE_SUFFIXES[0]: v + UNICODE_SUFFIXES[1] for k, v in d.items()}
                return dict(d)
            raise TypeError(f"dict value type {vt!r} not handled")
        if kind in ("json", "any"):
            return self.json_value(name, i, as_dict=False)
        if kind == "literal":
            values = literal_values(base)
            return self.enum_value(model, name, values, i) if len(values) > 1 else values[0]
        if kind == "enum":
            return self.enum_value(model, name, [m.value for m in base], i, base.__name__)
        if kind == "bool":
            if isinstance(default, bool):
                return default if self.p.minimal else not default
            return not self.p.minimal
        if kind == "int":
            return self.integer(name, i, default)
        if kind == "float":
            return self.p.floats if self.p.floats is not None else FLOAT_HINTS.get(name, 1.5) + i
        if kind == "str":
            v = self.text(model, name, i)
            if v == default and not self.p.minimal:
                v = STR_HINTS.get(name, [v, v + "_alt"])[-1]
            return v
        if kind == "path":
            # Path("") dumps as ".", a lax case proposed separately; keep generated paths real.
            return self.text(model, name, i) or STR_HINTS.get(name, ["/tmp"])[0]
        if kind in ("aware_dt", "utc_dt", "naive_dt"):
            return self.timestamp(name, kind, i)
        if kind == "timedelta":
            return self.p.td
        if kind == "uuid":
            return self.uid(name, i)
        raise TypeError(kind)

    def model(self, cls, path=(), force_tag=False, i=0):
        self.models.append(ModelSite(path, cls))
        out = {}
        end_event = issubclass(cls, ENV.BaseTaskEndEvent)
        for name, f in cls.model_fields.items():
            key = f.alias or name
            ann = f.rebuild_annotation()
            base, meta = strip_annotated(ann)
            members = [a for a in typing.get_args(base) if a is not type(None)] if is_union(base) else [base]
            nullable = is_union(base) and len(members) < len(typing.get_args(base))
            required = f.is_required()
            self.sites.append(Site(path + (key,), cls, name, key, ann,
                                   kind_of(members[0]) if len(members) == 1 else "union",
                                   tuple(kind_of(m) for m in members), required, nullable, list(f.metadata)))
            if end_event:
                # Task-end events serialise only these two keys, and their constructor refuses a
                # payload; the state is fixed by the class (it is the union's discriminator).
                if name == "payload":
                    continue
                if name == "task_instance_state":
                    out[key] = f.default.value
                    continue
            if name == "type" and len(literal_values(ann)) == 1:
                if force_tag or not self.p.minimal:
                    out[key] = literal_values(ann)[0]
                continue
            # TriggerEvent's own __init__ needs a positional payload, even though it defaults.
            keep = required or (cls is ENV.TriggerEvent and name == "payload")
            if self.p.minimal and not keep:
                continue
            if self.p.minimal and nullable:
                out[key] = None
                continue
            out[key] = self.value(ann, path + (key,), cls, name, i,
                                  None if required else f.get_default(call_default_factory=True))
        return out


# ---------------------------------------------------------------------------------------------
# Comparing an input with pydantic's dump, to classify accepted inputs
# ---------------------------------------------------------------------------------------------

RFC3339 = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:\d{2})?$")
DURATION = re.compile(r"^(-)?P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$")
DURATION_ANY = re.compile(r"^(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+(?:\.\d+)?)D)?"
                          r"(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def parse_rfc3339(s):
    m = RFC3339.match(s)
    if not m:
        return None
    y, mo, d, h, mi, se, frac, tz = m.groups()
    t = dt.datetime(int(y), int(mo), int(d), int(h), int(mi), int(se), int((frac or "0").ljust(6, "0")))
    if tz is None:
        return ("naive", t)
    off = 0 if tz == "Z" else (1 if tz[0] == "+" else -1) * (int(tz[1:3]) * 60 + int(tz[4:6]))
    return ("aware", t - dt.timedelta(minutes=off))


def parse_duration(s, rx):
    m = rx.match(s)
    if not m or s in ("P", "PT", "-P") or s.endswith("T"):
        return None
    g = m.groups()
    neg, rest = g[0], g[1:]
    if rx is DURATION:
        units = [86400, 3600, 60, 1]
    else:
        units = [365 * 86400, 30 * 86400, 7 * 86400, 86400, 3600, 60, 1]
    total = sum(Decimal(v) * u for v, u in zip(rest, units) if v)
    return -total if neg else total


def differences(inp, exp, out: set) -> None:
    if isinstance(inp, dict) and isinstance(exp, dict):
        for k in inp:
            if k not in exp:
                out.add("dropped-key")  # ignored extra key, or a field excluded from dumps
            else:
                differences(inp[k], exp[k], out)
        if any(k not in inp for k in exp):
            out.add("filled-default")
        return
    if isinstance(inp, list) and isinstance(exp, list):
        inner: set = set()
        if len(inp) == len(exp):
            for x, y in zip(inp, exp):
                differences(x, y, inner)
        if (len(inp) != len(exp) or "coerced" in inner) and \
                sorted(set(map(dumps, inp))) == sorted(map(dumps, exp)) and len(set(map(dumps, exp))) == len(exp):
            out.add("set-normalized")  # a `set` field: duplicates dropped, Python's order
            return
        out.update(inner if len(inp) == len(exp) else {"coerced"})
        return
    if json_equal(inp, exp):
        return
    if isinstance(inp, str) and isinstance(exp, str):
        a, b = parse_rfc3339(inp), parse_rfc3339(exp)
        if a and b and a == b:
            out.add("datetime-normalized")  # same instant, other offset or precision spelling
            return
        a, b = parse_duration(inp, DURATION), parse_duration(exp, DURATION_ANY)
        if a is not None and a == b:
            out.add("duration-normalized")
            return
    out.add("coerced")


def classify(inp, exp) -> tuple[str, list]:
    diffs: set = set()
    differences(inp, exp, diffs)
    if not diffs:
        return "canonical", []
    if "coerced" in diffs:
        return "lax", sorted(diffs)
    return "defaults", sorted(diffs)


# ---------------------------------------------------------------------------------------------
# Path helpers for mutations
# ---------------------------------------------------------------------------------------------

def path_slug(path):
    return ".".join(str(p) for p in path)


def reverse_keys(value):
    return {k: value[k] for k in reversed(list(value))}


# ---------------------------------------------------------------------------------------------
# Per-type case proposals
# ---------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Proposal:
    slug: str
    text: str
    intent: str  # canonical | defaults | lax | reject | observed (take whatever pydantic does)
    force_form: str | None = None
    coercion: str | None = None  # label of the lax conversion, for lax accepts


# Wrong-type replacements by field kind, with the JSON type each one has.
WRONG = {
    "str": [("int-for-string", 42), ("object-for-string", {"k": "v"}), ("array-for-string", ["x"]), ("bool-for-string", True),
            ("float-for-string", 1.5), ("big-int-for-string", 2**64)],
    "int": [("string-for-int", "abc"), ("fraction-for-int", 1.5), ("object-for-int", {}), ("array-for-int", [1]),
            ("fraction-string-for-int", "1.5"), ("empty-string-for-int", "")],
    "float": [("string-for-float", "abc"), ("array-for-float", [1.0])],
    "bool": [("string-for-bool", "maybe"), ("int-2-for-bool", 2), ("object-for-bool", {}), ("array-for-bool", [True]),
             ("empty-string-for-bool", "")],
    "aware_dt": [("garbage-datetime", "not-a-date"), ("bad-month", "2026-13-01T00:00:00Z"), ("object-for-datetime", {})],
    "naive_dt": [("garbage-datetime", "yesterday"), ("array-for-datetime", [])],
    "timedelta": [("garbage-duration", "P1X"), ("object-for-duration", {})],
    "uuid": [("garbage-uuid", "not-a-uuid"), ("short-uuid", "0123456789abcdef"),
             ("bad-char-uuid", "01234567-89ab-cdef-0123-456789abcdeg"), ("int-for-uuid", 12345)],
    "path": [("int-for-path", 42)],
    "enum": [("bogus-enum", "bogus_value"), ("int-for-enum", 1), ("empty-string-for-enum", "")],
    "literal": [("bogus-literal", "Bogus"), ("int-for-literal", 1)],
    "list": [("object-for-array", {}), ("string-for-array", "x")],
    "set": [("object-for-array", {}), ("string-for-array", "x")],
    "tuple": [("string-for-tuple", "x"), ("object-for-tuple", {})],
    "namedtuple": [("string-for-tuple", "x"), ("int-for-tuple", 3)],
    "dict": [("array-for-object", []), ("string-for-object", "x")],
    "model": [("array-for-object", ["x"]), ("string-for-object", "x")],
}
WRONG["utc_dt"] = WRONG["aware_dt"]
# For fields typed as a union of several shapes, only JSON types no member takes (filtered below).
WRONG["union"] = [("int-for-union", 42), ("bool-for-union", True), ("array-for-union", ["x"]),
                  ("object-for-union", {"k": 1}), ("string-for-union", "x")]

# Which JSON types each kind may accept (lax mode), so a wrong value for one member of a union is
# not proposed when another member would take it.
ACCEPTS = {
    "str": {"string"}, "int": {"int", "float", "string", "bool"}, "float": {"int", "float", "string", "bool"},
    "bool": {"bool", "int", "string"}, "aware_dt": {"string", "int", "float"}, "utc_dt": {"string", "int", "float"},
    "naive_dt": {"string", "int", "float"}, "timedelta": {"string", "int", "float"}, "uuid": {"string"},
    "path": {"string"}, "enum": {"string"}, "literal": {"string"}, "list": {"array"}, "set": {"array"},
    "tuple": {"array"}, "namedtuple": {"array", "object"}, "dict": {"object"}, "model": {"object"},
    "json": {"string", "int", "float", "bool", "array", "object", "null"},
    "any": {"string", "int", "float", "bool", "array", "object", "null"}, "none": {"null"},
}


def json_type(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    return {int: "int", float: "float", str: "string", list: "array", dict: "object"}[type(v)]


def plausible_wrong(site: Site, v) -> bool:
    """False when another member of the field's union would accept this JSON type."""
    return all(json_type(v) not in ACCEPTS[k] for k in site.member_kinds if k != site.kind)


def lax_variants(site: Site, value):
    """Non-canonical spellings that pydantic's lax mode converts (the Rust side may refuse them).

    Each is (label, replacement); the label is recorded as the case's `coercion`, so the Rust side
    can document, per label, which conversions it declines.
    """
    k = site.kind
    out = []
    if k == "int" and isinstance(value, int) and not isinstance(value, bool):
        out.append(("int-from-string", str(value)))
        if abs(value) < 2**53:
            out.append(("int-from-float", float(value)))
        if value == 1:
            out.append(("int-from-bool", True))
    elif k == "float" and isinstance(value, float):
        if value.is_integer() and abs(value) < 2**53:
            out.append(("float-from-int", int(value)))
        out.append(("float-from-string", repr(value)))
    elif k == "bool" and isinstance(value, bool):
        out.append(("bool-from-string", "true" if value else "false"))
        out.append(("bool-from-int", int(value)))
    elif k == "uuid" and isinstance(value, str):
        out.append(("uuid-32-hex", value.replace("-", "")))
        out.append(("uuid-uppercase", value.upper()))
        out.append(("uuid-urn-prefix", "urn:uuid:" + value))
    elif k in ("aware_dt", "utc_dt", "naive_dt") and isinstance(value, str):
        parsed = parse_rfc3339(value)
        if parsed and parsed[0] == "aware" and parsed[1].microsecond == 0:
            secs = int((parsed[1] - dt.datetime(1970, 1, 1)).total_seconds())
            out.append(("datetime-from-unix-seconds", secs))
            out.append(("datetime-from-unix-seconds-string", str(secs)))
        out.append(("datetime-space-separator", value.replace("T", " ", 1)))
        if parsed and parsed[0] == "aware":
            out.append(("datetime-nanoseconds-truncated", re.sub(r"(:\d{2})(\.\d+)?(Z|[+-])", r"\1.123456789\3", value, count=1)))
        if k == "naive_dt":
            out.append(("datetime-date-only", value[:10]))
    elif k == "timedelta" and isinstance(value, str):
        secs = parse_duration(value, DURATION_ANY)
        if secs is not None:
            out.append(("duration-from-seconds", int(secs) if secs == int(secs) else float(secs)))
            out.append(("duration-clock-string", "01:00:00"))
    elif k == "path" and isinstance(value, str):
        out.append(("path-empty-string", ""))  # pydantic turns Path("") into "."
    return out


class TypeCases:
    """All proposals for one message class, built once and reused by every channel holding it."""

    def __init__(self, cls):
        self.cls = cls
        self.tag = tag_of(cls)
        self.adapter = ENV.TypeAdapter(cls)
        self.proposals: list[Proposal] = []
        self.seen_text: set[str] = set()
        self.canonical: dict[str, Any] = {}  # profile name -> canonical value
        self.gens: dict[str, Gen] = {}
        self.instances: list[Any] = []
        self.enum_seen: list = []
        self.build()

    def add(self, slug, value, intent, force_form=None, raw=False, qualifier=None, coercion=None):
        text = value if raw else dumps(value)
        if text in self.seen_text:
            return
        if qualifier and any(p.slug == slug for p in self.proposals):
            slug = f"{slug}-in-{qualifier}"  # trimmed lists can make two paths look alike
        assert all(p.slug != slug for p in self.proposals), (self.tag, slug)
        self.seen_text.add(text)
        self.proposals.append(Proposal(slug, text, intent, force_form, coercion))

    def canon(self, candidate):
        """Build the model from the candidate and dump it the way the corpus defines canonical."""
        try:
            inst = self.adapter.validate_json(dumps(candidate))
        except ENV.ValidationError as e:
            raise SystemExit(f"generator produced an invalid {self.tag}: {dumps(candidate)}\n{e}") from None
        value = self.adapter.dump_python(inst, mode="json", by_alias=True)
        again = self.adapter.dump_python(self.adapter.validate_json(dumps(value)), mode="json", by_alias=True)
        if not json_equal(value, again):
            raise SystemExit(f"{self.tag}: dump is not a fixed point: {dumps(value)} -> {dumps(again)}")
        self.instances.append(inst)
        return value

    def build(self):
        salt = zlib.crc32(self.tag.encode())
        for p in PROFILES:
            self.generate(p, salt)
        # Extra profiles until every enum/Literal value has appeared in some accepted case.
        for k in range(1, 16):
            missing = self.enum_missing()
            if not missing:
                break
            p = dataclasses.replace(FULL, name=f"enum-variant-{k}", enum_offset=k)
            g = Gen(p, salt)
            g.model(self.cls, force_tag=True)
            if {e for e in g.enum_seen} & missing:
                self.generate(p, salt)
        self.derived()
        self.lax()
        self.rejects()

    def enum_missing(self):
        allowed = set()
        for g in self.gens.values():
            for s in g.sites:
                if s.name == "type" or (issubclass(s.model, ENV.BaseTaskEndEvent) and s.name == "task_instance_state"):
                    continue
                base = strip_annotated(s.ann)[0]
                for m in (typing.get_args(base) if is_union(base) else [base]):
                    k = kind_of(m)
                    if k == "enum":
                        allowed |= {(s.model.__name__, s.name, e.value) for e in strip_annotated(m)[0]}
                    elif k == "literal" and len(literal_values(m)) > 1:
                        allowed |= {(s.model.__name__, s.name, v) for v in literal_values(m)}
        return allowed - set(self.enum_seen)

    def generate(self, p: Profile, salt: int):
        g = Gen(p, salt)
        candidate = g.model(self.cls, force_tag=True)
        value = self.canon(candidate)
        self.gens[p.name] = g
        self.canonical[p.name] = value
        n = len(self.proposals)
        self.add(p.name, value, "canonical")
        if len(self.proposals) > n:
            self.enum_seen.extend(g.enum_seen)
        if p.minimal:
            self.add("minimal-omitted-optionals", candidate, "defaults")
        if not json_equal(candidate, value):
            # The generator's own spelling differs from pydantic's dump (UTC conversion, set
            # order, excluded fields...): keep it, pydantic decides how it is classified.
            self.add(p.name + "-as-generated", candidate, "observed")

    def derived(self):
        full = self.canonical["full"]
        self.add("full-keys-reversed", reverse_keys(full), "canonical")
        self.add("unicode-pretty-ascii-escaped",
                 json.dumps(self.canonical["unicode"], indent=2, ensure_ascii=True), "canonical", raw=True)
        # Every kind of insignificant whitespace JSON allows between tokens.
        self.add("full-json-whitespace",
                 json.dumps(full, indent="\t", separators=(" ,\r\n", " : "), ensure_ascii=False), "canonical", raw=True)
        g = self.gens["full"]
        strs = [s for s in g.sites if s.kind == "str" and isinstance(get_at(full, s.path), str)]
        if strs:
            s = strs[0]
            long = (get_at(full, s.path) + " ") * (4096 // (len(get_at(full, s.path)) + 1) + 1) + "✓"
            self.add(f"long-string-{path_slug(s.path)}", with_at(full, s.path, long), "canonical")
        # Unknown keys where the model ignores them (top level and nested).
        ignore = [m for m in g.models if m.model.model_config.get("extra") != "forbid"
                  and get_at(full, m.path) is not MISSING]
        if ignore:
            v = copy.deepcopy(full)
            for m in ignore:
                target = get_at(v, m.path)
                target["x_future_field"] = {"added_in": "3.4", "nested": [1, "two", None]}
                target["x_flag"] = True
            self.add("unknown-keys-ignored", v, "defaults")
        # +00:00 instead of Z, and the msgspec duration spelling: both mean the same thing.
        dts = [s for s in g.sites if s.kind in ("aware_dt", "utc_dt") and isinstance(get_at(full, s.path), str)
               and get_at(full, s.path).endswith("Z")]
        if dts:
            v = full
            for s in dts:
                v = with_at(v, s.path, get_at(full, s.path)[:-1] + "+00:00")
            self.add("utc-as-plus-00-00", v, "defaults")
            s = dts[0]
            v = with_at(full, s.path, get_at(full, s.path).replace("Z", ".5Z"))
            self.add(f"short-fraction-{path_slug(s.path)}", v, "observed")
        tds = [s for s in g.sites if s.kind == "timedelta" and isinstance(get_at(full, s.path), str)]
        for s in tds[:1]:
            secs = parse_duration(get_at(full, s.path), DURATION_ANY)
            self.add(f"duration-msgspec-seconds-{s.key}", with_at(full, s.path, f"PT{int(secs)}S"), "defaults")
            self.add(f"duration-days-{s.key}", with_at(full, s.path, "P2DT10800S"), "defaults")
        sets = [s for s in g.sites if s.kind == "set"]
        for s in sets[:1]:
            self.add(f"set-unsorted-duplicates-{s.key}", with_at(full, s.path, [5, 1, 3, 1]), "defaults")
        # Duplicate key: JSON leaves this undefined; pydantic keeps the last value.
        others = [c for c in (self.canonical["unicode"], self.canonical["minimal"])]
        keys = [k for k in full if k != "type"]
        keys = [k for k in keys if any(k in c and not json_equal(c[k], full[k]) for c in others)] or keys
        if keys:
            k = keys[0]
            earlier = next((c[k] for c in others if k in c and not json_equal(c[k], full[k])), None)
            text = "{" + dumps({k: earlier})[1:-1] + "," + dumps(full)[1:]
            self.add(f"duplicate-key-last-wins-{k}", text, "observed", force_form="lax", raw=True,
                     coercion="duplicate-key-last-wins")

    # -- mutations -----------------------------------------------------------------------------

    def base_for(self, path, need_value):
        """Smallest valid message holding `path`, and the path inside it.

        Mutations are applied to the minimal canonical message when it has the field, otherwise to
        the full one with every list on the way trimmed to the one item on the path, so a reject
        differs from a valid message in exactly one place without repeating large nested data.
        """
        mini = self.canonical["minimal"]
        v = get_at(mini, path)
        if v is not MISSING and (v is not None or not need_value):
            return copy.deepcopy(mini), tuple(path)
        sites = {s.path: s for s in self.gens["full"].sites}
        value = copy.deepcopy(self.canonical["full"])
        new = list(path)
        for k, part in enumerate(path):
            site = sites.get(tuple(path[:k]))
            container = get_at(value, tuple(new[:k]))
            if isinstance(part, int) and site and isinstance(container, list) \
                    and (site.kind in ("list", "set") or "list" in site.member_kinds):
                container[:] = [container[part]]
                new[k] = 0
        return value, tuple(new)

    def mutate(self, slug, path, op, intent="reject", need_value=False, qualifier=None, coercion=None):
        """Apply op(message, path, old_value) -> message|None to the right base, and propose it."""
        if qualifier is None:
            g = self.gens["full"]
            qualifier = next((m.model.__name__ for m in g.models if m.path == tuple(path)),
                             next((x.model.__name__ for x in g.sites if x.path == tuple(path)), None))
        base, p = self.base_for(path, need_value)
        old = get_at(base, p)
        if old is MISSING or (need_value and old is None):
            return
        out = op(base, p, old)
        if out is not None:
            self.add(f"{slug}-{path_slug(p) or 'top'}", out, intent, qualifier=qualifier, coercion=coercion)

    def present_sites(self):
        """First occurrence of every (model, field) in the full message, shallowest first."""
        full = self.canonical["full"]
        unique: dict = {}
        for s in sorted(self.gens["full"].sites, key=lambda s: len(s.path)):
            if get_at(full, s.path) is MISSING or (s.name == "type" and len(s.path) == 1):
                continue
            unique.setdefault((s.model, s.name), s)
        return list(unique.values())

    def lax(self):
        seen_kinds = set()
        for s in self.present_sites():
            value = get_at(self.base_for(s.path, True)[0], self.base_for(s.path, True)[1])
            if value is MISSING or value is None or s.kind in seen_kinds:
                continue
            variants = lax_variants(s, value)
            if variants:
                seen_kinds.add(s.kind)
            for slug, new in variants:
                self.mutate(slug, s.path, lambda m, p, old, new=new: with_at(m, p, new), "lax", True, coercion=slug)
        for s in self.present_sites():
            item = list_item(s.ann)
            if item is None:
                continue
            ik = kind_of(item)
            if ik == "namedtuple":
                # NamedTuple entries (trigger events) also validate from an object of named fields.
                names = strip_annotated(item)[0]._fields
                self.mutate("namedtuple-from-object", s.path + (0,),
                            lambda m, p, old: with_at(m, p, dict(zip(names, old))), "lax", True,
                            coercion="namedtuple-from-object")
                self.mutate("namedtuple-from-object-reordered", s.path + (0,),
                            lambda m, p, old: with_at(m, p, dict(reversed(list(zip(names, old))))),
                            "lax", True, coercion="namedtuple-from-object")
            if ik in ("tuple", "union"):
                value = get_at(self.canonical["full"], s.path)
                pairs = [j for j, e in enumerate(value or []) if isinstance(e, list) and len(e) == 2
                         and isinstance(e[1], int) and not isinstance(e[1], bool)]
                if pairs:
                    self.mutate("tuple-int-from-string", s.path + (pairs[0],),
                                lambda m, p, old: with_at(m, p, [old[0], str(old[1])]), "lax", True,
                                coercion="int-from-string")

    def rejects(self):
        present = self.present_sites()
        first_required = {}
        first_not_null = {}
        for s in present:
            if s.required:
                first_required.setdefault(s.model, s)
                if not s.nullable and s.kind not in ("json", "any", "union"):
                    first_not_null.setdefault(s.model, s)

        # Missing required fields: every top-level one, the first of each nested model.
        for s in present:
            if s.required and (len(s.path) == 1 or first_required[s.model] is s):
                self.mutate("missing", s.path, lambda m, p, old: without_at(m, p))
        # Null where null is not allowed.
        for s in present:
            if s.required and not s.nullable and s.kind not in ("json", "any", "union") and (
                    len(s.path) == 1 or first_not_null[s.model] is s):
                self.mutate("null", s.path, lambda m, p, old: with_at(m, p, None))
        # null is not "use the default": optional fields that are not nullable refuse it.
        for s in present:
            if not s.required and not s.nullable and s.kind not in ("json", "any", "union", "literal"):
                self.mutate("null-for-defaulted", s.path, lambda m, p, old: with_at(m, p, None),
                            need_value=True)
        # Wrong JSON types: every variant for the first field of each kind, one for every other
        # top-level field and for nested fields of the trickier kinds.
        done_kinds = set()
        for s in present:
            variants = [(slug, v) for slug, v in WRONG.get(s.kind, []) if plausible_wrong(s, v)]
            if s.kind not in done_kinds:
                done_kinds.add(s.kind)
                chosen = variants
            elif len(s.path) == 1 or s.kind in ("enum", "literal", "aware_dt", "utc_dt", "uuid"):
                chosen = variants[:1]
            else:
                chosen = []
            for slug, v in chosen:
                self.mutate(slug, s.path, lambda m, p, old, v=v: with_at(m, p, v))
        # Naive datetimes where an aware one is required, and enum values in the wrong case.
        for s in present:
            if s.kind in ("aware_dt", "utc_dt"):
                self.mutate("naive-datetime", s.path, lambda m, p, old: isinstance(old, str) and with_at(
                    m, p, re.sub(r"(Z|[+-]\d{2}:\d{2})$", "", old)) or None, need_value=True)
            if s.kind in ("enum", "literal"):
                self.mutate("uppercase-enum", s.path, lambda m, p, old: isinstance(old, str) and old.upper() != old
                            and with_at(m, p, old.upper()) or None, need_value=True)
                self.mutate("lowercase-enum", s.path, lambda m, p, old: isinstance(old, str) and old.lower() != old
                            and with_at(m, p, old.lower()) or None, need_value=True)
        # Unknown keys on every model that forbids them.
        done = set()
        for ms in self.gens["full"].models:
            if ms.model.model_config.get("extra") == "forbid" and ms.model not in done \
                    and get_at(self.canonical["full"], ms.path) is not MISSING:
                done.add(ms.model)
                self.mutate("extra-forbidden", ms.path, lambda m, p, old: (
                    get_at(m, p).__setitem__("unexpected_field", 1), m)[1], need_value=True)
        # Maps of strings refuse other value types.
        for s in present:
            base = strip_annotated(s.ann)[0]
            maps = [m for m in (typing.get_args(base) if is_union(base) else [base]) if kind_of(m) == "dict"]
            if maps and all(len(typing.get_args(m)) == 2 and kind_of(typing.get_args(m)[1]) == "str" for m in maps):
                self.mutate("int-value-in-string-map", s.path, lambda m, p, old: with_at(m, p, {"etl/a.py": 1}))
        # min_length constraints.
        for s in present:
            if min_length(s.meta):
                self.mutate("too-short", s.path, lambda m, p, old: with_at(m, p, []))
        # Aliased fields must be sent under the alias, not the Python attribute name.
        for s in present:
            if s.key != s.name:
                def rename(m, p, old, name=s.name):
                    parent = get_at(m, p[:-1])
                    parent[name] = parent.pop(p[-1])
                    return m
                self.mutate("python-name-instead-of-alias", s.path, rename)

                # Both names at once: which one counts (with populate_by_name, the alias), and
                # whether the other one's value is looked at, in either order.
                def both(m, p, old, name=s.name, other="other", first=False):
                    parent = get_at(m, p[:-1])
                    items = list(parent.items())
                    parent.clear()
                    for key, value in items:
                        if key == p[-1] and first:
                            parent[name] = other
                        parent[key] = value
                        if key == p[-1] and not first:
                            parent[name] = other
                    return m
                self.mutate("alias-then-python-name", s.path, both, intent="observed")
                self.mutate("python-name-then-alias", s.path,
                            lambda m, p, old, f=both: f(m, p, old, first=True), intent="observed")
                self.mutate("invalid-python-name-then-alias", s.path,
                            lambda m, p, old, f=both: f(m, p, old, other=5, first=True), intent="observed")
        # Structural cases for tuples and nested discriminated unions.
        for s in present:
            item = list_item(s.ann)
            value = get_at(self.canonical["full"], s.path)
            if item is None or not isinstance(value, list) or not value:
                continue
            ik = kind_of(item)
            first_tuple = next((j for j, e in enumerate(value) if isinstance(e, list)), None)
            if ik == "namedtuple":
                t = s.path + (0,)
                self.mutate("tuple-too-short", t, lambda m, p, old: with_at(m, p, old[:-1]))
                self.mutate("tuple-too-long", t, lambda m, p, old: with_at(m, p, old + [1]))
                e = s.path + (0, 1)
                self.mutate("event-unknown-state", e, lambda m, p, old: with_at(
                    m, p, {"task_instance_state": "running", "xcoms": None}))
                self.mutate("event-empty-object", e, lambda m, p, old: with_at(m, p, {}))
                self.mutate("event-end-with-payload", e, lambda m, p, old: with_at(
                    m, p, {"task_instance_state": "skipped", "xcoms": None, "payload": "x"}))
                self.mutate("event-array", e, lambda m, p, old: with_at(m, p, ["payload"]))
            elif ik == "union":
                ub, umeta = strip_annotated(item)
                inner = [m for m in typing.get_args(ub) if m is not type(None)]
                if any(kind_of(m) == "tuple" for m in inner) and first_tuple is not None:
                    t = s.path + (first_tuple,)
                    self.mutate("tuple-too-long", t, lambda m, p, old: with_at(m, p, old + [1]))
                    self.mutate("tuple-too-short", t, lambda m, p, old: with_at(m, p, old[:1]))
                    self.mutate("tuple-swapped", t, lambda m, p, old: with_at(m, p, old[::-1]))
                if any(getattr(m, "discriminator", None) for m in umeta) and isinstance(value[0], dict):
                    t = s.path + (0, "type")
                    self.mutate("unknown-nested-tag", t, lambda m, p, old: with_at(m, p, "NoSuchCallbackRequest"))
                    self.mutate("missing-nested-tag", t, lambda m, p, old: without_at(m, p))
            elif ik == "tuple" and first_tuple is not None:
                t = s.path + (first_tuple,)
                self.mutate("tuple-too-long", t, lambda m, p, old: with_at(m, p, old + [1]))
                self.mutate("tuple-wrong-element", t, lambda m, p, old: with_at(m, p, ["x", "y"]))


# ---------------------------------------------------------------------------------------------
# Running proposals through a channel's decoder
# ---------------------------------------------------------------------------------------------

def first_error(exc) -> dict:
    if isinstance(exc, ENV.ValidationError):
        err = exc.errors(include_url=False)[0]
        return {"type": err["type"], "loc": list(err["loc"]), "msg": err["msg"]}
    # Some models run their own __init__ during validation and raise plain Python errors; the
    # supervisor treats any exception as "unable to decode", so this is still a rejection.
    return {"type": f"python:{type(exc).__name__}", "loc": [], "msg": str(exc)}


def reject_kind(text: str, channel_tags: set, all_tags: set, error: dict) -> str:
    if error["type"] == "json_invalid":
        return "malformed"  # includes what Python's json accepts but pydantic's parser refuses
    try:
        value = json.loads(text, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    except ValueError:
        return "malformed"
    if not isinstance(value, dict):
        return "malformed"
    tag = value.get("type", MISSING)
    if not isinstance(tag, str) or tag not in all_tags:
        return "unknown_type"
    if tag not in channel_tags:
        return "not_permitted"
    return "invalid"


def run_case(adapter, case: str, prop: Proposal, channel_tags, all_tags, stats) -> dict:
    try:
        inst = adapter.validate_json(prop.text)
    except Exception as exc:  # noqa: BLE001 - any exception is a decode failure on the wire
        if prop.intent not in ("reject", "observed"):
            raise Surprise(f"{case}: expected {prop.intent}, pydantic rejected: {first_error(exc)}\n  {prop.text}")
        error = first_error(exc)
        return {"case": case, "input": prop.text, "verdict": "reject",
                "kind": reject_kind(prop.text, channel_tags, all_tags, error), "pydantic": error}
    expected = adapter.dump_python(inst, mode="json", by_alias=True)
    form, diffs = classify(json.loads(prop.text), expected)
    if prop.force_form:
        form = prop.force_form
    if prop.intent == "reject":
        stats["unexpected_accepts"].append(case)
    elif prop.intent in ("canonical", "defaults", "lax") and form != prop.intent:
        raise Surprise(f"{case}: meant as {prop.intent} but classified {form} {diffs}\n  in:  {prop.text}\n"
                       f"  out: {dumps(expected)}")
    record = {"case": case, "input": prop.text, "verdict": "accept", "form": form, "expected": expected}
    if form == "lax":
        if not prop.coercion:
            raise Surprise(f"{case}: accepted only through a lax conversion nobody labelled: {diffs}\n"
                           f"  in:  {prop.text}\n  out: {dumps(expected)}")
        record["coercion"] = prop.coercion
    return record


def channel_level(tags: list[str], all_tags: set, minimal_text: dict[str, str]) -> list[Proposal]:
    """Cases about the envelope rather than one type: broken JSON, bad or foreign tags."""
    t0 = tags[0]
    good = minimal_text[t0]
    ps = [
        Proposal("_channel/empty-input", "", "reject"),
        Proposal("_channel/whitespace-only", " \n", "reject"),
        Proposal("_channel/unterminated-object", "{", "reject"),
        Proposal("_channel/truncated-after-key", '{"type":', "reject"),
        Proposal("_channel/trailing-comma", good[:-1] + ",}", "reject"),
        Proposal("_channel/trailing-garbage", good + " x", "reject"),
        Proposal("_channel/two-objects", good + good, "reject"),
        Proposal("_channel/single-quotes", good.replace('"', "'"), "reject"),
        Proposal("_channel/utf8-bom-prefix", "\ufeff" + good, "reject"),
        Proposal("_channel/lone-surrogate-escape", '{"type":"%s","x":"\\ud800"}' % t0, "reject"),
        Proposal("_channel/json-array", "[]", "reject"),
        Proposal("_channel/message-inside-array", "[" + good + "]", "reject"),
        Proposal("_channel/json-string", dumps(t0), "reject"),
        Proposal("_channel/json-number", "42", "reject"),
        Proposal("_channel/json-null", "null", "reject"),
        Proposal("_channel/json-true", "true", "reject"),
        Proposal("_channel/empty-object", "{}", "reject"),
        Proposal("_channel/missing-type", dumps({k: v for k, v in json.loads(good).items() if k != "type"}
                                               or {"conn_id": "postgres_default"}), "reject"),
        Proposal("_channel/type-int", '{"type":5}', "reject"),
        Proposal("_channel/type-null", '{"type":null}', "reject"),
        Proposal("_channel/type-bool", '{"type":true}', "reject"),
        Proposal("_channel/type-array", dumps({"type": [t0]}), "reject"),
        Proposal("_channel/type-object", dumps({"type": {"name": t0}}), "reject"),
        Proposal("_channel/type-empty-string", '{"type":""}', "reject"),
        Proposal("_channel/type-unknown", '{"type":"NoSuchMessage"}', "reject"),
        Proposal("_channel/type-lowercase", dumps({**json.loads(good), "type": t0.lower()}), "reject"),
        Proposal("_channel/type-padded", dumps({**json.loads(good), "type": " " + t0}), "reject"),
    ]
    # Class names that appear as nested `type` literals but are no union's tag.
    for name in ("RunTrigger", "DagCallbackRequest", "TaskInstance", "AssetProfile"):
        assert name not in all_tags
        ps.append(Proposal(f"_channel/type-nested-model-{name}", dumps({"type": name}), "reject"))
    for tag in sorted(all_tags - set(tags)):
        ps.append(Proposal(f"{tag}/not-permitted", minimal_text[tag], "reject"))
    return ps


# ---------------------------------------------------------------------------------------------
# Coverage checks: fail rather than ship a corpus with blind spots
# ---------------------------------------------------------------------------------------------

def walk_instances(obj, seen_fields: dict, seen_models: set):
    if isinstance(obj, ENV.BaseModel):
        cls = type(obj)
        seen_models.add(cls)
        for name, f in cls.model_fields.items():
            v = getattr(obj, name)
            default = None if f.is_required() else f.get_default(call_default_factory=True)
            if f.is_required() or v != default or type(v) is not type(default):
                seen_fields.setdefault(cls, set()).add(name)
            walk_instances(v, seen_fields, seen_models)
    elif isinstance(obj, dict):
        for v in obj.values():
            walk_instances(v, seen_fields, seen_models)
    elif isinstance(obj, (list, tuple, set, frozenset)):
        for v in obj:
            walk_instances(v, seen_fields, seen_models)


def check_field_coverage(types_: dict) -> list[str]:
    """Per message type: every reachable model instantiated, every field set to a non-default
    value, every enum/Literal value used, by the canonical accepts of that type alone."""
    problems = []
    for tc in types_.values():
        seen_fields: dict = {}
        seen_models: set = set()
        for inst in tc.instances:
            walk_instances(inst, seen_fields, seen_models)
        problems += [f"{tc.tag}: enum/literal value never used: {m}.{f}={v}" for m, f, v in sorted(tc.enum_missing())]
        for cls in reachable_models(tc.cls, {}):
            if cls not in seen_models:
                problems.append(f"{tc.tag}: model never instantiated: {cls.__module__}.{cls.__name__}")
                continue
            for name, f in cls.model_fields.items():
                fixed = kind_of(f.annotation) == "literal" and len(literal_values(f.annotation)) == 1
                if issubclass(cls, ENV.BaseTaskEndEvent) and name in ("payload", "task_instance_state"):
                    fixed = True  # not settable: see Gen.model
                if not fixed and name not in seen_fields.get(cls, set()):
                    problems.append(f"{tc.tag}: field never set to a non-default value: {cls.__name__}.{name}")
    return problems


# ---------------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    repo_root = pathlib.Path(__file__).resolve().parents[2]
    parser.add_argument("--out", type=pathlib.Path, default=repo_root / "tests" / "corpus")
    args = parser.parse_args()

    check_pins("generate_corpus")
    global ENV
    ENV = Env()

    channel_tags = {ch: [tag_of(m) for m in union_members(u)] for ch, u in ENV.unions.items()}
    classes: dict[str, type] = {}
    for ch, u in ENV.unions.items():
        for m in union_members(u):
            if classes.setdefault(tag_of(m), m) is not m:
                raise SystemExit(f"tag {tag_of(m)} names two different classes; corpus needs per-channel types")
    all_tags = set(classes)

    types_ = {tag: TypeCases(cls) for tag, cls in sorted(classes.items())}
    problems = check_field_coverage(types_)
    if problems:
        raise SystemExit("coverage gaps:\n  " + "\n  ".join(problems))
    minimal_text = {tag: dumps(tc.canonical["minimal"]) for tag, tc in types_.items()}

    args.out.mkdir(parents=True, exist_ok=True)
    import pydantic_core

    unions_doc = {
        "sdk_version": PINS["apache-airflow-task-sdk"],
        "core_version": PINS["apache-airflow-core"],
        "channels": channel_tags,
        "all_types": sorted(all_tags),
    }
    (args.out / "unions.json").write_text(json.dumps(unions_doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    summary: dict[str, Any] = {
        "generated_with": {
            "apache-airflow-task-sdk": importlib.metadata.version("apache-airflow-task-sdk"),
            "apache-airflow-core": importlib.metadata.version("apache-airflow-core"),
            "pydantic": importlib.metadata.version("pydantic"),
            "pydantic-core": pydantic_core.__version__,
        },
        "channels": {},
    }
    stats: dict = {"unexpected_accepts": []}
    for channel, union in ENV.unions.items():
        adapter = ENV.TypeAdapter(union)
        tags = channel_tags[channel]
        records = []
        for tag in tags:
            for prop in types_[tag].proposals:
                records.append(run_case(adapter, f"{tag}/{prop.slug}", prop, set(tags), all_tags, stats))
        for prop in channel_level(tags, all_tags, minimal_text):
            records.append(run_case(adapter, prop.slug, prop, set(tags), all_tags, stats))
        names = [r["case"] for r in records]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise SystemExit(f"{channel}: duplicate case names {dup}")
        # U+2028/U+2029 are legal raw in JSON strings but are line breaks to str.splitlines() and
        # some editors; escaping them keeps one case per physical line without changing values.
        lines = [dumps_line(r) for r in records]
        for line in lines:
            if re.search(r"0x[0-9a-f]{8,}", line):
                raise SystemExit(f"{channel}: a memory address leaked into the corpus: {line[:200]}")
        (args.out / f"{channel}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")

        counts = {"types": len(tags), "cases": len(records),
                  "accept": {"canonical": 0, "defaults": 0, "lax": 0},
                  "reject": {"malformed": 0, "unknown_type": 0, "not_permitted": 0, "invalid": 0}}
        for r in records:
            if r["verdict"] == "accept":
                counts["accept"][r["form"]] += 1
            else:
                counts["reject"][r["kind"]] += 1
        summary["channels"][channel] = counts
    totals = {"cases": 0, "accept": {}, "reject": {}}
    for c in summary["channels"].values():
        totals["cases"] += c["cases"]
        for verdict in ("accept", "reject"):
            for k, n in c[verdict].items():
                totals[verdict][k] = totals[verdict].get(k, 0) + n
    summary["totals"] = totals
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")

    if stats["unexpected_accepts"]:
        print(f"note: {len(stats['unexpected_accepts'])} proposed rejects were accepted by pydantic "
              "(recorded as accepts):", file=sys.stderr)
        for c in sorted(set(stats["unexpected_accepts"])):
            print("   ", c, file=sys.stderr)
    for channel, c in summary["channels"].items():
        print(f"{channel:18} {c['cases']:5} cases  accept {c['accept']}  reject {c['reject']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    exit_on_surprise("generate_corpus", main)
