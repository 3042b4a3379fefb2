"""Writes tests/corpus/schema-facts.json: the facts of Airflow's own JSON Schemas that
`tests/schemas.rs` compares ours with.

Two sources, both from the pinned packages:
- the SDK's shipped `airflow/sdk/execution_time/schema/schema.json` (for lang-SDK codegen);
- pydantic's `TypeAdapter(<union>).json_schema(mode=...)` for each of the seven channel unions,
  in both modes: `validation` (what the models accept) and `serialization` (what they write),
  the latter with every written field required, as pydantic marks it under its
  `json_schema_serialization_defaults_required` setting (`model_dump` writes every field).

For every message model, and every model nested in one: its property names, its required set, and per property the `const`
and `enum` values a schema allows (following `$ref` and `anyOf`). Only facts are kept, no prose.
Deterministic; CI regenerates it and fails when it drifts.
"""

from __future__ import annotations

import argparse
import importlib.resources
import json
import sys
from pathlib import Path

from pydantic import TypeAdapter
from pydantic.json_schema import GenerateJsonSchema

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import CHANNELS, CORPUS, check_pins, load_union  # noqa: E402  (tools/common.py)


def resolve(schema: dict, defs: dict) -> dict:
    while "$ref" in schema:
        schema = defs[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def allowed_values(schema: dict, defs: dict) -> tuple[list | None, list | None]:
    """The `const` values and `enum` values a property schema allows, through refs and anyOf."""
    consts, enums = [], []
    stack = [schema]
    while stack:
        current = resolve(stack.pop(), defs)
        if "const" in current:
            consts.append(current["const"])
        if "enum" in current:
            enums.extend(current["enum"])
        stack.extend(current.get("anyOf", []) + current.get("oneOf", []))
    return (sorted(set(map(json.dumps, consts))) or None, sorted(set(map(json.dumps, enums))) or None)


def model_facts(model: dict, defs: dict) -> dict:
    properties = {}
    for name, prop in model.get("properties", {}).items():
        consts, enums = allowed_values(prop, defs)
        properties[name] = {"const": consts, "enum": enums}
    return {
        "properties": properties,
        "required": sorted(model.get("required", [])),
        "additional_properties": model.get("additionalProperties", True) is not False,
    }


class WrittenFieldsRequired(GenerateJsonSchema):
    """pydantic's schema generator, with every field it writes required in serialization mode.

    The same rule pydantic applies when a model sets `json_schema_serialization_defaults_required`;
    the Airflow models do not set it, and a config cannot be passed to a union of models.
    """

    def field_is_required(self, field, total: bool) -> bool:
        if self.mode == "serialization":
            return field.get("serialization_exclude_if") is None
        return super().field_is_required(field, total)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=CORPUS / "schema-facts.json")
    args = parser.parse_args()
    check_pins("schema_facts")

    shipped = json.loads(
        importlib.resources.files("airflow.sdk.execution_time").joinpath("schema/schema.json").read_text()
    )
    shipped_defs = shipped["$defs"]
    facts = {
        "schema_json": {
            "api_version": shipped["api_version"],
            "models": {name: model_facts(d, shipped_defs) for name, d in sorted(shipped_defs.items()) if d.get("type") == "object"},
        },
        "pydantic": {},
    }
    for mode in ("validation", "serialization"):
        facts["pydantic"][mode] = {}
        for channel in CHANNELS:
            union = load_union(channel.name)
            schema = TypeAdapter(union).json_schema(mode=mode, schema_generator=WrittenFieldsRequired)
            defs = schema.get("$defs", {})
            members = {}
            for ref in [m["$ref"] for m in schema["oneOf"]]:
                model = resolve({"$ref": ref}, defs)
                tag = model["properties"]["type"]["const"]
                members[tag] = model_facts(model, defs)
            nested = {
                name: model_facts(d, defs)
                for name, d in sorted(defs.items())
                if d.get("type") == "object" and name not in members
            }
            facts["pydantic"][mode][channel.name] = {"members": dict(sorted(members.items())), "nested": nested}
    args.out.write_text(json.dumps(facts, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
