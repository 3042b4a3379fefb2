"""The remote log connection as Airflow finds and maps it, recorded for the native supervisor.

Run with the S3 venv (the pinned SDK and core plus apache-airflow-providers-amazon, from
tools/s3-requirements.txt):

    .venv-s3/bin/python tools/supervisor/remote_log_facts.py          # rewrite the data
    .venv-s3/bin/python tools/supervisor/remote_log_facts.py --check  # fail if it would change

It writes supervisor/tests/data/remote_log/connections.json, which supervisor/tests/remote_log.rs
compares the Rust code with. Each case is a connection the supervisor's remote logging meets:
either the value of an `AIRFLOW_CONN_{ID}` environment variable, or the Execution API's answer
to `GET /connections/{id}`. The case goes through the SDK supervisor's own lookup
(`_fetch_remote_logging_conn`: the secrets backends, the environment's first, then the API
client, here a stand-in that returns the case's answer), and the Connection it gives through
the amazon provider's `AwsConnectionWrapper`, as the S3 log handler's hook builds it. Recorded:
the credentials, the region, the S3 endpoint (`get_service_endpoint_url("s3")`), `verify`, the
S3 addressing style of the botocore config, and the two settings that take credentials from
elsewhere (`role_arn`, `profile_name`), which the native supervisor refuses.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OUT = ROOT / "supervisor" / "tests" / "data" / "remote_log" / "connections.json"
CONN_ID = "remote_logs"

ENV_CASES = [
    ("uri_login_password_query", "aws://AKIDEXAMPLE:secret%2Fkey%2Bplus@/?region_name=eu-west-1"
                                 "&endpoint_url=http%3A%2F%2Fminio.local%3A9000"),
    ("uri_extra_json", "aws://?__extra__=%7B%22aws_access_key_id%22%3A%22K%22%2C%22aws_secret_access_key"
                       "%22%3A%22S%22%2C%22region_name%22%3A%22ca-central-1%22%7D"),
    ("uri_empty", "aws://"),
    ("uri_login_only", "aws://only-login@/"),
    ("uri_session_token", "aws://K:S@/?aws_session_token=T0k3n&region_name=us-west-2"),
    ("uri_plus_is_space", "aws://K:S@/?region_name=a+b"),
    ("uri_last_duplicate_wins", "aws://?region_name=first&region_name=second"),
    ("uri_encoded_userinfo", "aws://user%40corp:p%40ss%3Aword@/"),
    ("uri_with_host", "aws://K:S@some-host:9000/schema?region_name=eu-north-1"),
    ("uri_role_arn", "aws://K:S@/?role_arn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Flogs"),
    ("uri_profile_name", "aws://?profile_name=logs"),
    ("uri_blank_value", "aws://K:S@/?region_name="),
    ("json_full", json.dumps({"conn_type": "aws", "login": "K", "password": "S", "extra": {
        "region_name": "ap-south-1", "endpoint_url": "http://global.local",
        "service_config": {"s3": {"endpoint_url": "http://s3.local"}}}})),
    ("json_extra_string", json.dumps({"conn_type": "aws", "extra": json.dumps(
        {"aws_access_key_id": "K2", "aws_secret_access_key": "S2", "aws_session_token": "T2"})})),
    ("json_session_kwargs", json.dumps({"conn_type": "aws", "extra": {"session_kwargs": {
        "aws_access_key_id": "K3", "aws_secret_access_key": "S3", "aws_session_token": "T3",
        "region_name": "r3"}}})),
    ("json_verify_false", json.dumps({"conn_type": "aws", "extra": {"verify": False}})),
    ("json_addressing_style", json.dumps({"conn_type": "aws", "extra": {
        "config_kwargs": {"s3": {"addressing_style": "virtual"}}}})),
    ("json_login_wins_over_extra", json.dumps({"conn_type": "aws", "login": "L", "password": "P", "extra": {
        "aws_access_key_id": "EK", "aws_secret_access_key": "ES"}})),
    ("json_service_endpoint_other_service", json.dumps({"conn_type": "aws", "extra": {
        "endpoint_url": "http://global.local", "service_config": {"sts": {"endpoint_url": "http://sts.local"}}}})),
    ("json_role_arn", json.dumps({"conn_type": "aws", "extra": {"role_arn": "arn:aws:iam::1:role/x"}})),
]

API_CASES = [
    ("api_login_password_extra", {"login": "AK", "password": "SK",
                                  "extra": json.dumps({"endpoint_url": "http://127.0.0.1:9000",
                                                       "region_name": "us-east-1"})}),
    ("api_nothing", {"login": None, "password": None, "extra": None}),
    ("api_login_without_password", {"login": "AK", "password": None,
                                    "extra": json.dumps({"aws_access_key_id": "XK", "aws_secret_access_key": "XS"})}),
    ("api_empty_extra", {"login": "AK", "password": "SK", "extra": ""}),
    ("api_profile", {"login": None, "password": None, "extra": json.dumps({"profile_name": "default"})}),
]


class _Connections:
    def __init__(self, answer):
        self.answer = answer

    def get(self, conn_id):
        return self.answer


class _Client:
    def __init__(self, answer):
        self.connections = _Connections(answer)


def _facts_of(conn) -> dict:
    from airflow.providers.amazon.aws.utils.connection_wrapper import AwsConnectionWrapper

    if conn is None:
        return {"connection": None}
    wrapper = AwsConnectionWrapper(conn=conn)
    config = wrapper.botocore_config
    s3 = (getattr(config, "s3", None) or {}) if config is not None else {}
    return {
        "connection": {
            "aws_access_key_id": wrapper.aws_access_key_id,
            "aws_secret_access_key": wrapper.aws_secret_access_key,
            "aws_session_token": wrapper.aws_session_token,
            "region_name": wrapper.region_name,
            "endpoint_url": wrapper.get_service_endpoint_url("s3"),
            "verify": wrapper.verify,
            "addressing_style": s3.get("addressing_style"),
        },
        "role_arn": wrapper.role_arn or None,
        "profile_name": wrapper.profile_name or None,
    }


def record() -> dict:
    from airflow.sdk.api.datamodels._generated import ConnectionResponse
    from airflow.sdk.execution_time import supervisor

    var = f"AIRFLOW_CONN_{CONN_ID.upper()}"
    cases = []
    for name, value in ENV_CASES:
        supervisor._REMOTE_LOGGING_CONN_CACHE.clear()
        os.environ[var] = value
        try:
            conn = supervisor._fetch_remote_logging_conn(CONN_ID, _Client(None))
        finally:
            del os.environ[var]
        cases.append({"name": name, "env": value, **_facts_of(conn)})
    for name, fields in API_CASES:
        supervisor._REMOTE_LOGGING_CONN_CACHE.clear()
        response = ConnectionResponse(conn_id=CONN_ID, conn_type="aws", host=None, schema=None, port=None, **fields)
        conn = supervisor._fetch_remote_logging_conn(CONN_ID, _Client(response))
        cases.append({"name": name, "response": response.model_dump(mode="json", by_alias=True),
                      **_facts_of(conn)})
    return {"conn_id": CONN_ID, "cases": cases}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the data would change")
    args = parser.parse_args()
    os.environ.setdefault("AIRFLOW_HOME", str(Path(os.environ.get("TMPDIR", "/tmp")) / "remote-log-facts-home"))
    for key in [k for k in os.environ if k.startswith(("AIRFLOW_CONN_", "AWS_"))]:
        del os.environ[key]
    text = json.dumps(record(), indent=1, ensure_ascii=False) + "\n"
    if args.check:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT.relative_to(ROOT)} is stale: run tools/supervisor/remote_log_facts.py", file=sys.stderr)
            return 1
        print(f"{OUT.relative_to(ROOT)}: up to date ({len(record()['cases'])} cases)")
        return 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
