//! Connections and variables: reads, and the secrets they register.

use airflow_comms::dispatch::AsyncHandle;
use airflow_comms::request::{ConnectionReply, VariableReply};
use airflow_comms::{
    AnyValue, ErrorResponse, ErrorType, GetConnection, GetVariable, GetVariableKeys,
    VariableKeysResult,
};
use reqwest::{Method, StatusCode};

use super::{Handler, api_failure, dict, recast, server_status};
use crate::api::models::{ConnectionResponse, VariableKeysResponse, VariableResponse};
use crate::api::paths::segment;
use crate::api::{ApiError, Body};

/// Whether the SDK reads the failure as "not allowed" (401 or 403 with a JSON body).
fn is_denied(error: &ApiError) -> bool {
    matches!(
        server_status(error),
        Some(StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN)
    )
}

fn status_of(error: &ApiError) -> AnyValue {
    error
        .status()
        .map(|s| AnyValue::from(i64::from(s.as_u16())))
        .unwrap_or(AnyValue::Null)
}

impl AsyncHandle<GetConnection> for Handler {
    async fn handle(&mut self, request: GetConnection) -> Result<ConnectionReply, ErrorResponse> {
        let path = format!("/connections/{}", segment(&request.conn_id));
        match self
            .api
            .call_json::<ConnectionResponse>(Method::GET, &path, &[], Body::None)
            .await
        {
            Ok(conn) => {
                // The SDK masks a non-empty password and a non-empty extra (the extra's whole
                // JSON text, as one string).
                for secret in [&conn.password, &conn.extra].into_iter().flatten() {
                    if !secret.is_empty() {
                        self.mask(&serde_json::Value::from(secret.as_str()), None);
                    }
                }
                Ok(ConnectionReply::ConnectionResult(recast(
                    &conn,
                    Some("ConnectionResult"),
                )?))
            }
            Err(e) if server_status(&e) == Some(StatusCode::NOT_FOUND) => {
                Ok(ConnectionReply::ErrorResponse(ErrorResponse {
                    error: ErrorType::ConnectionNotFound,
                    detail: Some(dict([("conn_id", AnyValue::from(request.conn_id))])),
                }))
            }
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

impl AsyncHandle<GetVariable> for Handler {
    async fn handle(&mut self, request: GetVariable) -> Result<VariableReply, ErrorResponse> {
        let path = format!("/variables/{}", segment(&request.key));
        match self
            .api
            .call_json::<VariableResponse>(Method::GET, &path, &[], Body::None)
            .await
        {
            Ok(var) => {
                // Registered under the variable's key: only a sensitive key hides the value.
                if let Some(value) = var.value.as_deref().filter(|v| !v.is_empty()) {
                    self.mask(&serde_json::Value::from(value), Some(&var.key));
                }
                Ok(VariableReply::VariableResult(recast(
                    &var,
                    Some("VariableResult"),
                )?))
            }
            Err(e) if server_status(&e) == Some(StatusCode::NOT_FOUND) => {
                Ok(VariableReply::ErrorResponse(ErrorResponse {
                    error: ErrorType::VariableNotFound,
                    detail: Some(dict([("key", AnyValue::from(request.key))])),
                }))
            }
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
        let keys: VariableKeysResponse = self.read(Method::GET, "/variables/keys", &query).await?;
        recast(&keys, Some("VariableKeysResult"))
    }
}
