//! The task and asset state stores.

use airflow_comms::dispatch::AsyncHandle;
use airflow_comms::request::{AssetStateStoreReply, TaskStateStoreReply};
use airflow_comms::{
    AnyValue, AssetStateStoreResult, ClearAssetStateStoreByName, ClearAssetStateStoreByUri,
    ClearTaskStateStore, DeleteAssetStateStoreByName, DeleteAssetStateStoreByUri,
    DeleteTaskStateStore, ErrorResponse, ErrorType, GetAssetStateStoreByName,
    GetAssetStateStoreByUri, GetTaskStateStore, OKResponse, SetAssetStateStoreByName,
    SetAssetStateStoreByUri, SetTaskStateStore, TaskStateStoreResult,
};
use reqwest::{Method, StatusCode};
use uuid::Uuid;

use super::{Handler, api_failure, dict, exception, server_status};
use crate::api::Body;
use crate::api::models::{
    AssetStateStorePutBody, AssetStateStoreResponse, TaskStateStorePutBody, TaskStateStoreResponse,
};
use crate::api::paths::quote_all;

/// `/store/ti/{ti_id}/{key}`: the SDK quotes the key whole (`/` included).
fn task_key_path(ti_id: Uuid, key: &str) -> String {
    format!("/store/ti/{ti_id}/{}", quote_all(key))
}

const OK: OKResponse = OKResponse { ok: true };

impl AsyncHandle<GetTaskStateStore> for Handler {
    async fn handle(
        &mut self,
        request: GetTaskStateStore,
    ) -> Result<TaskStateStoreReply, ErrorResponse> {
        let path = task_key_path(request.ti_id, &request.key);
        match self
            .api
            .call_json::<TaskStateStoreResponse>(Method::GET, &path, &[], Body::None)
            .await
        {
            Ok(stored) => Ok(TaskStateStoreReply::TaskStateStoreResult(
                TaskStateStoreResult {
                    value: stored.value,
                },
            )),
            Err(e) if server_status(&e) == Some(StatusCode::NOT_FOUND) => {
                Ok(TaskStateStoreReply::ErrorResponse(ErrorResponse {
                    error: ErrorType::TaskStoreNotFound,
                    detail: Some(dict([("key", AnyValue::from(request.key))])),
                }))
            }
            Err(e) => Err(api_failure(&e)),
        }
    }
}

impl AsyncHandle<SetTaskStateStore> for Handler {
    async fn handle(&mut self, request: SetTaskStateStore) -> Result<OKResponse, ErrorResponse> {
        let path = task_key_path(request.ti_id, &request.key);
        let body = TaskStateStorePutBody {
            value: request.value,
            expires_at: request.expires_at,
        };
        self.call(Method::PUT, &path, &[], Body::json(&body))
            .await?;
        Ok(OK)
    }
}

impl AsyncHandle<DeleteTaskStateStore> for Handler {
    async fn handle(&mut self, request: DeleteTaskStateStore) -> Result<OKResponse, ErrorResponse> {
        let path = task_key_path(request.ti_id, &request.key);
        self.call(Method::DELETE, &path, &[], Body::None).await?;
        Ok(OK)
    }
}

impl AsyncHandle<ClearTaskStateStore> for Handler {
    async fn handle(&mut self, request: ClearTaskStateStore) -> Result<OKResponse, ErrorResponse> {
        let path = format!("/store/ti/{}", request.ti_id);
        self.call(Method::DELETE, &path, &[], Body::None).await?;
        Ok(OK)
    }
}

/// Which asset a store request names.
enum Asset {
    Name(String),
    Uri(String),
}

/// A path and its query parameters.
type Endpoint = (String, Vec<(&'static str, String)>);

/// `/store/asset/by-name/{op}` or `/store/asset/by-uri/{op}` with the asset (and the key) as
/// query parameters. The SDK refuses an empty name or URI with a ValueError.
fn asset_endpoint(asset: Asset, op: &str, key: Option<String>) -> Result<Endpoint, ErrorResponse> {
    let (by, param, value) = match asset {
        Asset::Name(name) => ("by-name", "name", name),
        Asset::Uri(uri) => ("by-uri", "uri", uri),
    };
    if value.is_empty() {
        return Err(exception(
            "ValueError",
            "Either `name` or `uri` must be provided",
        ));
    }
    let mut query = vec![(param, value)];
    if let Some(key) = key {
        query.push(("key", key));
    }
    Ok((format!("/store/asset/{by}/{op}"), query))
}

impl Handler {
    async fn get_asset_store(
        &self,
        asset: Asset,
        key: String,
    ) -> Result<AssetStateStoreReply, ErrorResponse> {
        let (path, query) = asset_endpoint(asset, "value", Some(key.clone()))?;
        match self
            .api
            .call_json::<AssetStateStoreResponse>(Method::GET, &path, &query, Body::None)
            .await
        {
            Ok(stored) => Ok(AssetStateStoreReply::AssetStateStoreResult(
                AssetStateStoreResult {
                    value: stored.value,
                },
            )),
            Err(e) if server_status(&e) == Some(StatusCode::NOT_FOUND) => {
                Ok(AssetStateStoreReply::ErrorResponse(ErrorResponse {
                    error: ErrorType::AssetStoreNotFound,
                    detail: Some(dict([("key", AnyValue::from(key))])),
                }))
            }
            Err(e) => Err(api_failure(&e)),
        }
    }

    async fn set_asset_store(
        &self,
        asset: Asset,
        key: String,
        value: airflow_comms::JsonValue,
    ) -> Result<OKResponse, ErrorResponse> {
        let (path, query) = asset_endpoint(asset, "value", Some(key))?;
        let body = AssetStateStorePutBody { value };
        self.call(Method::PUT, &path, &query, Body::json(&body))
            .await?;
        Ok(OK)
    }

    async fn delete_asset_store(
        &self,
        asset: Asset,
        op: &str,
        key: Option<String>,
    ) -> Result<OKResponse, ErrorResponse> {
        let (path, query) = asset_endpoint(asset, op, key)?;
        self.call(Method::DELETE, &path, &query, Body::None).await?;
        Ok(OK)
    }
}

impl AsyncHandle<GetAssetStateStoreByName> for Handler {
    async fn handle(
        &mut self,
        request: GetAssetStateStoreByName,
    ) -> Result<AssetStateStoreReply, ErrorResponse> {
        self.get_asset_store(Asset::Name(request.name), request.key)
            .await
    }
}

impl AsyncHandle<GetAssetStateStoreByUri> for Handler {
    async fn handle(
        &mut self,
        request: GetAssetStateStoreByUri,
    ) -> Result<AssetStateStoreReply, ErrorResponse> {
        self.get_asset_store(Asset::Uri(request.uri), request.key)
            .await
    }
}

impl AsyncHandle<SetAssetStateStoreByName> for Handler {
    async fn handle(
        &mut self,
        request: SetAssetStateStoreByName,
    ) -> Result<OKResponse, ErrorResponse> {
        self.set_asset_store(Asset::Name(request.name), request.key, request.value)
            .await
    }
}

impl AsyncHandle<SetAssetStateStoreByUri> for Handler {
    async fn handle(
        &mut self,
        request: SetAssetStateStoreByUri,
    ) -> Result<OKResponse, ErrorResponse> {
        self.set_asset_store(Asset::Uri(request.uri), request.key, request.value)
            .await
    }
}

impl AsyncHandle<DeleteAssetStateStoreByName> for Handler {
    async fn handle(
        &mut self,
        request: DeleteAssetStateStoreByName,
    ) -> Result<OKResponse, ErrorResponse> {
        self.delete_asset_store(Asset::Name(request.name), "value", Some(request.key))
            .await
    }
}

impl AsyncHandle<DeleteAssetStateStoreByUri> for Handler {
    async fn handle(
        &mut self,
        request: DeleteAssetStateStoreByUri,
    ) -> Result<OKResponse, ErrorResponse> {
        self.delete_asset_store(Asset::Uri(request.uri), "value", Some(request.key))
            .await
    }
}

impl AsyncHandle<ClearAssetStateStoreByName> for Handler {
    async fn handle(
        &mut self,
        request: ClearAssetStateStoreByName,
    ) -> Result<OKResponse, ErrorResponse> {
        self.delete_asset_store(Asset::Name(request.name), "clear", None)
            .await
    }
}

impl AsyncHandle<ClearAssetStateStoreByUri> for Handler {
    async fn handle(
        &mut self,
        request: ClearAssetStateStoreByUri,
    ) -> Result<OKResponse, ErrorResponse> {
        self.delete_asset_store(Asset::Uri(request.uri), "clear", None)
            .await
    }
}
