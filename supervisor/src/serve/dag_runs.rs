//! DAG runs (reading, counting, triggering) and DAGs.

use airflow_comms::dispatch::AsyncHandle;
use airflow_comms::request::TriggerDagRunReply;
use airflow_comms::{
    DRCount, DagResult, DagRunResult, DagRunStateResult, ErrorResponse, ErrorType, GetDRCount,
    GetDag, GetDagRun, GetDagRunState, GetPrevSuccessfulDagRun, GetPreviousDagRun, OKResponse,
    PrevSuccessfulDagRunResult, PreviousDagRunResult, TriggerDagRun,
};
use reqwest::{Method, StatusCode};

use super::{Handler, api_failure, recast, server_status, without_defaults};
use crate::api::Body;
use crate::api::models::{
    DagResponse, DagRun, DagRunStateResponse, PrevSuccessfulDagRunResponse, TriggerDAGRunPayload,
};
use crate::api::paths::{isoformat, quote_all, segment};

/// `/dag-runs/{dag}/{run}`, each value as httpx writes it.
fn dag_run_path(dag_id: &str, run_id: &str) -> String {
    format!("/dag-runs/{}/{}", segment(dag_id), segment(run_id))
}

/// Appends `name=value` once per item, as httpx writes a list parameter (an empty list writes
/// nothing).
pub(super) fn push_all<T>(
    query: &mut Vec<(&'static str, String)>,
    name: &'static str,
    items: Option<&[T]>,
    write: impl Fn(&T) -> String,
) {
    for item in items.unwrap_or_default() {
        query.push((name, write(item)));
    }
}

impl AsyncHandle<GetDagRun> for Handler {
    async fn handle(&mut self, request: GetDagRun) -> Result<DagRunResult, ErrorResponse> {
        let path = dag_run_path(&request.dag_id, &request.run_id);
        let run: DagRun = self.read(Method::GET, &path, &[]).await?;
        recast(&run, Some("DagRunResult"))
    }
}

impl AsyncHandle<GetDagRunState> for Handler {
    async fn handle(
        &mut self,
        request: GetDagRunState,
    ) -> Result<DagRunStateResult, ErrorResponse> {
        let path = format!("{}/state", dag_run_path(&request.dag_id, &request.run_id));
        let state: DagRunStateResponse = self.read(Method::GET, &path, &[]).await?;
        recast(&state, Some("DagRunStateResult"))
    }
}

impl AsyncHandle<GetDRCount> for Handler {
    async fn handle(&mut self, request: GetDRCount) -> Result<DRCount, ErrorResponse> {
        let mut query = vec![("dag_id", request.dag_id)];
        push_all(
            &mut query,
            "logical_dates",
            request.logical_dates.as_deref(),
            isoformat,
        );
        push_all(
            &mut query,
            "run_ids",
            request.run_ids.as_deref(),
            String::clone,
        );
        push_all(
            &mut query,
            "states",
            request.states.as_deref(),
            String::clone,
        );
        let count: i64 = self.read(Method::GET, "/dag-runs/count", &query).await?;
        Ok(DRCount { count })
    }
}

impl AsyncHandle<GetPreviousDagRun> for Handler {
    async fn handle(
        &mut self,
        request: GetPreviousDagRun,
    ) -> Result<PreviousDagRunResult, ErrorResponse> {
        let mut query = vec![
            ("dag_id", request.dag_id),
            ("logical_date", isoformat(&request.logical_date)),
        ];
        if let Some(state) = request.state.filter(|s| !s.is_empty()) {
            query.push(("state", state));
        }
        let run: Option<DagRun> = self.read(Method::GET, "/dag-runs/previous", &query).await?;
        Ok(PreviousDagRunResult {
            dag_run: recast(&run, None)?,
        })
    }
}

impl AsyncHandle<GetPrevSuccessfulDagRun> for Handler {
    /// Asked about the handler's own task instance, whatever id the request carries, as the
    /// SDK's supervisor does.
    async fn handle(
        &mut self,
        _: GetPrevSuccessfulDagRun,
    ) -> Result<PrevSuccessfulDagRunResult, ErrorResponse> {
        let path = format!(
            "/task-instances/{}/previous-successful-dagrun",
            self.task()?.ti_id
        );
        let run: PrevSuccessfulDagRunResponse = self.read(Method::GET, &path, &[]).await?;
        recast(&run, Some("PrevSuccessfulDagRunResult"))
    }
}

impl AsyncHandle<GetDag> for Handler {
    async fn handle(&mut self, request: GetDag) -> Result<DagResult, ErrorResponse> {
        let path = format!("/dags/{}", quote_all(&request.dag_id));
        let dag: DagResponse = self.read(Method::GET, &path, &[]).await?;
        recast(&dag, Some("DagResult"))
    }
}

impl AsyncHandle<TriggerDagRun> for Handler {
    /// `POST /dag-runs/{dag}/{run}` with the fields that differ from the payload's defaults
    /// (the configuration always, `{}` when none; the partition key never: the SDK does not
    /// pass it on). On a 409 the run exists: with `reset_dag_run` it is cleared
    /// (`POST …/clear`), else the reply is `DAGRUN_ALREADY_EXISTS`.
    async fn handle(
        &mut self,
        request: TriggerDagRun,
    ) -> Result<TriggerDagRunReply, ErrorResponse> {
        let path = dag_run_path(&request.dag_id, &request.run_id);
        let conf = match &request.conf {
            Some(conf) => recast(conf, None)?,
            None => Default::default(),
        };
        let payload = TriggerDAGRunPayload {
            conf: Some(conf),
            logical_date: request.logical_date,
            note: request.note.clone(),
            partition_key: None,
            // A null the child sends is left out: the server refuses it, and reads the absence
            // as the default (false).
            reset_dag_run: request.reset_dag_run.unwrap_or(false),
            run_after: request.run_after,
        };
        let defaults = TriggerDAGRunPayload {
            conf: None,
            logical_date: None,
            note: None,
            partition_key: None,
            reset_dag_run: false,
            run_after: None,
        };
        let body = without_defaults(&payload, &defaults);
        match self
            .api
            .call(Method::POST, &path, &[], Body::json(&body))
            .await
        {
            Ok(_) => Ok(TriggerDagRunReply::OKResponse(OKResponse { ok: true })),
            Err(e) if server_status(&e) == Some(StatusCode::CONFLICT) => {
                if request.reset_dag_run == Some(true) {
                    self.call(Method::POST, &format!("{path}/clear"), &[], Body::None)
                        .await?;
                    Ok(TriggerDagRunReply::OKResponse(OKResponse { ok: true }))
                } else {
                    Ok(TriggerDagRunReply::ErrorResponse(ErrorResponse {
                        error: ErrorType::DagRunAlreadyExists,
                        detail: None,
                    }))
                }
            }
            Err(e) => Err(api_failure(&e)),
        }
    }
}
