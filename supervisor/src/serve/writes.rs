//! Variable writes, masking and the logging socket.

use airflow_comms::dispatch::AsyncHandle;
use airflow_comms::{
    DeleteVariable, ErrorResponse, MaskSecret, OKResponse, PutVariable, ResendLoggingFD, SentFDs,
};
use reqwest::Method;

use super::Handler;
use crate::api::Body;
use crate::api::models::VariablePostBody;
use crate::api::paths::segment;

impl AsyncHandle<PutVariable> for Handler {
    async fn handle(&mut self, request: PutVariable) -> Result<(), ErrorResponse> {
        let path = format!("/variables/{}", segment(&request.key));
        let body = VariablePostBody {
            val: request.value,
            description: request.description,
        };
        self.call(Method::PUT, &path, &[], Body::json(&body))
            .await
            .map(drop)
    }
}

impl AsyncHandle<DeleteVariable> for Handler {
    async fn handle(&mut self, request: DeleteVariable) -> Result<OKResponse, ErrorResponse> {
        let path = format!("/variables/{}", segment(&request.key));
        self.call(Method::DELETE, &path, &[], Body::None).await?;
        Ok(OKResponse { ok: true })
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
