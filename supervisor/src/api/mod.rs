//! The Execution API client: what the SDK's `airflow.sdk.api.client.Client` does on the wire.
//!
//! - every request carries `Airflow-API-Version` ([`API_VERSION`]) and the bearer token;
//! - a `Refreshed-API-Token` header on any response replaces the token for the next request;
//! - connection errors, timeouts and 5xx answers are retried with the SDK's random-exponential
//!   backoff ([`RetryPolicy`]); any other 4xx is returned at once as [`ApiError::Status`].
//!
//! The client is cheap to clone and safe to share between tasks: the heartbeat task and the
//! request handler each hold one, so a slow upload never waits behind a heartbeat or the reverse.

pub mod models;
pub(crate) mod paths;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The Execution API version the SDK 1.3.2 client announces in `Airflow-API-Version`.
///
/// This is the HTTP API's version, not the comms schema version
/// ([`airflow_comms::SUPERVISOR_SCHEMA_VERSION`]).
pub const API_VERSION: &str = "2026-06-30";

/// How failed calls are retried, as the SDK's `[workers] execution_api_*` settings say.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (`[workers] execution_api_retries`).
    pub attempts: u32,
    /// The smallest wait between two attempts (`[workers] execution_api_retry_wait_min`).
    pub wait_min: Duration,
    /// The largest wait between two attempts (`[workers] execution_api_retry_wait_max`).
    pub wait_max: Duration,
    /// How long connecting, or waiting for the next bytes of an answer, may take
    /// (`[workers] execution_api_timeout`). It bounds silence, not the whole call, so a large
    /// upload that keeps moving is never cut.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    /// Airflow 3.3's defaults: 5 attempts, waits of 1 to 90 s, a 5 s timeout.
    fn default() -> Self {
        Self {
            attempts: 5,
            wait_min: Duration::from_secs(1),
            wait_max: Duration::from_secs(90),
            timeout: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// The wait before attempt `next` (2 for the first retry): a uniform draw from
    /// `[wait_min, clamp(2^(next-2) s, wait_min, wait_max)]`, as tenacity's
    /// `wait_random_exponential` draws it.
    pub fn wait_before(&self, next: u32) -> Duration {
        let exp = 2f64.powi(next.saturating_sub(2).min(62) as i32);
        let min = self.wait_min.as_secs_f64();
        let high = exp.clamp(min, self.wait_max.as_secs_f64().max(min));
        Duration::from_secs_f64(rand::random_range(min..=high))
    }
}

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The server answered with an error status (after retries, for a 5xx).
    #[error("{method} {path}: the server answered {status}{}", detail_suffix(.detail))]
    Status {
        /// The method called.
        method: Method,
        /// The path called, under the API's base URL.
        path: String,
        /// The status.
        status: StatusCode,
        /// The answer's JSON body (`{"detail": ...}` from FastAPI), `Null` when it had none or
        /// was not JSON.
        detail: serde_json::Value,
    },
    /// The server could not be reached or the exchange broke off (after retries).
    #[error("{method} {path}: {source}")]
    Transport {
        /// The method called.
        method: Method,
        /// The path called.
        path: String,
        /// What went wrong.
        #[source]
        source: reqwest::Error,
    },
    /// Nothing moved, neither request bytes out nor answer bytes in, for the timeout.
    #[error("{method} {path}: nothing moved for {} s", .after.as_secs_f64())]
    Stalled {
        /// The method called.
        method: Method,
        /// The path called.
        path: String,
        /// How long nothing moved.
        after: Duration,
    },
    /// A 2xx answer whose body is not the type the endpoint documents.
    #[error("{method} {path}: the answer is not a valid {expected}: {source}")]
    Body {
        /// The method called.
        method: Method,
        /// The path called.
        path: String,
        /// The type expected.
        expected: &'static str,
        /// What serde said.
        #[source]
        source: serde_json::Error,
    },
}

fn detail_suffix(detail: &serde_json::Value) -> String {
    if detail.is_null() {
        String::new()
    } else {
        format!(": {detail}")
    }
}

impl ApiError {
    /// The HTTP status, for [`ApiError::Status`].
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            ApiError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The answer's `detail` member, if the server gave one.
    pub fn detail(&self) -> Option<&serde_json::Value> {
        match self {
            ApiError::Status { detail, .. } => detail.get("detail"),
            _ => None,
        }
    }
}

/// What the server said to a call that succeeded.
#[derive(Debug)]
pub struct Answer {
    /// The status (2xx).
    pub status: StatusCode,
    /// The response's headers.
    pub headers: reqwest::header::HeaderMap,
    /// The body's bytes (empty for 204).
    pub body: bytes::Bytes,
}

impl Answer {
    /// The body as `T`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }
}

/// A request body: JSON written from a value, or JSON text already written (an XCom value, which
/// is sent as the child gave it, without a second encoding).
#[derive(Debug, Clone)]
pub enum Body {
    /// No body.
    None,
    /// JSON text.
    Json(bytes::Bytes),
}

impl Body {
    /// Serializes `value` as JSON.
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Body {
        // Serializing the crate's own types into a Vec cannot fail: they hold no maps with
        // non-string keys and no failing Serialize impls.
        Body::Json(
            serde_json::to_vec(value)
                .map(Into::into)
                .unwrap_or_default(),
        )
    }

    /// JSON text as it is.
    pub fn raw(text: impl Into<bytes::Bytes>) -> Body {
        Body::Json(text.into())
    }
}

/// Whom the client trusts and how it proves who it is, from `[api]` settings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tls {
    /// PEM files of certificate authorities to trust (`[api] ssl_ca_file` and `[api] ssl_cert`,
    /// which the SDK both loads as CA bundles).
    pub ca_files: Vec<std::path::PathBuf>,
    /// Whether the public roots are trusted too (`[api] client_use_public_certs`, certifi's in
    /// Python, the Mozilla roots of `webpki-roots` here; the same list).
    pub public_roots: bool,
    /// A client certificate and its key, PEM (`[api] client_ssl_cert`, `[api] client_ssl_key`).
    pub client_identity: Option<(std::path::PathBuf, std::path::PathBuf)>,
}

/// Why the client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// A certificate or key file could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A certificate or key file is not what it should be.
    #[error("{path}: not a PEM {what}: {source}")]
    Pem {
        /// The file.
        path: std::path::PathBuf,
        /// A certificate bundle, or a certificate and key.
        what: &'static str,
        /// Why.
        #[source]
        source: reqwest::Error,
    },
    /// The HTTP client could not be built.
    #[error("the HTTP client could not be built: {0}")]
    Build(#[source] reqwest::Error),
}

/// The Execution API client. Clones share the connection pool and the token.
#[derive(Debug, Clone)]
pub struct ApiClient {
    http: reqwest::Client,
    base: Arc<str>,
    token: Arc<RwLock<String>>,
    retry: RetryPolicy,
}

impl ApiClient {
    /// A client for the API at `base_url` (`[core] execution_api_server_url`, such as
    /// `http://api-server:8080/execution/`), authenticating with `token` (the workload's).
    pub fn new(
        base_url: &str,
        token: &str,
        retry: RetryPolicy,
        tls: &Tls,
    ) -> Result<ApiClient, ClientError> {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            "airflow-api-version",
            reqwest::header::HeaderValue::from_static(API_VERSION),
        );
        let read = |path: &std::path::Path| {
            std::fs::read(path).map_err(|source| ClientError::Read {
                path: path.to_owned(),
                source,
            })
        };
        let mut builder = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(concat!("airflow-supervisor/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(retry.timeout)
            .tls_built_in_root_certs(tls.public_roots || tls.ca_files.is_empty());
        for path in &tls.ca_files {
            let certificates =
                reqwest::Certificate::from_pem_bundle(&read(path)?).map_err(|source| {
                    ClientError::Pem {
                        path: path.clone(),
                        what: "certificate bundle",
                        source,
                    }
                })?;
            for certificate in certificates {
                builder = builder.add_root_certificate(certificate);
            }
        }
        if let Some((cert, key)) = &tls.client_identity {
            let mut pem = read(cert)?;
            pem.push(b'\n');
            pem.extend(read(key)?);
            let identity =
                reqwest::Identity::from_pem(&pem).map_err(|source| ClientError::Pem {
                    path: cert.clone(),
                    what: "certificate and key",
                    source,
                })?;
            builder = builder.identity(identity);
        }
        let http = builder.build().map_err(ClientError::Build)?;
        Ok(ApiClient {
            http,
            base: base_url.trim_end_matches('/').into(),
            token: Arc::new(RwLock::new(token.to_owned())),
            retry,
        })
    }

    /// The token the next request will carry.
    pub fn token(&self) -> String {
        self.token.read().map(|t| t.clone()).unwrap_or_default()
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// Calls `method path?query` with `body`, retrying as the SDK does, and returns the 2xx
    /// answer. `path` starts with `/` and is relative to the base URL; its segments must already
    /// be percent-encoded.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Body,
    ) -> Result<Answer, ApiError> {
        let mut attempt = 1;
        loop {
            let result = self.call_once(&method, path, query, &body).await;
            let retryable = match &result {
                Ok(_) => false,
                Err(ApiError::Status { status, .. }) => status.is_server_error(),
                Err(ApiError::Transport { .. } | ApiError::Stalled { .. }) => true,
                Err(ApiError::Body { .. }) => false,
            };
            if !retryable || attempt >= self.retry.attempts {
                return result;
            }
            attempt += 1;
            tokio::time::sleep(self.retry.wait_before(attempt)).await;
        }
    }

    /// [`call`](Self::call) and decode the answer as `T`.
    pub async fn call_json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Body,
    ) -> Result<T, ApiError> {
        let answer = self.call(method.clone(), path, query, body).await?;
        answer.json().map_err(|source| ApiError::Body {
            method,
            path: path.to_owned(),
            expected: std::any::type_name::<T>(),
            source,
        })
    }

    async fn call_once(
        &self,
        method: &Method,
        path: &str,
        query: &[(&str, String)],
        body: &Body,
    ) -> Result<Answer, ApiError> {
        let transport = |source| ApiError::Transport {
            method: method.clone(),
            path: path.to_owned(),
            source,
        };
        let progress = Progress::new();
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .bearer_auth(self.token());
        if !query.is_empty() {
            request = request.query(query);
        }
        if let Body::Json(bytes) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header(reqwest::header::CONTENT_LENGTH, bytes.len())
                .body(reqwest::Body::wrap_stream(progress.chunks(bytes.clone())));
        }
        let stalled = || ApiError::Stalled {
            method: method.clone(),
            path: path.to_owned(),
            after: self.retry.timeout,
        };
        let response = tokio::select! {
            sent = request.send() => sent.map_err(transport)?,
            () = progress.stalled(self.retry.timeout) => return Err(stalled()),
        };
        if let Some(token) = response.headers().get("refreshed-api-token")
            && let Ok(token) = token.to_str()
            && let Ok(mut slot) = self.token.write()
        {
            *slot = token.to_owned();
        }
        let status = response.status();
        let headers = response.headers().clone();
        progress.touch();
        let body = tokio::select! {
            read = read_body(response, &progress) => read.map_err(transport)?,
            () = progress.stalled(self.retry.timeout) => return Err(stalled()),
        };
        if status.is_success() {
            return Ok(Answer {
                status,
                headers,
                body,
            });
        }
        Err(ApiError::Status {
            method: method.clone(),
            path: path.to_owned(),
            status,
            detail: serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
        })
    }
}

/// Reads an answer's body, marking progress at every chunk.
async fn read_body(
    mut response: reqwest::Response,
    progress: &Progress,
) -> Result<bytes::Bytes, reqwest::Error> {
    let mut body = bytes::BytesMut::new();
    while let Some(chunk) = response.chunk().await? {
        progress.touch();
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// When bytes last moved in either direction, to time out a call that stalls without cutting
/// one that is slow but moving: what httpx's per-operation timeouts give the SDK. A 300 MB
/// XCom uploaded at a crawl is never cut, a server that stops reading or answering is.
#[derive(Debug, Clone)]
struct Progress {
    start: Instant,
    last: Arc<AtomicU64>,
}

/// The size of the pieces a request body is handed to the connection in; each piece handed
/// over counts as progress.
const UPLOAD_CHUNK: usize = 64 * 1024;

impl Progress {
    fn new() -> Progress {
        Progress {
            start: Instant::now(),
            last: Arc::new(AtomicU64::new(0)),
        }
    }

    fn touch(&self) {
        let now = self.start.elapsed().as_millis() as u64;
        self.last.store(now, Ordering::Relaxed);
    }

    fn idle(&self) -> Duration {
        let last = Duration::from_millis(self.last.load(Ordering::Relaxed));
        self.start.elapsed().saturating_sub(last)
    }

    /// Resolves once nothing moved for `timeout`.
    async fn stalled(&self, timeout: Duration) {
        loop {
            let idle = self.idle();
            if idle >= timeout {
                return;
            }
            tokio::time::sleep(timeout - idle).await;
        }
    }

    /// `bytes` as a stream of pieces; taking each piece counts as progress.
    fn chunks(
        &self,
        bytes: bytes::Bytes,
    ) -> impl futures_util::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Send + 'static
    {
        let progress = self.clone();
        futures_util::stream::unfold(bytes, move |mut rest| {
            let progress = progress.clone();
            async move {
                if rest.is_empty() {
                    return None;
                }
                progress.touch();
                let piece = rest.split_to(rest.len().min(UPLOAD_CHUNK));
                Some((Ok(piece), rest))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_stay_within_the_policy() {
        let policy = RetryPolicy::default();
        for next in 2..40 {
            let wait = policy.wait_before(next);
            assert!(wait >= policy.wait_min, "{next}: {wait:?}");
            assert!(wait <= policy.wait_max, "{next}: {wait:?}");
        }
        // The first retry waits exactly the minimum: 2^0 s clamped to [1, 90] is 1.
        assert_eq!(policy.wait_before(2), Duration::from_secs(1));
    }

    #[test]
    fn unreadable_or_bad_certificate_files_are_named() {
        let missing = Tls {
            ca_files: vec!["/nonexistent/ca.pem".into()],
            ..Tls::default()
        };
        let error = ApiClient::new("http://127.0.0.1:1/", "t", RetryPolicy::default(), &missing)
            .unwrap_err();
        assert!(
            error.to_string().starts_with("/nonexistent/ca.pem: "),
            "{error}"
        );

        let dir =
            std::env::temp_dir().join(format!("airflow-supervisor-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let bad = dir.join("bad.pem");
        std::fs::write(
            &bad,
            "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let error = ApiClient::new(
            "http://127.0.0.1:1/",
            "t",
            RetryPolicy::default(),
            &Tls {
                ca_files: vec![bad.clone()],
                ..Tls::default()
            },
        )
        .unwrap_err();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(
            error
                .to_string()
                .contains("bad.pem: not a PEM certificate bundle"),
            "{error}"
        );
    }
}
