//! Writes (variables, XComs) and logging requests.

use airflow_comms::dispatch::AsyncHandle;
use airflow_comms::{
    DeleteVariable, DeleteXCom, ErrorResponse, MaskSecret, OKResponse, PutVariable,
    ResendLoggingFD, SentFDs, SetXCom,
};
use reqwest::Method;
use serde_json::json;

use super::reads::xcom_path;
use super::{Handler, api_failure};
use crate::api::{Body, segment};

impl AsyncHandle<PutVariable> for Handler {
    async fn handle(&mut self, request: PutVariable) -> Result<(), ErrorResponse> {
        let path = format!("/variables/{}", segment(&request.key));
        let body = json!({ "val": request.value, "description": request.description });
        self.api
            .call(Method::PUT, &path, &[], Body::json(&body))
            .await
            .map(drop)
            .map_err(|e| api_failure(&e))
    }
}

impl AsyncHandle<DeleteVariable> for Handler {
    async fn handle(&mut self, request: DeleteVariable) -> Result<OKResponse, ErrorResponse> {
        let path = format!("/variables/{}", segment(&request.key));
        self.api
            .call(Method::DELETE, &path, &[], Body::None)
            .await
            .map_err(|e| api_failure(&e))?;
        Ok(OKResponse { ok: true })
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
        if let Some(index) = request.map_index.filter(|i| *i >= 0) {
            query.push(("map_index", index.to_string()));
        }
        if let Some(length) = request.mapped_length.filter(|l| *l >= 0) {
            query.push(("mapped_length", length.to_string()));
        }
        // The value goes out as the JSON text the child sent, without being parsed again.
        let body = Body::raw(request.value.as_json_text().to_owned());
        self.api
            .call(Method::POST, &path, &query, body)
            .await
            .map(drop)
            .map_err(|e| api_failure(&e))
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
        if let Some(index) = request.map_index.filter(|i| *i >= 0) {
            query.push(("map_index", index.to_string()));
        }
        self.api
            .call(Method::DELETE, &path, &query, Body::None)
            .await
            .map(drop)
            .map_err(|e| api_failure(&e))
    }
}

impl AsyncHandle<MaskSecret> for Handler {
    async fn handle(&mut self, request: MaskSecret) -> Result<(), ErrorResponse> {
        self.mask(&request.value.to_value(), request.name.as_deref());
        Ok(())
    }
}

impl AsyncHandle<ResendLoggingFD> for Handler {
    /// The supervisor's request loop answers `ResendLoggingFD` itself, because the answer
    /// carries a descriptor ([`crate::task`]); a handler reached with it has no socket to give
    /// and says so with an empty reply, which the SDK's task runner reports as an error.
    async fn handle(&mut self, _: ResendLoggingFD) -> Result<Option<SentFDs>, ErrorResponse> {
        Ok(None)
    }
}
