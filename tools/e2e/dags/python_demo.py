"""DAG python_demo for tools/e2e/whole_airflow.sh: plain Python tasks, run by the task SDK.

In the harness's native mode every one of them is run by airflow-supervisor (which starts the
SDK's task runner in a fresh interpreter); otherwise by Airflow's own supervisor. The harness
reads back, through the REST API, what each must leave (tools/e2e/airflow_api.py, check-python):

- ``read_config``: reads Variable ``greeting_name`` and Connection ``warehouse``, logs the
  connection with its password (through a logger, and again on stdout with print), returns None.
- ``make_xcom``: returns a value built from the variable, and pushes XCom ``answer`` = 42.
- ``use_xcom``: pulls ``make_xcom``'s value (as its argument) and returns a summary of it.
- ``fails``: raises, retries=0.
- ``skipped``: raises AirflowSkipException.
"""

from __future__ import annotations

import logging

from airflow.sdk import Connection, Variable, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowSkipException

log = logging.getLogger("python_demo")


@dag(dag_id="python_demo", schedule=None, catchup=False, tags=["airflow-comms-e2e"])
def python_demo():
    @task
    def read_config() -> None:
        name = Variable.get("greeting_name")
        conn = Connection.get("warehouse")
        log.info("python_demo greets %s", name)
        log.info(
            "python_demo connecting to %s:%s as %s with password %s",
            conn.host,
            conn.port,
            conn.login,
            conn.password,
        )
        print(f"python_demo stdout: password {conn.password}", flush=True)

    @task
    def make_xcom() -> dict:
        name = Variable.get("greeting_name")
        get_current_context()["ti"].xcom_push(key="answer", value=42)
        return {
            "greeting": f"Hello, {name}!",
            "squares": [i * i for i in range(1, 11)],
            "third": 1 / 3,
            "flags": [True, False, None],
            "text": "Zoë ✓ \"quoted\"\n",
        }

    @task
    def use_xcom(value: dict) -> dict:
        return {"sum_of_squares": sum(value["squares"]), "greeting_length": len(value["greeting"])}

    @task(retries=0)
    def fails():
        raise RuntimeError("python_demo failing on purpose")

    @task
    def skipped():
        raise AirflowSkipException("python_demo skipping on purpose")

    read_config()
    use_xcom(make_xcom())
    fails()
    skipped()


python_demo()
