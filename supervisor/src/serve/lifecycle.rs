//! The requests that end a task or describe it, and the run state they leave behind.

use std::time::Instant;

use airflow_comms::dispatch::AsyncHandle;
use airflow_comms::request::TriggerDagRunReply;
use airflow_comms::{
    AwaitInputTask, DeferTask, ErrorResponse, InactiveAssetsResult, OKResponse, RescheduleTask,
    RetryTask, SetRenderedFields, SetRenderedMapIndex, SkipDownstreamTasks, SucceedTask, TaskState,
    TaskStateOutcome, TriggerDagRun, ValidateInletsAndOutlets,
};
use reqwest::Method;
use serde_json::{Value, json};

use super::{Handler, api_failure};
use crate::api::{Body, segment};

/// A state the task ended in, as the supervisor knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Terminal {
    /// `success`, reported at once.
    Success,
    /// `up_for_retry`, reported at once (a `RetryTask`), or the fate of a failed exit when the
    /// server said the task should retry.
    UpForRetry,
    /// `deferred`, reported at once.
    Deferred,
    /// `up_for_reschedule`, reported at once.
    UpForReschedule,
    /// `awaiting_input`, reported at once.
    AwaitingInput,
    /// `failed`, reported after the exit.
    Failed,
    /// `skipped`, reported after the exit.
    Skipped,
    /// `removed`, reported after the exit.
    Removed,
    /// The server said the task must stop (404, 409 or 410 to a heartbeat): nothing is reported.
    ServerTerminated,
}

impl Terminal {
    /// The state's name as the API and the logs write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Terminal::Success => "success",
            Terminal::UpForRetry => "up_for_retry",
            Terminal::Deferred => "deferred",
            Terminal::UpForReschedule => "up_for_reschedule",
            Terminal::AwaitingInput => "awaiting_input",
            Terminal::Failed => "failed",
            Terminal::Skipped => "skipped",
            Terminal::Removed => "removed",
            Terminal::ServerTerminated => "SERVER_TERMINATED",
        }
    }

    /// Whether the state was reported when its message came (so nothing is sent after the
    /// exit).
    pub fn is_sent_directly(self) -> bool {
        matches!(
            self,
            Terminal::Success
                | Terminal::UpForRetry
                | Terminal::Deferred
                | Terminal::UpForReschedule
                | Terminal::AwaitingInput
                | Terminal::ServerTerminated
        )
    }
}

/// What the run has seen so far, shared by the request handler, the heartbeat and the
/// supervisor's loop.
#[derive(Debug, Default)]
pub struct RunState {
    /// The state the task reached, once it reached one.
    pub terminal: Option<Terminal>,
    /// When a `TaskState`, `SucceedTask` or `RetryTask` arrived: overtime counts from here.
    pub task_end: Option<Instant>,
    /// The rendered map index the last terminal message carried.
    pub rendered_map_index: Option<String>,
    /// Whether the server said a failure should be retried (from `PATCH …/run`).
    pub should_retry: bool,
    /// A terminal report whose API call failed: sent again after the exit.
    pub pending: Option<PendingReport>,
}

/// A terminal-state report to send (or send again).
#[derive(Debug, Clone)]
pub struct PendingReport {
    /// The state it reports.
    pub state: Terminal,
    /// The `PATCH …/state` body.
    pub body: Value,
}

impl RunState {
    /// The state to report after the child exited with `exit_code`: the state a message
    /// reported, else success for exit 0, else up_for_retry when the server allows a retry,
    /// else failed. A server-terminated task stays so.
    pub fn final_state(&self, exit_code: i32) -> Terminal {
        if exit_code == 0 {
            return self.terminal.unwrap_or(Terminal::Success);
        }
        if self.terminal == Some(Terminal::ServerTerminated) {
            return Terminal::ServerTerminated;
        }
        if self.should_retry {
            Terminal::UpForRetry
        } else {
            Terminal::Failed
        }
    }
}

impl Handler {
    fn state(&self) -> Result<std::sync::MutexGuard<'_, RunState>, ErrorResponse> {
        let task = self.task()?;
        Ok(task.state.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn ti_path(&self, tail: &str) -> Result<String, ErrorResponse> {
        Ok(format!("/task-instances/{}/{tail}", self.task()?.ti_id))
    }

    /// Reports a terminal state now: records it as pending, calls `PATCH …/state`, and marks
    /// it reported when the call succeeds. A failed call leaves it pending, to be sent again
    /// after the exit ([`Handler::replay_pending`]).
    async fn report(&self, state: Terminal, body: Value) -> Result<(), ErrorResponse> {
        self.state()?.pending = Some(PendingReport {
            state,
            body: body.clone(),
        });
        self.patch_state(body).await?;
        let mut run = self.state()?;
        run.pending = None;
        run.terminal = Some(state);
        Ok(())
    }

    async fn patch_state(&self, body: Value) -> Result<(), ErrorResponse> {
        let path = self.ti_path("state")?;
        self.api
            .call(Method::PATCH, &path, &[], Body::json(&body))
            .await
            .map(drop)
            .map_err(|e| api_failure(&e))
    }

    /// Sends a terminal report whose first attempt failed, once more. `Ok(true)` when there was
    /// one and it went through.
    pub async fn replay_pending(&self) -> Result<bool, ErrorResponse> {
        let Some(pending) = self.state()?.pending.clone() else {
            return Ok(false);
        };
        self.report(pending.state, pending.body).await?;
        Ok(true)
    }

    /// Reports a state that is not sent directly (failed, skipped, removed, up_for_retry after
    /// a failed exit) with `PATCH …/state`, as Airflow's `finish()` does.
    pub async fn finish(&self, state: Terminal) -> Result<(), ErrorResponse> {
        let rendered_map_index = self.state()?.rendered_map_index.clone();
        let body = json!({
            "state": state.as_str(),
            "end_date": now_json(),
            "rendered_map_index": rendered_map_index,
        });
        self.patch_state(body).await
    }
}

/// The current time as the API's date-times are written.
pub(crate) fn now_json() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string()
}

/// A message as JSON without its `type` tag: the body of the state payload it becomes.
fn payload_of<T: serde::Serialize>(message: &T) -> Value {
    let mut value = serde_json::to_value(message).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        map.shift_remove("type");
    }
    value
}

impl AsyncHandle<TaskState> for Handler {
    async fn handle(&mut self, request: TaskState) -> Result<(), ErrorResponse> {
        let mut run = self.state()?;
        run.terminal = Some(match request.state {
            TaskStateOutcome::Failed => Terminal::Failed,
            TaskStateOutcome::Skipped => Terminal::Skipped,
            TaskStateOutcome::Removed => Terminal::Removed,
        });
        run.task_end = Some(Instant::now());
        run.rendered_map_index = request.rendered_map_index;
        Ok(())
    }
}

impl AsyncHandle<SucceedTask> for Handler {
    async fn handle(&mut self, request: SucceedTask) -> Result<(), ErrorResponse> {
        {
            let mut run = self.state()?;
            run.task_end = Some(Instant::now());
            run.rendered_map_index = request.rendered_map_index.clone();
        }
        let message = payload_of(&request);
        let body = json!({
            "state": "success",
            "end_date": message["end_date"],
            "task_outlets": or_empty_list(&message["task_outlets"]),
            "outlet_events": or_empty_list(&message["outlet_events"]),
            "rendered_map_index": request.rendered_map_index,
        });
        self.report(Terminal::Success, body).await
    }
}

fn or_empty_list(value: &Value) -> Value {
    if value.is_null() {
        json!([])
    } else {
        value.clone()
    }
}

impl AsyncHandle<RetryTask> for Handler {
    async fn handle(&mut self, request: RetryTask) -> Result<(), ErrorResponse> {
        {
            let mut run = self.state()?;
            run.task_end = Some(Instant::now());
            run.rendered_map_index = request.rendered_map_index.clone();
        }
        let message = payload_of(&request);
        let body = json!({
            "state": "up_for_retry",
            "end_date": message["end_date"],
            "rendered_map_index": request.rendered_map_index,
            "retry_delay_seconds": request.retry_delay_seconds,
            "retry_reason": request.retry_reason,
        });
        self.report(Terminal::UpForRetry, body).await
    }
}

impl AsyncHandle<DeferTask> for Handler {
    async fn handle(&mut self, request: DeferTask) -> Result<(), ErrorResponse> {
        self.state()?.rendered_map_index = request.rendered_map_index.clone();
        self.report(Terminal::Deferred, payload_of(&request)).await
    }
}

impl AsyncHandle<RescheduleTask> for Handler {
    async fn handle(&mut self, request: RescheduleTask) -> Result<(), ErrorResponse> {
        self.report(Terminal::UpForReschedule, payload_of(&request))
            .await
    }
}

impl AsyncHandle<AwaitInputTask> for Handler {
    async fn handle(&mut self, request: AwaitInputTask) -> Result<(), ErrorResponse> {
        self.state()?.rendered_map_index = request.rendered_map_index.clone();
        self.report(Terminal::AwaitingInput, payload_of(&request))
            .await
    }
}

impl AsyncHandle<SkipDownstreamTasks> for Handler {
    async fn handle(&mut self, request: SkipDownstreamTasks) -> Result<(), ErrorResponse> {
        let path = self.ti_path("skip-downstream")?;
        let body = payload_of(&request);
        self.api
            .call(Method::PATCH, &path, &[], Body::json(&body))
            .await
            .map(drop)
            .map_err(|e| api_failure(&e))
    }
}

impl AsyncHandle<SetRenderedFields> for Handler {
    async fn handle(&mut self, request: SetRenderedFields) -> Result<(), ErrorResponse> {
        let path = self.ti_path("rtif")?;
        match self
            .api
            .call(
                Method::PUT,
                &path,
                &[],
                Body::json(&request.rendered_fields),
            )
            .await
        {
            Ok(_) => Ok(()),
            // A retried or cleared task instance was archived under a new id: the late write
            // has nowhere to go, and the heartbeat will stop the task.
            Err(e) if e.status() == Some(reqwest::StatusCode::GONE) => Ok(()),
            Err(e) => Err(api_failure(&e)),
        }
    }
}

impl AsyncHandle<SetRenderedMapIndex> for Handler {
    async fn handle(&mut self, request: SetRenderedMapIndex) -> Result<(), ErrorResponse> {
        let path = self.ti_path("rendered-map-index")?;
        self.api
            .call(
                Method::PATCH,
                &path,
                &[],
                Body::json(&request.rendered_map_index),
            )
            .await
            .map(drop)
            .map_err(|e| api_failure(&e))
    }
}

impl AsyncHandle<ValidateInletsAndOutlets> for Handler {
    async fn handle(
        &mut self,
        request: ValidateInletsAndOutlets,
    ) -> Result<InactiveAssetsResult, ErrorResponse> {
        let path = format!(
            "/task-instances/{}/validate-inlets-and-outlets",
            request.ti_id
        );
        let answer: Value = self
            .api
            .call_json(Method::GET, &path, &[], Body::None)
            .await
            .map_err(|e| api_failure(&e))?;
        super::reads::reply_from_json(answer, "InactiveAssetsResult")
    }
}

impl AsyncHandle<TriggerDagRun> for Handler {
    async fn handle(
        &mut self,
        request: TriggerDagRun,
    ) -> Result<TriggerDagRunReply, ErrorResponse> {
        let path = format!(
            "/dag-runs/{}/{}",
            segment(&request.dag_id),
            segment(&request.run_id)
        );
        // The SDK writes only the fields that differ from the payload's defaults.
        let mut body = serde_json::Map::new();
        let message = payload_of(&request);
        if !message["logical_date"].is_null() {
            body.insert("logical_date".into(), message["logical_date"].clone());
        }
        if let Some(conf) = message
            .get("conf")
            .filter(|c| !c.is_null() && *c != &json!({}))
        {
            body.insert("conf".into(), conf.clone());
        }
        if request.reset_dag_run == Some(true) {
            body.insert("reset_dag_run".into(), Value::Bool(true));
        }
        if !message["note"].is_null() {
            body.insert("note".into(), message["note"].clone());
        }
        if !message["run_after"].is_null() {
            body.insert("run_after".into(), message["run_after"].clone());
        }
        match self
            .api
            .call(Method::POST, &path, &[], Body::json(&body))
            .await
        {
            Ok(_) => Ok(TriggerDagRunReply::OKResponse(OKResponse { ok: true })),
            Err(e) if e.status() == Some(reqwest::StatusCode::CONFLICT) => {
                if request.reset_dag_run == Some(true) {
                    let clear = format!("{path}/clear");
                    self.api
                        .call(Method::POST, &clear, &[], Body::None)
                        .await
                        .map_err(|e| api_failure(&e))?;
                    Ok(TriggerDagRunReply::OKResponse(OKResponse { ok: true }))
                } else {
                    Ok(TriggerDagRunReply::ErrorResponse(ErrorResponse {
                        error: airflow_comms::ErrorType::DagRunAlreadyExists,
                        detail: None,
                    }))
                }
            }
            Err(e) => Err(api_failure(&e)),
        }
    }
}
