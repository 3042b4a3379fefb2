//! Questions about other task instances: previous tries, counts, states, breadcrumbs,
//! reschedules.

use airflow_comms::dispatch::AsyncHandle;
use airflow_comms::{
    AwareDateTime, ErrorResponse, GetPreviousTI, GetTICount, GetTaskBreadcrumbs,
    GetTaskRescheduleStartDate, GetTaskStates, PreviousTIResult, TICount, TaskBreadcrumbsResult,
    TaskRescheduleStartDate, TaskStatesResult,
};
use reqwest::Method;

use super::dag_runs::push_all;
use super::{Handler, recast};
use crate::api::models::{PreviousTIResponse, TaskBreadcrumbsResponse, TaskStatesResponse};
use crate::api::paths::{isoformat, segment};

/// The filters `GET /task-instances/count` and `/task-instances/states` share, in the SDK's
/// order: absent ones left out, lists repeated, `map_index` last and only when not negative.
struct Filters<'a> {
    dag_id: String,
    task_ids: Option<&'a [String]>,
    task_group_id: Option<String>,
    logical_dates: Option<&'a [AwareDateTime]>,
    run_ids: Option<&'a [String]>,
    states: Option<&'a [String]>,
    map_index: Option<i64>,
}

impl Filters<'_> {
    fn query(self) -> Vec<(&'static str, String)> {
        let mut query = vec![("dag_id", self.dag_id)];
        push_all(&mut query, "task_ids", self.task_ids, String::clone);
        if let Some(group) = self.task_group_id {
            query.push(("task_group_id", group));
        }
        push_all(&mut query, "logical_dates", self.logical_dates, isoformat);
        push_all(&mut query, "run_ids", self.run_ids, String::clone);
        push_all(&mut query, "states", self.states, String::clone);
        if let Some(index) = self.map_index.filter(|i| *i >= 0) {
            query.push(("map_index", index.to_string()));
        }
        query
    }
}

impl AsyncHandle<GetTICount> for Handler {
    async fn handle(&mut self, request: GetTICount) -> Result<TICount, ErrorResponse> {
        let query = Filters {
            dag_id: request.dag_id,
            task_ids: request.task_ids.as_deref(),
            task_group_id: request.task_group_id,
            logical_dates: request.logical_dates.as_deref(),
            run_ids: request.run_ids.as_deref(),
            states: request.states.as_deref(),
            map_index: request.map_index,
        }
        .query();
        let count: i64 = self
            .read(Method::GET, "/task-instances/count", &query)
            .await?;
        Ok(TICount { count })
    }
}

impl AsyncHandle<GetTaskStates> for Handler {
    async fn handle(&mut self, request: GetTaskStates) -> Result<TaskStatesResult, ErrorResponse> {
        let query = Filters {
            dag_id: request.dag_id,
            task_ids: request.task_ids.as_deref(),
            task_group_id: request.task_group_id,
            logical_dates: request.logical_dates.as_deref(),
            run_ids: request.run_ids.as_deref(),
            states: None,
            map_index: request.map_index,
        }
        .query();
        let states: TaskStatesResponse = self
            .read(Method::GET, "/task-instances/states", &query)
            .await?;
        recast(&states, Some("TaskStatesResult"))
    }
}

impl AsyncHandle<GetPreviousTI> for Handler {
    async fn handle(&mut self, request: GetPreviousTI) -> Result<PreviousTIResult, ErrorResponse> {
        let path = format!(
            "/task-instances/previous/{}/{}",
            segment(&request.dag_id),
            segment(&request.task_id)
        );
        let mut query = vec![("map_index", request.map_index.to_string())];
        if let Some(date) = &request.logical_date {
            query.push(("logical_date", isoformat(date)));
        }
        if let Some(state) = request.state {
            query.push(("state", state.to_string()));
        }
        let previous: Option<PreviousTIResponse> = self.read(Method::GET, &path, &query).await?;
        Ok(PreviousTIResult {
            task_instance: recast(&previous, None)?,
        })
    }
}

impl AsyncHandle<GetTaskRescheduleStartDate> for Handler {
    async fn handle(
        &mut self,
        request: GetTaskRescheduleStartDate,
    ) -> Result<TaskRescheduleStartDate, ErrorResponse> {
        let path = format!("/task-reschedules/{}/start_date", request.ti_id);
        let query = [("try_number", request.try_number.to_string())];
        let start_date: Option<AwareDateTime> = self.read(Method::GET, &path, &query).await?;
        Ok(TaskRescheduleStartDate { start_date })
    }
}

impl AsyncHandle<GetTaskBreadcrumbs> for Handler {
    async fn handle(
        &mut self,
        request: GetTaskBreadcrumbs,
    ) -> Result<TaskBreadcrumbsResult, ErrorResponse> {
        let query = [("dag_id", request.dag_id), ("run_id", request.run_id)];
        let crumbs: TaskBreadcrumbsResponse = self
            .read(Method::GET, "/task-instances/breadcrumbs", &query)
            .await?;
        recast(&crumbs, Some("TaskBreadcrumbsResult"))
    }
}
