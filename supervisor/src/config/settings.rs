//! The typed settings the native supervisor needs, each read from the option (and with the
//! parsing) the Python code path reads it with. The rustdoc of each field names the option and
//! the Python code that reads it.

use super::{Config, ConfigError, Coordinators, Duration, defaults, pystr};

/// The typed configuration of the native supervisor.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Settings {
    /// The Execution API's base URL: `[core] execution_api_server_url` (old name `[workers]
    /// execution_api_server_url`), else `[api] base_url` (old name `[webserver] base_url`;
    /// `http://localhost:8080` put before it when it is empty or starts with `/`) with
    /// `/execution/` appended. As `get_execution_api_server_url` in
    /// `airflow/executors/base_executor.py` resolves it, and checked as `supervise_task` checks
    /// it: an `http` or `https` scheme and a host.
    pub execution_api_server_url: String,
    /// `[scheduler] task_instance_heartbeat_timeout` (`getint`, seconds): how long the server
    /// waits for a heartbeat before it considers the task gone (`HEARTBEAT_TIMEOUT`).
    pub heartbeat_timeout: Duration,
    /// `[workers] min_heartbeat_interval` (`getint`, seconds): never heartbeat more often.
    pub min_heartbeat_interval: Duration,
    /// `[workers] max_failed_heartbeats` (`getint`): consecutive failed heartbeats before the
    /// supervisor kills the task.
    pub max_failed_heartbeats: u64,
    /// `[workers] socket_cleanup_timeout` (`getfloat`, seconds): how long to wait for the child's
    /// sockets to close after it exited.
    pub socket_cleanup_timeout: Duration,
    /// `[core] task_success_overtime` (`getfloat`, seconds): how long a task may keep running
    /// after it reported a final state, before it is killed.
    pub task_success_overtime: Duration,
    /// The Execution API client's settings (`airflow/sdk/api/client.py`).
    pub api: ApiClientSettings,
    /// `[core] hostname_callable`: what gives the hostname the task reports.
    pub hostname_callable: HostnameCallable,
    /// The `[logging]` settings the supervisor's log handling reads.
    pub logging: LoggingSettings,
    /// `[sdk] coordinators` and `[sdk] queue_to_coordinator`, read and checked as
    /// `CoordinatorManager.from_config` reads them ([`Coordinators::from_config`]); the
    /// coordinator of a task's queue is [`coordinator::for_queue`](crate::coordinator::for_queue)
    /// of this.
    pub coordinators: Coordinators,
    /// `[callbacks] callback_execution_timeout` (`getint`, seconds, `0`: no limit): the limit
    /// `callback_supervisor.py` puts on an `ExecuteCallback` workload.
    pub callback_execution_timeout: Duration,
}

/// How the Execution API client connects (module constants of `airflow/sdk/api/client.py`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ApiClientSettings {
    /// `[workers] execution_api_retries` (`getint`): attempts per request (tenacity's
    /// `stop_after_attempt`), the first one included.
    pub retries: u64,
    /// `[workers] execution_api_retry_wait_min` (`getfloat`, seconds): lower bound of the
    /// random exponential wait between attempts.
    pub retry_wait_min: Duration,
    /// `[workers] execution_api_retry_wait_max` (`getfloat`, seconds): its upper bound.
    pub retry_wait_max: Duration,
    /// `[workers] execution_api_timeout` (`getfloat`, seconds): the HTTP timeout.
    pub timeout: Duration,
    /// `[api] ssl_cert` (old name `[webserver] web_server_ssl_cert`), `None` when empty: the
    /// client loads it as extra CA certificates to verify the server with (`ca_path` of the
    /// SDK's SSL context).
    pub ssl_cert: Option<String>,
    /// `[api] ssl_ca_file`, `None` when unset or empty: the CA bundle the SSL context starts
    /// from (`cafile`).
    pub ssl_ca_file: Option<String>,
    /// `[api] client_ssl_cert` and `[api] client_ssl_key`: the client certificate and key,
    /// `None` when neither is set. Setting only one of them is refused, as the SDK's client
    /// refuses it.
    pub client_cert_and_key: Option<(String, String)>,
    /// `[api] client_use_public_certs` (`getboolean`, default true): also trust certifi's public
    /// CA bundle.
    pub use_public_certs: bool,
}

/// The `[logging]` options the task SDK reads when it sets up logging for a task
/// (`airflow/sdk/log.py`, `airflow/sdk/_shared/logging/factory.py`).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct LoggingSettings {
    /// `[logging] base_log_folder`: where task log files go (a workload's `log_path` is
    /// relative to it).
    pub base_log_folder: String,
    /// `[logging] remote_logging` (`getboolean`).
    pub remote_logging: bool,
    /// `[logging] remote_base_log_folder`, `None` when empty.
    pub remote_base_log_folder: Option<String>,
    /// `[logging] remote_log_conn_id`, `None` when empty.
    pub remote_log_conn_id: Option<String>,
    /// `[logging] logging_level`: one of `CRITICAL`, `FATAL`, `ERROR`, `WARN`, `WARNING`,
    /// `INFO`, `DEBUG` (core Airflow refuses anything else at import time), or empty.
    pub logging_level: String,
    /// `[logging] colored_console_log` (`getboolean`).
    pub colored_console_log: bool,
    /// `[logging] namespace_levels`, `None` when unset.
    pub namespace_levels: Option<String>,
    /// `[logging] log_format`.
    pub log_format: String,
    /// `[logging] callsite_parameters` (`getlist`: split on `,`, each item stripped; empty when
    /// the value is empty).
    pub callsite_parameters: Vec<String>,
    /// `[logging] file_task_handler_new_file_permissions` (`int(value, 8)`).
    pub new_file_permissions: u32,
    /// `[logging] file_task_handler_new_folder_permissions` (`int(value, 8)`).
    pub new_folder_permissions: u32,
    /// `[logging] logging_config_class`, `None` when empty (Airflow's own configuration).
    pub logging_config_class: Option<String>,
}

/// What `[core] hostname_callable` names: an import path Python calls for the hostname.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HostnameCallable {
    /// `airflow.utils.net.getfqdn` (the default) or `socket.getfqdn`: the fully qualified
    /// domain name.
    Fqdn,
    /// `airflow.utils.net.get_host_ip_address`: the host's IP address.
    HostIpAddress,
    /// `socket.gethostname`: the plain host name.
    Hostname,
    /// Any other import path; only Python can call it.
    Other(String),
}

impl HostnameCallable {
    fn from_path(path: &str) -> Self {
        match path {
            "airflow.utils.net.getfqdn" | "socket.getfqdn" => HostnameCallable::Fqdn,
            "airflow.utils.net.get_host_ip_address" => HostnameCallable::HostIpAddress,
            "socket.gethostname" => HostnameCallable::Hostname,
            other => HostnameCallable::Other(other.to_owned()),
        }
    }
}

/// A `getint` value of whole seconds as a [`Duration`]; negative values are refused.
fn int_secs(config: &Config, section: &str, key: &str) -> Result<Duration, ConfigError> {
    let n = config.get_int(section, key)?;
    u64::try_from(n).map(Duration::from_secs).map_err(|_| {
        ConfigError::invalid(
            section,
            key,
            n.to_string(),
            "a non-negative number of seconds",
        )
    })
}

/// A `getint` count; negative values are refused.
fn count(config: &Config, section: &str, key: &str) -> Result<u64, ConfigError> {
    let n = config.get_int(section, key)?;
    u64::try_from(n)
        .map_err(|_| ConfigError::invalid(section, key, n.to_string(), "a non-negative integer"))
}

/// `conf.get(..., fallback=None)` with an empty value taken as unset, as the Python callers do
/// (`if value:`).
fn non_empty(config: &Config, section: &str, key: &str) -> Result<Option<String>, ConfigError> {
    Ok(config.get(section, key)?.filter(|v| !v.is_empty()))
}

/// `int(value, 8)` of a permissions option, with the SDK's fallback when unset.
fn permissions(
    config: &Config,
    section: &str,
    key: &str,
    fallback: &str,
) -> Result<u32, ConfigError> {
    let value = config
        .get(section, key)?
        .unwrap_or_else(|| fallback.to_owned());
    pystr::py_int_octal(&value)
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| *n <= 0o7777)
        .ok_or_else(|| {
            ConfigError::invalid(section, key, value, "octal permission bits (e.g. 0o664)")
        })
}

/// The Execution API URL as `get_execution_api_server_url` in
/// `airflow/executors/base_executor.py` resolves it (through core Airflow's `conf`, which reads
/// the same sources): `[core] execution_api_server_url`, else derived from `[api] base_url`.
/// Not checked: see [`check_api_server_url`].
pub fn execution_api_server_url(config: &Config) -> Result<String, ConfigError> {
    if let Some(url) = config.get("core", "execution_api_server_url")? {
        return Ok(url);
    }
    let mut base_url = config
        .get("api", "base_url")?
        .unwrap_or_else(|| "/".to_owned());
    if base_url.is_empty() || base_url.starts_with('/') {
        base_url = format!("http://localhost:8080{base_url}");
    }
    Ok(format!("{}/execution/", base_url.trim_end_matches('/')))
}

/// The check `supervise_task` makes of the server URL, with Python 3.11's `urlparse`: not
/// empty, an `http` or `https` scheme (any case, after leading spaces and control characters),
/// a non-empty host part, and well-formed brackets around an IPv6 host. `Err` says what is
/// wrong.
///
/// Only what Python checks is checked: a URL that passes may still be refused by an HTTP
/// client (Python's would refuse it at the first request).
pub fn check_api_server_url(url: &str) -> Result<(), String> {
    if url.is_empty() {
        return Err("the URL is empty".into());
    }
    // urlsplit: leading C0 controls and spaces go, and so do tabs and newlines anywhere.
    let cleaned: String = url
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\r' | '\n'))
        .collect();
    let mut scheme = String::new();
    let mut rest = cleaned.as_str();
    if let Some(colon) = cleaned.find(':')
        && colon > 0
        && cleaned.as_bytes()[0].is_ascii_alphabetic()
        && cleaned[..colon]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
    {
        scheme = cleaned[..colon].to_ascii_lowercase();
        rest = &cleaned[colon + 1..];
    }
    let mut netloc = "";
    if let Some(after) = rest.strip_prefix("//") {
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        netloc = &after[..end];
        let (open, close) = (netloc.contains('['), netloc.contains(']'));
        if open != close {
            return Err("Invalid IPv6 URL".into());
        }
        if open {
            let host = netloc
                .split_once('[')
                .map(|(_, b)| b.split_once(']').map_or(b, |(h, _)| h))
                .unwrap_or_default();
            check_bracketed_host(host)?;
        }
    }
    if scheme != "http" && scheme != "https" {
        return Err("the URL must use the http:// or https:// scheme".into());
    }
    if netloc.is_empty() {
        return Err("the URL must include a host".into());
    }
    Ok(())
}

/// `urllib.parse._check_bracketed_host`: an IPv6 address (a zone allowed) or an IPvFuture one.
fn check_bracketed_host(host: &str) -> Result<(), String> {
    if let Some(future) = host.strip_prefix('v') {
        // `\Av[a-fA-F0-9]+\..+\Z`
        let ok = future.split_once('.').is_some_and(|(hex, tail)| {
            !hex.is_empty()
                && hex.bytes().all(|b| b.is_ascii_hexdigit())
                && !tail.is_empty()
                && !tail.contains('\n')
        });
        return if ok {
            Ok(())
        } else {
            Err("IPvFuture address is invalid".into())
        };
    }
    if host.parse::<std::net::Ipv4Addr>().is_ok() {
        return Err("An IPv4 address cannot be in brackets".into());
    }
    let address = host
        .split_once('%')
        .map_or(host, |(a, zone)| if zone.is_empty() { host } else { a });
    address
        .parse::<std::net::Ipv6Addr>()
        .map(|_| ())
        .map_err(|_| format!("{host:?} does not appear to be an IPv4 or IPv6 address"))
}

impl Settings {
    /// Reads and checks every setting; the first problem found is returned, naming its option.
    pub fn from_config(config: &Config) -> Result<Settings, ConfigError> {
        if config.get("core", "unit_test_mode")?.is_some()
            && config.get_bool("core", "unit_test_mode")?
        {
            return Err(ConfigError::invalid(
                "core",
                "unit_test_mode",
                config.get("core", "unit_test_mode")?.unwrap_or_default(),
                "false: Airflow's unit-test configuration is not supported by the native supervisor",
            ));
        }
        let execution_api_server_url = execution_api_server_url(config)?;
        if let Err(problem) = check_api_server_url(&execution_api_server_url) {
            // Name the option that supplied the URL: the explicit one, or the base URL it was
            // derived from.
            let (section, key) = if config.get("core", "execution_api_server_url")?.is_some() {
                ("core", "execution_api_server_url")
            } else {
                ("api", "base_url")
            };
            return Err(ConfigError::invalid(
                section,
                key,
                execution_api_server_url,
                format!("a valid Execution API URL: {problem}"),
            ));
        }

        let client_ssl_cert = non_empty(config, "api", "client_ssl_cert")?;
        let client_ssl_key = non_empty(config, "api", "client_ssl_key")?;
        let client_cert_and_key = match (client_ssl_cert, client_ssl_key) {
            (Some(cert), Some(key)) => Some((cert, key)),
            (None, None) => None,
            (Some(_), None) | (None, Some(_)) => {
                let missing = if config
                    .get("api", "client_ssl_key")?
                    .is_some_and(|v| !v.is_empty())
                {
                    "client_ssl_cert"
                } else {
                    "client_ssl_key"
                };
                return Err(ConfigError::Missing {
                    section: "api".into(),
                    key: missing.into(),
                });
            }
        };
        let api = ApiClientSettings {
            retries: count(config, "workers", "execution_api_retries")?,
            retry_wait_min: config.get_duration_secs("workers", "execution_api_retry_wait_min")?,
            retry_wait_max: config.get_duration_secs("workers", "execution_api_retry_wait_max")?,
            timeout: config.get_duration_secs("workers", "execution_api_timeout")?,
            ssl_cert: non_empty(config, "api", "ssl_cert")?,
            ssl_ca_file: non_empty(config, "api", "ssl_ca_file")?,
            client_cert_and_key,
            use_public_certs: match config.get("api", "client_use_public_certs")? {
                None => true,
                Some(_) => config.get_bool("api", "client_use_public_certs")?,
            },
        };

        let hostname_callable = match config.get("core", "hostname_callable")? {
            Some(path) if !path.is_empty() => HostnameCallable::from_path(&path),
            // Python would import nothing and then call `None`.
            other => {
                return Err(ConfigError::invalid(
                    "core",
                    "hostname_callable",
                    other.unwrap_or_default(),
                    "an import path of a callable",
                ));
            }
        };

        let logging_level = config
            .get("logging", "logging_level")?
            .unwrap_or_else(|| "INFO".into());
        if !logging_level.is_empty() && !defaults::LOGGING_LEVELS.contains(&logging_level.as_str())
        {
            return Err(ConfigError::invalid(
                "logging",
                "logging_level",
                logging_level,
                format!("one of {}", defaults::LOGGING_LEVELS.join(", ")),
            ));
        }
        let bool_or = |key: &str, fallback: bool| -> Result<bool, ConfigError> {
            match config.get("logging", key)? {
                None => Ok(fallback),
                Some(_) => config.get_bool("logging", key),
            }
        };
        let callsite_parameters = match config.get("logging", "callsite_parameters")? {
            None => Vec::new(),
            Some(v) if v.is_empty() => Vec::new(),
            Some(v) => v
                .split(',')
                .map(|s| pystr::py_strip(s).to_owned())
                .collect(),
        };
        let logging = LoggingSettings {
            base_log_folder: config.get_required("logging", "base_log_folder")?,
            remote_logging: bool_or("remote_logging", false)?,
            remote_base_log_folder: non_empty(config, "logging", "remote_base_log_folder")?,
            remote_log_conn_id: non_empty(config, "logging", "remote_log_conn_id")?,
            logging_level,
            colored_console_log: bool_or("colored_console_log", true)?,
            namespace_levels: config.get("logging", "namespace_levels")?,
            log_format: config.get_required("logging", "log_format")?,
            callsite_parameters,
            new_file_permissions: permissions(
                config,
                "logging",
                "file_task_handler_new_file_permissions",
                "0o664",
            )?,
            new_folder_permissions: permissions(
                config,
                "logging",
                "file_task_handler_new_folder_permissions",
                "0o775",
            )?,
            logging_config_class: non_empty(config, "logging", "logging_config_class")?,
        };

        Ok(Settings {
            execution_api_server_url,
            heartbeat_timeout: int_secs(config, "scheduler", "task_instance_heartbeat_timeout")?,
            min_heartbeat_interval: int_secs(config, "workers", "min_heartbeat_interval")?,
            max_failed_heartbeats: count(config, "workers", "max_failed_heartbeats")?,
            socket_cleanup_timeout: config
                .get_duration_secs("workers", "socket_cleanup_timeout")?,
            task_success_overtime: config.get_duration_secs("core", "task_success_overtime")?,
            api,
            hostname_callable,
            logging,
            coordinators: Coordinators::from_config(config)?,
            callback_execution_timeout: match config
                .get("callbacks", "callback_execution_timeout")?
            {
                None => Duration::ZERO,
                Some(_) => int_secs(config, "callbacks", "callback_execution_timeout")?,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert!(check_api_server_url("http://localhost:8080/execution/").is_ok());
        assert!(check_api_server_url("  HTTPS://[::1]:8080/x").is_ok());
        assert!(check_api_server_url("ftp://x/").is_err());
        assert!(check_api_server_url("http:///x").is_err());
        assert!(check_api_server_url("http://[::1/x").is_err());
        assert!(check_api_server_url("http://[1.2.3.4]/").is_err());
        assert!(check_api_server_url("localhost:8080").is_err());
    }
}
