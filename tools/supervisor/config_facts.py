"""Writes supervisor/tests/data/config/facts.json: what Airflow's real configuration gives for
every option the native supervisor's `Settings` reads, case by case.

Each case is an environment and an optional airflow.cfg text. The script runs each case in a
fresh Python process with a temporary AIRFLOW_HOME (and HOME), the file written to
`$AIRFLOW_HOME/airflow.cfg`, and records:
- `values`: for each option, what the task SDK's `conf` gives through the accessor Python uses
  for it (`get`, `getint`, `getfloat`, `getboolean`; `get` with `fallback=None` where Python
  passes one), or the error it raises;
- `execution_api_server_url`: core Airflow's `get_execution_api_server_url()` (or the error,
  e.g. when core Airflow refuses the configuration at import);
- `url_check`: whether `supervise_task` accepts that URL (it raises before any other work on a
  bad one; an empty `dag_rel_path` stops it right after the check);
- `coordinators`: `CoordinatorManager.from_config()`'s specs and queue map, or its error.

The temporary folder is written as `{TMP}` in the output so that the file is deterministic; the
Rust test puts a path of its own in its place. `supervisor/tests/config.rs` checks the crate's
`Config` and `Settings` against every case.

Run: `.venv/bin/python tools/supervisor/config_facts.py [--out PATH]`. CI regenerates the file
and fails when it drifts.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import REPO, check_pins  # noqa: E402  (tools/common.py)

OUT = REPO / "supervisor" / "tests" / "data" / "config" / "facts.json"
TMP = "{TMP}"

# (section, key, accessor): the options `Settings` reads, with the accessor and fallback the
# Python code uses. "get?" is `conf.get(section, key, fallback=None)`.
OPTIONS = [
    ("scheduler", "task_instance_heartbeat_timeout", "int"),
    ("workers", "min_heartbeat_interval", "int"),
    ("workers", "max_failed_heartbeats", "int"),
    ("workers", "socket_cleanup_timeout", "float"),
    ("core", "task_success_overtime", "float"),
    ("workers", "execution_api_retries", "int"),
    ("workers", "execution_api_retry_wait_min", "float"),
    ("workers", "execution_api_retry_wait_max", "float"),
    ("workers", "execution_api_timeout", "float"),
    ("api", "ssl_cert", "get"),
    ("api", "ssl_ca_file", "get?"),
    ("api", "client_ssl_cert", "get?"),
    ("api", "client_ssl_key", "get?"),
    ("api", "client_use_public_certs", "bool"),
    ("core", "hostname_callable", "get?"),
    ("logging", "base_log_folder", "get"),
    ("logging", "remote_logging", "bool"),
    ("logging", "remote_base_log_folder", "get?"),
    ("logging", "remote_log_conn_id", "get?"),
    ("logging", "logging_level", "get?"),
    ("logging", "colored_console_log", "bool"),
    ("logging", "namespace_levels", "get?"),
    ("logging", "log_format", "get"),
    ("logging", "callsite_parameters", "get?"),
    ("logging", "file_task_handler_new_file_permissions", "get?"),
    ("logging", "file_task_handler_new_folder_permissions", "get?"),
    ("logging", "logging_config_class", "get?"),
    ("sdk", "coordinators", "get?"),
    ("sdk", "queue_to_coordinator", "get?"),
    ("callbacks", "callback_execution_timeout", "int"),
    ("core", "unit_test_mode", "bool"),
    # Not read by Settings: the generic lookup (defaults with the home, a sensitive option, an
    # option under its old name, an option Airflow has no default for).
    ("core", "dags_folder", "get?"),
    ("database", "sql_alchemy_conn", "get?"),
    ("webserver", "base_url", "get?"),
    ("api", "base_url", "get?"),
    ("core", "execution_api_server_url", "get?"),
    ("core", "no_such_option", "get?"),
]

COORDINATORS = json.dumps({
    "jdk-17": {"classpath": "airflow.sdk.coordinators.java.JavaCoordinator",
               "kwargs": {"java_executable": "/usr/lib/jvm/jdk-17/bin/java"},
               "extra": {"pod_template_file": "/opt/airflow/java.yaml"}, "ignored": 1},
    "native": {"classpath": "example.NativeCoordinator"},
})


def case(name, env=None, file=None):
    return {"name": name, "env": env or {}, "file": file}


CASES = [
    case("defaults"),
    case("no-airflow-home", env={"AIRFLOW_HOME": None}),
    case("file-overrides", file="""\
[core]
task_success_overtime = 45
hostname_callable = socket.gethostname
execution_api_server_url = https://airflow.example.com/execution/

[workers]
min_heartbeat_interval: 10
max_failed_heartbeats = 7
socket_cleanup_timeout = 2.5
execution_api_retries = 3
execution_api_timeout = 30

[logging]
base_log_folder = /var/log/airflow
remote_logging = True
remote_base_log_folder = s3://bucket/logs
remote_log_conn_id = aws_default
logging_level = DEBUG
colored_console_log = False
callsite_parameters = filename , lineno,funcName
file_task_handler_new_file_permissions = 0o640
file_task_handler_new_folder_permissions = 750
"""),
    case("env-over-file", env={
        "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "2",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": "http://api:9091/execution/",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": "",
        "AIRFLOW__LOGGING__REMOTE_LOGGING": "false",
        "AIRFLOW__API__SSL_CA_FILE": "/etc/ssl/ca.pem",
        "AIRFLOW__API__CLIENT_SSL_CERT": "/etc/ssl/client.pem",
        "AIRFLOW__API__CLIENT_SSL_KEY": "/etc/ssl/client.key",
    }, file="""\
[workers]
min_heartbeat_interval = 10
[core]
execution_api_server_url = https://airflow.example.com/execution/
[logging]
base_log_folder = /var/log/airflow
remote_logging = True
"""),
    case("booleans-odd-spellings", env={
        "AIRFLOW__LOGGING__REMOTE_LOGGING": " T ",
        "AIRFLOW__LOGGING__COLORED_CONSOLE_LOG": "0 # off",
        "AIRFLOW__API__CLIENT_USE_PUBLIC_CERTS": "FALSE",
    }),
    case("booleans-one-and-f", env={
        "AIRFLOW__LOGGING__REMOTE_LOGGING": "1",
        "AIRFLOW__LOGGING__COLORED_CONSOLE_LOG": "f",
        "AIRFLOW__API__CLIENT_USE_PUBLIC_CERTS": "True#comment",
    }),
    case("boolean-yes-refused", env={"AIRFLOW__LOGGING__REMOTE_LOGGING": "yes",
                                     "AIRFLOW__LOGGING__COLORED_CONSOLE_LOG": "on"}),
    case("ints-lenient", env={
        "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": " 7\n",
        "AIRFLOW__WORKERS__MAX_FAILED_HEARTBEATS": "1_0",
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "600.0",
        "AIRFLOW__WORKERS__EXECUTION_API_RETRIES": "1e1",
        "AIRFLOW__CALLBACKS__CALLBACK_EXECUTION_TIMEOUT": "+30",
    }),
    case("int-bad", env={
        "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "5.5",
        "AIRFLOW__WORKERS__MAX_FAILED_HEARTBEATS": "three",
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "inf",
        "AIRFLOW__WORKERS__EXECUTION_API_RETRIES": "",
        "AIRFLOW__CALLBACKS__CALLBACK_EXECUTION_TIMEOUT": "0x10",
    }),
    case("floats", env={
        "AIRFLOW__WORKERS__SOCKET_CLEANUP_TIMEOUT": "1e-3",
        "AIRFLOW__CORE__TASK_SUCCESS_OVERTIME": " .5 ",
        "AIRFLOW__WORKERS__EXECUTION_API_RETRY_WAIT_MIN": "1_000.25",
        "AIRFLOW__WORKERS__EXECUTION_API_RETRY_WAIT_MAX": "-2",
        "AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT": "Infinity",
    }),
    case("floats-bad", env={
        "AIRFLOW__WORKERS__SOCKET_CLEANUP_TIMEOUT": "1,5",
        "AIRFLOW__CORE__TASK_SUCCESS_OVERTIME": "nan",
        "AIRFLOW__WORKERS__EXECUTION_API_RETRY_WAIT_MIN": "_1",
        "AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT": "5s",
    }),
    case("templates-and-expansion", env={
        "AIRFLOW_HOME": "~/custom-home",
        "LOGS_ROOT": "/data/logs",
        "AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER": "${LOGS_ROOT}/remote/$UNSET_VAR",
        "AIRFLOW__CORE__HOSTNAME_CALLABLE": "$HOSTNAME_FN",
        "HOSTNAME_FN": "airflow.utils.net.get_host_ip_address",
    }, file="""\
[DEFAULT]
shared = shared-default

[logging]
base_log_folder = $LOGS_ROOT/%(sub)s
sub = tasks
log_format = [%%(asctime)s] %(shared)s
remote_log_conn_id = ~/conn
namespace_levels = sqlalchemy=WARN
  httpx=ERROR

  airflow=INFO
"""),
    case("interpolation-bad", file="""\
[logging]
log_format = 100% broken
"""),
    case("renamed-options", env={
        "AIRFLOW__WORKERS__EXECUTION_API_SERVER_URL": "http://old-name:8080/execution/",
    }, file="""\
[webserver]
base_url = https://web.example.com/airflow
"""),
    case("base-url-derived", file="""\
[api]
base_url = https://web.example.com/airflow/
"""),
    case("base-url-relative", env={"AIRFLOW__API__BASE_URL": "/airflow"}),
    case("url-ftp", env={"AIRFLOW__CORE__EXECUTION_API_SERVER_URL": "ftp://api/execution/"}),
    case("url-no-host", env={"AIRFLOW__CORE__EXECUTION_API_SERVER_URL": "http:///execution/"}),
    case("url-bad-ipv6", env={"AIRFLOW__CORE__EXECUTION_API_SERVER_URL": "http://[::1/execution/"}),
    case("url-ipv6", env={"AIRFLOW__CORE__EXECUTION_API_SERVER_URL": " HTTP://[fe80::1%25eth0]:8080/x"}),
    case("url-no-scheme", env={"AIRFLOW__CORE__EXECUTION_API_SERVER_URL": "localhost:8080/execution/"}),
    case("url-empty", env={"AIRFLOW__CORE__EXECUTION_API_SERVER_URL": ""}),
    case("coordinators", env={
        "AIRFLOW__SDK__COORDINATORS": COORDINATORS,
        "AIRFLOW__SDK__QUEUE_TO_COORDINATOR": json.dumps({"java": "jdk-17", "rust": "native"}),
    }),
    case("coordinators-empty-strings", env={"AIRFLOW__SDK__COORDINATORS": "",
                                            "AIRFLOW__SDK__QUEUE_TO_COORDINATOR": ""}),
    case("coordinators-bad-json", env={"AIRFLOW__SDK__COORDINATORS": "{not json"}),
    case("coordinators-list", env={"AIRFLOW__SDK__COORDINATORS": "[]"}),
    case("coordinators-no-classpath", env={"AIRFLOW__SDK__COORDINATORS": '{"x": {"kwargs": {}}}'}),
    case("coordinators-kwargs-null", env={"AIRFLOW__SDK__COORDINATORS": '{"x": {"classpath": "a.B", "kwargs": null}}'}),
    case("queue-to-missing-coordinator", env={
        "AIRFLOW__SDK__COORDINATORS": COORDINATORS,
        "AIRFLOW__SDK__QUEUE_TO_COORDINATOR": '{"java": "jdk-11"}',
    }),
    case("logging-level-refused", env={"AIRFLOW__LOGGING__LOGGING_LEVEL": "verbose"}),
    case("sensitive-cmd-ignored-for-plain-option", env={
        "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL_CMD": "echo 99",
    }),
    case("case-sensitive-file", file="""\
[Workers]
min_heartbeat_interval = 11
[workers]
MAX_FAILED_HEARTBEATS = 12
"""),
]


def child() -> None:
    """Runs in the case's process: prints the facts as JSON."""
    import warnings

    warnings.simplefilter("ignore")
    out: dict = {"values": {}}
    try:
        from airflow.sdk.configuration import conf

        conf.get("core", "dags_folder")
    except Exception as exc:  # noqa: BLE001  (core Airflow refused the configuration at import)
        out["import_error"] = f"{type(exc).__name__}: {exc}"
        print(json.dumps(out))
        return

    def record(section, key, accessor):
        try:
            if accessor == "int":
                value = conf.getint(section, key)
            elif accessor == "float":
                value = repr(conf.getfloat(section, key))
            elif accessor == "bool":
                value = conf.getboolean(section, key)
            elif accessor == "get":
                value = conf.get(section, key)
            else:
                value = conf.get(section, key, fallback=None)
            return {"ok": value}
        except Exception as exc:  # noqa: BLE001  (any refusal is a fact)
            return {"error": f"{type(exc).__name__}: {exc}"}

    for section, key, accessor in OPTIONS:
        out["values"][f"{section}.{key}"] = {"accessor": accessor, **record(section, key, accessor)}

    try:
        from airflow.sdk.execution_time.coordinator import CoordinatorManager

        manager = CoordinatorManager.from_config()
        out["coordinators"] = {"ok": {
            "specs": {k: {"classpath": v.classpath, "kwargs": v.kwargs, "extra": v.extra}
                      for k, v in manager._coordinator_specs.items()},
            "queue_to_coordinator": dict(manager._queue_to_coordinator),
        }}
    except Exception as exc:  # noqa: BLE001
        out["coordinators"] = {"error": f"{type(exc).__name__}: {exc}"}

    try:
        from airflow.executors.base_executor import get_execution_api_server_url

        url = get_execution_api_server_url()
        out["execution_api_server_url"] = {"ok": url}
    except Exception as exc:  # noqa: BLE001
        out["execution_api_server_url"] = {"error": f"{type(exc).__name__}: {exc}"}
        url = None

    if url is not None:
        import uuid

        try:
            from airflow.sdk.execution_time.supervisor import supervise_task

            supervise_task(ti=uuid.uuid4(), bundle_info=None, dag_rel_path="", token="t", server=url)
            raise AssertionError("supervise_task went past its checks")
        except ValueError as exc:
            accepted = str(exc) == "dag_path is required"
            out["url_check"] = {"accepted": accepted, "message": None if accepted else str(exc)}
        except Exception as exc:  # noqa: BLE001  (the module's own constants failed to read)
            out["url_check"] = {"error": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(out))


def run_case(c: dict) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        user = Path(tmp) / "user"
        home.mkdir()
        user.mkdir()
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(user),
               "AIRFLOW_HOME": str(home), "LANG": "C.UTF-8",
               # Skip `settings.initialize()` (logging, the ORM): only the configuration is read.
               # Core Airflow's own checks of the configuration still run at import.
               "_AIRFLOW__AS_LIBRARY": "1"}
        for k, v in c["env"].items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = v
        # The file goes where Airflow will look for it: $AIRFLOW_HOME/airflow.cfg, with a
        # leading `~` of the case's AIRFLOW_HOME meaning the temporary HOME.
        if "AIRFLOW_HOME" in env:
            cfg_home = Path(env["AIRFLOW_HOME"].replace("~", str(user), 1)
                            if env["AIRFLOW_HOME"].startswith("~") else env["AIRFLOW_HOME"])
        else:
            cfg_home = user / "airflow"
        cfg_home.mkdir(parents=True, exist_ok=True)
        if c["file"] is not None:
            (cfg_home / "airflow.cfg").write_text(c["file"])
        proc = subprocess.run([sys.executable, __file__, "--child"], env=env, capture_output=True,
                              text=True, cwd=tmp)
        if proc.returncode != 0:
            raise SystemExit(f"case {c['name']}: the child failed:\n{proc.stderr[-4000:]}")
        facts = json.loads(proc.stdout.strip().splitlines()[-1])
    text = json.dumps(facts).replace(tmp, TMP)
    return {**c, **json.loads(text)}


def main() -> int:
    if "--child" in sys.argv:
        child()
        return 0
    check_pins("config_facts.py")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    # The cases' environments use the placeholder for the user's home where they name it.
    results = [run_case(c) for c in CASES]
    doc = {
        "about": "Generated by tools/supervisor/config_facts.py from apache-airflow-core 3.3.2 and "
                 "apache-airflow-task-sdk 1.3.2; {TMP} stands for the case's temporary folder, "
                 "with AIRFLOW_HOME={TMP}/home and HOME={TMP}/user unless the case says otherwise.",
        "cases": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=1, sort_keys=False) + "\n")
    print(f"wrote {len(results)} cases to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
