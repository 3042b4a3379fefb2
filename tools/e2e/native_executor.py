"""A LocalExecutor whose workers hand each workload to ``airflow-supervisor``, as a pod would.

For tools/e2e/whole_airflow.sh's native mode. The scheduler drives it exactly as it drives the
LocalExecutor (same queues, same worker processes, same ``end()``); only the step that runs a
workload differs. Where a LocalExecutor worker supervises the workload in its own process, this
one runs

    $AIRFLOW_SUPERVISOR_BIN <sys.executable> -m airflow.sdk.execution_time.execute_workload \
        --json-string <workload.model_dump_json()>

which are the words a KubernetesExecutor pod's container is given (its ``args``), with the
binary in front as the container's ``command``. As the KubernetesExecutor does from the pod's
phase, the workload's ``success_state`` is reported when the process exits 0 and its
``failure_state`` otherwise. The binary finds the Execution API and everything else in the
configuration it inherits (the scheduler's environment and ``airflow.cfg``), as a pod does from
its own; the executor passes nothing else.

Configuration:
  [core] executor = native_executor.NativeSupervisorExecutor   (this file's directory on PYTHONPATH)
  AIRFLOW_SUPERVISOR_BIN            the airflow-supervisor binary (required)
  AIRFLOW_SUPERVISOR_INVOCATIONS    optional: a file to which one JSON line per invocation is
                                    appended (argv, pid, exit code, times, the workload's ids,
                                    the process's stdout and stderr), for the harness to read

The process's stdout and stderr are also copied to the worker's own, where a LocalExecutor
worker's task output goes (the scheduler's output), once the process has exited.
"""

from __future__ import annotations

import fcntl
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time

import structlog

from airflow.executors.local_executor import LocalExecutor, _get_executor_process_title_prefix

EXECUTE_WORKLOAD_MODULE = "airflow.sdk.execution_time.execute_workload"
BIN_ENV = "AIRFLOW_SUPERVISOR_BIN"
RECORD_ENV = "AIRFLOW_SUPERVISOR_INVOCATIONS"

try:
    from setproctitle import setproctitle as _setproctitle
except ImportError:  # pragma: no cover - setproctitle is one of Airflow's dependencies

    def _setproctitle(title: str) -> None:
        pass


class SupervisorExited(Exception):
    """airflow-supervisor exited with a status other than 0 (what a failed pod is)."""


def supervisor_argv(binary: str, workload) -> list[str]:
    """The command line for one workload: the binary, then a KubernetesExecutor pod's args."""
    return [
        binary,
        sys.executable,
        "-m",
        EXECUTE_WORKLOAD_MODULE,
        "--json-string",
        workload.model_dump_json(),
    ]


def _workload_ids(workload) -> dict:
    ids = {"workload_type": type(workload).__name__}
    ti = getattr(workload, "ti", None)
    if ti is not None:
        ids.update(
            ti_id=str(ti.id),
            dag_id=ti.dag_id,
            task_id=ti.task_id,
            run_id=ti.run_id,
            try_number=ti.try_number,
            map_index=ti.map_index,
            queue=ti.queue,
        )
    return ids


def _record(entry: dict) -> None:
    path = os.environ.get(RECORD_ENV)
    if not path:
        return
    line = (json.dumps(entry) + "\n").encode()
    # Several workers append to the same file: one locked write per entry.
    with open(path, "ab") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            f.write(line)
            f.flush()
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def run_with_supervisor(workload, log) -> int:
    """Runs one workload through airflow-supervisor and returns its exit status."""
    binary = os.environ.get(BIN_ENV)
    if not binary:
        raise RuntimeError(f"{BIN_ENV} is not set: the path of the airflow-supervisor binary")
    argv = supervisor_argv(binary, workload)
    started_wall = time.time()
    started = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate()
    seconds = time.monotonic() - started
    sys.stdout.buffer.write(out)
    sys.stdout.flush()
    sys.stderr.buffer.write(err)
    sys.stderr.flush()
    _record(
        {
            **_workload_ids(workload),
            "argv": argv,
            "pid": proc.pid,
            "exit_code": proc.returncode,
            "started": started_wall,
            "seconds": seconds,
            "stdout": out.decode("utf-8", "replace"),
            "stderr": err.decode("utf-8", "replace"),
        }
    )
    log.info(
        "airflow-supervisor exited",
        workload=workload.display_name,
        pid=proc.pid,
        exit_code=proc.returncode,
        seconds=round(seconds, 3),
    )
    return proc.returncode


def _supervisor_worker(logger_name, input, output, unread_messages, team_conf):
    """A LocalExecutor worker's loop, with each workload handed to airflow-supervisor.

    Same contract as the LocalExecutor's: SIGINT ignored (tasks are left to finish), ``None`` on
    the queue ends the worker, the shared count of unread messages drops as a workload is taken,
    the workload's ``running_state`` (if any) is reported before it runs, then its
    ``success_state`` or ``failure_state``.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    log = structlog.get_logger(logger_name)
    prefix = _get_executor_process_title_prefix(team_conf.team_name)
    log.info("airflow-supervisor worker starting", pid=os.getpid(), binary=os.environ.get(BIN_ENV))
    while True:
        _setproctitle(f"{prefix} <idle>")
        try:
            workload = input.get()
        except EOFError:
            log.info("the task queue was closed; worker exiting", worker=multiprocessing.current_process().name)
            break
        if workload is None:
            return
        with unread_messages:
            unread_messages.value -= 1
        if workload.running_state is not None:
            output.put((workload.key, workload.running_state, None))
        _setproctitle(f"{prefix} {workload.display_name} (airflow-supervisor)")
        try:
            code = run_with_supervisor(workload, log)
        except Exception as e:
            log.exception("could not run airflow-supervisor", workload_type=type(workload).__name__)
            output.put((workload.key, workload.failure_state, e))
            continue
        if code == 0:
            output.put((workload.key, workload.success_state, None))
        else:
            error = SupervisorExited(f"airflow-supervisor exited with status {code}")
            output.put((workload.key, workload.failure_state, error))


class NativeSupervisorExecutor(LocalExecutor):
    """LocalExecutor whose workers run every workload with airflow-supervisor (see the module)."""

    def _spawn_worker(self):
        proc = multiprocessing.Process(
            target=_supervisor_worker,
            kwargs={
                "logger_name": self.log.name,
                "input": self.activity_queue,
                "output": self.result_queue,
                "unread_messages": self._unread_messages,
                "team_conf": self.conf,
            },
        )
        proc.start()
        self.workers[proc.pid] = proc
