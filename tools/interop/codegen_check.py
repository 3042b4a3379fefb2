"""Proof that another language can use schemas/: generate Python (pydantic v2) models from the
schemas of three channels (`CallbackToSupervisor`, `TaskToSupervisor`, `ToTask`), in both
flavours, with an independent code generator (datamodel-code-generator), then check them against
the conformance corpus:

- from `schemas/validation/`: every message the real SDK accepts in canonical form (or with
  defaults omitted) parses, and every message the SDK rejects for a reason a schema can express
  (tests/schema-expressible-errors.txt) is rejected;
- from `schemas/serialization/`: every message the SDK wrote parses, and every input that leaves
  out a key the SDK writes is rejected.

The generated code is not kept. Fails (never skips) when the generator is missing.
Run from a venv with datamodel-code-generator: `bash tools/venv.sh .venv-codegen tools/codegen-requirements.txt`.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from pydantic import ValidationError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import common  # noqa: E402  (tools/common.py)

REPO = common.REPO
CHECKED = ("callback", "task", "to-task")


def generate(schema: Path, out: Path) -> object:
    codegen = shutil.which("datamodel-codegen") or str(Path(sys.executable).with_name("datamodel-codegen"))
    if not Path(codegen).exists():
        raise SystemExit("datamodel-codegen is missing: bash tools/venv.sh .venv-codegen tools/codegen-requirements.txt")
    subprocess.run(
        [
            codegen, "--input", str(schema), "--input-file-type", "jsonschema",
            "--output-model-type", "pydantic_v2.BaseModel", "--output", str(out),
            "--strict-nullable", "--use-annotated", "--output-datetime-class", "AwareDatetime",
            "--disable-timestamp", "--formatters", "builtin",
        ],
        check=True,
    )
    spec = importlib.util.spec_from_file_location(out.stem, out)
    module = importlib.util.module_from_spec(spec)
    sys.modules[out.stem] = module
    spec.loader.exec_module(module)
    return module


def leaves_out_a_written_key(given: object, written: object) -> bool:
    """Whether an object somewhere in `given` lacks a key its counterpart in `written` has."""
    if isinstance(given, dict) and isinstance(written, dict):
        return any(key not in given or leaves_out_a_written_key(given[key], value) for key, value in written.items())
    if isinstance(given, list) and isinstance(written, list) and len(given) == len(written):
        return any(leaves_out_a_written_key(g, w) for g, w in zip(given, written))
    return False


def parses(model: object, text: str) -> ValidationError | None:
    try:
        model.model_validate_json(text)
        return None
    except ValidationError as err:
        return err


def main() -> int:
    expressible = {
        line.strip()
        for line in (REPO / "tests" / "schema-expressible-errors.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for channel in CHECKED:
            name = common.channel(channel).schema
            stem = channel.replace("-", "_")
            reader = getattr(generate(REPO / "schemas" / "validation" / f"{name}.json", Path(tmp) / f"validation_{stem}.py"), name)
            writer = getattr(generate(REPO / "schemas" / "serialization" / f"{name}.json", Path(tmp) / f"serialization_{stem}.py"), name)
            counts = dict.fromkeys(["accepted", "accepted_total", "rejected", "rejected_total", "written", "written_total", "short", "short_total"], 0)
            for case in common.corpus_cases(channel):
                label = f"{channel} {case['case']}"
                try:
                    given = json.loads(case["input"])
                except ValueError:
                    given = None
                if given is not None and case["verdict"] == "accept" and case.get("form") in ("canonical", "defaults"):
                    counts["accepted_total"] += 1
                    if (err := parses(reader, case["input"])) is None:
                        counts["accepted"] += 1
                    else:
                        failures.append(f"{label}: the model generated from the validation schema refuses it: {err.errors()[0]}")
                elif given is not None and case["verdict"] == "reject" and case["pydantic"]["type"] in expressible:
                    counts["rejected_total"] += 1
                    if parses(reader, case["input"]) is None:
                        failures.append(f"{label}: the model generated from the validation schema accepts a message the SDK rejects ({case['pydantic']['type']})")
                    else:
                        counts["rejected"] += 1
                if "expected" in case:
                    counts["written_total"] += 1
                    if (err := parses(writer, json.dumps(case["expected"]))) is None:
                        counts["written"] += 1
                    else:
                        failures.append(f"{label}: the model generated from the serialization schema refuses what the SDK wrote: {err.errors()[0]}")
                    if given is not None and leaves_out_a_written_key(given, case["expected"]):
                        counts["short_total"] += 1
                        if parses(writer, case["input"]) is None:
                            failures.append(f"{label}: the model generated from the serialization schema accepts an input with written keys left out")
                        else:
                            counts["short"] += 1
            print(
                f"{channel}: validation models parse {counts['accepted']}/{counts['accepted_total']} accepted messages "
                f"and reject {counts['rejected']}/{counts['rejected_total']} schema-expressible rejections; "
                f"serialization models parse {counts['written']}/{counts['written_total']} written messages "
                f"and reject {counts['short']}/{counts['short_total']} inputs with written keys left out"
            )
    for failure in failures:
        print("FAIL", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
