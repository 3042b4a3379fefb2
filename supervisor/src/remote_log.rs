//! Remote logging: the finished log goes where Airflow's handler for the scheme reads it.
//!
//! With `[logging] remote_logging` on, Airflow's supervisor hands the finished log file to the
//! remote log IO of the provider that owns the scheme of `[logging] remote_base_log_folder`,
//! and the API server reads the log back through the same provider. This module does the
//! upload for `s3://` as the amazon provider's `S3RemoteLogIO` does it, so the log reader
//! finds it unchanged:
//!
//! - the object's key is the base folder's path joined with the log's path relative to
//!   `[logging] base_log_folder` (`s3://bucket/prefix` + `dag_id=…/run_id=…/…/attempt=1.log`);
//! - an object already there (an earlier attempt of the same try, a resumed deferral) is kept
//!   and the new log appended to it, with a newline between the two when the old one does not
//!   end with one;
//! - `[logging] encrypt_s3_logs` asks for SSE-S3 (`AES256`);
//! - after an upload the local file is emptied, or its folder removed with
//!   `[logging] delete_local_logs`; a failed upload leaves the file as it was.
//!
//! The credentials come from the connection `[logging] remote_log_conn_id` names, fetched as
//! the Python supervisor fetches it (an `AIRFLOW_CONN_…` variable first, then the Execution
//! API, before the task starts), and mapped as the amazon provider maps an `aws` connection
//! (login and password, or the extra's keys; `region_name`; `endpoint_url`, also per service
//! under `service_config.s3`). What the connection leaves out comes from the environment as
//! the AWS SDKs read it (`AWS_ACCESS_KEY_ID`, `AWS_REGION`, web identity, instance metadata).
//!
//! What this cannot do as Python does is refused before the task starts, with an error that
//! names the setting or the connection's extra key: another scheme, a logging configuration
//! module of the user's own, a secrets backend, ACLs, assumed roles, profiles.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt};
use serde_json::{Map, Value};

use crate::api::models::ConnectionResponse;
use crate::api::{ApiClient, ApiError, Body};
use crate::config::{Config, ConfigError, LoggingSettings};

/// Why remote logging cannot be set up as the configuration asks; the task is not started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RemoteLogError {
    /// A configuration option has a value this supervisor cannot honour.
    #[error("[{section}] {key}: {problem}")]
    Setting {
        /// The option's section.
        section: &'static str,
        /// The option's key.
        key: String,
        /// What is wrong, and what to do instead.
        problem: String,
    },
    /// The configuration itself could not be read.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The remote log connection is malformed or asks for something this supervisor cannot do.
    #[error("remote log connection {conn_id:?}: {problem}")]
    Connection {
        /// `[logging] remote_log_conn_id`.
        conn_id: String,
        /// What is wrong.
        problem: String,
    },
    /// The Execution API did not give the connection.
    #[error("remote log connection {conn_id:?}: {source}")]
    Api {
        /// `[logging] remote_log_conn_id`.
        conn_id: String,
        /// The failed call (boxed: it is large, and rare).
        source: Box<ApiError>,
    },
    /// The object store client could not be built from the settings.
    #[error("remote log store {base}: {source}")]
    Store {
        /// `[logging] remote_base_log_folder`.
        base: String,
        /// What the client said.
        source: object_store::Error,
    },
}

/// Why an upload did not happen; the local file is left as it was.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UploadError {
    /// The local log file could not be read.
    #[error("cannot read the log file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The object's key is not one S3 can store (an empty, `.` or `..` segment, a control
    /// character).
    #[error("{location}: not a valid object key: {source}")]
    Key {
        /// The `s3://` address.
        location: String,
        /// What is wrong with it.
        source: object_store::path::Error,
    },
    /// Reading the object already there, to append to it, failed.
    #[error("{location}: cannot read the log already there to append to it: {source}")]
    ReadExisting {
        /// The `s3://` address.
        location: String,
        /// What the store said.
        source: object_store::Error,
    },
    /// Writing the object failed.
    #[error("{location}: cannot write the log: {source}")]
    Write {
        /// The `s3://` address.
        location: String,
        /// What the store said.
        source: object_store::Error,
    },
}

/// What [`RemoteLog::upload`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Uploaded {
    /// There was no local file to upload.
    NoFile,
    /// The log was written to `location` (`s3://bucket/key`), `bytes` long in all.
    Written {
        /// The `s3://` address.
        location: String,
        /// The object's length, any earlier log included.
        bytes: usize,
    },
}

/// An `s3://bucket/prefix` address, split as the amazon provider's `parse_s3_url` splits it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Base {
    /// The bucket: the address's host part.
    pub bucket: String,
    /// The path after the bucket, without its leading `/`; may be empty.
    pub prefix: String,
}

impl S3Base {
    /// Splits `s3://bucket/prefix`; `None` when `url` is not an `s3://` address with a bucket.
    pub fn parse(url: &str) -> Option<S3Base> {
        let rest = url.strip_prefix("s3://")?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        (!bucket.is_empty()).then(|| S3Base {
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
        })
    }

    /// The key of the log at `relative` (a path under `[logging] base_log_folder`): the prefix
    /// and `relative` joined as `os.path.join` joins them.
    pub fn key(&self, relative: &str) -> String {
        if self.prefix.is_empty() || self.prefix.ends_with('/') {
            format!("{}{relative}", self.prefix)
        } else {
            format!("{}/{relative}", self.prefix)
        }
    }
}

/// The remote logging options, read and checked; built by [`RemoteLogSettings::from_config`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RemoteLogSettings {
    /// `[logging] remote_base_log_folder` (or `remote_base` in `remote_task_handler_kwargs`).
    pub base: S3Base,
    /// The same, as written.
    pub base_url: String,
    /// `[logging] remote_log_conn_id`, `None` when empty.
    pub conn_id: Option<String>,
    /// `[logging] delete_local_logs` (or `delete_local_copy` in `remote_task_handler_kwargs`).
    pub delete_local_copy: bool,
    /// `[logging] encrypt_s3_logs`.
    pub encrypt: bool,
}

/// `FileTaskHandler`'s own arguments: `remote_task_handler_kwargs` may carry them, and the
/// remote log IO drops them.
const FILE_TASK_HANDLER_KWARGS: &[&str] =
    &["filename_template", "max_bytes", "backup_count", "delay"];

impl RemoteLogSettings {
    /// Reads the remote logging options; `None` when `[logging] remote_logging` is off.
    pub fn from_config(
        config: &Config,
        logging: &LoggingSettings,
    ) -> Result<Option<RemoteLogSettings>, RemoteLogError> {
        if !logging.remote_logging {
            return Ok(None);
        }
        let setting = |section: &'static str, key: &str, problem: String| RemoteLogError::Setting {
            section,
            key: key.to_owned(),
            problem,
        };
        if let Some(class) = &logging.logging_config_class {
            return Err(setting(
                "logging",
                "logging_config_class",
                format!(
                    "{class}: with remote_logging on, Airflow takes the remote log handler from this Python module, which airflow-supervisor cannot import; unset it (the scheme of remote_base_log_folder then chooses the handler) or run the Python supervisor"
                ),
            ));
        }
        let mut base_url = logging.remote_base_log_folder.clone().unwrap_or_default();
        let mut delete_local_copy = config.get_bool("logging", "delete_local_logs")?;
        let kwargs_key = "remote_task_handler_kwargs";
        let kwargs = match config.get("logging", kwargs_key)? {
            None => Map::new(),
            Some(text) if text.trim().is_empty() => Map::new(),
            Some(text) => match serde_json::from_str::<Value>(&text) {
                Ok(Value::Object(map)) => map,
                Ok(other) => {
                    return Err(setting(
                        "logging",
                        kwargs_key,
                        format!("must be a JSON object, not {other}"),
                    ));
                }
                Err(e) => return Err(setting("logging", kwargs_key, format!("not JSON: {e}"))),
            },
        };
        for (name, value) in &kwargs {
            let bad = |what: &str| setting("logging", kwargs_key, format!("{name}: {what}"));
            match name.as_str() {
                "remote_base" => {
                    base_url = value
                        .as_str()
                        .ok_or_else(|| bad("must be a string"))?
                        .to_owned()
                }
                "delete_local_copy" => {
                    delete_local_copy = value
                        .as_bool()
                        .ok_or_else(|| bad("must be true or false"))?
                }
                "acl_policy" if value.is_null() => {}
                "acl_policy" => {
                    return Err(bad(
                        "canned ACLs on log objects are not supported by airflow-supervisor; use a bucket policy instead",
                    ));
                }
                "base_log_folder" => {
                    return Err(bad(
                        "a base folder other than [logging] base_log_folder is not supported",
                    ));
                }
                known if FILE_TASK_HANDLER_KWARGS.contains(&known) => {}
                _ => return Err(bad("not an argument of the S3 remote log handler")),
            }
        }
        if base_url.is_empty() {
            return Err(setting(
                "logging",
                "remote_base_log_folder",
                "is empty while remote_logging is on: set it to the s3://bucket/prefix the logs go to".into(),
            ));
        }
        let Some(base) = S3Base::parse(&base_url) else {
            return Err(setting(
                "logging",
                "remote_base_log_folder",
                format!(
                    "{base_url}: airflow-supervisor uploads task logs to s3://bucket/prefix only; other schemes are not supported yet"
                ),
            ));
        };
        if let Some(acl) = config.get("aws", "s3_task_handler_acl_policy")?
            && !acl.is_empty()
        {
            return Err(setting(
                "aws",
                "s3_task_handler_acl_policy",
                format!(
                    "{acl}: canned ACLs on log objects are not supported by airflow-supervisor; use a bucket policy instead"
                ),
            ));
        }
        let encrypt = config.get_bool("logging", "encrypt_s3_logs")?;
        Ok(Some(RemoteLogSettings {
            base,
            base_url,
            conn_id: logging.remote_log_conn_id.clone(),
            delete_local_copy,
            encrypt,
        }))
    }
}

/// The fields of an Airflow connection the AWS mapping reads.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConnectionFields {
    /// `login`.
    pub login: Option<String>,
    /// `password`.
    pub password: Option<String>,
    /// `extra`, as the JSON object it holds (empty when there is none).
    pub extra: Map<String, Value>,
}

impl ConnectionFields {
    /// The fields of a connection as the Execution API answers `GET /connections/{id}`.
    pub fn from_response(
        conn_id: &str,
        response: &ConnectionResponse,
    ) -> Result<Self, RemoteLogError> {
        Ok(ConnectionFields {
            login: response.login.clone(),
            password: response.password.clone(),
            extra: parse_extra(conn_id, response.extra.as_deref())?,
        })
    }

    /// The fields of an `AIRFLOW_CONN_…` value: a JSON object when it starts with `{`, else a
    /// connection URI, read as Airflow's `Connection.from_json` and `Connection.from_uri` read
    /// them.
    pub fn from_env_value(conn_id: &str, value: &str) -> Result<Self, RemoteLogError> {
        let bad = |problem: String| RemoteLogError::Connection {
            conn_id: conn_id.to_owned(),
            problem,
        };
        if value.starts_with('{') {
            let object: Map<String, Value> = serde_json::from_str(value).map_err(|e| {
                bad(format!(
                    "AIRFLOW_CONN_{}: not a JSON object: {e}",
                    conn_id.to_uppercase()
                ))
            })?;
            let text = |key: &str| object.get(key).and_then(Value::as_str).map(str::to_owned);
            let extra = match object.get("extra") {
                None | Some(Value::Null) => Map::new(),
                Some(Value::String(s)) => parse_extra(conn_id, Some(s))?,
                Some(Value::Object(map)) => map.clone(),
                Some(other) => return Err(bad(format!("extra must be an object, not {other}"))),
            };
            return Ok(ConnectionFields {
                login: text("login"),
                password: text("password"),
                extra,
            });
        }
        let uri = UriParts::split(value);
        let extra = match uri.query {
            None | Some("") => Map::new(),
            Some(query) => {
                let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
                match pairs.iter().rev().find(|(k, _)| k == "__extra__") {
                    Some((_, json)) => parse_extra(conn_id, Some(json))?,
                    None => pairs
                        .into_iter()
                        .map(|(k, v)| (k, Value::String(v)))
                        .collect(),
                }
            }
        };
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        };
        Ok(ConnectionFields {
            login: uri.username.filter(|s| !s.is_empty()).map(decode),
            password: uri.password.filter(|s| !s.is_empty()).map(decode),
            extra,
        })
    }
}

fn parse_extra(conn_id: &str, extra: Option<&str>) -> Result<Map<String, Value>, RemoteLogError> {
    match extra {
        None | Some("") => Ok(Map::new()),
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(other) => Err(RemoteLogError::Connection {
                conn_id: conn_id.to_owned(),
                problem: format!("extra must be a JSON object, not {other}"),
            }),
            Err(e) => Err(RemoteLogError::Connection {
                conn_id: conn_id.to_owned(),
                problem: format!("extra is not JSON: {e}"),
            }),
        },
    }
}

/// A connection URI cut as Python's `urlsplit` cuts it, for the parts the AWS mapping reads.
struct UriParts<'a> {
    username: Option<&'a str>,
    password: Option<&'a str>,
    query: Option<&'a str>,
}

impl<'a> UriParts<'a> {
    fn split(uri: &'a str) -> UriParts<'a> {
        // A host that carries its own protocol (`aws://https://host`) is not split further: the
        // user information sits before the second `://`, which Airflow refuses anyway.
        let rest = uri.split_once("://").map_or(uri, |(_, rest)| rest);
        let (before_fragment, _) = rest.split_once('#').unwrap_or((rest, ""));
        let (before_query, query) = match before_fragment.split_once('?') {
            Some((before, query)) => (before, Some(query)),
            None => (before_fragment, None),
        };
        let netloc = before_query.split('/').next().unwrap_or_default();
        let (username, password) = match netloc.rsplit_once('@') {
            Some((userinfo, _)) => match userinfo.split_once(':') {
                Some((user, password)) => (Some(user), Some(password)),
                None => (Some(userinfo), None),
            },
            None => (None, None),
        };
        UriParts {
            username,
            password,
            query,
        }
    }
}

/// An `aws` connection, mapped as the amazon provider's `AwsConnectionWrapper` maps it for the
/// `s3` service.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct AwsConnection {
    /// The access key id: `login` with a `password`, else `aws_access_key_id` of the extra
    /// (with `aws_secret_access_key`), else `session_kwargs.aws_access_key_id`.
    pub aws_access_key_id: Option<String>,
    /// The secret access key that goes with it.
    pub aws_secret_access_key: Option<String>,
    /// `aws_session_token` of the extra, else of `session_kwargs`.
    pub aws_session_token: Option<String>,
    /// `region_name` of the extra (not of `session_kwargs`).
    pub region_name: Option<String>,
    /// `service_config.s3.endpoint_url`, else `endpoint_url` of the extra.
    pub endpoint_url: Option<String>,
    /// `verify` of the extra when it is a boolean: `false` accepts any server certificate.
    pub verify: Option<bool>,
    /// `config_kwargs.s3.addressing_style` (`path`, `virtual` or `auto`).
    pub addressing_style: Option<String>,
}

/// Extra keys that take the credentials from elsewhere (an assumed role, a profile of a shared
/// credentials file): honouring them takes the AWS SDK's STS and profile machinery, which this
/// supervisor does not have. A key with an empty value is inert, for Python as here.
const UNSUPPORTED_EXTRA: &[&str] = &["role_arn", "profile_name"];

impl AwsConnection {
    /// Maps the fields of an `aws` connection; keys that would need more than an access key,
    /// a region and an endpoint are refused by name.
    pub fn from_fields(conn_id: &str, fields: &ConnectionFields) -> Result<Self, RemoteLogError> {
        let bad = |problem: String| RemoteLogError::Connection {
            conn_id: conn_id.to_owned(),
            problem,
        };
        let extra = &fields.extra;
        for key in UNSUPPORTED_EXTRA {
            let set = match extra.get(*key) {
                None | Some(Value::Null) | Some(Value::Bool(false)) => false,
                Some(Value::String(s)) => !s.is_empty(),
                Some(_) => true,
            };
            if set {
                return Err(bad(format!(
                    "extra key {key:?} is not supported by airflow-supervisor's log upload; give the connection an access key (login and password), or leave it out and let the environment's AWS credentials (web identity, instance metadata) apply"
                )));
            }
        }
        let text = |map: &Map<String, Value>, key: &str| -> Option<String> {
            match map.get(key) {
                Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
                _ => None,
            }
        };
        let empty = Map::new();
        let session = match extra.get("session_kwargs") {
            Some(Value::Object(map)) => map,
            _ => &empty,
        };
        let login = fields.login.clone().filter(|s| !s.is_empty());
        let password = fields.password.clone().filter(|s| !s.is_empty());
        let (key_id, secret) = match (login, password) {
            (Some(login), Some(password)) => (Some(login), Some(password)),
            _ => match (
                text(extra, "aws_access_key_id"),
                text(extra, "aws_secret_access_key"),
            ) {
                (Some(k), Some(s)) => (Some(k), Some(s)),
                _ => match (
                    text(session, "aws_access_key_id"),
                    text(session, "aws_secret_access_key"),
                ) {
                    (Some(k), Some(s)) => (Some(k), Some(s)),
                    _ => (None, None),
                },
            },
        };
        let token = text(extra, "aws_session_token").or_else(|| text(session, "aws_session_token"));
        // The region and the endpoint are taken as they are, even empty (the S3 client then
        // treats an empty one as none).
        let raw = |value: Option<&Value>| match value {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => Some(other.to_string()),
        };
        let region = raw(extra.get("region_name"));
        let s3_service = extra
            .get("service_config")
            .and_then(|c| c.get("s3"))
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let endpoint = match s3_service.get("endpoint_url") {
            Some(url) => raw(Some(url)),
            None => raw(extra.get("endpoint_url")),
        };
        let verify = match extra.get("verify") {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(other) => {
                return Err(bad(format!(
                    "extra key \"verify\" = {other}: only true or false is supported (a CA bundle path is not)"
                )));
            }
        };
        let addressing_style = extra
            .get("config_kwargs")
            .and_then(|c| c.get("s3"))
            .and_then(|s| s.get("addressing_style"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        Ok(AwsConnection {
            aws_access_key_id: key_id,
            aws_secret_access_key: secret,
            aws_session_token: token,
            region_name: region,
            endpoint_url: endpoint,
            verify,
            addressing_style,
        })
    }
}

/// Finds the connection `conn_id` as the Python supervisor does before a task starts: its
/// `AIRFLOW_CONN_{CONN_ID}` environment variable, else `GET /connections/{conn_id}` (a 404 is
/// no connection: the environment's credentials then apply, as they do for the provider's hook).
pub async fn fetch_connection(
    conn_id: &str,
    config: &Config,
    api: &ApiClient,
) -> Result<Option<ConnectionFields>, RemoteLogError> {
    let var = format!("AIRFLOW_CONN_{}", conn_id.to_uppercase());
    if let Ok(value) = std::env::var(&var) {
        return ConnectionFields::from_env_value(conn_id, &value).map(Some);
    }
    if let Some(backend) = config.get("secrets", "backend")?
        && !backend.is_empty()
    {
        return Err(RemoteLogError::Setting {
            section: "secrets",
            key: "backend".into(),
            problem: format!(
                "{backend}: Airflow looks the remote log connection {conn_id:?} up in this Python secrets backend first, which airflow-supervisor cannot run; set {var} in the worker's environment instead"
            ),
        });
    }
    let path = format!("/connections/{}", crate::api::paths::segment(conn_id));
    match api
        .call_json::<ConnectionResponse>(reqwest::Method::GET, &path, &[], Body::None)
        .await
    {
        Ok(response) => ConnectionFields::from_response(conn_id, &response).map(Some),
        Err(ApiError::Status { status, .. }) if status == reqwest::StatusCode::NOT_FOUND => {
            Ok(None)
        }
        Err(source) => Err(RemoteLogError::Api {
            conn_id: conn_id.to_owned(),
            source: Box::new(source),
        }),
    }
}

/// Remote logging, ready to upload: the store and where the logs go in it.
#[derive(Debug, Clone)]
pub struct RemoteLog {
    store: Arc<dyn ObjectStore>,
    settings: RemoteLogSettings,
}

impl RemoteLog {
    /// Sets remote logging up with `settings` (from [`RemoteLogSettings::from_config`]):
    /// fetches the connection (the one Execution API call this makes, as the Python supervisor
    /// makes it before the task starts) and builds the S3 client.
    pub async fn setup(
        settings: RemoteLogSettings,
        config: &Config,
        api: &ApiClient,
    ) -> Result<RemoteLog, RemoteLogError> {
        let connection = match &settings.conn_id {
            Some(conn_id) => match fetch_connection(conn_id, config, api).await? {
                Some(fields) => AwsConnection::from_fields(conn_id, &fields)?,
                None => AwsConnection::default(),
            },
            None => AwsConnection::default(),
        };
        let store = s3_store(&settings, &connection).map_err(|source| RemoteLogError::Store {
            base: settings.base_url.clone(),
            source,
        })?;
        Ok(RemoteLog::with_store(settings, store))
    }

    /// Remote logging into `store` (any [`ObjectStore`]: tests use an in-memory one).
    pub fn with_store(settings: RemoteLogSettings, store: Arc<dyn ObjectStore>) -> RemoteLog {
        RemoteLog { store, settings }
    }

    /// The settings it was built from.
    pub fn settings(&self) -> &RemoteLogSettings {
        &self.settings
    }

    /// Uploads the finished log `file`, whose path relative to `[logging] base_log_folder` is
    /// `relative`, then empties the file (or removes its folder, with `delete_local_copy`).
    /// When the upload fails, the file is left untouched and the error says what failed.
    pub async fn upload(&self, file: &Path, relative: &str) -> Result<Uploaded, UploadError> {
        if !file.is_file() {
            return Ok(Uploaded::NoFile);
        }
        let log = tokio::fs::read(file)
            .await
            .map_err(|source| UploadError::Read {
                path: file.to_owned(),
                source,
            })?;
        let key = self.settings.base.key(relative);
        let location = format!("s3://{}/{key}", self.settings.base.bucket);
        let path = ObjectPath::parse(&key).map_err(|source| UploadError::Key {
            location: location.clone(),
            source,
        })?;
        let body = match self.store.get(&path).await {
            Ok(existing) => {
                let old = existing
                    .bytes()
                    .await
                    .map_err(|source| UploadError::ReadExisting {
                        location: location.clone(),
                        source,
                    })?;
                join_logs(&old, &log)
            }
            Err(object_store::Error::NotFound { .. }) => log,
            Err(source) => {
                return Err(UploadError::ReadExisting {
                    location: location.clone(),
                    source,
                });
            }
        };
        let bytes = body.len();
        self.store
            .put(&path, body.into())
            .await
            .map_err(|source| UploadError::Write {
                location: location.clone(),
                source,
            })?;
        // The upload holds: what follows only tidies the local copy, and a failure there
        // leaves a file the next upload appends again, which is the provider's behaviour too.
        if self.settings.delete_local_copy {
            if let Some(folder) = file.parent() {
                let _ = tokio::fs::remove_dir_all(folder).await;
            }
        } else {
            let _ = tokio::fs::write(file, b"").await;
        }
        Ok(Uploaded::Written { location, bytes })
    }
}

/// An earlier log and the new one, as one object: a newline between them unless the earlier
/// one ends with one; an empty earlier log is dropped.
pub fn join_logs(old: &[u8], new: &[u8]) -> Vec<u8> {
    if old.is_empty() {
        return new.to_vec();
    }
    let mut joined = Vec::with_capacity(old.len() + 1 + new.len());
    joined.extend_from_slice(old);
    if !old.ends_with(b"\n") {
        joined.push(b'\n');
    }
    joined.extend_from_slice(new);
    joined
}

/// How often, and for how long at most, the store retries a failed request (a transport error,
/// a 5xx) before the upload is given up and the local file left for a later attempt or a human.
/// A few quick retries, as botocore's; an S3 that is down costs seconds at the task's end.
const RETRIES: usize = 3;
const RETRY_TIMEOUT: Duration = Duration::from_secs(60);

fn s3_store(
    settings: &RemoteLogSettings,
    connection: &AwsConnection,
) -> Result<Arc<dyn ObjectStore>, object_store::Error> {
    let mut builder = AmazonS3Builder::from_env().with_bucket_name(&settings.base.bucket);
    if let (Some(key_id), Some(secret)) = (
        &connection.aws_access_key_id,
        &connection.aws_secret_access_key,
    ) {
        builder = builder
            .with_access_key_id(key_id)
            .with_secret_access_key(secret);
        if let Some(token) = &connection.aws_session_token {
            builder = builder.with_token(token);
        }
    }
    // botocore reads the region from AWS_REGION or AWS_DEFAULT_REGION; `from_env` reads both,
    // and falls back to us-east-1 as botocore does for S3.
    if let Some(region) = connection.region_name.as_ref().filter(|r| !r.is_empty()) {
        builder = builder.with_region(region);
    }
    let endpoint = connection
        .endpoint_url
        .clone()
        .filter(|e| !e.is_empty())
        .or_else(|| builder.get_config_value(&AmazonS3ConfigKey::Endpoint));
    // botocore's automatic addressing: virtual-hosted (bucket.s3.region.amazonaws.com) on AWS,
    // the bucket in the path on an endpoint of one's own.
    let virtual_hosted = match connection.addressing_style.as_deref() {
        Some("virtual") => true,
        Some("path") => false,
        _ => endpoint.is_none(),
    };
    if let Some(endpoint) = &endpoint {
        builder = builder
            .with_endpoint(endpoint)
            .with_allow_http(endpoint.starts_with("http://"));
    }
    builder = builder.with_virtual_hosted_style_request(virtual_hosted);
    if connection.verify == Some(false) {
        builder = builder.with_client_options(
            object_store::ClientOptions::new().with_allow_invalid_certificates(true),
        );
    }
    if settings.encrypt {
        // The key's enum is not exported; its configuration name is the stable spelling.
        let key: AmazonS3ConfigKey = "aws_server_side_encryption".parse()?;
        builder = builder.with_config(key, "AES256");
    }
    builder = builder.with_retry(object_store::RetryConfig {
        max_retries: RETRIES,
        retry_timeout: RETRY_TIMEOUT,
        ..Default::default()
    });
    Ok(Arc::new(builder.build()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use object_store::memory::InMemory;

    fn settings(delete_local_copy: bool) -> RemoteLogSettings {
        RemoteLogSettings {
            base: S3Base::parse("s3://logs-bucket/airflow/logs").unwrap(),
            base_url: "s3://logs-bucket/airflow/logs".into(),
            conn_id: None,
            delete_local_copy,
            encrypt: false,
        }
    }

    #[test]
    fn s3_base_and_key_join_as_os_path_join() {
        let base = S3Base::parse("s3://b/p").unwrap();
        assert_eq!(base.key("x/y.log"), "p/x/y.log");
        assert_eq!(S3Base::parse("s3://b/p/").unwrap().key("x.log"), "p/x.log");
        assert_eq!(S3Base::parse("s3://b").unwrap().key("x.log"), "x.log");
        assert_eq!(S3Base::parse("gs://b/p"), None);
        assert_eq!(S3Base::parse("s3:///p"), None);
    }

    #[test]
    fn join_logs_separates_with_one_newline() {
        assert_eq!(join_logs(b"", b"new\n"), b"new\n");
        assert_eq!(join_logs(b"old\n", b"new\n"), b"old\nnew\n");
        assert_eq!(join_logs(b"old", b"new\n"), b"old\nnew\n");
    }

    #[tokio::test]
    async fn upload_appends_to_the_object_and_empties_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("dag_id=d/attempt=1.log");
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        let store = Arc::new(InMemory::new());
        let remote = RemoteLog::with_store(settings(false), store.clone());

        std::fs::write(&file, b"{\"event\":\"first\"}\n").unwrap();
        let first = remote
            .upload(&file, "dag_id=d/attempt=1.log")
            .await
            .unwrap();
        assert_eq!(
            first,
            Uploaded::Written {
                location: "s3://logs-bucket/airflow/logs/dag_id=d/attempt=1.log".into(),
                bytes: 18
            }
        );
        assert_eq!(std::fs::read(&file).unwrap(), b"");

        std::fs::write(&file, b"{\"event\":\"second\"}").unwrap();
        remote
            .upload(&file, "dag_id=d/attempt=1.log")
            .await
            .unwrap();
        let path = ObjectPath::parse("airflow/logs/dag_id=d/attempt=1.log").unwrap();
        let object = store.get(&path).await.unwrap().bytes().await.unwrap();
        assert_eq!(
            &object[..],
            b"{\"event\":\"first\"}\n{\"event\":\"second\"}"
        );
    }

    #[tokio::test]
    async fn upload_with_delete_local_copy_removes_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("run/attempt=1.log");
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, b"line\n").unwrap();
        let remote = RemoteLog::with_store(settings(true), Arc::new(InMemory::new()));
        remote.upload(&file, "run/attempt=1.log").await.unwrap();
        assert!(!dir.path().join("run").exists());
    }

    #[tokio::test]
    async fn no_file_is_no_upload() {
        let dir = tempfile::tempdir().unwrap();
        let remote = RemoteLog::with_store(settings(false), Arc::new(InMemory::new()));
        let outcome = remote
            .upload(&dir.path().join("none.log"), "none.log")
            .await;
        assert_eq!(outcome.unwrap(), Uploaded::NoFile);
    }

    #[tokio::test]
    async fn a_key_s3_cannot_hold_keeps_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.log");
        std::fs::write(&file, b"line\n").unwrap();
        let remote = RemoteLog::with_store(settings(false), Arc::new(InMemory::new()));
        let error = remote.upload(&file, "x//a.log").await.unwrap_err();
        assert!(matches!(error, UploadError::Key { .. }), "{error}");
        assert_eq!(std::fs::read(&file).unwrap(), b"line\n");
    }
}
