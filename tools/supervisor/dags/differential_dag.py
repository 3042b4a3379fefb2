"""The DAG the supervisor differential harness runs: one task per scenario.

Loaded by the real task runner from the `differential` LocalDagBundle (this folder), configured by
`AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST`. Each task does just what its scenario needs; the
harness compares what a supervisor does around it (API calls, task log, final state, exit code).
Nothing here may depend on the run (no time, pid or random values in what is logged or sent),
except where a scenario is about exactly that.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from datetime import datetime, timezone

from airflow.sdk import DAG, BaseOperator, BaseSensorOperator, Connection, Variable, task
from airflow.sdk.exceptions import AirflowSkipException

log = logging.getLogger(__name__)

# A fixed moment far in the future, so the DeferTask body is the same in every run.
TRIGGER_MOMENT = datetime(2099, 1, 1, tzinfo=timezone.utc)


class DeferForever(BaseOperator):
    """Defers at once to a DateTimeTrigger; the harness checks the DeferTask -> PATCH state."""

    def execute(self, context):
        from airflow.providers.standard.triggers.temporal import DateTimeTrigger

        log.info("deferring until %s", TRIGGER_MOMENT.isoformat())
        self.defer(trigger=DateTimeTrigger(moment=TRIGGER_MOMENT), method_name="resume",
                   kwargs={"note": "resumed by the trigger"})

    def resume(self, context, event=None, note=None):
        return note


class NeverReady(BaseSensorOperator):
    """A sensor in reschedule mode whose condition is never met."""

    def poke(self, context):
        log.info("poking: not ready")
        return False


with DAG("differential", schedule=None, catchup=False, tags=["airflow-comms", "differential"]) as dag:

    @task(task_id="success_xcom_vars_conn")
    def success_xcom_vars_conn(ti=None):
        greeting = Variable.get("diff_greeting")
        conn = Connection.get("diff_warehouse")
        log.info("greeting is %s", greeting)
        # The password goes to the log in clear from the task; the supervisor must mask it.
        log.info("connecting to %s:%s as %s with password %s", conn.host, conn.port, conn.login, conn.password)
        print(f"stdout: password {conn.password} and greeting {greeting}")
        print(f"stderr: login {conn.login}", file=sys.stderr)
        return {"greeting": greeting, "endpoint": f"{conn.host}:{conn.port}", "try_number": ti.try_number}

    @task(task_id="fail")
    def fail():
        log.info("about to fail")
        raise ValueError("failing on purpose")

    @task(task_id="skip")
    def skip():
        raise AirflowSkipException("skipping on purpose")

    @task(task_id="os_exit")
    def os_exit():
        log.info("calling os._exit(3)")
        sys.stdout.flush()
        os._exit(3)

    @task(task_id="sigkill")
    def sigkill():
        log.info("sending SIGKILL to myself")
        os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(60)

    @task(task_id="sleep")
    def sleep(dag_run=None):
        seconds = float((dag_run.conf or {}).get("sleep_seconds", 30))
        log.info("sleeping for %s seconds", seconds)
        time.sleep(seconds)
        log.info("woke up")

    def linger_after_success(context):
        seconds = float((context["dag_run"].conf or {}).get("hang_seconds", 120))
        log.info("on_success_callback lingers for %s seconds", seconds)
        time.sleep(seconds)
        log.info("on_success_callback done lingering")

    # The terminal state (SucceedTask) is sent before the finalizers run, so a slow
    # on_success_callback keeps the task process alive after success: overtime.
    @task(task_id="overtime_hang", on_success_callback=linger_after_success)
    def overtime_hang():
        log.info("task body done")
        return "done"

    # show_return_value_in_logs=False: the value would otherwise go into one log line of the same
    # size, which the Python supervisor reads in 4 KiB steps, searching the whole line so far for a
    # newline at each step (quadratic: a 300 MiB line takes hours). long_log_line covers long lines.
    @task(task_id="big_xcom", show_return_value_in_logs=False)
    def big_xcom(dag_run=None):
        size = int((dag_run.conf or {}).get("xcom_bytes", 1024))
        log.info("returning an XCom string of %d characters", size)
        return "x" * size

    @task(task_id="long_log_line")
    def long_log_line(dag_run=None):
        size = int((dag_run.conf or {}).get("line_bytes", 1024))
        log.info("a long line follows")
        log.info("long line: %s", "y" * size)
        print("long stdout line: " + "z" * size)
        log.info("after the long line")

    DeferForever(task_id="deferral")

    NeverReady(task_id="reschedule", mode="reschedule", poke_interval=600, timeout=3600)

    success_xcom_vars_conn()
    fail()
    skip()
    os_exit()
    sigkill()
    sleep()
    overtime_hang()
    big_xcom()
    long_log_line()
