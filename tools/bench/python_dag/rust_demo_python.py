"""The Python twin of the demo's `greet` and `sum_upstream` (runtime/examples/demo_tasks.rs).

tools/bench/runtime_compare.py runs these with the Python task runner under the same supervisor,
mock Execution API and process set-up as the Rust bundle. The DAG id is the demo's, `rust_demo`,
so both sides make the same API calls and receive the same frames.
"""

from __future__ import annotations

import logging

from airflow.sdk import DAG, Variable, task

log = logging.getLogger(__name__)

with DAG(dag_id="rust_demo", schedule=None, catchup=False):

    @task
    def greet(ti=None):
        name = Variable.get("greeting_name", default=None)
        if name is None:
            log.error("Variable greeting_name is not set")
            raise RuntimeError("Variable greeting_name is not set")
        greeting = f"Hello, {name}!"
        log.info(greeting)
        return {"greeting": greeting, "try_number": ti.try_number}

    @task
    def sum_upstream(ti=None):
        # map_indexes=-1 sends GetXCom for the unmapped XCom, the request the Rust runtime sends
        # (without it the runner asks for every map index with GetXComSequenceSlice).
        numbers = ti.xcom_pull(task_ids="numbers", map_indexes=-1)
        if numbers is None:
            raise RuntimeError("task numbers returned nothing")
        log.info("summed the numbers of task numbers (count=%d)", len(numbers))
        return {"sum": sum(numbers), "count": len(numbers)}

    greet()
    sum_upstream()
