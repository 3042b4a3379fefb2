"""Writes supervisor/tests/data/api/samples.json: JSON bodies of every schema of the Execution API
document, as Airflow's own pydantic models write them, for supervisor/tests/api_models.rs.

For each schema of supervisor/openapi/execution-api-2026-06-30.json the script makes inputs from
the schema itself (every property, the first alternative of each union: `max`; every property,
the last alternative: `alt`; required properties only, null where allowed: `min`), has each model
that carries the schema's name read it (`model_validate_json`) and writes what the model dumps
(`model_dump(mode="json", by_alias=True)`): those dumps are the expectations, never the inputs.
The models are the task SDK's generated client models (`airflow.sdk.api.datamodels._generated`,
what the SDK sends and reads) and the server's (`airflow.api_fastapi.execution_api.datamodels`,
what the api-server reads and writes), where each has the schema; enums give one sample a value.

Besides the round trips it records, each checked against the SDK model:
- `absent`: the model's dump of the `max` input without one optional field that has a default
  or may be null, and the dump the model makes of that (the default filled in);
- `refused`: inputs the model refuses: `min` without one required field, and `min` with null in
  one field that may not be null;
- `ti_patch_payload`: for every state-payload sample, the member of the server's
  `TIStateUpdate` union (the body of `PATCH /task-instances/{id}/state`) the server picks;
- a real `HTTPValidationError` body: what the in-process Execution API app answers to a state
  payload without `end_date`.
It also checks the generator's assumption that an optional nullable field without a default in
the document defaults to None in both models, and stops if not.

Deterministic (fixed inputs, sorted output); CI regenerates the file and fails on drift.

    .venv/bin/python tools/supervisor/api_samples.py           # (re)write the file
    .venv/bin/python tools/supervisor/api_samples.py --check   # exit 1 if it differs
"""

from __future__ import annotations

import argparse
import atexit
import copy
import enum
import importlib
import inspect
import json
import os
import pkgutil
import shutil
import sys
import tempfile
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import REPO, Surprise, check_pins, exit_on_surprise  # noqa: E402  (tools/common.py)

SPEC = REPO / "supervisor" / "openapi" / "execution-api-2026-06-30.json"
OUT = REPO / "supervisor" / "tests" / "data" / "api" / "samples.json"
REF = "#/components/schemas/"
MODES = ("max", "alt", "min")
JSON_TYPES = {"string", "number", "integer", "object", "array", "boolean", "null"}

FREE_JSON = {
    "max": {"nested": [1, 2.5, "three", True, None, {"k": "v"}], "text": "h\u00e9llo \u2603", "n": -7},
    "alt": "just a string",
    "min": None,
}
FREE_MAP = {
    "max": {"a": 1, "b": [True, None, 1.25], "c": {"d": "e"}},
    "alt": {"only": "x"},
    "min": {},
}
DATE_TIME = {"max": "2026-06-30T12:34:56.123456Z", "alt": "2026-06-30T18:04:56+05:30",
             "min": "2026-01-02T03:04:05Z"}
DURATION = {"max": "PT1H30M", "alt": "P1DT2.5S", "min": "PT0S"}
UUIDS = {"max": "0195f0d8-7c1e-7a3b-9c4d-5e6f7a8b9c0d", "alt": "00000000-0000-4000-8000-000000000001",
         "min": "ffffffff-ffff-4fff-bfff-ffffffffffff"}
INTEGER = {"max": 42, "alt": -1, "min": 0}
NUMBER = {"max": 2.5, "alt": 30, "min": 0.0}
BOOLEAN = {"max": True, "alt": False, "min": False}

# Values the document allows that the server's validators refuse, by (schema, property): inputs
# in their place that both models read.
OVERRIDES = {
    ("ConnectionTestResultBody", "state"): {"max": "success", "alt": "failed", "min": "success"},
}


class Synth:
    """Inputs made from the document's schemas."""

    def __init__(self, spec: dict):
        self.schemas = spec["components"]["schemas"]
        self.free_min = FREE_JSON["min"]

    def resolve(self, schema: dict) -> dict:
        while "$ref" in schema:
            schema = self.schemas[schema["$ref"][len(REF):]]
        return schema

    @staticmethod
    def members(schema: dict):
        members = schema.get("oneOf") or schema.get("anyOf")
        if members is None:
            return None, False
        non_null = [m for m in members if m != {"type": "null"}]
        return non_null, len(non_null) != len(members)

    def is_free(self, schema: dict) -> bool:
        schema = self.resolve(schema)
        keys = set(schema) - {"title", "description", "default"}
        if not keys:
            return True
        members, _ = self.members(schema)
        return members is not None and {m.get("type") for m in members} | {"null"} == JSON_TYPES

    def nullable(self, schema: dict) -> bool:
        if self.is_free(schema):
            return True
        return self.members(self.resolve(schema))[1]

    def value(self, schema: dict, mode: str, name: str):
        if self.is_free(schema):
            return self.free_min if mode == "min" else copy.deepcopy(FREE_JSON[mode])
        schema = self.resolve(schema)
        members, nullable = self.members(schema)
        if members is not None:
            if mode == "min" and nullable:
                return None
            return self.value(members[-1] if mode == "alt" else members[0], mode, name)
        kind = schema.get("type")
        if kind == "object":
            if "properties" not in schema:
                return copy.deepcopy(FREE_MAP[mode])
            return self.object(schema, mode, schema.get("title", name))
        if kind == "array":
            if "prefixItems" in schema:
                return [self.value(p, mode, name) for p in schema["prefixItems"]]
            count = {"max": 2, "alt": 1, "min": schema.get("minItems", 0)}[mode]
            modes = ["max", "alt"] if mode == "max" else [mode] * count
            return [self.value(schema["items"], m if m != "min" else "max", name) for m in modes[:count]]
        if kind == "string":
            if "enum" in schema:
                return schema["enum"][-1 if mode == "alt" else 0]
            fmt = schema.get("format")
            if fmt == "date-time":
                return DATE_TIME[mode]
            if fmt == "duration":
                return DURATION[mode]
            if fmt == "uuid":
                return UUIDS[mode]
            text = f"{name}-{mode}"
            return text[: schema.get("maxLength", len(text))]
        if kind == "integer":
            return INTEGER[mode]
        if kind == "number":
            return NUMBER[mode]
        if kind == "boolean":
            return BOOLEAN[mode]
        raise Surprise(f"no sample value for {schema}")

    def object(self, schema: dict, mode: str, name: str) -> dict:
        required = schema.get("required", [])
        out = {}
        for prop, pschema in schema["properties"].items():
            if mode == "min" and prop not in required:
                continue
            if (name, prop) in OVERRIDES:
                out[prop] = OVERRIDES[name, prop][mode]
            else:
                out[prop] = self.value(pschema, mode, prop)
        return out


def model_classes() -> tuple[dict, dict]:
    """The SDK's and the server's models and enums, by class name."""
    import pydantic

    def collect(modules) -> dict:
        found = {}
        for mod in modules:
            for name, obj in vars(mod).items():
                if not inspect.isclass(obj) or obj.__module__ != mod.__name__:
                    continue
                if issubclass(obj, (pydantic.BaseModel, enum.Enum)):
                    if name in found and found[name] is not obj:
                        raise Surprise(f"two classes called {name}")
                    found[name] = obj
        return found

    sdk = collect([importlib.import_module("airflow.sdk.api.datamodels._generated")])
    package = importlib.import_module("airflow.api_fastapi.execution_api.datamodels")
    server = collect([importlib.import_module(f"{package.__name__}.{m.name}")
                      for m in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name)])
    return sdk, server


def dump(model, data):
    """What `model` writes after reading `data` from JSON; a Surprise if it refuses."""
    import pydantic
    try:
        instance = model.model_validate_json(json.dumps(data))
    except pydantic.ValidationError as exc:
        raise Surprise(f"{model.__module__}.{model.__name__} refuses {json.dumps(data)}: {exc}") from None
    return instance.model_dump(mode="json", by_alias=True)


def refuses(model, data) -> bool:
    """Whether a model (or a TypeAdapter) refuses `data` read from JSON."""
    import pydantic
    validate = getattr(model, "model_validate_json", None) or model.validate_json
    try:
        validate(json.dumps(data))
    except pydantic.ValidationError:
        return True
    return False


class Document:
    """Whether a JSON value is an instance of a schema of the document (JSON Schema 2020-12, the
    dialect of OpenAPI 3.1). The document spells every union `oneOf` (Airflow rewrites pydantic's
    `anyOf` so for code generators); a value such as 0 fits both `integer` and `number`, so the
    unions are read back as `anyOf` here."""

    def __init__(self, spec: dict):
        def any_of(node):
            if isinstance(node, dict):
                return {("anyOf" if k == "oneOf" else k): any_of(v) for k, v in node.items()}
            if isinstance(node, list):
                return [any_of(v) for v in node]
            return node
        self.components = any_of(spec["components"])

    def problem(self, name: str, value) -> str | None:
        from jsonschema import Draft202012Validator
        validator = Draft202012Validator({"$ref": REF + name, "components": self.components})
        errors = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
        if not errors:
            return None
        return "; ".join(f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors)


def real_validation_error() -> dict:
    """The body the in-process Execution API answers to a success payload without `end_date`."""
    home = tempfile.mkdtemp(prefix="airflow-home-")
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    for name in list(os.environ):
        if name.startswith("AIRFLOW_"):
            del os.environ[name]
    os.environ.update({
        "AIRFLOW_HOME": home,
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": f"{home}/dags",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "ERROR",
    })
    from fastapi.testclient import TestClient
    from airflow.api_fastapi.execution_api.app import InProcessExecutionAPI

    client = TestClient(InProcessExecutionAPI().app)
    response = client.patch("/task-instances/0195f0d8-7c1e-7a3b-9c4d-5e6f7a8b9c0d/state",
                            json={"state": "success"}, headers={"Airflow-API-Version": "2026-06-30"})
    if response.status_code != 422:
        raise Surprise(f"the state payload without end_date got {response.status_code}: {response.text}")
    return response.json()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the checked-in file")
    args = parser.parse_args()
    check_pins("api_samples.py")
    warnings.filterwarnings("ignore")
    real_error = real_validation_error()  # sets up the environment before Airflow reads it

    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    synth = Synth(spec)
    sdk, server = model_classes()
    from pydantic import TypeAdapter
    from airflow.api_fastapi.execution_api.datamodels.taskinstance import TIStateUpdate

    samples, absent, refused, outside = [], [], [], []
    document = Document(spec)
    sdk_lenient = []

    def refusal(label, model, name, case, data):
        """Records an input the document does not allow. The server's model (which the document
        describes) must refuse it; where the SDK's generated model is more lenient, the file
        says so, and the Rust types follow the document."""
        if not refuses(model, data):
            if label == "server":
                raise Surprise(f"{label} {name} accepts {case}: {json.dumps(data)}")
            sdk_lenient.append({"schema": name, "case": case})
            return
        if document.problem(name, data) is None:
            raise Surprise(f"{name} {case}: the document allows what the model refuses")
        if label == "server" or name not in server:
            refused.append({"schema": name, "source": label, "case": case, "json": data})
    def add(sample):
        """Keeps a dump as a round-trip sample if the document allows it, else sets it aside."""
        problem = document.problem(sample["schema"], sample["json"])
        if problem is None:
            samples.append(sample)
        else:
            outside.append({**sample, "problem": problem})

    for name, schema in spec["components"]["schemas"].items():
        sources = [(label, classes[name]) for label, classes in (("sdk", sdk), ("server", server))
                   if name in classes]
        if name == "JsonValue":
            from pydantic import JsonValue
            adapter = TypeAdapter(JsonValue)
            for mode in MODES:
                value = adapter.dump_python(adapter.validate_json(json.dumps(FREE_JSON[mode])), mode="json")
                samples.append({"schema": name, "source": "pydantic", "case": mode, "json": value})
            continue
        if not sources:
            raise Surprise(f"no model for schema {name}")
        for label, model in sources:
            if isinstance(model, type) and issubclass(model, enum.Enum):
                for value in schema["enum"]:
                    add({"schema": name, "source": label, "case": value, "json": model(value).value})
                continue
            for mode in MODES:
                data = synth.value(schema, mode, name)
                case = mode
                if mode == "min" and refuses(model, data):
                    # The server's store bodies refuse a null value (a validator the document
                    # does not show): free-form JSON is 0 there instead.
                    synth.free_min = 0
                    data, case = synth.value(schema, mode, name), "min, free-form JSON 0"
                    synth.free_min = None
                add({"schema": name, "source": label, "case": case, "json": dump(model, data)})
            if schema.get("type") != "object" or "properties" not in schema:
                continue
            required = set(schema.get("required", []))
            base = synth.value(schema, "min", name)
            for prop, pschema in schema["properties"].items():
                if prop in required:
                    data = {k: v for k, v in base.items() if k != prop}
                    refusal(label, model, name, f"missing {prop}", data)
                else:
                    nullable = synth.nullable(pschema)
                    has_default = pschema.get("default") is not None
                    if nullable or has_default:
                        # The model's own dump of the `max` input, without the field: a body
                        # as pydantic writes it (date-times already in the model's spelling).
                        full = dump(model, synth.value(schema, "max", name))
                        data = {k: v for k, v in full.items() if k != prop}
                        expected = dump(model, data)
                        if nullable and not has_default and expected.get(prop) is not None:
                            raise Surprise(f"{label} {name}.{prop}: optional, nullable, no default in the "
                                           f"document, yet absent it reads as {expected.get(prop)!r}")
                        if document.problem(name, expected) is None:
                            absent.append({"schema": name, "source": label, "case": f"absent {prop}",
                                           "input": data, "json": expected})
                if not synth.nullable(pschema):
                    refusal(label, model, name, f"null {prop}", {**base, prop: None})

    add({"schema": "HTTPValidationError", "source": "server-response",
         "case": "PATCH state without end_date", "json": real_error})
    for sample in samples:
        if sample["source"] == "server-response":
            if refuses(sdk["HTTPValidationError"], sample["json"]):
                raise Surprise("the SDK refuses the server's own validation error body")

    # The route reads its body as `TIStateUpdate`, a union told apart by the server's
    # `ti_state_discriminator`; the same union, with the same function, as a TypeAdapter.
    from typing import Annotated, get_args
    from pydantic import Discriminator
    from airflow.api_fastapi.execution_api.datamodels.taskinstance import ti_state_discriminator
    union = TypeAdapter(Annotated[get_args(TIStateUpdate)[0], Discriminator(ti_state_discriminator)])
    members = {m["$ref"][len(REF):] for m in
               spec["paths"]["/task-instances/{task_instance_id}/state"]["patch"]["requestBody"]
               ["content"]["application/json"]["schema"]["oneOf"]}
    ti_patch = []
    for sample in samples:
        if sample["schema"] in members:
            # null: the server refuses the body (TITargetStatePayload with a state that has its
            # own payload, which the discriminator sends there).
            picked = None
            if not refuses(union, sample["json"]):
                picked = type(union.validate_json(json.dumps(sample["json"]))).__name__
            ti_patch.append({"picks": picked, "source": sample["source"], "case": sample["case"],
                             "of": sample["schema"], "json": sample["json"]})

    if outside and any(o["source"] != "sdk" for o in outside):
        raise Surprise(f"the server writes what its document does not allow: {outside}")
    result = {
        "about": "Generated by tools/supervisor/api_samples.py from the pinned Airflow; do not edit.",
        "sdk_dumps_outside_document": outside,
        "samples": samples,
        "absent": absent,
        "refused": refused,
        "sdk_accepts_yet_document_refuses": sdk_lenient,
        "ti_patch_payload": ti_patch,
    }
    # One record a line, so that a change shows as the records it touches.
    text = "{\n" + ",\n".join(
        f"{json.dumps(key)}: " + (
            "[\n" + ",\n".join(json.dumps(r, sort_keys=True, ensure_ascii=False) for r in value) + "\n]"
            if isinstance(value, list) and value else json.dumps(value, ensure_ascii=False))
        for key, value in sorted(result.items())) + "\n}\n"
    if args.check:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            print(f"api_samples.py: {OUT.relative_to(REPO)} is out of date", file=sys.stderr)
            return 1
        return 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"api_samples.py: {len(samples)} samples, {len(absent)} absent-field cases, "
          f"{len(refused)} refusals, {len(ti_patch)} state payloads classified", file=sys.stderr)
    return 0


if __name__ == "__main__":
    exit_on_surprise("api_samples.py", main)
