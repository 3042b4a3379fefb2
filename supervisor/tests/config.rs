//! The crate's configuration against what Airflow's real configuration gives, case by case
//! (`tests/data/config/facts.json`, written by `tools/supervisor/config_facts.py`).

use std::collections::BTreeMap;

use airflow_comms_supervisor::config::{
    Config, ConfigError, Coordinators, Settings, check_api_server_url, execution_api_server_url,
};
use serde_json::Value;

const FACTS: &str = include_str!("data/config/facts.json");
/// Stands for the temporary folder each Python case ran in.
const TMP: &str = "/tmp/airflow-config-facts";

fn cases() -> Vec<Value> {
    let doc: Value = serde_json::from_str(FACTS).expect("facts.json is JSON");
    doc["cases"].as_array().expect("a list of cases").clone()
}

fn untemp(s: &str) -> String {
    s.replace("{TMP}", TMP)
}

/// The case's environment as the Python child saw it (PATH aside).
fn config_of(case: &Value) -> Result<Config, ConfigError> {
    let mut env: BTreeMap<String, String> = BTreeMap::new();
    env.insert("HOME".into(), format!("{TMP}/user"));
    env.insert("AIRFLOW_HOME".into(), format!("{TMP}/home"));
    for (k, v) in case["env"].as_object().expect("env is an object") {
        match v {
            Value::Null => {
                env.remove(k);
            }
            Value::String(s) => {
                env.insert(k.clone(), untemp(s));
            }
            other => panic!("env value {other}"),
        }
    }
    Config::from_sources(env, case["file"].as_str())
}

fn name(case: &Value) -> &str {
    case["name"].as_str().expect("a name")
}

fn py_float(repr: &str) -> f64 {
    repr.parse()
        .unwrap_or_else(|_| panic!("a Python float repr: {repr}"))
}

#[test]
fn every_option_reads_as_python_reads_it() {
    let mut checked = 0;
    for case in cases() {
        let case_name = name(&case);
        let Some(values) = case.get("values").and_then(Value::as_object) else {
            continue;
        };
        if values.is_empty() {
            continue;
        }
        let config = config_of(&case).unwrap_or_else(|e| panic!("{case_name}: {e}"));
        for (option, fact) in values {
            let (section, key) = option.split_once('.').expect("section.key");
            let accessor = fact["accessor"].as_str().expect("an accessor");
            let what = format!("{case_name}: [{section}] {key} ({accessor})");
            let expected_error = fact.get("error").and_then(Value::as_str);
            let ok = fact.get("ok");
            macro_rules! compare {
                ($got:expr, $matches:expr) => {
                    match ($got, expected_error) {
                        (Ok(got), None) => {
                            let want = ok.expect("ok or error");
                            assert!($matches(&got, want), "{what}: got {got:?}, Python {want}");
                        }
                        (Err(e), Some(_)) => {
                            assert_eq!(e.option(), Some((section, key)), "{what}: {e}");
                            let text = e.to_string();
                            assert!(
                                text.starts_with(&format!("[{section}] {key}: ")),
                                "{what}: {text}"
                            );
                        }
                        (Ok(got), Some(py)) => panic!("{what}: got {got:?}, Python refused: {py}"),
                        (Err(e), None) => {
                            panic!("{what}: refused ({e}), Python gave {}", ok.unwrap())
                        }
                    }
                };
            }
            match accessor {
                "int" => compare!(config.get_int(section, key), |g: &i64, w: &Value| w
                    .as_i64()
                    == Some(*g)),
                "float" => compare!(config.get_float(section, key), |g: &f64, w: &Value| {
                    let w = py_float(w.as_str().expect("a float repr"));
                    (g.is_nan() && w.is_nan()) || *g == w
                }),
                "bool" => compare!(config.get_bool(section, key), |g: &bool, w: &Value| w
                    .as_bool()
                    == Some(*g)),
                "get" => compare!(
                    config.get_required(section, key),
                    |g: &String, w: &Value| { w.as_str().map(untemp).as_ref() == Some(g) }
                ),
                "get?" => compare!(config.get(section, key), |g: &Option<String>, w: &Value| {
                    w.as_str().map(untemp) == *g
                }),
                other => panic!("{what}: unknown accessor {other}"),
            }
            checked += 1;
        }
    }
    assert!(checked > 500, "only {checked} values checked");
}

#[test]
fn execution_api_url_resolves_and_is_checked_as_python_does() {
    for case in cases() {
        let case_name = name(&case);
        let Some(fact) = case.get("execution_api_server_url") else {
            continue;
        };
        let config = config_of(&case).unwrap();
        let url = execution_api_server_url(&config).unwrap();
        assert_eq!(Some(url.as_str()), fact["ok"].as_str(), "{case_name}");
        let Some(check) = case.get("url_check") else {
            continue;
        };
        if let Some(accepted) = check.get("accepted").and_then(Value::as_bool) {
            let got = check_api_server_url(&url);
            assert_eq!(got.is_ok(), accepted, "{case_name}: {url:?}: {got:?}");
        }
    }
}

#[test]
fn coordinators_parse_as_python_parses_them() {
    for case in cases() {
        let case_name = name(&case);
        let Some(fact) = case.get("coordinators") else {
            continue;
        };
        let config = config_of(&case).unwrap();
        let got = Coordinators::from_config(&config);
        match (got, fact.get("ok")) {
            (Ok(c), Some(want)) => {
                let specs: serde_json::Map<String, Value> = c
                    .specs()
                    .iter()
                    .map(|(k, s)| {
                        let extra = s.extra.clone().map_or(Value::Null, Value::Object);
                        let spec = serde_json::json!({"classpath": s.classpath, "kwargs": s.kwargs, "extra": extra});
                        (k.clone(), spec)
                    })
                    .collect();
                let queues: serde_json::Map<String, Value> = c
                    .queue_to_coordinator()
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect();
                assert_eq!(Value::Object(specs), want["specs"], "{case_name}");
                assert_eq!(
                    Value::Object(queues),
                    want["queue_to_coordinator"],
                    "{case_name}"
                );
                for (queue, name) in c.queue_to_coordinator() {
                    let (key, spec) = c.route(queue).expect("a mapped queue has its entry");
                    assert_eq!(key, name, "{case_name}");
                    assert_eq!(Some(spec), c.specs().get(name), "{case_name}");
                }
                assert!(c.route("no-such-queue").is_none());
            }
            (Err(e), None) => {
                // Refused by the one parser of both options, naming the one Python refused.
                assert!(
                    matches!(e, ConfigError::Coordinators(_)),
                    "{case_name}: {e:?}"
                );
                let python = fact["error"].as_str().expect("Python's error");
                // Python's messages name the option, or the method its value lacks:
                // `.items()` of coordinators, `.values()` of queue_to_coordinator.
                let named =
                    if python.contains("queue_to_coordinator") || python.contains("'values'") {
                        "queue_to_coordinator"
                    } else {
                        "coordinators"
                    };
                assert_eq!(e.option(), Some(("sdk", named)), "{case_name}: {e}");
                assert!(
                    e.to_string().starts_with(&format!("[sdk] {named}: ")),
                    "{case_name}: {e}"
                );
            }
            (Ok(c), None) => panic!(
                "{case_name}: accepted {c:?}, Python refused: {}",
                fact["error"]
            ),
            (Err(e), Some(_)) => panic!("{case_name}: refused: {e}"),
        }
    }
}

/// Python's verdict on the whole configuration: the supervisor can start when core Airflow
/// imports, every option it reads reads (the supervisor's and the API client's module
/// constants at import, the logging options when `execute_workload` sets up logging), the URL
/// passes and the coordinators parse.
#[test]
fn settings_verdict_follows_python() {
    for case in cases() {
        let case_name = name(&case);
        let config = config_of(&case).unwrap();
        let got = Settings::from_config(&config);
        let python_ok = case.get("import_error").is_none()
            && case["url_check"]["accepted"].as_bool() == Some(true)
            && case["coordinators"].get("ok").is_some()
            && case["values"]
                .as_object()
                .is_some_and(|v| v.values().all(|f| f.get("error").is_none()));
        match got {
            Ok(settings) => {
                assert!(
                    python_ok,
                    "{case_name}: accepted, Python refused the configuration"
                );
                // Spot checks against the values Python read.
                let values = &case["values"];
                assert_eq!(
                    settings.min_heartbeat_interval.as_secs() as i64,
                    values["workers.min_heartbeat_interval"]["ok"]
                        .as_i64()
                        .unwrap(),
                    "{case_name}"
                );
                assert_eq!(
                    settings.logging.base_log_folder,
                    untemp(values["logging.base_log_folder"]["ok"].as_str().unwrap()),
                    "{case_name}"
                );
                assert_eq!(
                    settings.execution_api_server_url,
                    case["execution_api_server_url"]["ok"].as_str().unwrap(),
                    "{case_name}"
                );
            }
            Err(e) if python_ok => {
                // The crate is stricter in one way only: intervals and counts cannot be negative,
                // infinite or NaN. The value Python read must be one of those.
                let (section, key) = e.option().unwrap_or_else(|| panic!("{case_name}: {e}"));
                let fact = &case["values"][format!("{section}.{key}")];
                let odd = match &fact["ok"] {
                    Value::Number(n) => n.as_i64().is_some_and(|n| n < 0),
                    Value::String(s) => py_float(s) < 0.0 || !py_float(s).is_finite(),
                    _ => false,
                };
                assert!(
                    odd,
                    "{case_name}: refused ({e}) a configuration Python accepts"
                );
            }
            Err(_) => {}
        }
    }
}

#[test]
fn sensitive_commands_are_refused_by_name() {
    let env = [
        ("HOME".to_owned(), "/home/u".to_owned()),
        (
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_CMD".to_owned(),
            "cat /secret".to_owned(),
        ),
    ];
    let config = Config::from_sources(env, None).unwrap();
    let err = config.get("database", "sql_alchemy_conn").unwrap_err();
    assert!(matches!(err, ConfigError::Unsupported { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_CMD"),
        "{err}"
    );

    let config = Config::from_sources(
        [("HOME".to_owned(), "/home/u".to_owned())],
        Some("[core]\nfernet_key_secret = path/to/key\n"),
    )
    .unwrap();
    let err = config.get("core", "fernet_key").unwrap_err();
    assert!(
        err.to_string().contains("[core] fernet_key_secret"),
        "{err}"
    );
}

#[test]
fn a_malformed_file_is_refused_with_its_line() {
    let err = Config::from_sources(Vec::new(), Some("[core]\nno delimiter here\n")).unwrap_err();
    assert!(
        matches!(err, ConfigError::ParseFile { line: 2, .. }),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "airflow.cfg: line 2: neither a section header nor an option (no '=' or ':'): \"no delimiter here\""
    );
}

#[test]
fn bad_values_name_the_option() {
    let env = [
        (
            "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL".to_owned(),
            "-1".to_owned(),
        ),
        ("HOME".to_owned(), "/h".to_owned()),
    ];
    let config = Config::from_sources(env, None).unwrap();
    let err = Settings::from_config(&config).unwrap_err();
    assert_eq!(
        err.to_string(),
        "[workers] min_heartbeat_interval: \"-1\" is not a non-negative number of seconds"
    );
}
