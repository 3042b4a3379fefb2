//! Human-in-the-loop requests.

use airflow_comms::dispatch::AsyncHandle;
use airflow_comms::{
    AnyValue, CreateHITLDetailPayload, ErrorResponse, ErrorType, GetHITLDetailResponse,
    HITLDetailRequestResult, HITLDetailResponseResult, UpdateHITLDetail,
};
use reqwest::Method;
use serde::Serialize;

use super::{Handler, dict, recast};
use crate::api::Body;
use crate::api::models::{HITLDetailRequest, HITLUser};

/// The body of `POST /hitlDetails/{ti_id}`: the SDK sends the comms message itself, so its
/// `type` tag travels with the detail.
#[derive(Serialize)]
struct CreateBody {
    #[serde(flatten)]
    detail: HITLDetailRequest,
    r#type: &'static str,
}

impl AsyncHandle<CreateHITLDetailPayload> for Handler {
    async fn handle(
        &mut self,
        request: CreateHITLDetailPayload,
    ) -> Result<HITLDetailRequestResult, ErrorResponse> {
        let path = format!("/hitlDetails/{}", request.ti_id);
        let detail = HITLDetailRequest {
            assigned_users: request.assigned_users.map(|users| {
                users
                    .into_iter()
                    .map(|u| HITLUser {
                        id: u.id,
                        name: u.name,
                    })
                    .collect()
            }),
            body: request.body,
            defaults: request.defaults,
            multiple: request.multiple.unwrap_or(false),
            options: request.options.into_inner(),
            params: request
                .params
                .as_ref()
                .map(|p| recast(p, None))
                .transpose()?,
            subject: request.subject,
            ti_id: request.ti_id,
        };
        let mut body = serde_json::to_value(CreateBody {
            detail,
            r#type: "CreateHITLDetailPayload",
        })
        .unwrap_or_default();
        // A null `multiple` from the child is left out (the server refuses null, and reads the
        // absence as false), like the other fields the server will not take as null.
        if request.multiple.is_none()
            && let serde_json::Value::Object(map) = &mut body
        {
            map.shift_remove("multiple");
        }
        let created: HITLDetailRequest = self
            .api
            .call_json(Method::POST, &path, &[], Body::json(&body))
            .await
            .map_err(|e| super::api_failure(&e))?;
        recast(&created, Some("HITLDetailRequestResult"))
    }
}

/// What the SDK's task supervisor answers to the HITL requests only the triggerer serves.
fn unhandled() -> ErrorResponse {
    ErrorResponse {
        error: ErrorType::ApiServerError,
        detail: Some(dict([
            ("status_code", AnyValue::from(400_i64)),
            ("message", AnyValue::from("Unhandled request")),
        ])),
    }
}

impl AsyncHandle<UpdateHITLDetail> for Handler {
    /// Not served to a task: Airflow's task supervisor has no branch for it (the triggerer
    /// serves it) and answers "Unhandled request".
    async fn handle(
        &mut self,
        _: UpdateHITLDetail,
    ) -> Result<HITLDetailResponseResult, ErrorResponse> {
        Err(unhandled())
    }
}

impl AsyncHandle<GetHITLDetailResponse> for Handler {
    /// Not served to a task, as [`UpdateHITLDetail`].
    async fn handle(
        &mut self,
        _: GetHITLDetailResponse,
    ) -> Result<HITLDetailResponseResult, ErrorResponse> {
        Err(unhandled())
    }
}
