//! Requests not yet served: each answers with an error naming itself.

use airflow_comms::dispatch::AsyncHandle;
use airflow_comms::request::{AssetReply, AssetStateStoreReply, TaskStateStoreReply};
use airflow_comms::{
    AssetEventsResult, AssetsByAliasResult, ClearAssetStateStoreByName, ClearAssetStateStoreByUri,
    ClearTaskStateStore, CreateHITLDetailPayload, DRCount, DagResult, DagRunResult,
    DagRunStateResult, DeleteAssetStateStoreByName, DeleteAssetStateStoreByUri,
    DeleteTaskStateStore, ErrorResponse, GetAssetByName, GetAssetByUri, GetAssetEventByAsset,
    GetAssetEventByAssetAlias, GetAssetStateStoreByName, GetAssetStateStoreByUri, GetAssetsByAlias,
    GetDRCount, GetDag, GetDagRun, GetDagRunState, GetHITLDetailResponse, GetPrevSuccessfulDagRun,
    GetPreviousDagRun, GetPreviousTI, GetTICount, GetTaskBreadcrumbs, GetTaskRescheduleStartDate,
    GetTaskStateStore, GetTaskStates, HITLDetailRequestResult, HITLDetailResponseResult,
    OKResponse, PrevSuccessfulDagRunResult, PreviousDagRunResult, PreviousTIResult,
    SetAssetStateStoreByName, SetAssetStateStoreByUri, SetTaskStateStore, TICount,
    TaskBreadcrumbsResult, TaskRescheduleStartDate, TaskStatesResult, UpdateHITLDetail,
};

use super::Handler;

fn not_served(name: &str) -> ErrorResponse {
    ErrorResponse {
        error: airflow_comms::ErrorType::GenericError,
        detail: Some(super::dict([(
            "message",
            format!("{name} is not served yet").into(),
        )])),
    }
}

impl AsyncHandle<GetAssetByName> for Handler {
    async fn handle(&mut self, _: GetAssetByName) -> Result<AssetReply, ErrorResponse> {
        Err(not_served("GetAssetByName"))
    }
}

impl AsyncHandle<GetAssetByUri> for Handler {
    async fn handle(&mut self, _: GetAssetByUri) -> Result<AssetReply, ErrorResponse> {
        Err(not_served("GetAssetByUri"))
    }
}

impl AsyncHandle<GetAssetEventByAsset> for Handler {
    async fn handle(
        &mut self,
        _: GetAssetEventByAsset,
    ) -> Result<AssetEventsResult, ErrorResponse> {
        Err(not_served("GetAssetEventByAsset"))
    }
}

impl AsyncHandle<GetAssetEventByAssetAlias> for Handler {
    async fn handle(
        &mut self,
        _: GetAssetEventByAssetAlias,
    ) -> Result<AssetEventsResult, ErrorResponse> {
        Err(not_served("GetAssetEventByAssetAlias"))
    }
}

impl AsyncHandle<GetAssetStateStoreByName> for Handler {
    async fn handle(
        &mut self,
        _: GetAssetStateStoreByName,
    ) -> Result<AssetStateStoreReply, ErrorResponse> {
        Err(not_served("GetAssetStateStoreByName"))
    }
}

impl AsyncHandle<GetAssetStateStoreByUri> for Handler {
    async fn handle(
        &mut self,
        _: GetAssetStateStoreByUri,
    ) -> Result<AssetStateStoreReply, ErrorResponse> {
        Err(not_served("GetAssetStateStoreByUri"))
    }
}

impl AsyncHandle<GetAssetsByAlias> for Handler {
    async fn handle(&mut self, _: GetAssetsByAlias) -> Result<AssetsByAliasResult, ErrorResponse> {
        Err(not_served("GetAssetsByAlias"))
    }
}

impl AsyncHandle<GetDRCount> for Handler {
    async fn handle(&mut self, _: GetDRCount) -> Result<DRCount, ErrorResponse> {
        Err(not_served("GetDRCount"))
    }
}

impl AsyncHandle<GetDag> for Handler {
    async fn handle(&mut self, _: GetDag) -> Result<DagResult, ErrorResponse> {
        Err(not_served("GetDag"))
    }
}

impl AsyncHandle<GetDagRun> for Handler {
    async fn handle(&mut self, _: GetDagRun) -> Result<DagRunResult, ErrorResponse> {
        Err(not_served("GetDagRun"))
    }
}

impl AsyncHandle<GetDagRunState> for Handler {
    async fn handle(&mut self, _: GetDagRunState) -> Result<DagRunStateResult, ErrorResponse> {
        Err(not_served("GetDagRunState"))
    }
}

impl AsyncHandle<GetPrevSuccessfulDagRun> for Handler {
    async fn handle(
        &mut self,
        _: GetPrevSuccessfulDagRun,
    ) -> Result<PrevSuccessfulDagRunResult, ErrorResponse> {
        Err(not_served("GetPrevSuccessfulDagRun"))
    }
}

impl AsyncHandle<GetPreviousDagRun> for Handler {
    async fn handle(
        &mut self,
        _: GetPreviousDagRun,
    ) -> Result<PreviousDagRunResult, ErrorResponse> {
        Err(not_served("GetPreviousDagRun"))
    }
}

impl AsyncHandle<GetPreviousTI> for Handler {
    async fn handle(&mut self, _: GetPreviousTI) -> Result<PreviousTIResult, ErrorResponse> {
        Err(not_served("GetPreviousTI"))
    }
}

impl AsyncHandle<GetTICount> for Handler {
    async fn handle(&mut self, _: GetTICount) -> Result<TICount, ErrorResponse> {
        Err(not_served("GetTICount"))
    }
}

impl AsyncHandle<GetTaskBreadcrumbs> for Handler {
    async fn handle(
        &mut self,
        _: GetTaskBreadcrumbs,
    ) -> Result<TaskBreadcrumbsResult, ErrorResponse> {
        Err(not_served("GetTaskBreadcrumbs"))
    }
}

impl AsyncHandle<GetTaskRescheduleStartDate> for Handler {
    async fn handle(
        &mut self,
        _: GetTaskRescheduleStartDate,
    ) -> Result<TaskRescheduleStartDate, ErrorResponse> {
        Err(not_served("GetTaskRescheduleStartDate"))
    }
}

impl AsyncHandle<GetTaskStateStore> for Handler {
    async fn handle(&mut self, _: GetTaskStateStore) -> Result<TaskStateStoreReply, ErrorResponse> {
        Err(not_served("GetTaskStateStore"))
    }
}

impl AsyncHandle<GetTaskStates> for Handler {
    async fn handle(&mut self, _: GetTaskStates) -> Result<TaskStatesResult, ErrorResponse> {
        Err(not_served("GetTaskStates"))
    }
}

impl AsyncHandle<ClearAssetStateStoreByName> for Handler {
    async fn handle(&mut self, _: ClearAssetStateStoreByName) -> Result<OKResponse, ErrorResponse> {
        Err(not_served("ClearAssetStateStoreByName"))
    }
}

impl AsyncHandle<ClearAssetStateStoreByUri> for Handler {
    async fn handle(&mut self, _: ClearAssetStateStoreByUri) -> Result<OKResponse, ErrorResponse> {
        Err(not_served("ClearAssetStateStoreByUri"))
    }
}

impl AsyncHandle<ClearTaskStateStore> for Handler {
    async fn handle(&mut self, _: ClearTaskStateStore) -> Result<OKResponse, ErrorResponse> {
        Err(not_served("ClearTaskStateStore"))
    }
}

impl AsyncHandle<DeleteAssetStateStoreByName> for Handler {
    async fn handle(
        &mut self,
        _: DeleteAssetStateStoreByName,
    ) -> Result<OKResponse, ErrorResponse> {
        Err(not_served("DeleteAssetStateStoreByName"))
    }
}

impl AsyncHandle<DeleteAssetStateStoreByUri> for Handler {
    async fn handle(&mut self, _: DeleteAssetStateStoreByUri) -> Result<OKResponse, ErrorResponse> {
        Err(not_served("DeleteAssetStateStoreByUri"))
    }
}

impl AsyncHandle<DeleteTaskStateStore> for Handler {
    async fn handle(&mut self, _: DeleteTaskStateStore) -> Result<OKResponse, ErrorResponse> {
        Err(not_served("DeleteTaskStateStore"))
    }
}

impl AsyncHandle<SetAssetStateStoreByName> for Handler {
    async fn handle(&mut self, _: SetAssetStateStoreByName) -> Result<OKResponse, ErrorResponse> {
        Err(not_served("SetAssetStateStoreByName"))
    }
}

impl AsyncHandle<SetAssetStateStoreByUri> for Handler {
    async fn handle(&mut self, _: SetAssetStateStoreByUri) -> Result<OKResponse, ErrorResponse> {
        Err(not_served("SetAssetStateStoreByUri"))
    }
}

impl AsyncHandle<SetTaskStateStore> for Handler {
    async fn handle(&mut self, _: SetTaskStateStore) -> Result<OKResponse, ErrorResponse> {
        Err(not_served("SetTaskStateStore"))
    }
}

impl AsyncHandle<CreateHITLDetailPayload> for Handler {
    async fn handle(
        &mut self,
        _: CreateHITLDetailPayload,
    ) -> Result<HITLDetailRequestResult, ErrorResponse> {
        Err(not_served("CreateHITLDetailPayload"))
    }
}

impl AsyncHandle<UpdateHITLDetail> for Handler {
    async fn handle(
        &mut self,
        _: UpdateHITLDetail,
    ) -> Result<HITLDetailResponseResult, ErrorResponse> {
        Err(not_served("UpdateHITLDetail"))
    }
}

impl AsyncHandle<GetHITLDetailResponse> for Handler {
    async fn handle(
        &mut self,
        _: GetHITLDetailResponse,
    ) -> Result<HITLDetailResponseResult, ErrorResponse> {
        Err(not_served("GetHITLDetailResponse"))
    }
}
