"""A deliberately wrong supervisor, for the harness's self-test (differential_selftest.py).

    python differential_sabotage.py FAULT [PYTHON -m airflow.sdk.execution_time.execute_workload] --json-string W

runs Airflow's own `execute_workload` in this process after patching one behaviour of the
supervisor (FAULT, one of FAULTS below). Each fault is something a native supervisor could get
wrong; the self-test checks that the harness notices each one, for the reason expected.
"""

from __future__ import annotations

import os
import runpy
import sys


def no_mask() -> None:
    """The supervisor does not mask secrets (the connection's password reaches the log)."""
    from airflow.sdk._shared.secrets_masker import SecretsMasker

    SecretsMasker.add_mask = lambda self, *a, **k: None


def heartbeat_own_pid() -> None:
    """Heartbeats carry the supervisor's pid instead of the task process's."""
    from airflow.sdk.api import client

    original = client.TaskInstanceOperations.heartbeat

    def heartbeat(self, id, pid):
        return original(self, id, os.getpid())

    client.TaskInstanceOperations.heartbeat = heartbeat


def slow_heartbeat() -> None:
    """[workers] min_heartbeat_interval taken from airflow.cfg (30) over the environment (1)."""
    from airflow.sdk.execution_time import supervisor

    supervisor.MIN_HEARTBEAT_INTERVAL = 30


def no_heartbeat() -> None:
    """No heartbeat at all."""
    from airflow.sdk.execution_time import supervisor

    supervisor.ActivitySubprocess._send_heartbeat_if_needed = lambda self: None


def retry_instead_of_failed() -> None:
    """An abnormal exit is taken for up_for_retry although the server said should_retry false (a state
    the supervisor believes it sent directly, so nothing is reported)."""
    from airflow.sdk.execution_time import supervisor

    original = supervisor.ActivitySubprocess.final_state

    def final_state(self):
        state = original.fget(self)
        return "up_for_retry" if state == "failed" else state

    supervisor.ActivitySubprocess.final_state = property(final_state)


def quiet_abnormal_exit() -> None:
    """The supervisor does not write 'Process exited abnormally' into the task log."""
    from airflow.sdk.execution_time import supervisor

    original = supervisor.WatchedSubprocess._check_subprocess_exit

    class Dropping:
        def __init__(self, inner):
            self.inner = inner

        def warning(self, event, *args, **kwargs):
            if event != "Process exited abnormally":
                self.inner.warning(event, *args, **kwargs)

        def __getattr__(self, name):
            return getattr(self.inner, name)

    def check(self, *args, **kwargs):
        real = self.process_log
        self.process_log = Dropping(real)
        try:
            return original(self, *args, **kwargs)
        finally:
            self.process_log = real

    supervisor.WatchedSubprocess._check_subprocess_exit = check


def ignore_refreshed_token() -> None:
    """Refreshed-API-Token is ignored (so the workload token is used throughout)."""
    from airflow.sdk.api import client

    client.Client._update_auth = lambda self, response: None


def logs_not_on_stdout() -> None:
    """The task's log lines are not forwarded to stdout (subprocess_logs_to_stdout ignored)."""
    from airflow.executors.base_executor import BaseExecutor

    original = BaseExecutor.run_workload

    def run_workload(workload, **kwargs):
        kwargs["subprocess_logs_to_stdout"] = False
        return original(workload, **kwargs)

    BaseExecutor.run_workload = staticmethod(run_workload)


def exit_code_3() -> None:
    """The process exits 3 after a normal run."""
    import atexit

    atexit.register(lambda: os._exit(3))


def remote_log_overwrites() -> None:
    """The remote log replaces an object already at its key instead of appending to it."""
    from airflow.providers.amazon.aws.log.s3_task_handler import S3RemoteLogIO

    original = S3RemoteLogIO.write
    S3RemoteLogIO.write = lambda self, log, location, append=True, max_retry=1: original(self, log, location, False,
                                                                                         max_retry)


def remote_log_keeps_local_copy() -> None:
    """The local log file is left as it was after the upload (a later upload would repeat it)."""
    from pathlib import Path

    from airflow.providers.amazon.aws.log.s3_task_handler import S3RemoteLogIO

    original = S3RemoteLogIO.upload

    def upload(self, path, ti=None):
        local = Path(path) if Path(path).is_absolute() else self.base_log_folder / path
        kept = local.read_bytes() if local.is_file() else None
        original(self, path, ti)
        if kept is not None:
            local.write_bytes(kept)

    S3RemoteLogIO.upload = upload


FAULTS = {f.__name__: f for f in (no_mask, heartbeat_own_pid, slow_heartbeat, no_heartbeat, retry_instead_of_failed,
                                  quiet_abnormal_exit, ignore_refreshed_token, logs_not_on_stdout, exit_code_3,
                                  remote_log_overwrites, remote_log_keeps_local_copy)}


def main() -> None:
    fault = sys.argv[1]
    args = sys.argv[2:]
    if len(args) >= 3 and args[1] == "-m" and args[2] == "airflow.sdk.execution_time.execute_workload":
        args = args[3:]
    FAULTS[fault]()
    sys.argv = ["execute_workload", *args]
    runpy.run_module("airflow.sdk.execution_time.execute_workload", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
