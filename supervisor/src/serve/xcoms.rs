//! XComs: reads, counts, sequence access, writes and deletes.

use airflow_comms::dispatch::AsyncHandle;
use airflow_comms::request::XComSequenceItemReply;
use airflow_comms::{
    AnyValue, DeleteXCom, ErrorResponse, ErrorType, GetXCom, GetXComCount, GetXComSequenceItem,
    GetXComSequenceSlice, JsonValue, SetXCom, XComCountResponse, XComResult,
    XComSequenceIndexResult, XComSequenceSliceResult,
};
use reqwest::{Method, StatusCode};

use super::{Handler, api_failure, dict, exception, recast, server_status};
use crate::api::Body;
use crate::api::models::{XComResponse, XComSequenceIndexResponse, XComSequenceSliceResponse};
use crate::api::paths::segment;

/// `/xcoms/{dag}/{run}/{task}/{key}`, each value as httpx writes it.
fn xcom_path(dag_id: &str, run_id: &str, task_id: &str, key: &str) -> String {
    format!(
        "/xcoms/{}/{}/{}/{}",
        segment(dag_id),
        segment(run_id),
        segment(task_id),
        segment(key)
    )
}

/// `map_index` as the SDK sends it: only when it is set and not negative.
fn map_index_query(query: &mut Vec<(&'static str, String)>, map_index: Option<i64>) {
    if let Some(index) = map_index.filter(|i| *i >= 0) {
        query.push(("map_index", index.to_string()));
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
        map_index_query(&mut query, request.map_index);
        if request.include_prior_dates {
            query.push(("include_prior_dates", "true".to_owned()));
        }
        match self
            .api
            .call_json::<XComResponse>(Method::GET, &path, &query, Body::None)
            .await
        {
            Ok(xcom) => recast(&xcom, Some("XComResult")),
            // An absent XCom reads as null, as in Airflow 2.
            Err(e) if server_status(&e) == Some(StatusCode::NOT_FOUND) => Ok(XComResult {
                key: request.key,
                value: JsonValue::null(),
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
        let answer = self.call(Method::HEAD, &path, &[], Body::None).await?;
        // The SDK indexes the header (a missing one is a KeyError), then wants a
        // `map_indexes N` value (anything else is a RuntimeError, a bad N a ValueError).
        let Some(range) = answer.headers.get("content-range") else {
            return Err(exception("KeyError", "'Content-Range'"));
        };
        let count = range
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("map_indexes "))
            .ok_or_else(|| {
                exception(
                    "RuntimeError",
                    format!("Unable to parse Content-Range header from HEAD {path}"),
                )
            })?;
        let len = count.trim().parse::<i64>().map_err(|_| {
            exception(
                "ValueError",
                format!("invalid literal for int() with base 10: {count:?}"),
            )
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
            .call_json::<XComSequenceIndexResponse>(Method::GET, &path, &[], Body::None)
            .await
        {
            Ok(root) => Ok(XComSequenceItemReply::XComSequenceIndexResult(
                XComSequenceIndexResult { root },
            )),
            Err(e) if server_status(&e) == Some(StatusCode::NOT_FOUND) => {
                Ok(XComSequenceItemReply::ErrorResponse(ErrorResponse {
                    error: ErrorType::XComNotFound,
                    detail: Some(dict([
                        ("dag_id", AnyValue::from(request.dag_id)),
                        ("run_id", AnyValue::from(request.run_id)),
                        ("task_id", AnyValue::from(request.task_id)),
                        ("key", AnyValue::from(request.key)),
                        ("offset", AnyValue::from(request.offset)),
                    ])),
                }))
            }
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
        let items: XComSequenceSliceResponse = self.read(Method::GET, &path, &query).await?;
        Ok(XComSequenceSliceResult { root: items })
    }
}

impl AsyncHandle<SetXCom> for Handler {
    async fn handle(&mut self, request: SetXCom) -> Result<(), ErrorResponse> {
        let path = xcom_path(
            &request.dag_id,
            &request.run_id,
            &request.task_id,
            &request.key,
        );
        let mut query = Vec::new();
        if request.dag_result {
            query.push(("dag_result", "true".to_owned()));
        }
        map_index_query(&mut query, request.map_index);
        if let Some(length) = request.mapped_length.filter(|l| *l >= 0) {
            query.push(("mapped_length", length.to_string()));
        }
        // The value goes out as the JSON text the child sent, without being parsed again; a null
        // value as no body at all, as httpx sends `json=None` (the server reads both as null).
        let body = if request.value.is_null() {
            Body::None
        } else {
            Body::raw(request.value.as_json_text().to_owned())
        };
        self.call(Method::POST, &path, &query, body).await.map(drop)
    }
}

impl AsyncHandle<DeleteXCom> for Handler {
    async fn handle(&mut self, request: DeleteXCom) -> Result<(), ErrorResponse> {
        let path = xcom_path(
            &request.dag_id,
            &request.run_id,
            &request.task_id,
            &request.key,
        );
        let mut query = Vec::new();
        map_index_query(&mut query, request.map_index);
        self.call(Method::DELETE, &path, &query, Body::None)
            .await
            .map(drop)
    }
}
