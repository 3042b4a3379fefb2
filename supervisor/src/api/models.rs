//! Types of the Airflow Task Execution API, version 2026-06-30, generated from its OpenAPI document.
//!
//! **Generated, do not edit.** `tools/supervisor/gen_models.py` writes this file from
//! `supervisor/openapi/execution-api-2026-06-30.json`, which `tools/supervisor/openapi.py`
//! takes from the pinned apache-airflow-core's api-server (in process, no network). From the
//! repository root, with the pinned venv:
//!
//! ```text
//! .venv/bin/python tools/supervisor/openapi.py     # the document
//! python3 tools/supervisor/gen_models.py           # this file (standard library only)
//! python3 tools/supervisor/gen_models.py --check   # exit 1 on drift
//! ```
//!
//! One type per schema of `components/schemas`, under the schema's name, and the types
//! a schema needs inline after it, named after their schema and field. Mapping:
//!
//! - objects are structs; keys they do not know are ignored when reading;
//! - string enums are fieldless enums (`as_str`, `ALL`);
//! - a union with `null` is an `Option`; other unions are untagged enums, variants with a
//!   constant (a single-valued enum property) tried first;
//! - free-form JSON is [`airflow_comms::JsonValue`], free-form objects [`JsonMap`]: both keep
//!   the JSON text exactly as read;
//! - `date-time` is [`AwareDateTime`] (an offset is required and kept; UTC is written `Z`,
//!   as pydantic writes it), `duration` [`TimeDelta`], `uuid` [`Uuid`], integers `i64`,
//!   numbers `f64`;
//! - a required field must be present (if nullable, it is an `Option` written as null);
//!   a field with a default gets it when absent and is always written; an optional nullable
//!   field reads absent as `None` and writes `None` as null; an optional field that may
//!   not be null is `None` only when absent (null is refused) and is left out when `None`.
//!
//! Length and item-count limits are not checked; the docs of the fields name them.
//! [`OPERATIONS`] lists every endpoint, one [`Operation`] constant each.

use airflow_comms::JsonMap;
use airflow_comms::time::{AwareDateTime, TimeDelta};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The API version these types describe, the `Airflow-API-Version` header to send.
pub const API_VERSION: &str = "2026-06-30";

/// Schema for AssetAliasModel used in AssetEventDagRunReference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetAliasReferenceAssetEventDagRun {
    pub name: String,
}

/// Schema for AssetEvent model used in DagRun.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssetEventDagRunReference {
    pub asset: AssetReferenceAssetEventDagRun,
    pub extra: JsonMap,
    #[serde(deserialize_with = "Option::deserialize")]
    pub source_task_id: Option<String>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub source_dag_id: Option<String>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub source_run_id: Option<String>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub source_map_index: Option<i64>,
    pub source_aliases: Vec<AssetAliasReferenceAssetEventDagRun>,
    pub timestamp: AwareDateTime,
    #[serde(default)]
    pub partition_key: Option<String>,
}

/// Asset event schema with fields that are needed for Runtime.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssetEventResponse {
    pub id: i64,
    pub timestamp: AwareDateTime,
    #[serde(default)]
    pub extra: Option<JsonMap>,
    pub asset: AssetResponse,
    pub created_dagruns: Vec<DagRunAssetReference>,
    #[serde(default)]
    pub source_task_id: Option<String>,
    #[serde(default)]
    pub source_dag_id: Option<String>,
    #[serde(default)]
    pub source_run_id: Option<String>,
    #[serde(default)]
    pub source_map_index: Option<i64>,
    #[serde(default)]
    pub partition_key: Option<String>,
}

/// Collection of AssetEventResponse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssetEventsResponse {
    pub asset_events: Vec<AssetEventResponse>,
}

/// Profile of an asset-like object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetProfile {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub uri: Option<String>,
    pub r#type: String,
}

/// Schema for AssetModel used in AssetEventDagRunReference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssetReferenceAssetEventDagRun {
    pub name: String,
    pub uri: String,
    pub extra: JsonMap,
}

/// Asset schema for responses with fields that are needed for Runtime.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssetResponse {
    pub name: String,
    pub uri: String,
    pub group: String,
    #[serde(default)]
    pub extra: Option<JsonMap>,
}

/// Request body for setting an asset state store value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssetStateStorePutBody {
    pub value: JsonValue,
}

/// Asset state store value returned to a worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssetStateStoreResponse {
    pub value: JsonValue,
}

/// Connection schema for responses with fields that are needed for Runtime.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionResponse {
    pub conn_id: String,
    pub conn_type: String,
    #[serde(deserialize_with = "Option::deserialize")]
    pub host: Option<String>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub schema: Option<String>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub login: Option<String>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub password: Option<String>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub port: Option<i64>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub extra: Option<String>,
}

/// Connection data returned to workers from a test request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionTestConnectionResponse {
    pub conn_id: String,
    pub conn_type: String,
    #[serde(default)]
    pub host: Option<String>,
    #[serde(default)]
    pub login: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub schema: Option<String>,
    #[serde(default)]
    pub port: Option<i64>,
    #[serde(default)]
    pub extra: Option<String>,
}

/// Result a worker reports back for a connection test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionTestResultBody {
    pub state: ConnectionTestState,
    /// At most 2000 characters.
    #[serde(default)]
    pub result_message: Option<String>,
}

/// All possible states of a connection test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ConnectionTestState {
    #[serde(rename = "pending")]
    Pending,
    #[serde(rename = "queued")]
    Queued,
    #[serde(rename = "running")]
    Running,
    #[serde(rename = "success")]
    Success,
    #[serde(rename = "failed")]
    Failed,
}

impl ConnectionTestState {
    /// Every value, in the order of the schema.
    pub const ALL: [Self; 5] = [
        Self::Pending,
        Self::Queued,
        Self::Running,
        Self::Success,
        Self::Failed,
    ];

    /// The value as it is written in JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Success => "success",
            Self::Failed => "failed",
        }
    }
}

/// Schema for DAG response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DagResponse {
    pub dag_id: String,
    pub is_paused: bool,
    #[serde(deserialize_with = "Option::deserialize")]
    pub bundle_name: Option<String>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub bundle_version: Option<String>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub relative_fileloc: Option<String>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub owners: Option<String>,
    pub tags: Vec<String>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub next_dagrun: Option<AwareDateTime>,
}

/// Schema for DagRun model with minimal required fields needed for Runtime.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DagRun {
    pub dag_id: String,
    pub run_id: String,
    #[serde(deserialize_with = "Option::deserialize")]
    pub logical_date: Option<AwareDateTime>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub data_interval_start: Option<AwareDateTime>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub data_interval_end: Option<AwareDateTime>,
    pub run_after: AwareDateTime,
    #[serde(deserialize_with = "Option::deserialize")]
    pub start_date: Option<AwareDateTime>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub end_date: Option<AwareDateTime>,
    /// Default `0`.
    #[serde(default = "default_dag_run_clear_number")]
    pub clear_number: i64,
    pub run_type: DagRunType,
    pub state: DagRunState,
    #[serde(default)]
    pub conf: Option<JsonMap>,
    #[serde(default)]
    pub triggering_user_name: Option<String>,
    pub consumed_asset_events: Vec<AssetEventDagRunReference>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub partition_key: Option<String>,
    #[serde(default)]
    pub partition_date: Option<AwareDateTime>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub team_name: Option<String>,
}

/// DagRun serializer for asset responses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DagRunAssetReference {
    pub run_id: String,
    pub dag_id: String,
    #[serde(deserialize_with = "Option::deserialize")]
    pub logical_date: Option<AwareDateTime>,
    pub start_date: AwareDateTime,
    #[serde(deserialize_with = "Option::deserialize")]
    pub end_date: Option<AwareDateTime>,
    pub state: String,
    #[serde(deserialize_with = "Option::deserialize")]
    pub data_interval_start: Option<AwareDateTime>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub data_interval_end: Option<AwareDateTime>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub partition_key: Option<String>,
}

/// The `state` field of [`DagRun`].
///
/// All possible states that a DagRun can be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DagRunState {
    #[serde(rename = "queued")]
    Queued,
    #[serde(rename = "running")]
    Running,
    #[serde(rename = "success")]
    Success,
    #[serde(rename = "failed")]
    Failed,
}

impl DagRunState {
    /// Every value, in the order of the schema.
    pub const ALL: [Self; 4] = [Self::Queued, Self::Running, Self::Success, Self::Failed];

    /// The value as it is written in JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Success => "success",
            Self::Failed => "failed",
        }
    }
}

/// Schema for DAG Run State response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DagRunStateResponse {
    pub state: DagRunState,
}

/// Class with DagRun types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DagRunType {
    #[serde(rename = "backfill")]
    Backfill,
    #[serde(rename = "scheduled")]
    Scheduled,
    #[serde(rename = "manual")]
    Manual,
    #[serde(rename = "operator_triggered")]
    OperatorTriggered,
    #[serde(rename = "asset_triggered")]
    AssetTriggered,
    #[serde(rename = "asset_materialization")]
    AssetMaterialization,
}

impl DagRunType {
    /// Every value, in the order of the schema.
    pub const ALL: [Self; 6] = [
        Self::Backfill,
        Self::Scheduled,
        Self::Manual,
        Self::OperatorTriggered,
        Self::AssetTriggered,
        Self::AssetMaterialization,
    ];

    /// The value as it is written in JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Backfill => "backfill",
            Self::Scheduled => "scheduled",
            Self::Manual => "manual",
            Self::OperatorTriggered => "operator_triggered",
            Self::AssetTriggered => "asset_triggered",
            Self::AssetMaterialization => "asset_materialization",
        }
    }
}

/// Schema for the request part of a Human-in-the-loop detail for a specific task instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HITLDetailRequest {
    pub ti_id: Uuid,
    /// At least 1 item.
    pub options: Vec<String>,
    pub subject: String,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub defaults: Option<Vec<String>>,
    /// Default `false`.
    #[serde(default = "default_hitl_detail_request_multiple")]
    pub multiple: bool,
    #[serde(
        default,
        deserialize_with = "non_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub params: Option<JsonMap>,
    #[serde(
        default,
        deserialize_with = "non_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub assigned_users: Option<Vec<HITLUser>>,
}

/// Schema for the response part of a Human-in-the-loop detail for a specific task instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HITLDetailResponse {
    pub response_received: bool,
    #[serde(default)]
    pub responded_by_user: Option<HITLUser>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub responded_at: Option<AwareDateTime>,
    #[serde(deserialize_with = "Option::deserialize")]
    pub chosen_options: Option<Vec<String>>,
    #[serde(
        default,
        deserialize_with = "non_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub params_input: Option<JsonMap>,
}

/// Schema for a Human-in-the-loop users.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HITLUser {
    pub id: String,
    pub name: String,
}

/// HTTPException Model used for error response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HTTPExceptionResponse {
    pub detail: HTTPExceptionResponseDetail,
}

/// The `detail` field of [`HTTPExceptionResponse`].
///
/// One of several shapes: read by trying each variant in turn, in this order, on the
/// JSON text of the value (so only from JSON); written as the variant's value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum HTTPExceptionResponseDetail {
    String(String),
    Map(JsonMap),
}

impl<'de> Deserialize<'de> for HTTPExceptionResponseDetail {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<serde_json::value::RawValue>::deserialize(deserializer)?;
        let mut errors = Vec::new();
        try_variant(raw.get(), Self::String, "String", &mut errors)
            .or_else(|| try_variant(raw.get(), Self::Map, "Map", &mut errors))
            .ok_or_else(|| no_variant("HTTPExceptionResponseDetail", &errors))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HTTPValidationError {
    #[serde(
        default,
        deserialize_with = "non_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub detail: Option<Vec<ValidationError>>,
}

/// Response for inactive assets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InactiveAssetsResponse {
    #[serde(
        default,
        deserialize_with = "non_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub inactive_assets: Option<Vec<AssetProfile>>,
}

/// States that a Task Instance can be in that indicate it is not yet in a terminal or running state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum IntermediateTIState {
    #[serde(rename = "scheduled")]
    Scheduled,
    #[serde(rename = "queued")]
    Queued,
    #[serde(rename = "restarting")]
    Restarting,
    #[serde(rename = "up_for_retry")]
    UpForRetry,
    #[serde(rename = "up_for_reschedule")]
    UpForReschedule,
    #[serde(rename = "deferred")]
    Deferred,
    #[serde(rename = "awaiting_input")]
    AwaitingInput,
}

impl IntermediateTIState {
    /// Every value, in the order of the schema.
    pub const ALL: [Self; 7] = [
        Self::Scheduled,
        Self::Queued,
        Self::Restarting,
        Self::UpForRetry,
        Self::UpForReschedule,
        Self::Deferred,
        Self::AwaitingInput,
    ];

    /// The value as it is written in JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::Queued => "queued",
            Self::Restarting => "restarting",
            Self::UpForRetry => "up_for_retry",
            Self::UpForReschedule => "up_for_reschedule",
            Self::Deferred => "deferred",
            Self::AwaitingInput => "awaiting_input",
        }
    }
}

/// Any valid JSON value
///
/// Free-form JSON, kept as the exact text it was read from.
pub type JsonValue = airflow_comms::JsonValue;

/// Schema for response with previous successful DagRun information for Task Template Context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrevSuccessfulDagRunResponse {
    #[serde(default)]
    pub data_interval_start: Option<AwareDateTime>,
    #[serde(default)]
    pub data_interval_end: Option<AwareDateTime>,
    #[serde(default)]
    pub start_date: Option<AwareDateTime>,
    #[serde(default)]
    pub end_date: Option<AwareDateTime>,
}

/// Schema for response with previous TaskInstance information.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreviousTIResponse {
    pub task_id: String,
    pub dag_id: String,
    pub run_id: String,
    #[serde(default)]
    pub logical_date: Option<AwareDateTime>,
    #[serde(default)]
    pub start_date: Option<AwareDateTime>,
    #[serde(default)]
    pub end_date: Option<AwareDateTime>,
    #[serde(default)]
    pub state: Option<String>,
    pub try_number: i64,
    /// Default `-1`.
    #[serde(default = "default_previous_ti_response_map_index")]
    pub map_index: Option<i64>,
    #[serde(default)]
    pub duration: Option<f64>,
}

/// Schema for parking a TaskInstance in an awaiting\_input state (Human-in-the-loop, no trigger).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TIAwaitingInputStatePayload {
    pub state: TIAwaitingInputStatePayloadState,
    #[serde(default)]
    pub timeout: Option<TimeDelta>,
    pub next_method: String,
    #[serde(
        default,
        deserialize_with = "non_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub next_kwargs: Option<JsonMap>,
    #[serde(default)]
    pub rendered_map_index: Option<String>,
}

/// The `state` field of [`TIAwaitingInputStatePayload`].
///
/// The single value `awaiting_input`: the schema's constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum TIAwaitingInputStatePayloadState {
    #[serde(rename = "awaiting_input")]
    #[default]
    AwaitingInput,
}

impl TIAwaitingInputStatePayloadState {
    /// Every value, in the order of the schema.
    pub const ALL: [Self; 1] = [Self::AwaitingInput];

    /// The value as it is written in JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::AwaitingInput => "awaiting_input",
        }
    }
}

/// Schema for updating TaskInstance to a deferred state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TIDeferredStatePayload {
    pub state: TIDeferredStatePayloadState,
    pub classpath: String,
    #[serde(
        default,
        deserialize_with = "non_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub trigger_kwargs: Option<TIDeferredStatePayloadTriggerKwargs>,
    #[serde(default)]
    pub trigger_timeout: Option<TimeDelta>,
    #[serde(default)]
    pub queue: Option<String>,
    pub next_method: String,
    #[serde(
        default,
        deserialize_with = "non_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub next_kwargs: Option<JsonMap>,
    #[serde(default)]
    pub rendered_map_index: Option<String>,
}

/// The `state` field of [`TIDeferredStatePayload`].
///
/// The single value `deferred`: the schema's constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum TIDeferredStatePayloadState {
    #[serde(rename = "deferred")]
    #[default]
    Deferred,
}

impl TIDeferredStatePayloadState {
    /// Every value, in the order of the schema.
    pub const ALL: [Self; 1] = [Self::Deferred];

    /// The value as it is written in JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Deferred => "deferred",
        }
    }
}

/// The `trigger_kwargs` field of [`TIDeferredStatePayload`].
///
/// One of several shapes: read by trying each variant in turn, in this order, on the
/// JSON text of the value (so only from JSON); written as the variant's value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum TIDeferredStatePayloadTriggerKwargs {
    Map(JsonMap),
    String(String),
}

impl<'de> Deserialize<'de> for TIDeferredStatePayloadTriggerKwargs {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<serde_json::value::RawValue>::deserialize(deserializer)?;
        let mut errors = Vec::new();
        try_variant(raw.get(), Self::Map, "Map", &mut errors)
            .or_else(|| try_variant(raw.get(), Self::String, "String", &mut errors))
            .ok_or_else(|| no_variant("TIDeferredStatePayloadTriggerKwargs", &errors))
    }
}

/// Schema for updating TaskInstance to 'RUNNING' state with minimal required fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TIEnterRunningPayload {
    pub state: TIEnterRunningPayloadState,
    pub hostname: String,
    pub unixname: String,
    pub pid: i64,
    pub start_date: AwareDateTime,
}

/// The `state` field of [`TIEnterRunningPayload`].
///
/// The single value `running`: the schema's constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum TIEnterRunningPayloadState {
    #[serde(rename = "running")]
    #[default]
    Running,
}

impl TIEnterRunningPayloadState {
    /// Every value, in the order of the schema.
    pub const ALL: [Self; 1] = [Self::Running];

    /// The value as it is written in JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
        }
    }
}

/// Schema for TaskInstance heartbeat endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TIHeartbeatInfo {
    pub hostname: String,
    pub pid: i64,
}

/// Schema for updating TaskInstance to a up\_for\_reschedule state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TIRescheduleStatePayload {
    pub state: TIRescheduleStatePayloadState,
    pub reschedule_date: AwareDateTime,
    pub end_date: AwareDateTime,
}

/// The `state` field of [`TIRescheduleStatePayload`].
///
/// The single value `up_for_reschedule`: the schema's constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum TIRescheduleStatePayloadState {
    #[serde(rename = "up_for_reschedule")]
    #[default]
    UpForReschedule,
}

impl TIRescheduleStatePayloadState {
    /// Every value, in the order of the schema.
    pub const ALL: [Self; 1] = [Self::UpForReschedule];

    /// The value as it is written in JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::UpForReschedule => "up_for_reschedule",
        }
    }
}

/// Schema for updating TaskInstance to up\_for\_retry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TIRetryStatePayload {
    pub state: TIRetryStatePayloadState,
    pub end_date: AwareDateTime,
    #[serde(default)]
    pub rendered_map_index: Option<String>,
    #[serde(default)]
    pub retry_delay_seconds: Option<f64>,
    #[serde(default)]
    pub retry_reason: Option<String>,
}

/// The `state` field of [`TIRetryStatePayload`].
///
/// The single value `up_for_retry`: the schema's constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum TIRetryStatePayloadState {
    #[serde(rename = "up_for_retry")]
    #[default]
    UpForRetry,
}

impl TIRetryStatePayloadState {
    /// Every value, in the order of the schema.
    pub const ALL: [Self; 1] = [Self::UpForRetry];

    /// The value as it is written in JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::UpForRetry => "up_for_retry",
        }
    }
}

/// Response schema for TaskInstance run context.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TIRunContext {
    pub dag_run: DagRun,
    /// Default `0`.
    #[serde(default = "default_ti_run_context_task_reschedule_count")]
    pub task_reschedule_count: i64,
    pub max_tries: i64,
    #[serde(
        default,
        deserialize_with = "non_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub variables: Option<Vec<VariableResponse>>,
    #[serde(
        default,
        deserialize_with = "non_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub connections: Option<Vec<ConnectionResponse>>,
    #[serde(default)]
    pub next_method: Option<String>,
    #[serde(default)]
    pub next_kwargs: Option<TIRunContextNextKwargs>,
    #[serde(
        default,
        deserialize_with = "non_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub xcom_keys_to_clear: Option<Vec<String>>,
    /// Default `false`.
    #[serde(default = "default_ti_run_context_should_retry")]
    pub should_retry: bool,
    #[serde(default)]
    pub start_date: Option<AwareDateTime>,
}

/// The `next_kwargs` field of [`TIRunContext`].
///
/// One of several shapes: read by trying each variant in turn, in this order, on the
/// JSON text of the value (so only from JSON); written as the variant's value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum TIRunContextNextKwargs {
    Map(JsonMap),
    String(String),
}

impl<'de> Deserialize<'de> for TIRunContextNextKwargs {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<serde_json::value::RawValue>::deserialize(deserializer)?;
        let mut errors = Vec::new();
        try_variant(raw.get(), Self::Map, "Map", &mut errors)
            .or_else(|| try_variant(raw.get(), Self::String, "String", &mut errors))
            .ok_or_else(|| no_variant("TIRunContextNextKwargs", &errors))
    }
}

/// Schema for updating downstream tasks to a skipped state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TISkippedDownstreamTasksStatePayload {
    pub tasks: Vec<TISkippedDownstreamTasksStatePayloadTasksItem>,
}

/// An item of the `tasks` field of [`TISkippedDownstreamTasksStatePayload`].
///
/// One of several shapes: read by trying each variant in turn, in this order, on the
/// JSON text of the value (so only from JSON); written as the variant's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum TISkippedDownstreamTasksStatePayloadTasksItem {
    String(String),
    Tuple((String, i64)),
}

impl<'de> Deserialize<'de> for TISkippedDownstreamTasksStatePayloadTasksItem {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<serde_json::value::RawValue>::deserialize(deserializer)?;
        let mut errors = Vec::new();
        try_variant(raw.get(), Self::String, "String", &mut errors)
            .or_else(|| try_variant(raw.get(), Self::Tuple, "Tuple", &mut errors))
            .ok_or_else(|| no_variant("TISkippedDownstreamTasksStatePayloadTasksItem", &errors))
    }
}

/// Schema for updating TaskInstance to success state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TISuccessStatePayload {
    pub state: TISuccessStatePayloadState,
    pub end_date: AwareDateTime,
    #[serde(
        default,
        deserialize_with = "non_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub task_outlets: Option<Vec<AssetProfile>>,
    #[serde(
        default,
        deserialize_with = "non_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub outlet_events: Option<Vec<JsonMap>>,
    #[serde(default)]
    pub rendered_map_index: Option<String>,
}

/// The `state` field of [`TISuccessStatePayload`].
///
/// The single value `success`: the schema's constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum TISuccessStatePayloadState {
    #[serde(rename = "success")]
    #[default]
    Success,
}

impl TISuccessStatePayloadState {
    /// Every value, in the order of the schema.
    pub const ALL: [Self; 1] = [Self::Success];

    /// The value as it is written in JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
        }
    }
}

/// Schema for updating TaskInstance to a target state, excluding terminal and running states.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TITargetStatePayload {
    pub state: IntermediateTIState,
}

/// Schema for updating TaskInstance to a terminal state except SUCCESS state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TITerminalStatePayload {
    pub state: TerminalStateNonSuccess,
    pub end_date: AwareDateTime,
    #[serde(default)]
    pub rendered_map_index: Option<String>,
}

/// Response for task breadcrumbs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskBreadcrumbsResponse {
    pub breadcrumbs: Vec<JsonMap>,
}

/// All possible states that a Task Instance can be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TaskInstanceState {
    #[serde(rename = "removed")]
    Removed,
    #[serde(rename = "scheduled")]
    Scheduled,
    #[serde(rename = "queued")]
    Queued,
    #[serde(rename = "running")]
    Running,
    #[serde(rename = "success")]
    Success,
    #[serde(rename = "restarting")]
    Restarting,
    #[serde(rename = "failed")]
    Failed,
    #[serde(rename = "up_for_retry")]
    UpForRetry,
    #[serde(rename = "up_for_reschedule")]
    UpForReschedule,
    #[serde(rename = "upstream_failed")]
    UpstreamFailed,
    #[serde(rename = "skipped")]
    Skipped,
    #[serde(rename = "deferred")]
    Deferred,
    #[serde(rename = "awaiting_input")]
    AwaitingInput,
}

impl TaskInstanceState {
    /// Every value, in the order of the schema.
    pub const ALL: [Self; 13] = [
        Self::Removed,
        Self::Scheduled,
        Self::Queued,
        Self::Running,
        Self::Success,
        Self::Restarting,
        Self::Failed,
        Self::UpForRetry,
        Self::UpForReschedule,
        Self::UpstreamFailed,
        Self::Skipped,
        Self::Deferred,
        Self::AwaitingInput,
    ];

    /// The value as it is written in JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Removed => "removed",
            Self::Scheduled => "scheduled",
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Success => "success",
            Self::Restarting => "restarting",
            Self::Failed => "failed",
            Self::UpForRetry => "up_for_retry",
            Self::UpForReschedule => "up_for_reschedule",
            Self::UpstreamFailed => "upstream_failed",
            Self::Skipped => "skipped",
            Self::Deferred => "deferred",
            Self::AwaitingInput => "awaiting_input",
        }
    }
}

/// Request body for setting a task state store value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskStateStorePutBody {
    pub value: JsonValue,
    #[serde(default)]
    pub expires_at: Option<AwareDateTime>,
}

/// Task state store value returned to a worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskStateStoreResponse {
    pub value: JsonValue,
}

/// Response for task states with run\_id, task and state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskStatesResponse {
    pub task_states: JsonMap,
}

/// TaskInstance states that can be reported without extra information.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TerminalStateNonSuccess {
    #[serde(rename = "failed")]
    Failed,
    #[serde(rename = "skipped")]
    Skipped,
    #[serde(rename = "removed")]
    Removed,
    #[serde(rename = "upstream_failed")]
    UpstreamFailed,
}

impl TerminalStateNonSuccess {
    /// Every value, in the order of the schema.
    pub const ALL: [Self; 4] = [
        Self::Failed,
        Self::Skipped,
        Self::Removed,
        Self::UpstreamFailed,
    ];

    /// The value as it is written in JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Failed => "failed",
            Self::Skipped => "skipped",
            Self::Removed => "removed",
            Self::UpstreamFailed => "upstream_failed",
        }
    }
}

/// Schema for Trigger DAG Run API request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TriggerDAGRunPayload {
    #[serde(default)]
    pub logical_date: Option<AwareDateTime>,
    #[serde(default)]
    pub run_after: Option<AwareDateTime>,
    #[serde(
        default,
        deserialize_with = "non_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub conf: Option<JsonMap>,
    /// Default `false`.
    #[serde(default = "default_trigger_dag_run_payload_reset_dag_run")]
    pub reset_dag_run: bool,
    #[serde(default)]
    pub partition_key: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// Schema for writing the response part of a Human-in-the-loop detail for a specific task instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpdateHITLDetailPayload {
    pub ti_id: Uuid,
    /// At least 1 item.
    pub chosen_options: Vec<String>,
    #[serde(
        default,
        deserialize_with = "non_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub params_input: Option<JsonMap>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidationError {
    /// Location
    pub loc: Vec<ValidationErrorLocItem>,
    /// Message
    pub msg: String,
    /// Error Type
    pub r#type: String,
    #[serde(default)]
    pub input: JsonValue,
    /// Context
    #[serde(
        default,
        deserialize_with = "non_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub ctx: Option<JsonMap>,
}

/// An item of the `loc` field of [`ValidationError`].
///
/// One of several shapes: read by trying each variant in turn, in this order, on the
/// JSON text of the value (so only from JSON); written as the variant's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ValidationErrorLocItem {
    String(String),
    Integer(i64),
}

impl<'de> Deserialize<'de> for ValidationErrorLocItem {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<serde_json::value::RawValue>::deserialize(deserializer)?;
        let mut errors = Vec::new();
        try_variant(raw.get(), Self::String, "String", &mut errors)
            .or_else(|| try_variant(raw.get(), Self::Integer, "Integer", &mut errors))
            .ok_or_else(|| no_variant("ValidationErrorLocItem", &errors))
    }
}

/// Variable keys schema for list responses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariableKeysResponse {
    pub keys: Vec<String>,
    pub total_entries: i64,
}

/// Request body schema for creating variables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariablePostBody {
    #[serde(deserialize_with = "Option::deserialize")]
    pub val: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

/// Variable schema for responses with fields that are needed for Runtime.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariableResponse {
    pub key: String,
    #[serde(deserialize_with = "Option::deserialize")]
    pub value: Option<String>,
}

/// XCom schema for responses with fields that are needed for Runtime.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct XComResponse {
    pub key: String,
    pub value: JsonValue,
}

/// XCom schema with minimal structure for index-based access.
pub type XComSequenceIndexResponse = JsonValue;

/// XCom schema with minimal structure for slice-based access.
pub type XComSequenceSliceResponse = Vec<JsonValue>;

/// Schema for TaskInstance model with minimal required fields needed for Runtime.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskInstance {
    pub id: Uuid,
    pub task_id: String,
    pub dag_id: String,
    pub run_id: String,
    pub try_number: i64,
    pub dag_version_id: Uuid,
    /// Default `-1`.
    #[serde(default = "default_task_instance_map_index")]
    pub map_index: i64,
    #[serde(default)]
    pub hostname: Option<String>,
    #[serde(default)]
    pub context_carrier: Option<JsonMap>,
    /// Default `"default"`.
    #[serde(default = "default_task_instance_queue")]
    pub queue: String,
}

/// Schema for telling task which bundle to run with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleInfo {
    pub name: String,
    #[serde(default)]
    pub version: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TerminalTIState {
    #[serde(rename = "success")]
    Success,
    #[serde(rename = "failed")]
    Failed,
    #[serde(rename = "skipped")]
    Skipped,
    #[serde(rename = "upstream_failed")]
    UpstreamFailed,
    #[serde(rename = "removed")]
    Removed,
}

impl TerminalTIState {
    /// Every value, in the order of the schema.
    pub const ALL: [Self; 5] = [
        Self::Success,
        Self::Failed,
        Self::Skipped,
        Self::UpstreamFailed,
        Self::Removed,
    ];

    /// The value as it is written in JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
            Self::UpstreamFailed => "upstream_failed",
            Self::Removed => "removed",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WeightRule {
    #[serde(rename = "downstream")]
    Downstream,
    #[serde(rename = "upstream")]
    Upstream,
    #[serde(rename = "absolute")]
    Absolute,
}

impl WeightRule {
    /// Every value, in the order of the schema.
    pub const ALL: [Self; 3] = [Self::Downstream, Self::Upstream, Self::Absolute];

    /// The value as it is written in JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Downstream => "downstream",
            Self::Upstream => "upstream",
            Self::Absolute => "absolute",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TriggerRule {
    #[serde(rename = "all_success")]
    AllSuccess,
    #[serde(rename = "all_failed")]
    AllFailed,
    #[serde(rename = "all_done")]
    AllDone,
    #[serde(rename = "all_done_min_one_success")]
    AllDoneMinOneSuccess,
    #[serde(rename = "all_done_setup_success")]
    AllDoneSetupSuccess,
    #[serde(rename = "one_success")]
    OneSuccess,
    #[serde(rename = "one_failed")]
    OneFailed,
    #[serde(rename = "one_done")]
    OneDone,
    #[serde(rename = "none_failed")]
    NoneFailed,
    #[serde(rename = "none_skipped")]
    NoneSkipped,
    #[serde(rename = "always")]
    Always,
    #[serde(rename = "none_failed_min_one_success")]
    NoneFailedMinOneSuccess,
    #[serde(rename = "all_skipped")]
    AllSkipped,
}

impl TriggerRule {
    /// Every value, in the order of the schema.
    pub const ALL: [Self; 13] = [
        Self::AllSuccess,
        Self::AllFailed,
        Self::AllDone,
        Self::AllDoneMinOneSuccess,
        Self::AllDoneSetupSuccess,
        Self::OneSuccess,
        Self::OneFailed,
        Self::OneDone,
        Self::NoneFailed,
        Self::NoneSkipped,
        Self::Always,
        Self::NoneFailedMinOneSuccess,
        Self::AllSkipped,
    ];

    /// The value as it is written in JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::AllSuccess => "all_success",
            Self::AllFailed => "all_failed",
            Self::AllDone => "all_done",
            Self::AllDoneMinOneSuccess => "all_done_min_one_success",
            Self::AllDoneSetupSuccess => "all_done_setup_success",
            Self::OneSuccess => "one_success",
            Self::OneFailed => "one_failed",
            Self::OneDone => "one_done",
            Self::NoneFailed => "none_failed",
            Self::NoneSkipped => "none_skipped",
            Self::Always => "always",
            Self::NoneFailedMinOneSuccess => "none_failed_min_one_success",
            Self::AllSkipped => "all_skipped",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DagAttributeTypes {
    #[serde(rename = "operator")]
    Op,
    #[serde(rename = "taskgroup")]
    TaskGroup,
}

impl DagAttributeTypes {
    /// Every value, in the order of the schema.
    pub const ALL: [Self; 2] = [Self::Op, Self::TaskGroup];

    /// The value as it is written in JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Op => "operator",
            Self::TaskGroup => "taskgroup",
        }
    }
}

/// The body of [`TI_UPDATE_STATE`].
///
/// One of several shapes: read by trying each variant in turn, in this order, on the
/// JSON text of the value (so only from JSON); written as the variant's value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum TiPatchPayload {
    Success(TISuccessStatePayload),
    Deferred(TIDeferredStatePayload),
    Reschedule(TIRescheduleStatePayload),
    AwaitingInput(TIAwaitingInputStatePayload),
    Retry(TIRetryStatePayload),
    Terminal(TITerminalStatePayload),
    Target(TITargetStatePayload),
}

impl<'de> Deserialize<'de> for TiPatchPayload {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<serde_json::value::RawValue>::deserialize(deserializer)?;
        let mut errors = Vec::new();
        try_variant(raw.get(), Self::Success, "Success", &mut errors)
            .or_else(|| try_variant(raw.get(), Self::Deferred, "Deferred", &mut errors))
            .or_else(|| try_variant(raw.get(), Self::Reschedule, "Reschedule", &mut errors))
            .or_else(|| try_variant(raw.get(), Self::AwaitingInput, "AwaitingInput", &mut errors))
            .or_else(|| try_variant(raw.get(), Self::Retry, "Retry", &mut errors))
            .or_else(|| try_variant(raw.get(), Self::Terminal, "Terminal", &mut errors))
            .or_else(|| try_variant(raw.get(), Self::Target, "Target", &mut errors))
            .ok_or_else(|| no_variant("TiPatchPayload", &errors))
    }
}

fn default_dag_run_clear_number() -> i64 {
    0
}

fn default_hitl_detail_request_multiple() -> bool {
    false
}

fn default_previous_ti_response_map_index() -> Option<i64> {
    Some(-1)
}

fn default_task_instance_map_index() -> i64 {
    -1
}

fn default_task_instance_queue() -> String {
    "default".to_owned()
}

fn default_ti_run_context_should_retry() -> bool {
    false
}

fn default_ti_run_context_task_reschedule_count() -> i64 {
    0
}

fn default_trigger_dag_run_payload_reset_dag_run() -> bool {
    false
}

/// Reads `text` as a `T` and makes the variant with `make`; on failure notes why under
/// `label` in `errors`.
fn try_variant<T: serde::de::DeserializeOwned, U>(
    text: &str,
    make: fn(T) -> U,
    label: &str,
    errors: &mut Vec<String>,
) -> Option<U> {
    match serde_json::from_str(text) {
        Ok(value) => Some(make(value)),
        Err(err) => {
            errors.push(format!("{label}: {err}"));
            None
        }
    }
}

/// The error of a value no variant of the union `name` reads.
fn no_variant<E: serde::de::Error>(name: &str, errors: &[String]) -> E {
    E::custom(format_args!(
        "no variant of {name} matches ({})",
        errors.join("; ")
    ))
}

/// Reads a field that may be absent but is never null: `None` only when absent.
fn non_null<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// An HTTP method of an Execution API operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`.
    Get,
    /// `HEAD`.
    Head,
    /// `POST`.
    Post,
    /// `PUT`.
    Put,
    /// `PATCH`.
    Patch,
    /// `DELETE`.
    Delete,
}

impl Method {
    /// The method's name as HTTP writes it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Head => "HEAD",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }
}

impl From<Method> for reqwest::Method {
    fn from(method: Method) -> Self {
        match method {
            Method::Get => reqwest::Method::GET,
            Method::Head => reqwest::Method::HEAD,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
        }
    }
}

/// One operation of the Execution API: where it is and what answers success.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Operation {
    /// The HTTP method.
    pub method: Method,
    /// The path below the API's base URL (the document's server is `/execution`), with
    /// `{name}` where a path parameter goes.
    pub path_template: &'static str,
    /// The document's `operationId`.
    pub operation_id: &'static str,
    /// The 2xx status codes the document lists for the operation.
    pub success_statuses: &'static [u16],
}

/// `GET /asset-events/by-asset`: Get Asset Event By Asset Name Uri.
///
/// - request body: none
/// - 200: [AssetEventsResponse]
/// - `name` (query, required): `Option<String>`
/// - `uri` (query, required): `Option<String>`
/// - `after` (query): `Option<AwareDateTime>`
/// - `before` (query): `Option<AwareDateTime>`
/// - `ascending` (query, default `true`): `bool`
/// - `limit` (query): `Option<i64>`
/// - errors: 401, 404, 422
pub const GET_ASSET_EVENT_BY_ASSET_NAME_URI: Operation = Operation {
    method: Method::Get,
    path_template: "/asset-events/by-asset",
    operation_id: "get_asset_event_by_asset_name_uri",
    success_statuses: &[200],
};

/// `GET /asset-events/by-asset-alias`: Get Asset Event By Asset Alias.
///
/// - request body: none
/// - 200: [AssetEventsResponse]
/// - `name` (query, required): `String`
/// - `after` (query): `Option<AwareDateTime>`
/// - `before` (query): `Option<AwareDateTime>`
/// - `ascending` (query, default `true`): `bool`
/// - `limit` (query): `Option<i64>`
/// - errors: 401, 404, 422
pub const GET_ASSET_EVENT_BY_ASSET_ALIAS: Operation = Operation {
    method: Method::Get,
    path_template: "/asset-events/by-asset-alias",
    operation_id: "get_asset_event_by_asset_alias",
    success_statuses: &[200],
};

/// `GET /assets/by-alias`: Get Assets By Alias.
///
/// - request body: none
/// - 200: Vec\<[AssetResponse]\>
/// - `alias_name` (query, required): `String`
/// - errors: 401, 404, 422
pub const GET_ASSETS_BY_ALIAS: Operation = Operation {
    method: Method::Get,
    path_template: "/assets/by-alias",
    operation_id: "get_assets_by_alias",
    success_statuses: &[200],
};

/// `GET /assets/by-name`: Get Asset By Name.
///
/// - request body: none
/// - 200: [AssetResponse]
/// - `name` (query, required): `String`
/// - errors: 401, 404, 422
pub const GET_ASSET_BY_NAME: Operation = Operation {
    method: Method::Get,
    path_template: "/assets/by-name",
    operation_id: "get_asset_by_name",
    success_statuses: &[200],
};

/// `GET /assets/by-uri`: Get Asset By Uri.
///
/// - request body: none
/// - 200: [AssetResponse]
/// - `uri` (query, required): `String`
/// - errors: 401, 404, 422
pub const GET_ASSET_BY_URI: Operation = Operation {
    method: Method::Get,
    path_template: "/assets/by-uri",
    operation_id: "get_asset_by_uri",
    success_statuses: &[200],
};

/// `PATCH /connection-tests/{connection_test_id}`: Patch Connection Test.
///
/// - request body: [ConnectionTestResultBody]
/// - 204: no body
/// - `connection_test_id` (path, required): `Uuid`
/// - errors: 404, 409, 422
pub const PATCH_CONNECTION_TEST: Operation = Operation {
    method: Method::Patch,
    path_template: "/connection-tests/{connection_test_id}",
    operation_id: "patch_connection_test",
    success_statuses: &[204],
};

/// `GET /connection-tests/{connection_test_id}/connection`: Get Connection Test Connection.
///
/// - request body: none
/// - 200: [ConnectionTestConnectionResponse]
/// - `connection_test_id` (path, required): `Uuid`
/// - errors: 404, 409, 422
pub const GET_CONNECTION_TEST_CONNECTION: Operation = Operation {
    method: Method::Get,
    path_template: "/connection-tests/{connection_test_id}/connection",
    operation_id: "get_connection_test_connection",
    success_statuses: &[200],
};

/// `GET /connections/{connection_id}`: Get Connection.
///
/// - request body: none
/// - 200: [ConnectionResponse]
/// - `connection_id` (path, required): `String`
/// - errors: 401, 403, 404, 422
pub const GET_CONNECTION: Operation = Operation {
    method: Method::Get,
    path_template: "/connections/{connection_id}",
    operation_id: "get_connection",
    success_statuses: &[200],
};

/// `GET /dag-runs/count`: Get Dr Count.
///
/// - request body: none
/// - 200: `i64`
/// - `dag_id` (query, required): `String`
/// - `logical_dates` (query): `Option<Vec<AwareDateTime>>`
/// - `run_ids` (query): `Option<Vec<String>>`
/// - `states` (query): `Option<Vec<String>>`
/// - errors: 422
pub const GET_DR_COUNT: Operation = Operation {
    method: Method::Get,
    path_template: "/dag-runs/count",
    operation_id: "get_dr_count",
    success_statuses: &[200],
};

/// `GET /dag-runs/previous`: Get Previous Dagrun.
///
/// - request body: none
/// - 200: Option\<[DagRun]\>
/// - `dag_id` (query, required): `String`
/// - `logical_date` (query, required): `AwareDateTime`
/// - `state` (query): `Option<DagRunState>`
/// - errors: 422
pub const GET_PREVIOUS_DAGRUN: Operation = Operation {
    method: Method::Get,
    path_template: "/dag-runs/previous",
    operation_id: "get_previous_dagrun",
    success_statuses: &[200],
};

/// `GET /dag-runs/{dag_id}/{run_id}`: Get Dag Run.
///
/// - request body: none
/// - 200: [DagRun]
/// - `dag_id` (path, required): `String`
/// - `run_id` (path, required): `String`
/// - errors: 404, 422
pub const GET_DAG_RUN: Operation = Operation {
    method: Method::Get,
    path_template: "/dag-runs/{dag_id}/{run_id}",
    operation_id: "get_dag_run",
    success_statuses: &[200],
};

/// `POST /dag-runs/{dag_id}/{run_id}`: Trigger Dag Run.
///
/// - request body: [TriggerDAGRunPayload]
/// - 204: no body
/// - `dag_id` (path, required): `String`
/// - `run_id` (path, required): `String`
/// - errors: 400, 404, 409, 422
pub const TRIGGER_DAG_RUN: Operation = Operation {
    method: Method::Post,
    path_template: "/dag-runs/{dag_id}/{run_id}",
    operation_id: "trigger_dag_run",
    success_statuses: &[204],
};

/// `POST /dag-runs/{dag_id}/{run_id}/clear`: Clear Dag Run.
///
/// - request body: none
/// - 204: no body
/// - `dag_id` (path, required): `String`
/// - `run_id` (path, required): `String`
/// - errors: 400, 404, 422
pub const CLEAR_DAG_RUN: Operation = Operation {
    method: Method::Post,
    path_template: "/dag-runs/{dag_id}/{run_id}/clear",
    operation_id: "clear_dag_run",
    success_statuses: &[204],
};

/// `GET /dag-runs/{dag_id}/{run_id}/state`: Get Dagrun State.
///
/// - request body: none
/// - 200: [DagRunStateResponse]
/// - `dag_id` (path, required): `String`
/// - `run_id` (path, required): `String`
/// - errors: 404, 422
pub const GET_DAGRUN_STATE: Operation = Operation {
    method: Method::Get,
    path_template: "/dag-runs/{dag_id}/{run_id}/state",
    operation_id: "get_dagrun_state",
    success_statuses: &[200],
};

/// `GET /dags/{dag_id}`: Get Dag.
///
/// - request body: none
/// - 200: [DagResponse]
/// - `dag_id` (path, required): `String`
/// - errors: 404, 422
pub const GET_DAG: Operation = Operation {
    method: Method::Get,
    path_template: "/dags/{dag_id}",
    operation_id: "get_dag",
    success_statuses: &[200],
};

/// `GET /health`: Health.
///
/// - request body: none
/// - 200: `JsonMap`
/// - errors: 422
pub const HEALTH: Operation = Operation {
    method: Method::Get,
    path_template: "/health",
    operation_id: "health",
    success_statuses: &[200],
};

/// `GET /health/ping`: Ping.
///
/// - request body: none
/// - 200: any JSON (the document gives no schema)
/// - errors: 422
pub const PING: Operation = Operation {
    method: Method::Get,
    path_template: "/health/ping",
    operation_id: "ping",
    success_statuses: &[200],
};

/// `GET /hitlDetails/{task_instance_id}`: Get Hitl Detail.
///
/// - request body: none
/// - 200: [HITLDetailResponse]
/// - `task_instance_id` (path, required): `Uuid`
/// - errors: 422
pub const GET_HITL_DETAIL: Operation = Operation {
    method: Method::Get,
    path_template: "/hitlDetails/{task_instance_id}",
    operation_id: "get_hitl_detail",
    success_statuses: &[200],
};

/// `POST /hitlDetails/{task_instance_id}`: Upsert Hitl Detail.
///
/// - request body: [HITLDetailRequest]
/// - 201: [HITLDetailRequest]
/// - `task_instance_id` (path, required): `Uuid`
/// - errors: 422
pub const UPSERT_HITL_DETAIL: Operation = Operation {
    method: Method::Post,
    path_template: "/hitlDetails/{task_instance_id}",
    operation_id: "upsert_hitl_detail",
    success_statuses: &[201],
};

/// `PATCH /hitlDetails/{task_instance_id}`: Update Hitl Detail.
///
/// - request body: [UpdateHITLDetailPayload]
/// - 200: [HITLDetailResponse]
/// - `task_instance_id` (path, required): `Uuid`
/// - errors: 422
pub const UPDATE_HITL_DETAIL: Operation = Operation {
    method: Method::Patch,
    path_template: "/hitlDetails/{task_instance_id}",
    operation_id: "update_hitl_detail",
    success_statuses: &[200],
};

/// `DELETE /store/asset/by-name/clear`: Clear Asset State Store By Name.
///
/// - request body: none
/// - 204: no body
/// - `name` (query, required): `String`
/// - errors: 401, 404, 422
pub const CLEAR_ASSET_STATE_STORE_BY_NAME: Operation = Operation {
    method: Method::Delete,
    path_template: "/store/asset/by-name/clear",
    operation_id: "clear_asset_state_store_by_name",
    success_statuses: &[204],
};

/// `GET /store/asset/by-name/value`: Get Asset State Store By Name.
///
/// - request body: none
/// - 200: [AssetStateStoreResponse]
/// - `name` (query, required): `String`
/// - `key` (query, required): `String`
/// - errors: 401, 404, 422
pub const GET_ASSET_STATE_STORE_BY_NAME: Operation = Operation {
    method: Method::Get,
    path_template: "/store/asset/by-name/value",
    operation_id: "get_asset_state_store_by_name",
    success_statuses: &[200],
};

/// `PUT /store/asset/by-name/value`: Set Asset State Store By Name.
///
/// - request body: [AssetStateStorePutBody]
/// - 204: no body
/// - `name` (query, required): `String`
/// - `key` (query, required): `String`
/// - errors: 401, 404, 422
pub const SET_ASSET_STATE_STORE_BY_NAME: Operation = Operation {
    method: Method::Put,
    path_template: "/store/asset/by-name/value",
    operation_id: "set_asset_state_store_by_name",
    success_statuses: &[204],
};

/// `DELETE /store/asset/by-name/value`: Delete Asset State Store By Name.
///
/// - request body: none
/// - 204: no body
/// - `name` (query, required): `String`
/// - `key` (query, required): `String`
/// - errors: 401, 404, 422
pub const DELETE_ASSET_STATE_STORE_BY_NAME: Operation = Operation {
    method: Method::Delete,
    path_template: "/store/asset/by-name/value",
    operation_id: "delete_asset_state_store_by_name",
    success_statuses: &[204],
};

/// `DELETE /store/asset/by-uri/clear`: Clear Asset State Store By Uri.
///
/// - request body: none
/// - 204: no body
/// - `uri` (query, required): `String`
/// - errors: 401, 404, 422
pub const CLEAR_ASSET_STATE_STORE_BY_URI: Operation = Operation {
    method: Method::Delete,
    path_template: "/store/asset/by-uri/clear",
    operation_id: "clear_asset_state_store_by_uri",
    success_statuses: &[204],
};

/// `GET /store/asset/by-uri/value`: Get Asset State Store By Uri.
///
/// - request body: none
/// - 200: [AssetStateStoreResponse]
/// - `uri` (query, required): `String`
/// - `key` (query, required): `String`
/// - errors: 401, 404, 422
pub const GET_ASSET_STATE_STORE_BY_URI: Operation = Operation {
    method: Method::Get,
    path_template: "/store/asset/by-uri/value",
    operation_id: "get_asset_state_store_by_uri",
    success_statuses: &[200],
};

/// `PUT /store/asset/by-uri/value`: Set Asset State Store By Uri.
///
/// - request body: [AssetStateStorePutBody]
/// - 204: no body
/// - `uri` (query, required): `String`
/// - `key` (query, required): `String`
/// - errors: 401, 404, 422
pub const SET_ASSET_STATE_STORE_BY_URI: Operation = Operation {
    method: Method::Put,
    path_template: "/store/asset/by-uri/value",
    operation_id: "set_asset_state_store_by_uri",
    success_statuses: &[204],
};

/// `DELETE /store/asset/by-uri/value`: Delete Asset State Store By Uri.
///
/// - request body: none
/// - 204: no body
/// - `uri` (query, required): `String`
/// - `key` (query, required): `String`
/// - errors: 401, 404, 422
pub const DELETE_ASSET_STATE_STORE_BY_URI: Operation = Operation {
    method: Method::Delete,
    path_template: "/store/asset/by-uri/value",
    operation_id: "delete_asset_state_store_by_uri",
    success_statuses: &[204],
};

/// `DELETE /store/ti/{task_instance_id}`: Clear Task State Store.
///
/// - request body: none
/// - 204: no body
/// - `task_instance_id` (path, required): `Uuid`
/// - errors: 401, 403, 404, 422
pub const CLEAR_TASK_STATE_STORE: Operation = Operation {
    method: Method::Delete,
    path_template: "/store/ti/{task_instance_id}",
    operation_id: "clear_task_state_store",
    success_statuses: &[204],
};

/// `GET /store/ti/{task_instance_id}/{key}`: Get Task State Store.
///
/// - request body: none
/// - 200: [TaskStateStoreResponse]
/// - `task_instance_id` (path, required): `Uuid`
/// - `key` (path, required): `String`
/// - errors: 401, 403, 404, 422
pub const GET_TASK_STATE_STORE: Operation = Operation {
    method: Method::Get,
    path_template: "/store/ti/{task_instance_id}/{key}",
    operation_id: "get_task_state_store",
    success_statuses: &[200],
};

/// `PUT /store/ti/{task_instance_id}/{key}`: Set Task State Store.
///
/// - request body: [TaskStateStorePutBody]
/// - 204: no body
/// - `task_instance_id` (path, required): `Uuid`
/// - `key` (path, required): `String`
/// - errors: 401, 403, 404, 422
pub const SET_TASK_STATE_STORE: Operation = Operation {
    method: Method::Put,
    path_template: "/store/ti/{task_instance_id}/{key}",
    operation_id: "set_task_state_store",
    success_statuses: &[204],
};

/// `DELETE /store/ti/{task_instance_id}/{key}`: Delete Task State Store.
///
/// - request body: none
/// - 204: no body
/// - `task_instance_id` (path, required): `Uuid`
/// - `key` (path, required): `String`
/// - errors: 401, 403, 404, 422
pub const DELETE_TASK_STATE_STORE: Operation = Operation {
    method: Method::Delete,
    path_template: "/store/ti/{task_instance_id}/{key}",
    operation_id: "delete_task_state_store",
    success_statuses: &[204],
};

/// `GET /task-instances/breadcrumbs`: Get Task Instance Breadcrumbs.
///
/// - request body: none
/// - 200: [TaskBreadcrumbsResponse]
/// - `dag_id` (query, required): `String`
/// - `run_id` (query, required): `String`
/// - errors: 422
pub const GET_TASK_INSTANCE_BREADCRUMBS: Operation = Operation {
    method: Method::Get,
    path_template: "/task-instances/breadcrumbs",
    operation_id: "get_task_instance_breadcrumbs",
    success_statuses: &[200],
};

/// `GET /task-instances/count`: Get Task Instance Count.
///
/// - request body: none
/// - 200: `i64`
/// - `dag_id` (query, required): `String`
/// - `map_index` (query): `Option<i64>`
/// - `task_ids` (query): `Option<Vec<String>>`
/// - `task_group_id` (query): `Option<String>`
/// - `logical_dates` (query): `Option<Vec<AwareDateTime>>`
/// - `run_ids` (query): `Option<Vec<String>>`
/// - `states` (query): `Option<Vec<String>>`
/// - errors: 422
pub const GET_TASK_INSTANCE_COUNT: Operation = Operation {
    method: Method::Get,
    path_template: "/task-instances/count",
    operation_id: "get_task_instance_count",
    success_statuses: &[200],
};

/// `GET /task-instances/previous/{dag_id}/{task_id}`: Get Previous Task Instance.
///
/// - request body: none
/// - 200: Option\<[PreviousTIResponse]\>
/// - `dag_id` (path, required): `String`
/// - `task_id` (path, required): `String`
/// - `logical_date` (query): `Option<AwareDateTime>`
/// - `map_index` (query, default `-1`): `i64`
/// - `state` (query): `Option<TaskInstanceState>`
/// - errors: 422
pub const GET_PREVIOUS_TASK_INSTANCE: Operation = Operation {
    method: Method::Get,
    path_template: "/task-instances/previous/{dag_id}/{task_id}",
    operation_id: "get_previous_task_instance",
    success_statuses: &[200],
};

/// `GET /task-instances/states`: Get Task Instance States.
///
/// - request body: none
/// - 200: [TaskStatesResponse]
/// - `dag_id` (query, required): `String`
/// - `map_index` (query): `Option<i64>`
/// - `task_ids` (query): `Option<Vec<String>>`
/// - `task_group_id` (query): `Option<String>`
/// - `logical_dates` (query): `Option<Vec<AwareDateTime>>`
/// - `run_ids` (query): `Option<Vec<String>>`
/// - errors: 422
pub const GET_TASK_INSTANCE_STATES: Operation = Operation {
    method: Method::Get,
    path_template: "/task-instances/states",
    operation_id: "get_task_instance_states",
    success_statuses: &[200],
};

/// `PUT /task-instances/{task_instance_id}/heartbeat`: Ti Heartbeat.
///
/// - request body: [TIHeartbeatInfo]
/// - 204: no body
/// - `task_instance_id` (path, required): `Uuid`
/// - errors: 404, 409, 410, 422
pub const TI_HEARTBEAT: Operation = Operation {
    method: Method::Put,
    path_template: "/task-instances/{task_instance_id}/heartbeat",
    operation_id: "ti_heartbeat",
    success_statuses: &[204],
};

/// `GET /task-instances/{task_instance_id}/previous-successful-dagrun`: Get Previous Successful Dagrun.
///
/// - request body: none
/// - 200: [PrevSuccessfulDagRunResponse]
/// - `task_instance_id` (path, required): `Uuid`
/// - errors: 404, 422
pub const GET_PREVIOUS_SUCCESSFUL_DAGRUN: Operation = Operation {
    method: Method::Get,
    path_template: "/task-instances/{task_instance_id}/previous-successful-dagrun",
    operation_id: "get_previous_successful_dagrun",
    success_statuses: &[200],
};

/// `PATCH /task-instances/{task_instance_id}/rendered-map-index`: Ti Patch Rendered Map Index.
///
/// - request body: `String`
/// - 204: no body
/// - `task_instance_id` (path, required): `Uuid`
/// - errors: 404, 422
pub const TI_PATCH_RENDERED_MAP_INDEX: Operation = Operation {
    method: Method::Patch,
    path_template: "/task-instances/{task_instance_id}/rendered-map-index",
    operation_id: "ti_patch_rendered_map_index",
    success_statuses: &[204],
};

/// `PUT /task-instances/{task_instance_id}/rtif`: Set Rendered Task Instance Fields.
///
/// - request body: `JsonMap`
/// - 201: any JSON (the document gives no schema)
/// - `task_instance_id` (path, required): `Uuid`
/// - errors: 404, 410, 422
pub const PUT_RTIF: Operation = Operation {
    method: Method::Put,
    path_template: "/task-instances/{task_instance_id}/rtif",
    operation_id: "put_rtif",
    success_statuses: &[201],
};

/// `PATCH /task-instances/{task_instance_id}/run`: Ti Run.
///
/// - request body: [TIEnterRunningPayload]
/// - 200: [TIRunContext]
/// - `task_instance_id` (path, required): `Uuid`
/// - errors: 404, 409, 422
pub const TI_RUN: Operation = Operation {
    method: Method::Patch,
    path_template: "/task-instances/{task_instance_id}/run",
    operation_id: "ti_run",
    success_statuses: &[200],
};

/// `PATCH /task-instances/{task_instance_id}/skip-downstream`: Ti Skip Downstream.
///
/// - request body: [TISkippedDownstreamTasksStatePayload]
/// - 204: no body
/// - `task_instance_id` (path, required): `Uuid`
/// - errors: 404, 422
pub const TI_SKIP_DOWNSTREAM: Operation = Operation {
    method: Method::Patch,
    path_template: "/task-instances/{task_instance_id}/skip-downstream",
    operation_id: "ti_skip_downstream",
    success_statuses: &[204],
};

/// `PATCH /task-instances/{task_instance_id}/state`: Ti Update State.
///
/// - request body: [TiPatchPayload]
/// - 200: no body
/// - 204: no body
/// - `task_instance_id` (path, required): `Uuid`
/// - errors: 404, 409, 422
pub const TI_UPDATE_STATE: Operation = Operation {
    method: Method::Patch,
    path_template: "/task-instances/{task_instance_id}/state",
    operation_id: "ti_update_state",
    success_statuses: &[200, 204],
};

/// `GET /task-instances/{task_instance_id}/validate-inlets-and-outlets`: Validate Inlets And Outlets.
///
/// - request body: none
/// - 200: [InactiveAssetsResponse]
/// - `task_instance_id` (path, required): `Uuid`
/// - errors: 404, 422
pub const VALIDATE_INLETS_AND_OUTLETS: Operation = Operation {
    method: Method::Get,
    path_template: "/task-instances/{task_instance_id}/validate-inlets-and-outlets",
    operation_id: "validate_inlets_and_outlets",
    success_statuses: &[200],
};

/// `GET /task-reschedules/{task_instance_id}/start_date`: Get Start Date.
///
/// - request body: none
/// - 200: `Option<AwareDateTime>`
/// - `task_instance_id` (path, required): `Uuid`
/// - errors: 401, 404, 422
pub const GET_START_DATE: Operation = Operation {
    method: Method::Get,
    path_template: "/task-reschedules/{task_instance_id}/start_date",
    operation_id: "get_start_date",
    success_statuses: &[200],
};

/// `GET /variables/keys`: Get Variable Keys.
///
/// - request body: none
/// - 200: [VariableKeysResponse]
/// - `prefix` (query): `Option<String>`
/// - `limit` (query, default `1000`): `i64`
/// - `offset` (query, default `0`): `i64`
/// - errors: 401, 422
pub const GET_VARIABLE_KEYS: Operation = Operation {
    method: Method::Get,
    path_template: "/variables/keys",
    operation_id: "get_variable_keys",
    success_statuses: &[200],
};

/// `GET /variables/{variable_key}`: Get Variable.
///
/// - request body: none
/// - 200: [VariableResponse]
/// - `variable_key` (path, required): `String`
/// - errors: 401, 403, 404, 422
pub const GET_VARIABLE: Operation = Operation {
    method: Method::Get,
    path_template: "/variables/{variable_key}",
    operation_id: "get_variable",
    success_statuses: &[200],
};

/// `PUT /variables/{variable_key}`: Put Variable.
///
/// - request body: [VariablePostBody]
/// - 201: any JSON (the document gives no schema)
/// - `variable_key` (path, required): `String`
/// - errors: 401, 403, 404, 422
pub const PUT_VARIABLE: Operation = Operation {
    method: Method::Put,
    path_template: "/variables/{variable_key}",
    operation_id: "put_variable",
    success_statuses: &[201],
};

/// `DELETE /variables/{variable_key}`: Delete Variable.
///
/// - request body: none
/// - 204: no body
/// - `variable_key` (path, required): `String`
/// - errors: 401, 403, 404, 422
pub const DELETE_VARIABLE: Operation = Operation {
    method: Method::Delete,
    path_template: "/variables/{variable_key}",
    operation_id: "delete_variable",
    success_statuses: &[204],
};

/// `GET /xcoms/{dag_id}/{run_id}/{task_id}/{key}`: Get Xcom.
///
/// - request body: none
/// - 200: [XComResponse]
/// - `dag_id` (path, required): `String`
/// - `run_id` (path, required): `String`
/// - `task_id` (path, required): `String`
/// - `key` (path, required): `String`
/// - `map_index` (query, default `-1`): `i64`
/// - `include_prior_dates` (query, default `false`): `bool`
/// - `offset` (query): `Option<i64>`
/// - errors: 401, 403, 404, 422
pub const GET_XCOM: Operation = Operation {
    method: Method::Get,
    path_template: "/xcoms/{dag_id}/{run_id}/{task_id}/{key}",
    operation_id: "get_xcom",
    success_statuses: &[200],
};

/// `HEAD /xcoms/{dag_id}/{run_id}/{task_id}/{key}`: Head Xcom.
///
/// - request body: none
/// - 200: any JSON (the document gives no schema)
/// - `dag_id` (path, required): `String`
/// - `run_id` (path, required): `String`
/// - `task_id` (path, required): `String`
/// - `key` (path, required): `String`
/// - `map_index` (query): `Option<i64>`
/// - errors: 401, 403, 404, 422
pub const HEAD_XCOM: Operation = Operation {
    method: Method::Head,
    path_template: "/xcoms/{dag_id}/{run_id}/{task_id}/{key}",
    operation_id: "head_xcom",
    success_statuses: &[200],
};

/// `POST /xcoms/{dag_id}/{run_id}/{task_id}/{key}`: Set Xcom.
///
/// - request body: [JsonValue]
/// - 201: any JSON (the document gives no schema)
/// - `dag_id` (path, required): `String`
/// - `run_id` (path, required): `String`
/// - `task_id` (path, required): `String`
/// - `key` (path, required): `String`
/// - `map_index` (query, default `-1`): `i64`
/// - `dag_result` (query, default `false`): `bool`
/// - `mapped_length` (query): `Option<i64>`
/// - errors: 401, 403, 404, 422
pub const SET_XCOM: Operation = Operation {
    method: Method::Post,
    path_template: "/xcoms/{dag_id}/{run_id}/{task_id}/{key}",
    operation_id: "set_xcom",
    success_statuses: &[201],
};

/// `DELETE /xcoms/{dag_id}/{run_id}/{task_id}/{key}`: Delete Xcom.
///
/// - request body: none
/// - 200: any JSON (the document gives no schema)
/// - `dag_id` (path, required): `String`
/// - `run_id` (path, required): `String`
/// - `task_id` (path, required): `String`
/// - `key` (path, required): `String`
/// - `map_index` (query, default `-1`): `i64`
/// - errors: 401, 403, 404, 422
pub const DELETE_XCOM: Operation = Operation {
    method: Method::Delete,
    path_template: "/xcoms/{dag_id}/{run_id}/{task_id}/{key}",
    operation_id: "delete_xcom",
    success_statuses: &[200],
};

/// `GET /xcoms/{dag_id}/{run_id}/{task_id}/{key}/item/{offset}`: Get Mapped Xcom By Index.
///
/// - request body: none
/// - 200: [XComSequenceIndexResponse]
/// - `dag_id` (path, required): `String`
/// - `run_id` (path, required): `String`
/// - `task_id` (path, required): `String`
/// - `key` (path, required): `String`
/// - `offset` (path, required): `i64`
/// - errors: 401, 403, 404, 422
pub const GET_MAPPED_XCOM_BY_INDEX: Operation = Operation {
    method: Method::Get,
    path_template: "/xcoms/{dag_id}/{run_id}/{task_id}/{key}/item/{offset}",
    operation_id: "get_mapped_xcom_by_index",
    success_statuses: &[200],
};

/// `GET /xcoms/{dag_id}/{run_id}/{task_id}/{key}/slice`: Get Mapped Xcom By Slice.
///
/// - request body: none
/// - 200: [XComSequenceSliceResponse]
/// - `dag_id` (path, required): `String`
/// - `run_id` (path, required): `String`
/// - `task_id` (path, required): `String`
/// - `key` (path, required): `String`
/// - `start` (query): `Option<i64>`
/// - `stop` (query): `Option<i64>`
/// - `step` (query): `Option<i64>`
/// - `include_prior_dates` (query, default `false`): `bool`
/// - errors: 401, 403, 404, 422
pub const GET_MAPPED_XCOM_BY_SLICE: Operation = Operation {
    method: Method::Get,
    path_template: "/xcoms/{dag_id}/{run_id}/{task_id}/{key}/slice",
    operation_id: "get_mapped_xcom_by_slice",
    success_statuses: &[200],
};

/// Every operation of the document, by path then method.
pub const OPERATIONS: &[Operation] = &[
    GET_ASSET_EVENT_BY_ASSET_NAME_URI,
    GET_ASSET_EVENT_BY_ASSET_ALIAS,
    GET_ASSETS_BY_ALIAS,
    GET_ASSET_BY_NAME,
    GET_ASSET_BY_URI,
    PATCH_CONNECTION_TEST,
    GET_CONNECTION_TEST_CONNECTION,
    GET_CONNECTION,
    GET_DR_COUNT,
    GET_PREVIOUS_DAGRUN,
    GET_DAG_RUN,
    TRIGGER_DAG_RUN,
    CLEAR_DAG_RUN,
    GET_DAGRUN_STATE,
    GET_DAG,
    HEALTH,
    PING,
    GET_HITL_DETAIL,
    UPSERT_HITL_DETAIL,
    UPDATE_HITL_DETAIL,
    CLEAR_ASSET_STATE_STORE_BY_NAME,
    GET_ASSET_STATE_STORE_BY_NAME,
    SET_ASSET_STATE_STORE_BY_NAME,
    DELETE_ASSET_STATE_STORE_BY_NAME,
    CLEAR_ASSET_STATE_STORE_BY_URI,
    GET_ASSET_STATE_STORE_BY_URI,
    SET_ASSET_STATE_STORE_BY_URI,
    DELETE_ASSET_STATE_STORE_BY_URI,
    CLEAR_TASK_STATE_STORE,
    GET_TASK_STATE_STORE,
    SET_TASK_STATE_STORE,
    DELETE_TASK_STATE_STORE,
    GET_TASK_INSTANCE_BREADCRUMBS,
    GET_TASK_INSTANCE_COUNT,
    GET_PREVIOUS_TASK_INSTANCE,
    GET_TASK_INSTANCE_STATES,
    TI_HEARTBEAT,
    GET_PREVIOUS_SUCCESSFUL_DAGRUN,
    TI_PATCH_RENDERED_MAP_INDEX,
    PUT_RTIF,
    TI_RUN,
    TI_SKIP_DOWNSTREAM,
    TI_UPDATE_STATE,
    VALIDATE_INLETS_AND_OUTLETS,
    GET_START_DATE,
    GET_VARIABLE_KEYS,
    GET_VARIABLE,
    PUT_VARIABLE,
    DELETE_VARIABLE,
    GET_XCOM,
    HEAD_XCOM,
    SET_XCOM,
    DELETE_XCOM,
    GET_MAPPED_XCOM_BY_INDEX,
    GET_MAPPED_XCOM_BY_SLICE,
];
