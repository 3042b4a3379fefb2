"""Callbacks for the ExecuteCallback scenarios (`callback.data["path"]` =
`differential_callbacks.<name>`), importable because the callback supervisor puts the
`differential` bundle's folder on sys.path."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def notify_ok(message: str, **kwargs):
    from airflow.sdk import Connection, Variable

    greeting = Variable.get("diff_greeting")
    conn = Connection.get("diff_warehouse")
    log.info("callback says %s; greeting %s", message, greeting)
    log.info("callback would connect to %s with password %s", conn.host, conn.password)
    print(f"callback stdout: {message}")


def notify_fail(message: str, **kwargs):
    log.info("callback about to fail: %s", message)
    raise RuntimeError(f"callback failing on purpose: {message}")
