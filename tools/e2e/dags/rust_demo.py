"""DAG rust_demo for tools/e2e/whole_airflow.sh: the Rust demo's tasks, declared for Airflow.

The tasks on queue ``rust`` are routed by ``[sdk] queue_to_coordinator`` to the
ExecutableCoordinator, which runs the rust_demo bundle (runtime/examples/demo_tasks.rs) for
them; their Python bodies never run. ``numbers`` is an ordinary Python task whose list
``sum_upstream`` pulls.
"""

from __future__ import annotations

from airflow.sdk import dag, task

RUST_QUEUE = "rust"
NUMBERS = 1000


def _runs_in_bundle(task_id: str):
    raise RuntimeError(f"{task_id} runs in the rust_demo executable bundle, not in Python")


@dag(dag_id="rust_demo", schedule=None, catchup=False, tags=["airflow-comms-e2e"])
def rust_demo():
    @task
    def numbers() -> list[int]:
        return list(range(1, NUMBERS + 1))

    @task(queue=RUST_QUEUE)
    def greet():
        _runs_in_bundle("greet")

    @task(queue=RUST_QUEUE)
    def connect():
        _runs_in_bundle("connect")

    @task(queue=RUST_QUEUE)
    def sum_upstream():
        _runs_in_bundle("sum_upstream")

    @task(queue=RUST_QUEUE, retries=0)
    def always_fails():
        _runs_in_bundle("always_fails")

    @task(queue=RUST_QUEUE)
    def skip_me():
        _runs_in_bundle("skip_me")

    numbers() >> sum_upstream()
    greet()
    connect()
    always_fails()
    skip_me()


rust_demo()
