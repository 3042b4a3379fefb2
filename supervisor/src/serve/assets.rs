//! Assets, asset events, and the inlet/outlet check.

use airflow_comms::dispatch::AsyncHandle;
use airflow_comms::request::AssetReply;
use airflow_comms::{
    AnyValue, AssetEventsResult, AssetsByAliasResult, AwareDateTime, ErrorResponse, ErrorType,
    GetAssetByName, GetAssetByUri, GetAssetEventByAsset, GetAssetEventByAssetAlias,
    GetAssetsByAlias, InactiveAssetsResult, ValidateInletsAndOutlets,
};
use reqwest::{Method, StatusCode};

use super::{Handler, api_failure, dict, exception, recast, server_status};
use crate::api::Body;
use crate::api::models::{AssetEventsResponse, AssetResponse, InactiveAssetsResponse};
use crate::api::paths::isoformat;

impl Handler {
    /// `GET /assets/by-name` or `/assets/by-uri`: the asset, or `ASSET_NOT_FOUND` naming the
    /// parameter on a 404. The SDK takes the name when it is not empty, else the URI when that
    /// is not empty, else fails with a ValueError.
    async fn asset(
        &self,
        name: Option<String>,
        uri: Option<String>,
    ) -> Result<AssetReply, ErrorResponse> {
        let (path, param, value) = match (name, uri) {
            (Some(name), _) if !name.is_empty() => ("/assets/by-name", "name", name),
            (_, Some(uri)) if !uri.is_empty() => ("/assets/by-uri", "uri", uri),
            _ => {
                return Err(exception(
                    "ValueError",
                    "Either `name` or `uri` must be provided",
                ));
            }
        };
        let query = [(param, value.clone())];
        match self
            .api
            .call_json::<AssetResponse>(Method::GET, path, &query, Body::None)
            .await
        {
            Ok(asset) => Ok(AssetReply::AssetResult(recast(
                &asset,
                Some("AssetResult"),
            )?)),
            Err(e) if server_status(&e) == Some(StatusCode::NOT_FOUND) => {
                Ok(AssetReply::ErrorResponse(ErrorResponse {
                    error: ErrorType::AssetNotFound,
                    detail: Some(dict([(param, AnyValue::from(value))])),
                }))
            }
            Err(e) => Err(api_failure(&e)),
        }
    }

    /// `GET /asset-events/by-asset` (`target` is `name` and `uri`, both sent, an absent one
    /// empty, as httpx writes `None`) or `/asset-events/by-asset-alias` (`target` is the
    /// alias's `name`).
    async fn asset_events(
        &self,
        path: &str,
        mut query: Vec<(&'static str, String)>,
        after: Option<AwareDateTime>,
        before: Option<AwareDateTime>,
        ascending: bool,
        limit: Option<i64>,
    ) -> Result<AssetEventsResult, ErrorResponse> {
        if let Some(after) = after {
            query.push(("after", isoformat(&after)));
        }
        if let Some(before) = before {
            query.push(("before", isoformat(&before)));
        }
        query.push(("ascending", ascending.to_string()));
        // The SDK leaves a limit of 0 out, as it leaves out None.
        if let Some(limit) = limit.filter(|l| *l != 0) {
            query.push(("limit", limit.to_string()));
        }
        let events: AssetEventsResponse = self.read(Method::GET, path, &query).await?;
        recast(&events, Some("AssetEventsResult"))
    }
}

const NO_TARGET: &str = "Either `name`, `uri` or `alias_name` must be provided";

impl AsyncHandle<GetAssetByName> for Handler {
    async fn handle(&mut self, request: GetAssetByName) -> Result<AssetReply, ErrorResponse> {
        self.asset(Some(request.name), None).await
    }
}

impl AsyncHandle<GetAssetByUri> for Handler {
    async fn handle(&mut self, request: GetAssetByUri) -> Result<AssetReply, ErrorResponse> {
        self.asset(None, Some(request.uri)).await
    }
}

impl AsyncHandle<GetAssetsByAlias> for Handler {
    async fn handle(
        &mut self,
        request: GetAssetsByAlias,
    ) -> Result<AssetsByAliasResult, ErrorResponse> {
        let query = [("alias_name", request.alias_name)];
        let assets: Vec<AssetResponse> = self.read(Method::GET, "/assets/by-alias", &query).await?;
        Ok(AssetsByAliasResult {
            assets: assets
                .iter()
                .map(|asset| recast(asset, Some("AssetResult")))
                .collect::<Result<_, _>>()?,
        })
    }
}

impl AsyncHandle<GetAssetEventByAsset> for Handler {
    async fn handle(
        &mut self,
        request: GetAssetEventByAsset,
    ) -> Result<AssetEventsResult, ErrorResponse> {
        let given = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.is_empty());
        if !given(&request.name) && !given(&request.uri) {
            return Err(exception("ValueError", NO_TARGET));
        }
        let query = vec![
            ("name", request.name.unwrap_or_default()),
            ("uri", request.uri.unwrap_or_default()),
        ];
        self.asset_events(
            "/asset-events/by-asset",
            query,
            request.after,
            request.before,
            request.ascending,
            request.limit,
        )
        .await
    }
}

impl AsyncHandle<GetAssetEventByAssetAlias> for Handler {
    async fn handle(
        &mut self,
        request: GetAssetEventByAssetAlias,
    ) -> Result<AssetEventsResult, ErrorResponse> {
        if request.alias_name.is_empty() {
            return Err(exception("ValueError", NO_TARGET));
        }
        self.asset_events(
            "/asset-events/by-asset-alias",
            vec![("name", request.alias_name)],
            request.after,
            request.before,
            request.ascending,
            request.limit,
        )
        .await
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
        let inactive: InactiveAssetsResponse = self.read(Method::GET, &path, &[]).await?;
        recast(&inactive, Some("InactiveAssetsResult"))
    }
}
