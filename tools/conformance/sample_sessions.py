"""Writes tests/data/: realistic request sequences written by the pinned Airflow SDK.

- `*-session.jsonl`: one JSON message per line, as `model_dump(mode="json", by_alias=True)` gives it.
- `task-session.frames`: a capture of the frames the SDK's own client (`CommsDecoder`) writes on
  fd 0 while a task runner session sends the same requests, answered by a small in-process
  supervisor. It is the input of the README's first command.

Deterministic: CI regenerates them and fails when they drift.
"""

from __future__ import annotations

import argparse
import socket
import sys
import threading
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import DATA, check_pins, dumps  # noqa: E402  (tools/common.py)

check_pins("sample_sessions")

from airflow.sdk.api.datamodels._generated import AssetProfile  # noqa: E402
from airflow.sdk.execution_time import comms  # noqa: E402

TI_ID = uuid.UUID(int=0x0198C4E6_5D7A_7C3E_9F00_4A1B2C3D4E5F)
RUN_ID = "scheduled__2026-11-21T00:00:00+00:00"
UTC = timezone.utc


def dump(model) -> str:
    return dumps(model.model_dump(mode="json", by_alias=True))


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
    return [dump(request) for request in task_requests()]


def task_requests() -> list:
    """The task session as model objects: what a task runner sends while it runs `load`."""
    ist = timezone(timedelta(hours=5, minutes=30))
    return [
        comms.GetConnection(conn_id="warehouse"),
        comms.GetVariable(key="batch_size"),
        comms.GetXCom(key="return_value", dag_id="etl", run_id=RUN_ID, task_id="extract", map_index=-1),
        comms.SetRenderedFields(rendered_fields={"sql": "SELECT * FROM orders WHERE day = '2026-11-21'", "params": {"limit": 1000}}),
        comms.MaskSecret(value="s3cr3t-p4ss", name="warehouse.password"),
        comms.SetXCom(key="return_value", value={"rows": 1024, "tables": ["orders", "clients"], "checksum": 18446744073709551615}, dag_id="etl", run_id=RUN_ID, task_id="load", map_index=-1),
        comms.GetAssetEventByAsset(name="orders", uri="s3://lake/orders", after=datetime(2026, 11, 20, 0, 0, tzinfo=ist)),
        comms.SucceedTask(
            end_date=datetime(2026, 11, 21, 3, 4, 5, 123456, tzinfo=UTC),
            task_outlets=[AssetProfile(name="orders_clean", uri="s3://lake/orders_clean", type="Asset")],
            outlet_events=[],
        ),
    ]


def task_replies() -> dict:
    """What the in-process supervisor answers, by request type (others get an empty reply)."""
    return {
        "GetConnection": comms.ConnectionResult(conn_id="warehouse", conn_type="postgres", host="db.internal", schema="analytics", login="airflow", password="s3cr3t-p4ss", port=5432, extra=None),
        "GetVariable": comms.VariableResult(key="batch_size", value="1000"),
        "GetXCom": comms.XComResult(key="return_value", value={"rows": 1024}),
        "GetAssetEventByAsset": comms.AssetEventsResult(asset_events=[]),
    }


def capture_frames(requests: list, replies: dict) -> bytes:
    """Runs the SDK's client over a socketpair and records every byte it writes."""
    import msgspec

    supervisor_end, child_end = socket.socketpair()
    client = comms.CommsDecoder(socket=child_end)
    captured = bytearray()

    def recv_exact(n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = supervisor_end.recv(n - len(data))
            if not chunk:
                raise EOFError("the client closed the socket")
            data += chunk
        return data

    def serve() -> None:
        decoder = msgspec.msgpack.Decoder(comms._RequestFrame)
        for _ in requests:
            prefix = recv_exact(4)
            payload = recv_exact(int.from_bytes(prefix, "big"))
            captured.extend(prefix + payload)
            frame = decoder.decode(payload)
            reply = replies.get(frame.body["type"])
            body = reply.model_dump(by_alias=True) if reply is not None else None
            supervisor_end.sendall(bytes(comms._ResponseFrame(id=frame.id, body=body).as_bytes()))

    server = threading.Thread(target=serve)
    server.start()
    for request in requests:
        client.send(request)
    server.join()
    return bytes(captured)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=DATA)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name, lines in {"callback-session.jsonl": callback_session(), "task-session.jsonl": task_session()}.items():
        (args.out / name).write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    (args.out / "task-session.frames").write_bytes(capture_frames(task_requests(), task_replies()))


if __name__ == "__main__":
    main()
