"""Helpers shared by the scripts under tools/: the pinned versions, the channel table, the corpus
files, strict JSON comparison and paths into JSON trees.

A plain module with no packages beyond the standard library at import time, so that the
scripts that run on a bare python3 (tools/fuzz/seed_corpus.py) can use it too; the Airflow
modules are imported only by the functions that need them. A script imports it with its own
folder's parent on sys.path::

    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
    import common
"""

from __future__ import annotations

import copy
import importlib
import importlib.metadata
import json
import pathlib
import sys
from typing import Any, NamedTuple

REPO = pathlib.Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "corpus"
FRAMES = CORPUS / "frames"
DATA = REPO / "tests" / "data"

# The Airflow distributions every checked-in file is generated from.
PINS = {"apache-airflow-task-sdk": "1.3.2", "apache-airflow-core": "3.3.2"}


class Channel(NamedTuple):
    """One channel: its name (the corpus file name and the crate's `ChannelName`), where
    Airflow defines the union of what travels on it, and the crate's schema name for it."""

    name: str
    module: str
    union: str
    schema: str


# In the order of the crate's `ChannelName::ALL`: fuzz selectors are indexes into it.
CHANNELS = [
    Channel("task", "airflow.sdk.execution_time.comms", "ToSupervisor", "TaskToSupervisor"),
    Channel("callback", "airflow.sdk.execution_time.callback_supervisor", "CallbackToSupervisor",
            "CallbackToSupervisor"),
    Channel("trigger", "airflow.jobs.triggerer_job_runner", "ToTriggerSupervisor", "TriggerToSupervisor"),
    Channel("dag-processor", "airflow.dag_processing.processor", "ToManager", "DagProcessorToManager"),
    Channel("to-task", "airflow.sdk.execution_time.comms", "ToTask", "ToTask"),
    Channel("to-trigger-runner", "airflow.jobs.triggerer_job_runner", "ToTriggerRunner", "ToTriggerRunner"),
    Channel("to-dag-processor", "airflow.dag_processing.processor", "ToDagProcessor", "ToDagProcessor"),
]
CHANNEL_NAMES = [c.name for c in CHANNELS]
# Child -> supervisor channels (requests), then supervisor -> child channels (replies).
REQUEST_CHANNELS = tuple(CHANNEL_NAMES[:4])
REPLY_CHANNELS = tuple(CHANNEL_NAMES[4:])
# The channel that carries the replies to each request channel.
REPLIES_TO = {"task": "to-task", "callback": "to-task", "trigger": "to-trigger-runner",
              "dag-processor": "to-dag-processor"}
_BY_NAME = {c.name: c for c in CHANNELS}


def channel(name: str) -> Channel:
    """The channel called `name`; a KeyError names an unknown one."""
    return _BY_NAME[name]


def load_union(name: str) -> Any:
    """Airflow's union of the messages on channel `name` (imports Airflow)."""
    ch = _BY_NAME[name]
    return getattr(importlib.import_module(ch.module), ch.union)


def check_pins(prog: str, extra: dict[str, str] | None = None) -> None:
    """Stop the script unless the pinned versions (plus `extra`) are what is installed: what it
    writes or checks is only valid for them."""
    bad = []
    for dist, want in {**PINS, **(extra or {})}.items():
        try:
            have = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            have = None
        if have != want:
            bad.append(f"{dist}: need {want}, found {have}")
    if bad:
        sys.exit(f"{prog}: wrong package versions installed:\n  " + "\n  ".join(bad))


class Surprise(Exception):
    """Airflow did something the script's model of the protocol does not expect: the script,
    not Airflow, is wrong, and the run stops."""


def exit_on_surprise(prog: str, main) -> None:
    """Run `main()` and exit with its status; a Surprise ends the run with its message."""
    try:
        sys.exit(main())
    except Surprise as exc:
        sys.exit(f"{prog}: {exc}")


class QuietLog:
    """A logger that drops everything: for SDK decoders that log a traceback on a body that
    fails to validate, where the script records the failure itself."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


# ---------------------------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------------------------

def dumps(value: Any) -> str:
    """Compact JSON, non-ASCII characters as they are."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def dumps_line(value: Any) -> str:
    """`dumps`, with U+2028/U+2029 escaped: legal raw in JSON, but line breaks to
    str.splitlines(), so escaping them keeps one record on one line."""
    return dumps(value).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def json_equal(a: Any, b: Any) -> bool:
    """Equality of JSON values as the wire sees them: 1, 1.0 and True differ, and so do 0.0 and
    -0.0 (floats compare by repr, which also makes NaN equal to itself)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, float):
        return repr(a) == repr(b)
    return a == b


# ---------------------------------------------------------------------------------------------
# Paths into JSON trees: tuples of object keys and list indexes
# ---------------------------------------------------------------------------------------------

MISSING = object()


def get_at(tree: Any, path) -> Any:
    """The value at `path`, or MISSING where the path leads nowhere (a key that is not there, an
    index out of range, or a step into a value that is not an object or a list)."""
    for p in path:
        if isinstance(tree, dict) and p in tree:
            tree = tree[p]
        elif isinstance(tree, list) and isinstance(p, int) and 0 <= p < len(tree):
            tree = tree[p]
        else:
            return MISSING
    return tree


def set_at(tree: Any, path, new: Any) -> bool:
    """Replace the value at `path` in place; False (and nothing changed) where there is none."""
    if not path:
        return False
    parent = get_at(tree, path[:-1])
    if isinstance(parent, (dict, list)) and get_at(parent, path[-1:]) is not MISSING:
        parent[path[-1]] = new
        return True
    return False


def with_at(tree: Any, path, new: Any) -> Any:
    """A deep copy of `tree` with the value at `path` replaced; the value must be there."""
    out = copy.deepcopy(tree)
    if not set_at(out, path, new):
        raise Surprise(f"no value at {list(path)} to replace")
    return out


def without_at(tree: Any, path) -> Any:
    """A deep copy of `tree` with the value at `path` removed; the value must be there."""
    out = copy.deepcopy(tree)
    parent = get_at(out, path[:-1]) if path else MISSING
    if not isinstance(parent, (dict, list)) or get_at(parent, path[-1:]) is MISSING:
        raise Surprise(f"no value at {list(path)} to remove")
    del parent[path[-1]]
    return out


# ---------------------------------------------------------------------------------------------
# The checked-in corpus
# ---------------------------------------------------------------------------------------------

def read_jsonl(path: pathlib.Path) -> list[dict]:
    """The records of a JSON-lines file, blank lines skipped."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def corpus_cases(name: str, forms: tuple[str, ...] | None = None) -> list[dict]:
    """The cases of tests/corpus/<name>.jsonl in file order; with `forms`, only the accepted
    ones whose form is among them."""
    cases = read_jsonl(CORPUS / f"{name}.jsonl")
    if forms is None:
        return cases
    return [c for c in cases if c["verdict"] == "accept" and c.get("form") in forms]


def corpus_case(name: str, case: str) -> dict:
    """The case named `case` of tests/corpus/<name>.jsonl."""
    for rec in read_jsonl(CORPUS / f"{name}.jsonl"):
        if rec["case"] == case:
            return rec
    raise Surprise(f"{name}.jsonl has no case {case}")
