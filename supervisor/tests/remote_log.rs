//! The remote log connection, found and mapped as Airflow does it.
//!
//! `tests/data/remote_log/connections.json` is written by `tools/supervisor/remote_log_facts.py`,
//! which runs each case through the SDK supervisor's own lookup and the amazon provider's
//! `AwsConnectionWrapper`; CI regenerates it and fails on drift. Each case is an
//! `AIRFLOW_CONN_…` value or an Execution API answer; the Rust mapping must give the same
//! credentials, region, S3 endpoint, `verify` and addressing style, and refuse exactly the
//! connections Airflow would take credentials for from an assumed role or a profile.

use airflow_comms_supervisor::api::models::ConnectionResponse;
use airflow_comms_supervisor::remote_log::{AwsConnection, ConnectionFields, RemoteLogError};
use serde_json::Value;

fn facts() -> Value {
    let text = include_str!("data/remote_log/connections.json");
    serde_json::from_str(text).expect("connections.json is JSON")
}

#[test]
fn connections_map_as_the_amazon_provider_maps_them() {
    let facts = facts();
    let conn_id = facts["conn_id"].as_str().unwrap();
    let cases = facts["cases"].as_array().unwrap();
    assert!(cases.len() >= 20, "the data holds {} cases", cases.len());
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let fields = if let Some(value) = case["env"].as_str() {
            ConnectionFields::from_env_value(conn_id, value)
        } else {
            let response: ConnectionResponse =
                serde_json::from_value(case["response"].clone()).unwrap();
            ConnectionFields::from_response(conn_id, &response)
        };
        let fields = match fields {
            Ok(fields) => fields,
            Err(e) => {
                failures.push(format!("{name}: not read: {e}"));
                continue;
            }
        };
        let mapped = AwsConnection::from_fields(conn_id, &fields);
        let refused_for = ["role_arn", "profile_name"]
            .into_iter()
            .find(|key| !case[*key].is_null());
        match (refused_for, mapped) {
            (Some(key), Err(RemoteLogError::Connection { problem, .. })) => {
                if !problem.contains(key) {
                    failures.push(format!("{name}: refused, but not naming {key}: {problem}"));
                }
            }
            (Some(key), other) => failures.push(format!(
                "{name}: Airflow takes {key}; expected a refusal, got {other:?}"
            )),
            (None, Ok(connection)) => {
                let got = serde_json::to_value(&connection).unwrap();
                if got != case["connection"] {
                    failures.push(format!(
                        "{name}: got {got}, Airflow has {}",
                        case["connection"]
                    ));
                }
            }
            (None, Err(e)) => failures.push(format!("{name}: refused: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
