"""Writes supervisor/openapi/execution-api-2026-06-30.json: the Execution API's OpenAPI document
exactly as the pinned apache-airflow-core's api-server serves it.

The api-server mounts the Execution API (a Cadwyn app, one OpenAPI document per API version) at
`/execution` and serves each version's description at `/execution/openapi.json?version=V`
(without `version` it answers 404). This script builds the same top-level app the api-server
builds (`airflow.api_fastapi.app.create_app`, with only the `execution` part) and asks it for
that URL through an in-process test client: no network server, no socket.

The version is the one the task SDK sends: `airflow.sdk.api.client.Client` puts
`airflow.sdk.api.datamodels._generated.API_VERSION` in its `airflow-api-version` header, and in
task-sdk 1.3.2 that is `2026-06-30`. The script reads the constant and stops if it is anything
else, and stops if the served document's `info.version` differs from what it asked for.

Building the app needs an Airflow configuration but no database contents: the script runs with a
throw-away AIRFLOW_HOME (SQLite inside it) and with every AIRFLOW_* / AIRFLOW__* variable of the
caller's environment removed, so the output does not depend on the machine. The document is
written with sorted keys, two-space indentation and a final newline; the same Airflow gives the
same bytes.

    python tools/supervisor/openapi.py            # (re)write the file
    python tools/supervisor/openapi.py --check    # exit 1 if the checked-in file differs
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from common import REPO, check_pins  # noqa: E402  (tools/common.py)

VERSION = "2026-06-30"
OUT = REPO / "supervisor" / "openapi" / f"execution-api-{VERSION}.json"
URL = f"/execution/openapi.json?version={VERSION}"


def fetch_document(home: str) -> dict:
    """The document the api-server serves at URL, from an app configured under `home`."""
    for name in list(os.environ):
        if name.startswith("AIRFLOW_") or name.startswith("AIRFLOW__"):
            del os.environ[name]
    os.environ["AIRFLOW_HOME"] = home
    os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{home}/airflow.db"
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = f"{home}/dags"
    os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "ERROR"

    # Airflow reads its configuration when first imported: only now.
    from airflow.sdk.api.datamodels._generated import API_VERSION
    if API_VERSION != VERSION:
        sys.exit(f"openapi.py: the SDK sends airflow-api-version {API_VERSION!r}, not {VERSION!r}")

    import warnings
    warnings.filterwarnings("ignore")  # starlette's notice about its httpx test client
    from fastapi.testclient import TestClient
    from airflow.api_fastapi.app import create_app

    # Not entered as a context manager: the app's lifespan only registers the JWT services,
    # which the OpenAPI route does not use (and which would want a signing key).
    response = TestClient(create_app(apps="execution")).get(URL)
    if response.status_code != 200:
        sys.exit(f"openapi.py: GET {URL} answered {response.status_code}: {response.text[:200]}")
    document = response.json()
    served = document.get("info", {}).get("version")
    if served != VERSION:
        sys.exit(f"openapi.py: GET {URL} served info.version {served!r}")
    return document


def render(document: dict) -> str:
    # The served order is kept: a schema's properties come in its model's field order, which the
    # generated structs keep, so a body is written with its keys in the order pydantic writes them.
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="compare with the checked-in file instead of writing it")
    args = parser.parse_args()
    check_pins("openapi.py")
    with tempfile.TemporaryDirectory(prefix="airflow-home-") as home:
        text = render(fetch_document(home))
    if args.check:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            print(f"openapi.py: {OUT.relative_to(REPO)} is out of date; run tools/supervisor/openapi.py",
                  file=sys.stderr)
            return 1
        return 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
