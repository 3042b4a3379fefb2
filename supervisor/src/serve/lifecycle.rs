//! The requests that end a task or describe it, and the run state they leave behind.

use std::time::Instant;

use airflow_comms::dispatch::AsyncHandle;
use airflow_comms::{
    AwaitInputTask, DeferTask, ErrorResponse, MapOrString, RescheduleTask, RetryTask,
    SetRenderedFields, SetRenderedMapIndex, SkipDownstreamTasks, SucceedTask, TaskRef, TaskState,
    TaskStateOutcome,
};
use reqwest::{Method, StatusCode};

use super::{Handler, exception, recast, server_status};
use crate::api::Body;
use crate::api::models::{
    AssetProfile, TIAwaitingInputStatePayload, TIDeferredStatePayload,
    TIDeferredStatePayloadTriggerKwargs, TIRescheduleStatePayload, TIRetryStatePayload,
    TISkippedDownstreamTasksStatePayload, TISkippedDownstreamTasksStatePayloadTasksItem,
    TISuccessStatePayload, TITerminalStatePayload, TerminalStateNonSuccess, TiPatchPayload,
};

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
    pub body: TiPatchPayload,
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
    async fn report(&self, state: Terminal, body: TiPatchPayload) -> Result<(), ErrorResponse> {
        self.state()?.pending = Some(PendingReport {
            state,
            body: body.clone(),
        });
        self.patch_state(&body).await?;
        let mut run = self.state()?;
        run.pending = None;
        run.terminal = Some(state);
        Ok(())
    }

    async fn patch_state(&self, body: &TiPatchPayload) -> Result<(), ErrorResponse> {
        let path = self.ti_path("state")?;
        self.call(Method::PATCH, &path, &[], Body::json(body))
            .await
            .map(drop)
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

    /// Reports a state that is not sent directly (failed, skipped, removed) with
    /// `PATCH …/state`, as Airflow's `finish()` does. The states reported when their message
    /// came have no such report, and are refused as the SDK refuses them.
    pub async fn finish(&self, state: Terminal) -> Result<(), ErrorResponse> {
        let state = match state {
            Terminal::Failed => TerminalStateNonSuccess::Failed,
            Terminal::Skipped => TerminalStateNonSuccess::Skipped,
            Terminal::Removed => TerminalStateNonSuccess::Removed,
            other => {
                return Err(exception(
                    "ValueError",
                    format!(
                        "'{}' is not a valid TerminalStateNonSuccess",
                        other.as_str()
                    ),
                ));
            }
        };
        let rendered_map_index = self.state()?.rendered_map_index.clone();
        let body = TiPatchPayload::Terminal(TITerminalStatePayload {
            end_date: chrono::Utc::now().into(),
            rendered_map_index,
            state,
        });
        self.patch_state(&body).await
    }

    /// Notes that the task's work ended now, with the rendered map index its message carried.
    fn ended(&self, rendered_map_index: Option<String>) -> Result<(), ErrorResponse> {
        let mut run = self.state()?;
        run.task_end = Some(Instant::now());
        run.rendered_map_index = rendered_map_index;
        Ok(())
    }
}

/// The current time as the API's date-times are written.
pub(crate) fn now_json() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string()
}

impl AsyncHandle<TaskState> for Handler {
    /// Kept for after the exit, when `finish` reports it: no call now.
    async fn handle(&mut self, request: TaskState) -> Result<(), ErrorResponse> {
        self.ended(request.rendered_map_index)?;
        self.state()?.terminal = Some(match request.state {
            TaskStateOutcome::Failed => Terminal::Failed,
            TaskStateOutcome::Skipped => Terminal::Skipped,
            TaskStateOutcome::Removed => Terminal::Removed,
        });
        Ok(())
    }
}

impl AsyncHandle<SucceedTask> for Handler {
    async fn handle(&mut self, request: SucceedTask) -> Result<(), ErrorResponse> {
        self.ended(request.rendered_map_index.clone())?;
        let body = TISuccessStatePayload {
            end_date: request.end_date,
            outlet_events: request
                .outlet_events
                .as_ref()
                .map(|events| recast(events, None))
                .transpose()?,
            rendered_map_index: request.rendered_map_index,
            state: Default::default(),
            task_outlets: request.task_outlets.map(|outlets| {
                outlets
                    .into_iter()
                    .map(|o| AssetProfile {
                        name: o.name,
                        r#type: o.asset_type,
                        uri: o.uri,
                    })
                    .collect()
            }),
        };
        self.report(Terminal::Success, TiPatchPayload::Success(body))
            .await
    }
}

impl AsyncHandle<RetryTask> for Handler {
    async fn handle(&mut self, request: RetryTask) -> Result<(), ErrorResponse> {
        self.ended(request.rendered_map_index.clone())?;
        let body = TIRetryStatePayload {
            end_date: request.end_date,
            rendered_map_index: request.rendered_map_index,
            retry_delay_seconds: request.retry_delay_seconds,
            retry_reason: request.retry_reason,
            state: Default::default(),
        };
        self.report(Terminal::UpForRetry, TiPatchPayload::Retry(body))
            .await
    }
}

impl AsyncHandle<DeferTask> for Handler {
    async fn handle(&mut self, request: DeferTask) -> Result<(), ErrorResponse> {
        self.state()?.rendered_map_index = request.rendered_map_index.clone();
        let body = TIDeferredStatePayload {
            classpath: request.classpath,
            next_kwargs: request.next_kwargs,
            next_method: request.next_method,
            queue: request.queue,
            rendered_map_index: request.rendered_map_index,
            state: Default::default(),
            trigger_kwargs: request.trigger_kwargs.map(|kwargs| match kwargs {
                MapOrString::Map(map) => TIDeferredStatePayloadTriggerKwargs::Map(map),
                MapOrString::String(text) => TIDeferredStatePayloadTriggerKwargs::String(text),
            }),
            trigger_timeout: request.trigger_timeout,
        };
        self.report(Terminal::Deferred, TiPatchPayload::Deferred(body))
            .await
    }
}

impl AsyncHandle<RescheduleTask> for Handler {
    async fn handle(&mut self, request: RescheduleTask) -> Result<(), ErrorResponse> {
        let body = TIRescheduleStatePayload {
            end_date: request.end_date,
            reschedule_date: request.reschedule_date,
            state: Default::default(),
        };
        self.report(Terminal::UpForReschedule, TiPatchPayload::Reschedule(body))
            .await
    }
}

impl AsyncHandle<AwaitInputTask> for Handler {
    async fn handle(&mut self, request: AwaitInputTask) -> Result<(), ErrorResponse> {
        self.state()?.rendered_map_index = request.rendered_map_index.clone();
        let body = TIAwaitingInputStatePayload {
            next_kwargs: request.next_kwargs,
            next_method: request.next_method,
            rendered_map_index: request.rendered_map_index,
            state: Default::default(),
            timeout: request.timeout,
        };
        self.report(Terminal::AwaitingInput, TiPatchPayload::AwaitingInput(body))
            .await
    }
}

impl AsyncHandle<SkipDownstreamTasks> for Handler {
    async fn handle(&mut self, request: SkipDownstreamTasks) -> Result<(), ErrorResponse> {
        let path = self.ti_path("skip-downstream")?;
        let body = TISkippedDownstreamTasksStatePayload {
            tasks: request
                .tasks
                .into_iter()
                .map(|task| match task {
                    TaskRef::TaskId(id) => {
                        TISkippedDownstreamTasksStatePayloadTasksItem::String(id)
                    }
                    TaskRef::Mapped(id, index) => {
                        TISkippedDownstreamTasksStatePayloadTasksItem::Tuple((id, index))
                    }
                })
                .collect(),
        };
        self.call(Method::PATCH, &path, &[], Body::json(&body))
            .await
            .map(drop)
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
            Err(e) if server_status(&e) == Some(StatusCode::GONE) => Ok(()),
            Err(e) => Err(super::api_failure(&e)),
        }
    }
}

impl AsyncHandle<SetRenderedMapIndex> for Handler {
    async fn handle(&mut self, request: SetRenderedMapIndex) -> Result<(), ErrorResponse> {
        let path = self.ti_path("rendered-map-index")?;
        self.call(
            Method::PATCH,
            &path,
            &[],
            Body::json(&request.rendered_map_index),
        )
        .await
        .map(drop)
    }
}
