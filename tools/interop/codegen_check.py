"""Proof that another language can use schemas/: generate Python (pydantic v2) models from
`schemas/CallbackToSupervisor.json` and `schemas/TaskToSupervisor.json` with an independent code
generator (datamodel-code-generator), then check them against the conformance corpus:

- every message the real SDK accepts in canonical form (or with defaults omitted) parses;
- every message the SDK rejects for a reason a schema can express
  (tests/schema-expressible-errors.txt) is rejected.

The generated code is not kept. Fails (never skips) when the generator is missing.
Run from a venv with datamodel-code-generator (see tools/codegen-requirements.txt).
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

REPO = Path(__file__).resolve().parents[2]
CHANNELS = {"callback": "CallbackToSupervisor", "task": "TaskToSupervisor"}


def generate(schema: Path, out: Path) -> object:
    codegen = shutil.which("datamodel-codegen") or str(Path(sys.executable).with_name("datamodel-codegen"))
    if not Path(codegen).exists():
        raise SystemExit("datamodel-codegen is missing: pip install -r tools/codegen-requirements.txt")
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


def main() -> int:
    expressible = {
        line.strip()
        for line in (REPO / "tests" / "schema-expressible-errors.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for channel, name in CHANNELS.items():
            module = generate(REPO / "schemas" / f"{name}.json", Path(tmp) / f"generated_{channel}.py")
            model = getattr(module, name)
            accepted = rejected = accepted_total = rejected_total = 0
            for line in (REPO / "tests" / "corpus" / f"{channel}.jsonl").read_text(encoding="utf-8").splitlines():
                case = json.loads(line)
                try:
                    json.loads(case["input"])
                except ValueError:
                    continue
                if case["verdict"] == "accept" and case.get("form") in ("canonical", "defaults"):
                    accepted_total += 1
                    try:
                        model.model_validate_json(case["input"])
                        accepted += 1
                    except ValidationError as err:
                        failures.append(f"{channel} {case['case']}: the generated model refuses it: {err.errors()[0]}")
                elif case["verdict"] == "reject" and case["pydantic"]["type"] in expressible:
                    rejected_total += 1
                    try:
                        model.model_validate_json(case["input"])
                        failures.append(f"{channel} {case['case']}: the generated model accepts a message the SDK rejects ({case['pydantic']['type']})")
                    except ValidationError:
                        rejected += 1
            print(f"{channel}: generated models parse {accepted}/{accepted_total} accepted messages "
                  f"and reject {rejected}/{rejected_total} schema-expressible rejections")
    for failure in failures:
        print("FAIL", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
