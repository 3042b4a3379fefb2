"""A callback-like child process using the Airflow SDK's own client (`CommsDecoder` on fd 0).

Run it under the example supervisor:

    cargo run --example supervisor -- --channel callback --responses examples/python/canned.json \
        -- .venv/bin/python examples/python/callback_child.py
"""

from airflow.sdk.exceptions import AirflowRuntimeError
from airflow.sdk.execution_time import comms
from datetime import datetime, timezone

client = comms.CommsDecoder()

print("GetConnection ->", client.send(comms.GetConnection(conn_id="warehouse")))
print("GetVariable   ->", client.send(comms.GetVariable(key="region")))
print("MaskSecret    ->", client.send(comms.MaskSecret(value="hunter2", name="warehouse.password")))
try:
    # Only a task may do this: the callback channel refuses it, and the Rust supervisor says so
    # (Airflow's own supervisor would never answer, and this call would block forever).
    client.send(comms.SucceedTask(end_date=datetime.now(timezone.utc)))
except AirflowRuntimeError as err:
    print("SucceedTask   -> refused:", err.error.error.value, err.error.detail["message"])
