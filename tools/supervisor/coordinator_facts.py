"""Airflow's coordinator choice, bundle search and launch call, recorded for the native supervisor.

Run with the pinned venv (apache-airflow-task-sdk 1.3.2, apache-airflow-core 3.3.2):

    .venv/bin/python tools/supervisor/coordinator_facts.py          # rewrite the data
    .venv/bin/python tools/supervisor/coordinator_facts.py --check  # fail if it would change

It writes, under supervisor/tests/data/coordinator/, what supervisor/tests/coordinator.rs
compares the Rust code with:

- selection.json: for each case, `[sdk] coordinators` and `[sdk] queue_to_coordinator` given to
  Airflow through its environment variables (null: unset), and what
  `get_coordinator_manager().for_queue(queue or "default")` — the supervisor's own call — gave:
  the coordinator's class and converted kwargs, or the exception (type, message, cause). For a
  task_startup_timeout that is not a number, the TypeError Airflow meets later, at launch, when it
  adds it to `time.monotonic()`. Also: which classes the known classpaths import as.
- manifests.json: bundles written here (a fixed executable region, an empty source, the case's
  manifest text, a trailer, and optionally one corruption) and searched with Airflow's
  `_Bundle.find` for a DAG id: the schema version found, or the exception. This is what decides
  how PyYAML (YAML 1.1) types a manifest, and which failures skip a file and which end the search.
- trees.json: small directory trees of such bundles (nested directories, several roots, files
  that are not executable, corrupt ones) and the file `_Bundle.find` picks, relative to the tree,
  or the exception. No case has two candidate files in one directory, so the answer does not
  depend on the order a file system lists a directory in.
- launch.json: what `_PopenActivitySubprocess.start` hands `subprocess.Popen` (the argument list
  shape, the variables it adds to the environment with their default values, the keyword
  arguments: none for a process group or session), the default `task_startup_timeout`, and what
  `_accept_connections` raises for a child that exits before connecting and for one that never
  connects.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pathlib
import shutil
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from common import REPO, check_pins  # noqa: E402  (tools/common.py)

OUT = REPO / "supervisor" / "tests" / "data" / "coordinator"
# HOME while Airflow expands `~`; the Rust test puts its own HOME where this stands.
FACTS_HOME = "/facts-home"

EXECUTABLE = "airflow.sdk.coordinators.executable.ExecutableCoordinator"
EXECUTABLE_LONG = "airflow.sdk.coordinators.executable.coordinator.ExecutableCoordinator"
PYTHON = "airflow.sdk.execution_time.coordinator._PythonCoordinator"
JAVA = "airflow.sdk.coordinators.java.JavaCoordinator"


def entry(classpath: str, **kwargs) -> dict:
    return {"classpath": classpath, "kwargs": kwargs}


def coordinators(**entries) -> str:
    return json.dumps(entries)


ROUTE_GO = json.dumps({"go": "go"})

# (name, coordinators, queue_to_coordinator, queue); None is an unset option.
SELECTION_CASES = [
    ("both unset", None, None, "default"),
    ("both empty strings", "", "", "default"),
    ("empty queue is default", None, None, ""),
    ("unmapped queue is python", coordinators(go=entry(EXECUTABLE, executables_root=["/b"])), ROUTE_GO, "other"),
    ("mapped queue", coordinators(go=entry(EXECUTABLE, executables_root=["/b"])), ROUTE_GO, "go"),
    ("long classpath", coordinators(go=entry(EXECUTABLE_LONG, executables_root=["/b"])), ROUTE_GO, "go"),
    ("empty queue mapped through default", coordinators(go=entry(EXECUTABLE, executables_root="/b")), json.dumps({"default": "go"}), ""),
    ("root as one string", coordinators(go=entry(EXECUTABLE, executables_root="/opt/bundles/")), ROUTE_GO, "go"),
    ("several roots kept in order", coordinators(go=entry(EXECUTABLE, executables_root=["/z", "rel/dir", "/a"])), ROUTE_GO, "go"),
    ("roots spelled as pathlib spells them", coordinators(go=entry(EXECUTABLE, executables_root=["", ".", "./a//b/./", "//x", "///y", "/a/../b"])), ROUTE_GO, "go"),
    ("root tilde", coordinators(go=entry(EXECUTABLE, executables_root=["~", "~/bundles", "~root/b"])), ROUTE_GO, "go"),
    ("root tilde in the middle stays", coordinators(go=entry(EXECUTABLE, executables_root=["/a/~/b", "a~"])), ROUTE_GO, "go"),
    ("root unknown user", coordinators(go=entry(EXECUTABLE, executables_root=["~no-such-user-here/b"])), ROUTE_GO, "go"),
    ("roots as an object give its keys", coordinators(go=entry(EXECUTABLE, executables_root={"/k1": 1, "/k2": None})), ROUTE_GO, "go"),
    ("roots empty list", coordinators(go=entry(EXECUTABLE, executables_root=[])), ROUTE_GO, "go"),
    ("roots empty object", coordinators(go=entry(EXECUTABLE, executables_root={})), ROUTE_GO, "go"),
    ("roots null", coordinators(go=entry(EXECUTABLE, executables_root=None)), ROUTE_GO, "go"),
    ("roots a number", coordinators(go=entry(EXECUTABLE, executables_root=5)), ROUTE_GO, "go"),
    ("roots a boolean", coordinators(go=entry(EXECUTABLE, executables_root=True)), ROUTE_GO, "go"),
    ("roots list with a number", coordinators(go=entry(EXECUTABLE, executables_root=["/a", 5])), ROUTE_GO, "go"),
    ("roots list with null", coordinators(go=entry(EXECUTABLE, executables_root=[None])), ROUTE_GO, "go"),
    ("roots missing", coordinators(go=entry(EXECUTABLE)), ROUTE_GO, "go"),
    ("kwargs missing", json.dumps({"go": {"classpath": EXECUTABLE}}), ROUTE_GO, "go"),
    ("unknown kwarg", coordinators(go=entry(EXECUTABLE, executables_root=["/b"], jars_root=["/j"])), ROUTE_GO, "go"),
    ("timeout integer", coordinators(go=entry(EXECUTABLE, executables_root=["/b"], task_startup_timeout=30)), ROUTE_GO, "go"),
    ("timeout float", coordinators(go=entry(EXECUTABLE, executables_root=["/b"], task_startup_timeout=0.25)), ROUTE_GO, "go"),
    ("timeout zero", coordinators(go=entry(EXECUTABLE, executables_root=["/b"], task_startup_timeout=0)), ROUTE_GO, "go"),
    ("timeout negative", coordinators(go=entry(EXECUTABLE, executables_root=["/b"], task_startup_timeout=-3)), ROUTE_GO, "go"),
    ("timeout true", coordinators(go=entry(EXECUTABLE, executables_root=["/b"], task_startup_timeout=True)), ROUTE_GO, "go"),
    ("timeout huge", coordinators(go=entry(EXECUTABLE, executables_root=["/b"], task_startup_timeout=1e300)), ROUTE_GO, "go"),
    ("timeout string", coordinators(go=entry(EXECUTABLE, executables_root=["/b"], task_startup_timeout="10")), ROUTE_GO, "go"),
    ("timeout null", coordinators(go=entry(EXECUTABLE, executables_root=["/b"], task_startup_timeout=None)), ROUTE_GO, "go"),
    ("extra is ignored", json.dumps({"go": {"classpath": EXECUTABLE, "kwargs": {"executables_root": "/b"}, "extra": {"pod_template_file": "/p.yaml"}, "other": 1}}), ROUTE_GO, "go"),
    ("python classpath", coordinators(py=entry(PYTHON)), json.dumps({"q": "py"}), "q"),
    ("python classpath with kwargs", coordinators(py=entry(PYTHON, x=1)), json.dumps({"q": "py"}), "q"),
    ("java coordinator", coordinators(java=entry(JAVA, jars_root=["/j"])), json.dumps({"q": "java"}), "q"),
    ("java coordinator on another queue", coordinators(java=entry(JAVA, jars_root=["/j"])), json.dumps({"q": "java"}), "default"),
    ("classpath not importable", coordinators(x=entry("no.such.module.Coordinator")), json.dumps({"q": "x"}), "q"),
    ("classpath without a dot", coordinators(x=entry("Coordinator")), json.dumps({"q": "x"}), "q"),
    ("unrouted invalid classpath is never imported", coordinators(x=entry("no.such.module.Coordinator")), json.dumps({}), "q"),
    ("coordinators not json", "{not json", None, "default"),
    ("coordinators whitespace", "  ", None, "default"),
    ("coordinators a list", "[]", None, "default"),
    ("coordinators entry not an object", json.dumps({"go": "x"}), None, "default"),
    ("coordinators entry without classpath", json.dumps({"go": {"kwargs": {}}}), None, "default"),
    ("coordinators classpath a number", json.dumps({"go": {"classpath": 5}}), None, "default"),
    ("coordinators kwargs a list", json.dumps({"go": {"classpath": EXECUTABLE, "kwargs": []}}), None, "default"),
    ("coordinators kwargs null", json.dumps({"go": {"classpath": EXECUTABLE, "kwargs": None}}), None, "default"),
    ("coordinators extra a string", json.dumps({"go": {"classpath": EXECUTABLE, "kwargs": {"executables_root": "/b"}, "extra": "x"}}), None, "default"),
    ("coordinators extra null", json.dumps({"go": {"classpath": EXECUTABLE, "kwargs": {"executables_root": "/b"}, "extra": None}}), ROUTE_GO, "go"),
    ("route not json", coordinators(go=entry(EXECUTABLE, executables_root="/b")), "{", "go"),
    ("route a list", coordinators(go=entry(EXECUTABLE, executables_root="/b")), "[]", "go"),
    ("route to unknown key", coordinators(go=entry(EXECUTABLE, executables_root="/b")), json.dumps({"go": "go", "other": "nope"}), "go"),
    ("route to unknown key on another queue", None, json.dumps({"other": "nope"}), "default"),
    ("route to a number", coordinators(go=entry(EXECUTABLE, executables_root="/b")), json.dumps({"x": 5}), "default"),
    ("route to a list", coordinators(go=entry(EXECUTABLE, executables_root="/b")), json.dumps({"x": ["go"]}), "default"),
    ("bad entry fails before a bad route", json.dumps({"go": 1}), "{", "default"),
    ("duplicate keys: the last wins", '{"go": {"classpath": "x.Y"}, "go": {"classpath": "%s", "kwargs": {"executables_root": "/last"}}}' % EXECUTABLE, ROUTE_GO, "go"),
    ("queue names are exact", coordinators(go=entry(EXECUTABLE, executables_root="/b")), ROUTE_GO, "Go"),
]


def outcome_of_selection(coordinators_value, routes_value, queue) -> dict:
    from airflow.sdk.coordinators.executable import ExecutableCoordinator
    from airflow.sdk.execution_time.coordinator import (
        _PythonCoordinator,
        get_coordinator_manager,
        reset_coordinator_manager,
    )

    for name, value in (("AIRFLOW__SDK__COORDINATORS", coordinators_value),
                        ("AIRFLOW__SDK__QUEUE_TO_COORDINATOR", routes_value)):
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    reset_coordinator_manager()
    try:
        chosen = get_coordinator_manager().for_queue(queue or "default")
    except Exception as exc:  # every exception is a fact to record
        cause = exc.__cause__ or exc.__context__
        return {
            "error": {
                "type": type(exc).__name__,
                "message": str(exc),
                "cause": None if cause is None else f"{type(cause).__name__}: {cause}",
            }
        }
    if isinstance(chosen, _PythonCoordinator):
        return {"coordinator": "python"}
    if type(chosen) is ExecutableCoordinator:
        timeout = chosen.task_startup_timeout
        try:
            time.monotonic() + timeout
            timeout_error = None
        except TypeError as exc:
            timeout_error = f"TypeError: {exc}"
        return {
            "coordinator": "executable",
            "executables_root": [str(p).replace(FACTS_HOME, "{HOME}") for p in chosen.executables_root],
            "task_startup_timeout": float(timeout) if timeout_error is None else None,
            "timeout_error_at_launch": timeout_error,
        }
    return {"coordinator": "other", "class": f"{type(chosen).__module__}.{type(chosen).__qualname__}"}


def selection_facts() -> dict:
    from airflow.sdk._shared.module_loading import import_string

    home = os.environ.get("HOME")
    os.environ["HOME"] = FACTS_HOME
    try:
        cases = [
            {
                "name": name,
                "coordinators": c,
                "queue_to_coordinator": r,
                "queue": q,
                "python": outcome_of_selection(c, r, q),
            }
            for name, c, r, q in SELECTION_CASES
        ]
    finally:
        if home is None:
            os.environ.pop("HOME", None)
        else:
            os.environ["HOME"] = home
        os.environ.pop("AIRFLOW__SDK__COORDINATORS", None)
        os.environ.pop("AIRFLOW__SDK__QUEUE_TO_COORDINATOR", None)
    classes = {
        path: f"{import_string(path).__module__}.{import_string(path).__qualname__}"
        for path in (EXECUTABLE, EXECUTABLE_LONG, PYTHON)
    }
    return {"classpaths": classes, "cases": cases}


# --- bundles --------------------------------------------------------------------------------

# The executable region of every bundle written here (never run).
BINARY = b"#!/bin/sh\nexit 0\n"
GOOD_SDK = "sdk: {language: rust, version: '0.1.0', supervisor_schema_version: '2026-06-16'}\n"
CORRUPTIONS = ["hash", "footer_ver", "reserved", "past_start", "no_binary", "magic", "short", "metadata_not_utf8"]


def bundle_bytes(manifest: str, corrupt: str | None = None) -> bytes:
    """The bundle the Rust test writes for the same case, byte for byte."""
    binary = BINARY
    metadata = manifest.encode("utf-8")
    if corrupt == "metadata_not_utf8":
        metadata += b"\xff"
    digest = hashlib.sha256(binary).digest()
    source_len, footer_ver, reserved, magic = 0, 1, b"\0" * 12, b"AFBNDL01"
    if corrupt == "hash":
        digest = bytes([digest[0] ^ 1]) + digest[1:]
    elif corrupt == "footer_ver":
        footer_ver = 2
    elif corrupt == "reserved":
        reserved = b"\0" * 11 + b"\1"
    elif corrupt == "past_start":
        source_len = 1 << 20
    elif corrupt == "no_binary":
        source_len = len(binary)
    elif corrupt == "magic":
        magic = b"AFBNDL02"
    trailer = struct.pack("<III32s12s8s", source_len, len(metadata), footer_ver, digest, reserved, magic)
    data = binary + metadata + trailer
    if corrupt == "short":
        data = data[-40:]
    return data


def write_bundle(path: pathlib.Path, manifest: str, corrupt: str | None = None, mode: int = 0o755) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bundle_bytes(manifest, corrupt))
    path.chmod(mode)


def find_outcome(roots: list[pathlib.Path], dag_id: str, base: pathlib.Path) -> dict:
    from airflow.sdk.coordinators.executable.coordinator import _Bundle, _digest_cache

    _digest_cache.clear()
    try:
        found = _Bundle.find(roots, dag_id)
    except FileNotFoundError as exc:
        message = str(exc)
        kind = "rejected" if "usable supervisor_schema_version" in message else "not_found"
        return {"error": kind, "message": message.replace(str(base.resolve()), "{BASE}")}
    except Exception as exc:  # a constructor's exception ends the search: a fact to record
        return {"error": "exception", "type": type(exc).__name__, "message": str(exc)}
    return {
        "found": str(found.path.relative_to(base.resolve())),
        "schema_version": found.schema_version,
    }


# (name, manifest, dag ids to look up); every bundle is also tried with each corruption below.
MANIFEST_CASES = [
    ("plain", GOOD_SDK + "dags: {etl: {tasks: [a]}, other: {}}\n", ["etl", "other", "missing"]),
    ("block style", "sdk:\n  supervisor_schema_version: \"2026-06-16\"\ndags:\n  etl:\n    tasks: [a]\n", ["etl"]),
    ("unquoted dated version", "sdk: {supervisor_schema_version: 2026-06-16}\ndags: {etl: {}}\n", ["etl"]),
    ("unknown version", "sdk: {supervisor_schema_version: '2099-01-01'}\ndags: {etl: {}}\n", ["etl"]),
    ("empty version", "sdk: {supervisor_schema_version: ''}\ndags: {etl: {}}\n", ["etl"]),
    ("numeric version", "sdk: {supervisor_schema_version: 1.0}\ndags: {etl: {}}\n", ["etl"]),
    ("no sdk", "dags: {etl: {}}\n", ["etl"]),
    ("sdk a list", "sdk: [1]\ndags: {etl: {}}\n", ["etl"]),
    ("dags a list", GOOD_SDK + "dags: [etl]\n", ["etl"]),
    ("dags null", GOOD_SDK + "dags:\n", ["etl"]),
    ("YAML 1.1 keys", GOOD_SDK + "dags: {yes: {}, on: {}, 2026-06-16: {}, '2026-06-17': {}, 1:30: {}, 0755: {}, 'no': {}, y: {}, ~: {}, null: {}, '~': {}}\n",
     ["yes", "on", "2026-06-16", "2026-06-17", "1:30", "90", "0755", "no", "y", "~", "null", "None"]),
    ("non-specific tag resolves", GOOD_SDK + "dags: {! 123: {}, ! '456': {}, !!str 789: {}}\n", ["123", "456", "789"]),
    ("merge keys", "base: &b {etl: {}, x: {}}\n" + GOOD_SDK + "dags:\n  <<: *b\n  own: {}\n", ["etl", "x", "own", "<<"]),
    ("merge list", GOOD_SDK + "dags: {<<: [{a: {}}, {b: {}}], c: {}}\n", ["a", "b", "c"]),
    ("merge of a scalar", GOOD_SDK + "dags: {<<: 1, a: {}}\n", ["a"]),
    ("merged sdk: the first mapping wins", "sdk: {<<: [{supervisor_schema_version: '2026-06-16'}, {supervisor_schema_version: '1999-01-01'}]}\ndags: {a: {}}\n", ["a"]),
    ("own key beats merged", "sdk: {<<: {supervisor_schema_version: '1999-01-01'}, supervisor_schema_version: '2026-06-16'}\ndags: {a: {}}\n", ["a"]),
    ("value key is a string", GOOD_SDK + "dags: {=: {}}\n", ["="]),
    ("value as a value", GOOD_SDK + "dags: {a: =}\n", ["a"]),
    ("duplicate dag keys", GOOD_SDK + "dags: {a: {}, a: 1}\n", ["a"]),
    ("anchors and aliases", GOOD_SDK + "x: &t {tasks: [a]}\ndags: {a: *t, b: *t}\n", ["a", "b"]),
    ("recursive anchor", GOOD_SDK + "dags: &d {a: *d}\n", ["a"]),
    ("undefined alias", GOOD_SDK + "dags: {a: *nope}\n", ["a"]),
    ("unknown tag", GOOD_SDK + "dags: {a: !custom x}\n", ["a"]),
    ("python tag", GOOD_SDK + "dags: {a: !!python/none ''}\n", ["a"]),
    ("list key", GOOD_SDK + "dags: {a: {}, [1]: x}\n", ["a"]),
    ("mapping key", GOOD_SDK + "dags: {a: {}, ? {k: v} : x}\n", ["a"]),
    ("set tagged dags", GOOD_SDK + "dags: !!set {a: null}\n", ["a"]),
    ("omap tagged dags", GOOD_SDK + "dags: !!omap [a: 1]\n", ["a"]),
    ("omap with a long item", GOOD_SDK + "dags: {a: !!omap [{x: 1, y: 2}]}\n", ["a"]),
    ("str tag on a mapping", GOOD_SDK + "dags: {a: !!str {x: 1}}\n", ["a"]),
    ("map tag on a scalar", GOOD_SDK + "dags: {a: !!map x}\n", ["a"]),
    ("impossible date", GOOD_SDK + "dags: {a: {}}\nwhen: 2026-02-30\n", ["a"]),
    ("impossible time", GOOD_SDK + "dags: {a: {}}\nwhen: 2026-06-16 25:00:00\n", ["a"]),
    ("offset of a day", GOOD_SDK + "dags: {a: {}}\nwhen: 2026-06-16 10:00:00 +24\n", ["a"]),
    ("good timestamp", GOOD_SDK + "dags: {a: {}}\nwhen: 2026-06-16t10:00:00.5-05:30\n", ["a"]),
    ("year zero", GOOD_SDK + "dags: {a: {}}\nwhen: 0000-01-01\n", ["a"]),
    ("leap day", GOOD_SDK + "dags: {a: {}}\nwhen: [2024-02-29, 2000-02-29]\n", ["a"]),
    ("not a leap day", GOOD_SDK + "dags: {a: {}}\nwhen: 1900-02-29\n", ["a"]),
    ("explicit bad int", GOOD_SDK + "dags: {a: {}}\nn: !!int x\n", ["a"]),
    ("explicit int forms", GOOD_SDK + "dags: {a: {}}\nn: [!!int 0o17, !!int ' 12 ', !!int '0x_1', !!int 1:2]\n", ["a"]),
    ("explicit bad bool", GOOD_SDK + "dags: {a: {}}\nb: !!bool maybe\n", ["a"]),
    ("explicit bool forms", GOOD_SDK + "dags: {a: {}}\nb: [!!bool YES, !!bool oFF]\n", ["a"]),
    ("explicit bad float", GOOD_SDK + "dags: {a: {}}\nf: !!float x\n", ["a"]),
    ("explicit float forms", GOOD_SDK + "dags: {a: {}}\nf: [!!float 1e5, !!float inf, !!float '1:30.5', !!float .NaN]\n", ["a"]),
    ("empty explicit int", GOOD_SDK + "dags: {a: {}}\nn: !!int ''\n", ["a"]),
    ("bad binary digits", GOOD_SDK + "dags: {a: {}}\nb: 0b_\n", ["a"]),
    ("bad hex digits", GOOD_SDK + "dags: {a: {}}\nb: 0x_\n", ["a"]),
    ("binary", GOOD_SDK + "dags: {a: {}}\nb: !!binary aGVsbG8=\n", ["a"]),
    ("bad base64", GOOD_SDK + "dags: {a: {}}\nb: !!binary abcde\n", ["a"]),
    ("explicit bad timestamp", GOOD_SDK + "dags: {a: {}}\nt: !!timestamp soon\n", ["a"]),
    ("a YAML error before a constructor error", GOOD_SDK + "dags: {a: {}}\nx: !custom 1\ny: 2026-02-30\n", ["a"]),
    ("a nested YAML error after a top constructor error", GOOD_SDK + "dags: {a: {z: !custom 1}}\ny: 2026-02-30\n", ["a"]),
    ("a top YAML error after a nested constructor error", GOOD_SDK + "dags: {a: {z: 2026-02-30}}\ny: !custom 1\n", ["a"]),
    ("two documents", GOOD_SDK + "dags: {a: {}}\n---\nx: 1\n", ["a"]),
    ("explicit single document", "---\n" + GOOD_SDK + "dags: {a: {}}\n...\n", ["a"]),
    ("empty manifest", "", ["a"]),
    ("a scalar manifest", "just text\n", ["a"]),
    ("a list manifest", "- a\n", ["a"]),
    ("not YAML", GOOD_SDK + "dags: {a: {}\n", ["a"]),
    ("control character", GOOD_SDK + "dags: {a: {}}\nx: \"\x01\"\n", ["a"]),
    ("escaped control character", GOOD_SDK + "dags: {a: {}}\nx: \"\\x01\"\n", ["a"]),
    ("non-ASCII ids", GOOD_SDK + "dags: {'étl': {}, 数据: {}}\n", ["étl", "数据"]),
    ("quoted odd ids", GOOD_SDK + "dags: {'a b': {}, \"c:d\": {}, '#x': {}}\n", ["a b", "c:d", "#x"]),
    ("BOM", "\ufeff" + GOOD_SDK + "dags: {a: {}}\n", ["a"]),
]
CORRUPT_MANIFEST = GOOD_SDK + "dags: {etl: {}}\n"


def manifest_facts(base: pathlib.Path) -> list[dict]:
    cases = []
    for i, (name, manifest, dag_ids) in enumerate(MANIFEST_CASES):
        case_dir = base / f"m{i}"
        write_bundle(case_dir / "bundle", manifest)
        cases.append({
            "name": name,
            "manifest": manifest,
            "corrupt": None,
            "lookups": {dag_id: find_outcome([case_dir], dag_id, base) for dag_id in dag_ids},
        })
    for corrupt in CORRUPTIONS:
        case_dir = base / f"c-{corrupt}"
        write_bundle(case_dir / "bundle", CORRUPT_MANIFEST, corrupt)
        cases.append({
            "name": f"corrupt: {corrupt}",
            "manifest": CORRUPT_MANIFEST,
            "corrupt": corrupt,
            "lookups": {"etl": find_outcome([case_dir], "etl", base)},
        })
    return cases


ETL = GOOD_SDK + "dags: {etl: {}}\n"
OTHER = GOOD_SDK + "dags: {other: {}}\n"
OLD = "sdk: {supervisor_schema_version: '1999-01-01'}\ndags: {etl: {}}\n"

# (name, files as {path: [manifest, corruption, mode]} or a directory/symlink marker, roots, dag id)
TREE_CASES = [
    ("a match at the top", {"r/a": [ETL, None, 0o755]}, ["r"], "etl"),
    ("no match", {"r/a": [OTHER, None, 0o755]}, ["r"], "etl"),
    ("empty root", {"r/": None}, ["r"], "etl"),
    ("missing root", {}, ["nope"], "etl"),
    ("a root that is the bundle", {"r/a": [ETL, None, 0o755]}, ["r/a"], "etl"),
    ("a root that is a non-executable bundle", {"r/a": [ETL, None, 0o644]}, ["r/a"], "etl"),
    ("not executable is skipped", {"r/a": [ETL, None, 0o644]}, ["r"], "etl"),
    ("executable by group only is skipped for the owner", {"r/a": [ETL, None, 0o654]}, ["r"], "etl"),
    ("deeply nested", {"r/x/y/z/a": [ETL, None, 0o755]}, ["r"], "etl"),
    ("first root wins", {"r1/deep/er/a": [ETL, None, 0o755], "r2/b": [ETL, None, 0o755]}, ["r1", "r2"], "etl"),
    ("roots in the order given", {"r1/a": [ETL, None, 0o755], "r2/b": [ETL, None, 0o755]}, ["r2", "r1"], "etl"),
    ("a root given twice", {"r/a": [OTHER, None, 0o755]}, ["r", "r"], "etl"),
    ("a corrupt bundle is passed over", {"r1/a": [ETL, "hash", 0o755], "r2/b": [ETL, None, 0o755]}, ["r1", "r2"], "etl"),
    ("only corrupt bundles", {"r1/a": [ETL, "hash", 0o755], "r2/b": [ETL, "reserved", 0o755]}, ["r1", "r2"], "etl"),
    ("a rejected version, then a good one", {"r1/a": [OLD, None, 0o755], "r2/b": [ETL, None, 0o755]}, ["r1", "r2"], "etl"),
    ("only rejected versions", {"r1/a": [OLD, None, 0o755], "r2/b": [OLD, None, 0o755]}, ["r1", "r2"], "etl"),
    ("a constructor error ends the search", {"r1/a": [ETL + "when: 2026-02-30\n", None, 0o755], "r2/b": [ETL, None, 0o755]}, ["r1", "r2"], "etl"),
    ("a constructor error in a bundle of another DAG ends the search too", {"r1/a": [OTHER + "when: 2026-02-30\n", None, 0o755], "r2/b": [ETL, None, 0o755]}, ["r1", "r2"], "etl"),
    ("a symlinked bundle resolves", {"store/real": [ETL, None, 0o755], "r/link": "->../store/real"}, ["r"], "etl"),
    ("a symlinked directory is walked", {"store/d/real": [ETL, None, 0o755], "r/link": "->../store/d"}, ["r"], "etl"),
    ("a symlink loop is walked once", {"r/d/loop": "->..", "r/d/x": [OTHER, None, 0o755]}, ["r"], "etl"),
    ("a dangling symlink is passed over", {"r/dangling": "->nowhere"}, ["r"], "etl"),
]


def make_tree(base: pathlib.Path, files: dict) -> None:
    base.mkdir(parents=True, exist_ok=True)
    for rel, spec in files.items():
        path = base / rel
        if rel.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
        elif isinstance(spec, str) and spec.startswith("->"):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.symlink_to(spec[2:])
        else:
            manifest, corrupt, mode = spec
            write_bundle(path, manifest, corrupt, mode)


def tree_facts(base: pathlib.Path) -> list[dict]:
    cases = []
    for i, (name, files, roots, dag_id) in enumerate(TREE_CASES):
        tree = base / f"t{i}"
        make_tree(tree, files)
        cases.append({
            "name": name,
            "files": files,
            "roots": roots,
            "dag_id": dag_id,
            "python": find_outcome([tree / r for r in roots], dag_id, tree),
        })
    return cases


# --- launch ---------------------------------------------------------------------------------


class _Captured(Exception):
    pass


def launch_facts() -> dict:
    from unittest import mock

    from airflow.sdk.coordinators import _subprocess
    from airflow.sdk.coordinators._subprocess import (
        SubprocessCoordinator,
        _accept_connections,
        _PopenActivitySubprocess,
        _start_server,
    )

    seen = {}

    def fake_popen(args, **kwargs):
        seen["args"] = args
        seen["kwargs"] = kwargs
        raise _Captured

    for name in ("AIRFLOW__LOGGING__LOGGING_LEVEL", "AIRFLOW__LOGGING__NAMESPACE_LEVELS"):
        os.environ.pop(name, None)
    with mock.patch.object(_subprocess.subprocess, "Popen", fake_popen):
        try:
            _PopenActivitySubprocess.start(
                what=None, dag_rel_path="x", bundle_info=None, client=None, command=["/bundle"]
            )
        except _Captured:
            pass
    args, kwargs = seen["args"], seen["kwargs"]
    added = {k: v for k, v in kwargs["env"].items() if os.environ.get(k) != v}

    def accept_error(script: str, wait: float) -> str:
        servers = {"comm": _start_server(), "logs": _start_server()}
        proc = subprocess.Popen(["/bin/sh", "-c", script])
        try:
            _accept_connections(servers, {}, proc, max_wait=wait)
        except Exception as exc:  # the exception is the fact
            return f"{type(exc).__name__}: {exc}"
        finally:
            proc.kill()
            proc.wait()
            for s in servers.values():
                s.close()
        return "no error"

    return {
        "argv": [args[0], args[1].split(":")[0] + ":PORT", args[2].split(":")[0] + ":PORT"],
        "env_added": added,
        "popen_kwargs": sorted(kwargs),
        "own_process_group": any(k in kwargs for k in ("process_group", "start_new_session", "preexec_fn")),
        "default_task_startup_timeout": SubprocessCoordinator.__attrs_attrs__.task_startup_timeout.default,
        "exit_before_connecting": accept_error("exit 3", 5.0),
        "killed_before_connecting": accept_error("kill -9 $$", 5.0),
        "never_connects": accept_error("exec sleep 30", 0.2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the data would change")
    args = parser.parse_args()
    check_pins("coordinator_facts.py")

    files = {"selection.json": selection_facts()}
    base = pathlib.Path(tempfile.mkdtemp(prefix="coordinator-facts-"))
    try:
        files["manifests.json"] = {"binary": BINARY.decode(), "cases": manifest_facts(base / "m")}
        # Whether a file is executable depends on who asks (root may run anything with an x bit).
        files["trees.json"] = {"uid": os.getuid(), "cases": tree_facts(base / "t")}
    finally:
        shutil.rmtree(base)
    files["launch.json"] = launch_facts()

    OUT.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, data in files.items():
        text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
        path = OUT / name
        if path.exists() and path.read_text() == text:
            continue
        changed.append(name)
        if not args.check:
            path.write_text(text)
    if args.check and changed:
        print(f"coordinator_facts.py: out of date: {', '.join(changed)}", file=sys.stderr)
        return 1
    print(f"coordinator_facts.py: {'checked' if args.check else 'wrote'} {len(files)} files"
          + (f" ({', '.join(changed)} changed)" if changed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
