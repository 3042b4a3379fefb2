"""Writes tests/data/*.jsonl: realistic request sequences, one JSON message per line, exactly as the
pinned Airflow SDK dumps them (model_dump(mode="json", by_alias=True)).

They are the embedded default input of the README's first command. Deterministic: CI regenerates
them and fails when they drift.
"""

from __future__ import annotations

import argparse
import json
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from airflow.sdk.api.datamodels._generated import AssetProfile
from airflow.sdk.execution_time import comms

TI_ID = uuid.UUID(int=0x0198C4E6_5D7A_7C3E_9F00_4A1B2C3D4E5F)
RUN_ID = "scheduled__2026-11-21T00:00:00+00:00"
UTC = timezone.utc


def dump(model) -> str:
    return json.dumps(model.model_dump(mode="json", by_alias=True), ensure_ascii=False, separators=(",", ":"))


def callback_session() -> list[str]:
    """An on-failure callback: reads a connection and a variable, masks the password, then
    (wrongly) tries to mark the task successful, which the callback channel refuses."""
    return [
        dump(comms.GetConnection(conn_id="slack_alerts")),
        dump(comms.GetVariable(key="alert_channel")),
        dump(comms.MaskSecret(value="xoxb-not-a-real-token", name="slack_alerts.password")),
        dump(comms.GetVariableKeys(prefix="alert_", limit=50)),
        dump(comms.SucceedTask(end_date=datetime(2026, 11, 21, 3, 4, 5, 120000, tzinfo=UTC))),
    ]


def task_session() -> list[str]:
    """A task run: reads inputs, pushes an XCom, renders fields, succeeds with an outlet."""
    ist = timezone(timedelta(hours=5, minutes=30))
    return [
        dump(comms.GetConnection(conn_id="warehouse")),
        dump(comms.GetVariable(key="batch_size")),
        dump(comms.GetXCom(key="return_value", dag_id="etl", run_id=RUN_ID, task_id="extract", map_index=-1)),
        dump(comms.SetRenderedFields(rendered_fields={"sql": "SELECT * FROM orders WHERE day = '2026-11-21'", "params": {"limit": 1000}})),
        dump(comms.SetXCom(key="return_value", value={"rows": 1024, "tables": ["orders", "clients"], "checksum": 18446744073709551617}, dag_id="etl", run_id=RUN_ID, task_id="load", map_index=-1)),
        dump(comms.GetAssetEventByAsset(name="orders", uri="s3://lake/orders", after=datetime(2026, 11, 20, 0, 0, tzinfo=ist))),
        dump(comms.SucceedTask(
            end_date=datetime(2026, 11, 21, 3, 4, 5, 123456, tzinfo=UTC),
            task_outlets=[AssetProfile(name="orders_clean", uri="s3://lake/orders_clean", type="Asset")],
            outlet_events=[],
        )),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[2] / "tests" / "data")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name, lines in {"callback-session.jsonl": callback_session(), "task-session.jsonl": task_session()}.items():
        (args.out / name).write_text("".join(line + "\n" for line in lines), encoding="utf-8")


if __name__ == "__main__":
    main()
