//! The task log: a `tracing` layer (and the `log` facade through it) writing one JSON object per
//! line to the supervisor's logs socket.
//!
//! Each line is `{"timestamp", "level", "event", "logger", ...fields}`, what the supervisor's
//! log reader requires: `level` is one of the lowercase names it knows (`debug`, `info`,
//! `warning`, `error`; a line without one, or with another, is dropped or worse), `timestamp` is
//! RFC 3339 with an offset, `logger` is the event's target with `::` written as `.` (Python's
//! logger names), so that `AIRFLOW__LOGGING__NAMESPACE_LEVELS` applies to it.
//!
//! Lines written before the socket is connected are kept and written first once it is. Secrets
//! told to the supervisor ([`TaskContext::mask_secret`](crate::TaskContext::mask_secret)) are
//! masked by it; they are also masked here, so that they never leave the process in clear.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{Event, Metadata, Subscriber};
use tracing_log::NormalizeEvent;
use tracing_subscriber::layer::{Context, Layer};

/// Airflow's numeric levels (Python's `logging`), by the names the supervisor accepts.
const DEBUG: u8 = 10;
const INFO: u8 = 20;
const WARNING: u8 = 30;
const ERROR: u8 = 40;
const CRITICAL: u8 = 50;
/// `tracing`'s TRACE sits below DEBUG; it is written as `debug`.
const TRACE: u8 = 5;

/// Secrets shorter than this are not masked, as Airflow's default
/// `[logging] min_length_masked_secret`.
const MIN_MASKED_LEN: usize = 5;

/// Lines kept before the socket connects, at most (bytes); beyond, the oldest are dropped and
/// counted.
const MAX_PENDING: usize = 8 << 20;

/// Which events are written: a level for everything (`AIRFLOW__LOGGING__LOGGING_LEVEL`) and
/// levels by logger-name prefix (`AIRFLOW__LOGGING__NAMESPACE_LEVELS`, `name=LEVEL` entries
/// separated by spaces or commas; the longest matching prefix wins).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelFilter {
    default: u8,
    namespaces: BTreeMap<String, u8>,
}

impl Default for LevelFilter {
    fn default() -> Self {
        Self {
            default: INFO,
            namespaces: BTreeMap::new(),
        }
    }
}

impl LevelFilter {
    /// Reads the two variables the coordinator passes on; a level it does not know is
    /// reported in the returned warnings and ignored.
    pub fn from_env() -> (Self, Vec<String>) {
        Self::parse(
            std::env::var("AIRFLOW__LOGGING__LOGGING_LEVEL")
                .ok()
                .as_deref(),
            std::env::var("AIRFLOW__LOGGING__NAMESPACE_LEVELS")
                .ok()
                .as_deref(),
        )
    }

    /// Reads a level and namespace levels as Airflow writes them.
    pub fn parse(level: Option<&str>, namespaces: Option<&str>) -> (Self, Vec<String>) {
        let mut warnings = Vec::new();
        let mut filter = Self::default();
        if let Some(level) = level.map(str::trim).filter(|l| !l.is_empty()) {
            match level_number(level) {
                Some(n) => filter.default = n,
                None => warnings.push(format!("unknown logging level {level:?}, using INFO")),
            }
        }
        for entry in namespaces
            .unwrap_or("")
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|e| !e.is_empty())
        {
            match entry.split_once('=') {
                Some((name, level)) if !name.trim().is_empty() => {
                    match level_number(level.trim()) {
                        Some(n) => {
                            filter.namespaces.insert(name.trim().to_owned(), n);
                        }
                        None => warnings
                            .push(format!("ignoring namespace level {entry:?}: unknown level")),
                    }
                }
                _ => warnings.push(format!(
                    "ignoring namespace level {entry:?}: expected <logger>=<level>"
                )),
            }
        }
        (filter, warnings)
    }

    /// The least level written for `logger` (a dotted name).
    fn threshold(&self, logger: &str) -> u8 {
        let mut best: Option<(usize, u8)> = None;
        for (name, level) in &self.namespaces {
            let matches = logger == name
                || (logger.starts_with(name.as_str())
                    && logger.as_bytes().get(name.len()) == Some(&b'.'));
            if matches && best.is_none_or(|(len, _)| name.len() > len) {
                best = Some((name.len(), *level));
            }
        }
        best.map_or(self.default, |(_, level)| level)
    }

    /// Whether an event at `level` from `logger` is written.
    pub fn allows(&self, level: &tracing::Level, logger: &str) -> bool {
        number_of(level) >= self.threshold(logger)
    }
}

/// Python's level names (any case), as numbers.
fn level_number(name: &str) -> Option<u8> {
    Some(match name.to_ascii_lowercase().as_str() {
        "notset" => 0,
        "debug" => DEBUG,
        "info" => INFO,
        "warn" | "warning" => WARNING,
        "error" | "exception" => ERROR,
        "critical" | "fatal" => CRITICAL,
        _ => return None,
    })
}

fn number_of(level: &tracing::Level) -> u8 {
    match *level {
        tracing::Level::TRACE => TRACE,
        tracing::Level::DEBUG => DEBUG,
        tracing::Level::INFO => INFO,
        tracing::Level::WARN => WARNING,
        tracing::Level::ERROR => ERROR,
    }
}

/// The level name the supervisor reads.
fn name_of(level: &tracing::Level) -> &'static str {
    match *level {
        tracing::Level::TRACE | tracing::Level::DEBUG => "debug",
        tracing::Level::INFO => "info",
        tracing::Level::WARN => "warning",
        tracing::Level::ERROR => "error",
    }
}

/// A logger name from a `tracing` target (`my_crate::module` → `my_crate.module`).
fn logger_name(target: &str) -> String {
    target.replace("::", ".")
}

/// Where lines go: kept in memory until the socket connects, then the socket.
#[derive(Default)]
struct Sink {
    pending: Vec<u8>,
    dropped: usize,
    socket: Option<Box<dyn Write + Send>>,
    secrets: Vec<String>,
}

impl Sink {
    fn write_line(&mut self, line: &[u8]) {
        if let Some(socket) = &mut self.socket {
            if socket.write_all(line).is_ok() {
                return;
            }
            // The supervisor is gone: stderr is what is left (it is read as error lines while
            // the supervisor lives).
            self.socket = None;
        }
        if self.pending.len() + line.len() > MAX_PENDING {
            self.dropped += 1;
            return;
        }
        self.pending.extend_from_slice(line);
    }

    fn mask(&self, text: &mut String) {
        for secret in &self.secrets {
            if text.contains(secret.as_str()) {
                *text = text.replace(secret.as_str(), "***");
            }
        }
    }
}

/// The handle to the task log: connect it, tell it secrets. Cheap to clone.
#[derive(Clone, Default)]
pub struct TaskLog {
    sink: Arc<Mutex<Sink>>,
    filter: Arc<LevelFilter>,
}

impl fmt::Debug for TaskLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskLog")
            .field("filter", &self.filter)
            .finish_non_exhaustive()
    }
}

impl TaskLog {
    /// A task log with this filter, not connected yet.
    pub fn new(filter: LevelFilter) -> Self {
        Self {
            sink: Arc::default(),
            filter: Arc::new(filter),
        }
    }

    fn sink(&self) -> MutexGuard<'_, Sink> {
        // A panic while the lock was held cannot leave the sink half-written in a way that
        // matters: at worst one line is cut, so a poisoned lock is used as is.
        self.sink
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Sends every line kept so far to `socket`, then every later line.
    pub fn connect(&self, socket: impl Write + Send + 'static) -> std::io::Result<()> {
        let mut sink = self.sink();
        let mut socket: Box<dyn Write + Send> = Box::new(socket);
        let pending = std::mem::take(&mut sink.pending);
        socket.write_all(&pending)?;
        if sink.dropped > 0 {
            let line = render(
                "warning",
                &format!(
                    "{} log lines written before the logs socket connected were dropped",
                    sink.dropped
                ),
                "airflow_comms_runtime",
                Map::new(),
            );
            socket.write_all(line.as_bytes())?;
            sink.dropped = 0;
        }
        sink.socket = Some(socket);
        Ok(())
    }

    /// Masks `secret` (at least 5 characters long) in every later line.
    pub fn add_secret(&self, secret: &str) {
        if secret.chars().count() >= MIN_MASKED_LEN {
            let mut sink = self.sink();
            if !sink.secrets.iter().any(|s| s == secret) {
                sink.secrets.push(secret.to_owned());
                // Longer secrets first, so that one holding another is masked whole.
                sink.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
            }
        }
    }

    /// Writes what is left of the lines kept (none once connected) to `out`: for a process that
    /// ends without ever connecting.
    pub fn drain_to(&self, out: &mut dyn Write) {
        let pending = std::mem::take(&mut self.sink().pending);
        let _ = out.write_all(&pending);
    }

    /// The `tracing` layer writing to this log.
    pub fn layer(&self) -> TaskLogLayer {
        TaskLogLayer { log: self.clone() }
    }

    fn write_event(&self, level: &tracing::Level, logger: &str, mut fields: Map<String, Value>) {
        let mut event = match fields.remove("message") {
            Some(Value::String(text)) => text,
            Some(other) => other.to_string(),
            None => String::new(),
        };
        let mut sink = self.sink();
        if !sink.secrets.is_empty() {
            sink.mask(&mut event);
            for value in fields.values_mut() {
                mask_value(&sink, value);
            }
        }
        let line = render(name_of(level), &event, logger, fields);
        sink.write_line(line.as_bytes());
    }
}

fn mask_value(sink: &Sink, value: &mut Value) {
    match value {
        Value::String(text) => sink.mask(text),
        Value::Array(items) => items.iter_mut().for_each(|v| mask_value(sink, v)),
        Value::Object(map) => map.values_mut().for_each(|v| mask_value(sink, v)),
        _ => {}
    }
}

/// One log line, newline included.
fn render(level: &str, event: &str, logger: &str, fields: Map<String, Value>) -> String {
    let mut line = Map::new();
    line.insert(
        "timestamp".into(),
        Value::String(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, false)),
    );
    line.insert("level".into(), Value::String(level.into()));
    line.insert("event".into(), Value::String(event.into()));
    line.insert("logger".into(), Value::String(logger.into()));
    for (key, value) in fields {
        // The four keys above are the line's own; a field of the same name is kept beside them.
        let key = match key.as_str() {
            "timestamp" | "level" | "event" | "logger" => format!("field.{key}"),
            _ => key,
        };
        line.insert(key, value);
    }
    let mut text = Value::Object(line).to_string();
    text.push('\n');
    text
}

/// The `tracing` layer of a [`TaskLog`].
pub struct TaskLogLayer {
    log: TaskLog,
}

impl<S: Subscriber> Layer<S> for TaskLogLayer {
    fn enabled(&self, metadata: &Metadata<'_>, _: Context<'_, S>) -> bool {
        // Events from the `log` facade all come through one callsite; they are filtered in
        // `on_event`, where their own target is known.
        metadata.target() == "log"
            || self
                .log
                .filter
                .allows(metadata.level(), &logger_name(metadata.target()))
    }

    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let normalized = event.normalized_metadata();
        let metadata = normalized.as_ref().unwrap_or_else(|| event.metadata());
        let logger = logger_name(metadata.target());
        if !self.log.filter.allows(metadata.level(), &logger) {
            return;
        }
        let mut fields = Fields(Map::new());
        event.record(&mut fields);
        self.log.write_event(metadata.level(), &logger, fields.0);
    }
}

/// An event's fields as JSON.
struct Fields(Map<String, Value>);

impl Fields {
    fn put(&mut self, field: &Field, value: Value) {
        // `log.target`, `log.file`, ...: the `log` facade's own bookkeeping.
        if !field.name().starts_with("log.") {
            self.0.insert(field.name().to_owned(), value);
        }
    }
}

impl Visit for Fields {
    fn record_f64(&mut self, field: &Field, value: f64) {
        let value = serde_json::Number::from_f64(value)
            .map_or_else(|| Value::String(value.to_string()), Value::Number);
        self.put(field, value);
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, value.into());
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, value.into());
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        let mut text = value.to_string();
        let mut source = value.source();
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        self.put(field, Value::String(text));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, Value::String(format!("{value:?}")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::layer::SubscriberExt;

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);
    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn lines(out: &Shared) -> Vec<Value> {
        String::from_utf8(out.0.lock().unwrap().clone())
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn levels_and_namespaces_filter_as_airflow_configures_them() {
        let (filter, warnings) = LevelFilter::parse(
            Some("WARNING"),
            Some("my_crate=DEBUG, my_crate.noisy=ERROR bad"),
        );
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(!filter.allows(&tracing::Level::INFO, "other"));
        assert!(filter.allows(&tracing::Level::WARN, "other"));
        assert!(filter.allows(&tracing::Level::DEBUG, "my_crate.tasks"));
        assert!(!filter.allows(&tracing::Level::TRACE, "my_crate.tasks"));
        assert!(!filter.allows(&tracing::Level::WARN, "my_crate.noisy.deeper"));
        // A prefix counts only at a dot.
        assert!(!filter.allows(&tracing::Level::DEBUG, "my_crate_two"));
        let (_, warnings) = LevelFilter::parse(Some("LOUD"), None);
        assert_eq!(warnings.len(), 1);
    }

    #[test]
    fn lines_are_kept_until_connected_then_written_as_the_supervisor_reads_them() {
        let log = TaskLog::new(LevelFilter::default());
        let subscriber = tracing_subscriber::registry().with(log.layer());
        let out = Shared::default();
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(rows = 3, "early line");
            tracing::debug!("filtered out");
            log.connect(out.clone()).unwrap();
            log.add_secret("hunter22");
            tracing::warn!(target: "my_crate::load", password = "hunter22", "using hunter22");
            tracing::error!(error = %std::io::Error::other("disk"), "failed");
        });
        let lines = lines(&out);
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert_eq!(lines[0]["event"], "early line");
        assert_eq!(lines[0]["level"], "info");
        assert_eq!(lines[0]["rows"], 3);
        assert_eq!(lines[1]["level"], "warning");
        assert_eq!(lines[1]["logger"], "my_crate.load");
        assert_eq!(lines[1]["event"], "using ***");
        assert_eq!(lines[1]["password"], "***");
        assert_eq!(lines[2]["level"], "error");
        assert_eq!(lines[2]["error"], "disk");
        let timestamp = lines[0]["timestamp"].as_str().unwrap();
        assert!(
            chrono::DateTime::parse_from_rfc3339(timestamp).is_ok(),
            "{timestamp}"
        );
        assert!(timestamp.ends_with("+00:00"), "{timestamp}");
    }

    #[test]
    fn short_secrets_are_not_masked() {
        let log = TaskLog::new(LevelFilter::default());
        log.add_secret("abc");
        let mut text = "abc".to_owned();
        log.sink().mask(&mut text);
        assert_eq!(text, "abc");
    }
}
