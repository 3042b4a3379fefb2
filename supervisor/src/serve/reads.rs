//! Reads: connections, variables and XComs.

use airflow_comms::dispatch::AsyncHandle;
use airflow_comms::request::{ConnectionReply, VariableReply, XComSequenceItemReply};
use airflow_comms::{
    AnyValue, ConnectionResult, ErrorResponse, ErrorType, GetConnection, GetVariable,
    GetVariableKeys, GetXCom, GetXComCount, GetXComSequenceItem, GetXComSequenceSlice,
    VariableKeysResult, VariableResult, XComCountResponse, XComResult, XComSequenceSliceResult,
};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{Handler, api_failure, dict, is_not_found};
use crate::api::{Body, segment};

/// An Execution API answer as the comms reply `tag`: the same fields under the reply's tag.
pub(crate) fn reply_from_json<T: DeserializeOwned>(
    mut answer: Value,
    tag: &'static str,
) -> Result<T, ErrorResponse> {
    if let Value::Object(map) = &mut answer {
        map.insert("type".into(), Value::String(tag.into()));
    }
    serde_json::from_value(answer).map_err(|e| ErrorResponse {
        error: ErrorType::ApiServerError,
        detail: Some(dict([
            ("status_code", AnyValue::Null),
            (
                "message",
                AnyValue::from(format!("the server's answer is not a valid {tag}: {e}")),
            ),
            ("exception_type", AnyValue::from("ValidationError")),
        ])),
    })
}

/// `/xcoms/{dag}/{run}/{task}/{key}`.
pub(crate) fn xcom_path(dag_id: &str, run_id: &str, task_id: &str, key: &str) -> String {
    format!(
        "/xcoms/{}/{}/{}/{}",
        segment(dag_id),
        segment(run_id),
        segment(task_id),
        segment(key)
    )
}

impl AsyncHandle<GetConnection> for Handler {
    async fn handle(&mut self, request: GetConnection) -> Result<ConnectionReply, ErrorResponse> {
        let path = format!("/connections/{}", segment(&request.conn_id));
        match self
            .api
            .call_json::<Value>(Method::GET, &path, &[], Body::None)
            .await
        {
            Ok(answer) => {
                for field in ["password", "extra"] {
                    if let Some(secret) = answer.get(field).filter(|v| !v.is_null()) {
                        self.mask(secret, None);
                    }
                }
                let result: ConnectionResult = reply_from_json(answer, "ConnectionResult")?;
                Ok(ConnectionReply::ConnectionResult(result))
            }
            Err(e) if is_not_found(&e) => Ok(ConnectionReply::ErrorResponse(ErrorResponse {
                error: ErrorType::ConnectionNotFound,
                detail: Some(dict([("conn_id", AnyValue::from(request.conn_id))])),
            })),
            Err(e) if is_denied(&e) => Ok(ConnectionReply::ErrorResponse(ErrorResponse {
                error: ErrorType::PermissionDenied,
                detail: Some(dict([
                    ("conn_id", AnyValue::from(request.conn_id)),
                    ("status_code", status_of(&e)),
                ])),
            })),
            Err(e) => Err(api_failure(&e)),
        }
    }
}

fn is_denied(error: &crate::api::ApiError) -> bool {
    matches!(
        error.status(),
        Some(StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN)
    )
}

fn status_of(error: &crate::api::ApiError) -> AnyValue {
    error
        .status()
        .map(|s| AnyValue::from(i64::from(s.as_u16())))
        .unwrap_or(AnyValue::Null)
}

impl AsyncHandle<GetVariable> for Handler {
    async fn handle(&mut self, request: GetVariable) -> Result<VariableReply, ErrorResponse> {
        let path = format!("/variables/{}", segment(&request.key));
        match self
            .api
            .call_json::<Value>(Method::GET, &path, &[], Body::None)
            .await
        {
            Ok(answer) => {
                let result: VariableResult = reply_from_json(answer, "VariableResult")?;
                if let Some(value) = result.value.as_deref().filter(|v| !v.is_empty()) {
                    self.mask(&Value::String(value.to_owned()), Some(&result.key));
                }
                Ok(VariableReply::VariableResult(result))
            }
            Err(e) if is_not_found(&e) => Ok(VariableReply::ErrorResponse(ErrorResponse {
                error: ErrorType::VariableNotFound,
                detail: Some(dict([("key", AnyValue::from(request.key))])),
            })),
            Err(e) if is_denied(&e) => Ok(VariableReply::ErrorResponse(ErrorResponse {
                error: ErrorType::PermissionDenied,
                detail: Some(dict([
                    ("key", AnyValue::from(request.key)),
                    ("status_code", status_of(&e)),
                ])),
            })),
            Err(e) => Err(api_failure(&e)),
        }
    }
}

impl AsyncHandle<GetVariableKeys> for Handler {
    async fn handle(
        &mut self,
        request: GetVariableKeys,
    ) -> Result<VariableKeysResult, ErrorResponse> {
        let mut query = vec![
            ("limit", request.limit.to_string()),
            ("offset", request.offset.to_string()),
        ];
        if let Some(prefix) = request.prefix {
            query.push(("prefix", prefix));
        }
        let answer: Value = self
            .api
            .call_json(Method::GET, "/variables/keys", &query, Body::None)
            .await
            .map_err(|e| api_failure(&e))?;
        reply_from_json(answer, "VariableKeysResult")
    }
}

impl AsyncHandle<GetXCom> for Handler {
    async fn handle(&mut self, request: GetXCom) -> Result<XComResult, ErrorResponse> {
        let path = xcom_path(
            &request.dag_id,
            &request.run_id,
            &request.task_id,
            &request.key,
        );
        let mut query = Vec::new();
        if let Some(index) = request.map_index.filter(|i| *i >= 0) {
            query.push(("map_index", index.to_string()));
        }
        if request.include_prior_dates {
            query.push(("include_prior_dates", "true".to_owned()));
        }
        match self
            .api
            .call_json::<Value>(Method::GET, &path, &query, Body::None)
            .await
        {
            Ok(answer) => reply_from_json(answer, "XComResult"),
            Err(e) if is_not_found(&e) => Ok(XComResult {
                key: request.key,
                value: airflow_comms::JsonValue::null(),
            }),
            Err(e) => Err(api_failure(&e)),
        }
    }
}

impl AsyncHandle<GetXComCount> for Handler {
    async fn handle(&mut self, request: GetXComCount) -> Result<XComCountResponse, ErrorResponse> {
        let path = xcom_path(
            &request.dag_id,
            &request.run_id,
            &request.task_id,
            &request.key,
        );
        let answer = self
            .api
            .call(Method::HEAD, &path, &[], Body::None)
            .await
            .map_err(|e| api_failure(&e))?;
        let len = answer
            .headers
            .get("content-range")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("map_indexes "))
            .and_then(|n| n.trim().parse::<i64>().ok())
            .ok_or_else(|| ErrorResponse {
                error: ErrorType::ApiServerError,
                detail: Some(dict([
                    ("status_code", AnyValue::Null),
                    (
                        "message",
                        AnyValue::from(format!(
                            "Unable to parse Content-Range header from HEAD {path}"
                        )),
                    ),
                    ("exception_type", AnyValue::from("RuntimeError")),
                ])),
            })?;
        Ok(XComCountResponse { len })
    }
}

impl AsyncHandle<GetXComSequenceItem> for Handler {
    async fn handle(
        &mut self,
        request: GetXComSequenceItem,
    ) -> Result<XComSequenceItemReply, ErrorResponse> {
        let path = format!(
            "{}/item/{}",
            xcom_path(
                &request.dag_id,
                &request.run_id,
                &request.task_id,
                &request.key
            ),
            request.offset
        );
        match self
            .api
            .call_json::<Value>(Method::GET, &path, &[], Body::None)
            .await
        {
            Ok(answer) => Ok(XComSequenceItemReply::XComSequenceIndexResult(
                reply_from_json(
                    serde_json::json!({ "root": answer }),
                    "XComSequenceIndexResult",
                )?,
            )),
            Err(e) if is_not_found(&e) => Ok(XComSequenceItemReply::ErrorResponse(ErrorResponse {
                error: ErrorType::XComNotFound,
                detail: Some(dict([
                    ("dag_id", AnyValue::from(request.dag_id)),
                    ("run_id", AnyValue::from(request.run_id)),
                    ("task_id", AnyValue::from(request.task_id)),
                    ("key", AnyValue::from(request.key)),
                    ("offset", AnyValue::from(request.offset)),
                ])),
            })),
            Err(e) => Err(api_failure(&e)),
        }
    }
}

impl AsyncHandle<GetXComSequenceSlice> for Handler {
    async fn handle(
        &mut self,
        request: GetXComSequenceSlice,
    ) -> Result<XComSequenceSliceResult, ErrorResponse> {
        let path = format!(
            "{}/slice",
            xcom_path(
                &request.dag_id,
                &request.run_id,
                &request.task_id,
                &request.key
            )
        );
        let mut query = Vec::new();
        for (name, value) in [
            ("start", request.start),
            ("stop", request.stop),
            ("step", request.step),
        ] {
            if let Some(v) = value {
                query.push((name, v.to_string()));
            }
        }
        if request.include_prior_dates {
            query.push(("include_prior_dates", "true".to_owned()));
        }
        let answer: Value = self
            .api
            .call_json(Method::GET, &path, &query, Body::None)
            .await
            .map_err(|e| api_failure(&e))?;
        reply_from_json(
            serde_json::json!({ "root": answer }),
            "XComSequenceSliceResult",
        )
    }
}
