//! The crate's workloads against pydantic's verdicts (`tests/data/workloads/cases.json`, written
//! by `tools/supervisor/workload_facts.py`): the same acceptance, an error naming a field
//! pydantic names, the same JSON written back, and the `StartupDetails` fields Python sends.

use airflow_comms_supervisor::workload::Workload;
use serde_json::Value;

const CASES: &str = include_str!("data/workloads/cases.json");

fn cases() -> Vec<Value> {
    let doc: Value = serde_json::from_str(CASES).expect("cases.json is JSON");
    doc["cases"].as_array().expect("a list of cases").clone()
}

/// The dotted path the crate should give for a pydantic `loc`: the union's tag (the first
/// element) dropped; an error about the tag itself is about `type`.
fn expected_path(loc: &[Value], kind: &str) -> String {
    if loc.is_empty() {
        return if kind.starts_with("union_tag") {
            "type".into()
        } else {
            String::new()
        };
    }
    loc[1..]
        .iter()
        .map(|p| match p {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

#[test]
fn verdicts_paths_and_dumps_match_pydantic() {
    let (mut valid, mut invalid) = (0, 0);
    for case in cases() {
        let name = case["name"].as_str().unwrap();
        let text = case["json"].as_str().unwrap();
        let got = Workload::from_json(text);
        if case["valid"].as_bool().unwrap() {
            let workload = got.unwrap_or_else(|e| panic!("{name}: refused: {e}"));
            let dump = serde_json::to_value(&workload).unwrap();
            assert_eq!(dump, case["dump"], "{name}: written differently");
            // The text form reads back to a workload that writes the same JSON (the fields
            // Python never writes are gone, as in Python).
            let again = Workload::from_json(&workload.to_json()).unwrap();
            assert_eq!(
                serde_json::to_value(&again).unwrap(),
                dump,
                "{name}: does not read back"
            );
            if let Workload::ExecuteTask(task) = &workload {
                let ti = serde_json::to_value(task.startup_ti()).unwrap();
                assert_eq!(ti, case["startup_ti"], "{name}: StartupDetails.ti");
                assert_eq!(
                    Some(task.startup_dag_rel_path()),
                    case["startup_dag_rel_path"].as_str(),
                    "{name}"
                );
                let bundle = serde_json::to_value(task.startup_bundle_info()).unwrap();
                assert_eq!(bundle, case["startup_bundle_info"], "{name}");
            } else {
                assert!(case.get("startup_ti").is_none());
            }
            valid += 1;
        } else {
            let err = match got {
                Ok(w) => panic!(
                    "{name}: accepted {w:?}, pydantic refused: {}",
                    case["errors"]
                ),
                Err(e) => e,
            };
            let paths: Vec<String> = case["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| expected_path(e["loc"].as_array().unwrap(), e["type"].as_str().unwrap()))
                .collect();
            assert!(
                paths.iter().any(|p| p == err.path()),
                "{name}: error at {:?} ({err}); pydantic's at {paths:?}",
                err.path()
            );
            // The message starts with the path, so a log line names the field.
            if !err.path().is_empty() {
                assert!(
                    err.to_string().starts_with(&format!("{}: ", err.path())),
                    "{err}"
                );
            }
            invalid += 1;
        }
    }
    assert!(
        valid >= 30 && invalid >= 40,
        "{valid} valid, {invalid} invalid cases"
    );
}

#[test]
fn every_kind_of_workload_is_covered() {
    let mut seen = std::collections::BTreeSet::new();
    for case in cases() {
        if case["valid"].as_bool().unwrap() {
            let w = Workload::from_json(case["json"].as_str().unwrap()).unwrap();
            seen.insert(w.type_name());
        }
    }
    assert_eq!(seen.len(), Workload::TYPES.len(), "{seen:?}");
}

#[test]
fn errors_read_well() {
    let err = Workload::from_json(r#"{"type": "ExecuteTask", "token": 5}"#).unwrap_err();
    assert_eq!(err.path(), "token");
    assert_eq!(
        err.to_string(),
        "token: invalid type: integer `5`, expected a string"
    );
    let err = Workload::from_json(r#"{"type": "Nope"}"#).unwrap_err();
    assert_eq!(
        err.to_string(),
        "type: unknown workload type \"Nope\"; expected one of ExecuteTask, ExecuteCallback, RunTrigger, TestConnection"
    );
}
