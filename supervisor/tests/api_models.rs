//! The generated Execution API types against the bodies Airflow's own pydantic models write.
//!
//! `tests/data/api/samples.json` is written by `tools/supervisor/api_samples.py` from the pinned
//! task SDK's and api-server's models; every expectation in it is a pydantic dump. Here each
//! sample is read into the type generated for its schema and written back, and the JSON must be
//! the same value (objects compared without regard to key order; date-times, like every string,
//! must match as text: `AwareDateTime` keeps the offset pydantic wrote). Hermetic: no Python, no
//! network.

use std::collections::BTreeSet;

use airflow_comms_supervisor::api::models::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

const SAMPLES: &str = include_str!("data/api/samples.json");
const DOCUMENT: &str = include_str!("../openapi/execution-api-2026-06-30.json");

fn samples() -> Value {
    serde_json::from_str(SAMPLES).expect("samples.json is JSON")
}

fn document() -> Value {
    serde_json::from_str(DOCUMENT).expect("the OpenAPI document is JSON")
}

/// Reads `text` as a `T` and writes it back as a JSON value.
fn round_trip<T: DeserializeOwned + Serialize>(text: &str) -> Result<Value, String> {
    let value: T = serde_json::from_str(text).map_err(|err| format!("refused: {err}"))?;
    let written = serde_json::to_string(&value).map_err(|err| format!("cannot write: {err}"))?;
    serde_json::from_str(&written).map_err(|err| format!("wrote invalid JSON: {err}"))
}

/// The schema names of the document, each with its generated type.
macro_rules! schemas {
    ($($name:ident),* $(,)?) => {
        const SCHEMAS: &[&str] = &[$(stringify!($name)),*];

        /// Reads `text` as the type generated for `schema` and writes it back.
        fn round_trip_schema(schema: &str, text: &str) -> Result<Value, String> {
            match schema {
                $(stringify!($name) => round_trip::<$name>(text),)*
                other => Err(format!("no generated type is listed for schema {other}")),
            }
        }
    };
}

schemas!(
    AssetAliasReferenceAssetEventDagRun,
    AssetEventDagRunReference,
    AssetEventResponse,
    AssetEventsResponse,
    AssetProfile,
    AssetReferenceAssetEventDagRun,
    AssetResponse,
    AssetStateStorePutBody,
    AssetStateStoreResponse,
    BundleInfo,
    ConnectionResponse,
    ConnectionTestConnectionResponse,
    ConnectionTestResultBody,
    ConnectionTestState,
    DagAttributeTypes,
    DagResponse,
    DagRun,
    DagRunAssetReference,
    DagRunState,
    DagRunStateResponse,
    DagRunType,
    HITLDetailRequest,
    HITLDetailResponse,
    HITLUser,
    HTTPExceptionResponse,
    HTTPValidationError,
    InactiveAssetsResponse,
    IntermediateTIState,
    JsonValue,
    PrevSuccessfulDagRunResponse,
    PreviousTIResponse,
    TIAwaitingInputStatePayload,
    TIDeferredStatePayload,
    TIEnterRunningPayload,
    TIHeartbeatInfo,
    TIRescheduleStatePayload,
    TIRetryStatePayload,
    TIRunContext,
    TISkippedDownstreamTasksStatePayload,
    TISuccessStatePayload,
    TITargetStatePayload,
    TITerminalStatePayload,
    TaskBreadcrumbsResponse,
    TaskInstance,
    TaskInstanceState,
    TaskStateStorePutBody,
    TaskStateStoreResponse,
    TaskStatesResponse,
    TerminalStateNonSuccess,
    TerminalTIState,
    TriggerDAGRunPayload,
    TriggerRule,
    UpdateHITLDetailPayload,
    ValidationError,
    VariableKeysResponse,
    VariablePostBody,
    VariableResponse,
    WeightRule,
    XComResponse,
    XComSequenceIndexResponse,
    XComSequenceSliceResponse,
);

/// `schema source case` of a record, for failure messages.
fn label(record: &Value) -> String {
    let field = |key: &str| {
        record
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_owned()
    };
    let schema = record
        .get("schema")
        .map_or_else(|| field("of"), |_| field("schema"));
    format!("{schema} [{} {}]", field("source"), field("case"))
}

fn records<'a>(samples: &'a Value, list: &str) -> &'a [Value] {
    samples[list]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
}

fn text(value: &Value) -> String {
    serde_json::to_string(value).expect("a JSON value writes")
}

/// Panics with every failure, one a line, each naming its schema.
fn report(what: &str, checked: usize, failures: Vec<String>) {
    assert!(checked > 0, "no {what} in samples.json");
    assert!(
        failures.is_empty(),
        "{} of {checked} {what} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_schema_of_the_document_has_a_type_and_samples() {
    let document = document();
    let in_document: BTreeSet<&str> = document["components"]["schemas"]
        .as_object()
        .expect("components/schemas")
        .keys()
        .map(String::as_str)
        .collect();
    let listed: BTreeSet<&str> = SCHEMAS.iter().copied().collect();
    assert_eq!(
        in_document, listed,
        "the schemas! list must name every schema of the document"
    );

    let samples = samples();
    let sampled: BTreeSet<&str> = records(&samples, "samples")
        .iter()
        .filter_map(|r| r["schema"].as_str())
        .collect();
    let missing: Vec<_> = in_document.difference(&sampled).collect();
    assert!(missing.is_empty(), "schemas without samples: {missing:?}");
}

#[test]
fn pydantic_dumps_round_trip_through_the_generated_types() {
    let samples = samples();
    let mut failures = Vec::new();
    let list = records(&samples, "samples");
    for record in list {
        let expected = &record["json"];
        let schema = record["schema"].as_str().expect("schema");
        match round_trip_schema(schema, &text(expected)) {
            Ok(written) if &written == expected => {}
            Ok(written) => failures.push(format!(
                "{}: wrote {} for {}",
                label(record),
                text(&written),
                text(expected)
            )),
            Err(err) => failures.push(format!("{}: {err}", label(record))),
        }
    }
    report("samples", list.len(), failures);
}

#[test]
fn absent_optional_fields_read_as_pydantic_fills_them_in() {
    let samples = samples();
    let mut failures = Vec::new();
    let list = records(&samples, "absent");
    for record in list {
        let schema = record["schema"].as_str().expect("schema");
        match round_trip_schema(schema, &text(&record["input"])) {
            Ok(written) if written == record["json"] => {}
            Ok(written) => failures.push(format!(
                "{}: wrote {} where pydantic gives {}",
                label(record),
                text(&written),
                text(&record["json"])
            )),
            Err(err) => failures.push(format!("{}: {err}", label(record))),
        }
    }
    report("absent-field cases", list.len(), failures);
}

#[test]
fn bodies_the_server_refuses_are_refused() {
    let samples = samples();
    let mut failures = Vec::new();
    let list = records(&samples, "refused");
    for record in list {
        let schema = record["schema"].as_str().expect("schema");
        if let Ok(written) = round_trip_schema(schema, &text(&record["json"])) {
            failures.push(format!(
                "{}: accepted, wrote {}",
                label(record),
                text(&written)
            ));
        }
    }
    report("refusals", list.len(), failures);
}

/// The schema name of the variant a state payload was read as.
fn variant_schema(payload: &TiPatchPayload) -> &'static str {
    match payload {
        TiPatchPayload::Success(_) => "TISuccessStatePayload",
        TiPatchPayload::Deferred(_) => "TIDeferredStatePayload",
        TiPatchPayload::Reschedule(_) => "TIRescheduleStatePayload",
        TiPatchPayload::AwaitingInput(_) => "TIAwaitingInputStatePayload",
        TiPatchPayload::Retry(_) => "TIRetryStatePayload",
        TiPatchPayload::Terminal(_) => "TITerminalStatePayload",
        TiPatchPayload::Target(_) => "TITargetStatePayload",
    }
}

#[test]
fn state_payloads_pick_the_member_the_server_picks() {
    let samples = samples();
    let mut failures = Vec::new();
    let list = records(&samples, "ti_patch_payload");
    for record in list {
        let name = format!("TiPatchPayload of {}", label(record));
        let body = text(&record["json"]);
        let payload: TiPatchPayload = match serde_json::from_str(&body) {
            Ok(payload) => payload,
            Err(err) => {
                failures.push(format!("{name}: refused: {err}"));
                continue;
            }
        };
        // null: the server's discriminator refuses the body (a target state with a payload of
        // its own); the untagged enum reads it as `Target`, and only the round trip is checked.
        if let Some(picks) = record["picks"].as_str()
            && variant_schema(&payload) != picks
        {
            failures.push(format!(
                "{name}: read as {}, the server picks {picks}",
                variant_schema(&payload)
            ));
        }
        let written: Value = serde_json::to_value(&payload).expect("writes");
        if written != record["json"] {
            failures.push(format!("{name}: wrote {}", text(&written)));
        }
    }
    report("state payloads", list.len(), failures);
}

#[test]
fn the_operation_table_is_the_document() {
    let document = document();
    let mut in_document = BTreeSet::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            // The table lists the success statuses in ascending order.
            let mut success: Vec<u16> = operation["responses"]
                .as_object()
                .expect("responses")
                .keys()
                .filter(|code| code.starts_with('2'))
                .map(|code| code.parse().expect("a status code"))
                .collect();
            success.sort_unstable();
            in_document.insert((
                method.to_uppercase(),
                path.clone(),
                operation["operationId"]
                    .as_str()
                    .expect("operationId")
                    .to_owned(),
                success,
            ));
        }
    }
    let generated: BTreeSet<_> = OPERATIONS
        .iter()
        .map(|op| {
            (
                op.method.as_str().to_owned(),
                op.path_template.to_owned(),
                op.operation_id.to_owned(),
                op.success_statuses.to_vec(),
            )
        })
        .collect();
    assert_eq!(
        generated.len(),
        OPERATIONS.len(),
        "an operation is listed twice"
    );
    assert_eq!(generated, in_document);
    for op in OPERATIONS {
        assert_eq!(
            reqwest::Method::from(op.method).as_str(),
            op.method.as_str()
        );
    }
}

#[test]
fn the_api_version_is_the_documents() {
    assert_eq!(Some(API_VERSION), document()["info"]["version"].as_str());
}
