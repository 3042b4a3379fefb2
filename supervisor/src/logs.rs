//! The task log: JSON lines at `{base_log_folder}/{log_path}`, as Airflow's log reader reads them,
//! optionally mirrored to the supervisor's stdout (what `execute_workload` does for pod logs).
//!
//! Every line is a JSON object whose first keys are `timestamp`, `level` and `event`, followed by
//! the record's other fields in the order they came. Secrets are masked ([`Masker`]) in the
//! line as written, in the file and on stdout alike.
//!
//! One writer task owns the file and stdout; producers (the child's stdout, stderr and log
//! sockets, the supervisor itself) send records through a bounded channel. A producer that
//! outruns the disk therefore waits, and so does the child writing to it: memory stays bounded
//! however much the child prints.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use serde_json::{Map, Value};
use tokio::sync::{mpsc, oneshot};

use crate::mask::Masker;

/// A log level, as Airflow's JSON log lines name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// `debug`
    Debug,
    /// `info`
    Info,
    /// `warning`
    Warning,
    /// `error`
    Error,
    /// `critical`
    Critical,
}

impl Level {
    /// The name written in a line.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
            Level::Critical => "critical",
        }
    }

    /// Reads a level as the child writes it (`"info"`, `"WARNING"`, `"warn"`, `"exception"`,
    /// `"fatal"`, ...). `None` for a name no logger uses; Airflow drops such a line.
    pub fn parse(name: &str) -> Option<Level> {
        Some(match name.to_ascii_lowercase().as_str() {
            "debug" | "notset" => Level::Debug,
            "info" => Level::Info,
            "warn" | "warning" => Level::Warning,
            "error" | "exception" => Level::Error,
            "critical" | "fatal" => Level::Critical,
            _ => return None,
        })
    }
}

/// One log record.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// When it happened, as written (`2026-12-07T21:02:35.123456Z`).
    pub timestamp: String,
    /// Its level.
    pub level: Level,
    /// The message.
    pub event: String,
    /// Its other fields, in order (`logger`, `chan`, ...).
    pub fields: Map<String, Value>,
}

impl Record {
    /// A record stamped now.
    pub fn now(level: Level, event: impl Into<String>) -> Record {
        Record {
            timestamp: now_timestamp(),
            level,
            event: event.into(),
            fields: Map::new(),
        }
    }

    /// Adds a field.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Record {
        self.fields.insert(key.to_owned(), value.into());
        self
    }

    /// Reads a line the child wrote on its log socket: a JSON object with `event`, `level` and
    /// optionally `timestamp`; an `exception` field is renamed `error_detail`, as Airflow does.
    /// `None` for a line that is not such an object, or names no known level.
    pub fn from_child_json(line: &[u8]) -> Option<Record> {
        let Value::Object(mut fields) = serde_json::from_slice(line).ok()? else {
            return None;
        };
        let level = Level::parse(fields.shift_remove("level")?.as_str()?)?;
        let event = match fields.shift_remove("event") {
            Some(Value::String(s)) => s,
            Some(Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        };
        let timestamp = match fields.shift_remove("timestamp") {
            Some(Value::String(s)) if !s.is_empty() => normalize_timestamp(&s),
            _ => now_timestamp(),
        };
        if let Some(exception) = fields.shift_remove("exception") {
            fields.insert("error_detail".to_owned(), exception);
        }
        Some(Record {
            timestamp,
            level,
            event,
            fields,
        })
    }

    /// The JSON line (without the newline), masked.
    pub fn render(&self, masker: &Masker) -> String {
        let mut object = Map::with_capacity(self.fields.len() + 3);
        object.insert("timestamp".into(), Value::String(self.timestamp.clone()));
        object.insert("level".into(), Value::String(self.level.as_str().into()));
        object.insert("event".into(), Value::String(self.event.clone()));
        for (key, value) in &self.fields {
            object.insert(key.clone(), value.clone());
        }
        let mut value = Value::Object(object);
        if !masker.is_empty() || self.fields.keys().any(|k| masker.is_sensitive_name(k)) {
            masker.redact(&mut value, None);
        }
        value.to_string()
    }
}

/// The current time as Airflow's log lines write it: UTC, microseconds, `Z`.
pub fn now_timestamp() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string()
}

/// A child's timestamp in the form the supervisor writes: parsed and written back in UTC with
/// microseconds, or kept as it is when it cannot be read.
fn normalize_timestamp(text: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(text) {
        Ok(t) => t
            .with_timezone(&chrono::Utc)
            .format("%Y-%m-%dT%H:%M:%S%.6fZ")
            .to_string(),
        Err(_) => text.to_owned(),
    }
}

enum Entry {
    /// A line from the child: the file, and stdout when mirroring. The permit holds its share
    /// of the byte budget until it is written.
    Record(Record, tokio::sync::OwnedSemaphorePermit),
    /// A line of the supervisor's about the task: the file only.
    Note(Record),
    /// A line of the supervisor's own log: stdout only.
    Own(Record),
    Flush(oneshot::Sender<()>),
}

/// A handle to the task log; clones share the writer.
#[derive(Clone)]
pub struct TaskLog {
    tx: mpsc::Sender<Entry>,
    budget: Arc<tokio::sync::Semaphore>,
    masker: Arc<RwLock<Masker>>,
}

impl std::fmt::Debug for TaskLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskLog").finish_non_exhaustive()
    }
}

/// Where the task log goes.
#[derive(Debug, Clone)]
pub struct LogTargets {
    /// The file, appended to (its folders are made); `None` for none.
    pub file: Option<PathBuf>,
    /// Whether every line is also written to stdout.
    pub stdout: bool,
    /// The logger name of records that name none: `task` for a task's log, `callback` for a
    /// callback's.
    pub default_logger: &'static str,
}

/// Records waiting for the writer before a producer waits.
const CHANNEL_CAPACITY: usize = 1024;

/// The bytes of child records (in KiB) waiting for the writer before a producer waits: with
/// [`CHANNEL_CAPACITY`], what bounds the supervisor's memory however fast the child writes.
const BUDGET_KIB: u32 = 32 * 1024;

impl TaskLog {
    /// Opens the targets and starts the writer. The returned handle finishes when every
    /// [`TaskLog`] clone is dropped and all lines are written.
    pub fn open(
        targets: LogTargets,
        masker: Arc<RwLock<Masker>>,
    ) -> std::io::Result<(TaskLog, tokio::task::JoinHandle<std::io::Result<()>>)> {
        let file = match &targets.file {
            Some(path) => Some(open_append(path)?),
            None => None,
        };
        let (tx, rx) = mpsc::channel(CHANNEL_CAPACITY);
        let writer_masker = masker.clone();
        let handle = tokio::task::spawn_blocking(move || {
            write_loop(
                rx,
                file,
                targets.stdout,
                writer_masker,
                targets.default_logger,
            )
        });
        let budget = Arc::new(tokio::sync::Semaphore::new(BUDGET_KIB as usize));
        Ok((TaskLog { tx, budget, masker }, handle))
    }

    /// The masker the lines are masked with.
    pub fn masker(&self) -> &Arc<RwLock<Masker>> {
        &self.masker
    }

    /// Writes a record from the child (waits while the writer is behind).
    pub async fn log(&self, record: Record) {
        // A record bigger than the whole budget takes all of it, and so waits for the writer
        // to catch up with everything before it.
        let kib = (record.event.len() / 1024 + 1).min(BUDGET_KIB as usize) as u32;
        let Ok(permit) = self.budget.clone().acquire_many_owned(kib).await else {
            return;
        };
        // The writer only stops when every sender is gone; a send error cannot happen while
        // `self` lives, and a record for a writer that failed has nowhere to go.
        let _ = self.tx.send(Entry::Record(record, permit)).await;
    }

    /// Writes a record the supervisor itself makes about the task (an abnormal exit, a kill) to
    /// the task's file only: Airflow does not mirror these to stdout.
    pub async fn note(&self, record: Record) {
        let _ = self.tx.send(Entry::Note(record)).await;
    }

    /// Writes a record of the supervisor's own to stdout only (never to the task's file), in
    /// the same stream as the mirrored lines so the two never interleave mid-line.
    pub async fn own(&self, record: Record) {
        let _ = self.tx.send(Entry::Own(record)).await;
    }

    /// Writes one line the child printed on stdout (`task.stdout`, info) or stderr
    /// (`task.stderr`, error). Trailing whitespace is dropped and bytes that are not UTF-8
    /// become U+FFFD, as Airflow does.
    pub async fn child_output(&self, logger: &str, level: Level, line: &[u8]) {
        let text = String::from_utf8_lossy(line);
        let record = Record::now(level, text.trim_end()).with("logger", logger);
        self.log(record).await;
    }

    /// Waits until every record sent so far is written and flushed.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Entry::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

fn open_append(path: &Path) -> std::io::Result<std::fs::File> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
}

fn write_loop(
    mut rx: mpsc::Receiver<Entry>,
    file: Option<std::fs::File>,
    stdout: bool,
    masker: Arc<RwLock<Masker>>,
    default_logger: &'static str,
) -> std::io::Result<()> {
    let mut file = file.map(std::io::BufWriter::new);
    let mut out = stdout.then(|| std::io::BufWriter::new(std::io::stdout()));
    let mut result = Ok(());
    let render = |record: &Record| {
        let masker = masker.read().unwrap_or_else(|e| e.into_inner());
        record.render(&masker)
    };
    while let Some(entry) = rx.blocking_recv() {
        match entry {
            Entry::Record(mut record, permit) => {
                name_logger(&mut record, default_logger);
                let line = render(&record);
                write_file(&mut file, &line, &mut result);
                if let Some(o) = out.as_mut() {
                    let _ = writeln!(o, "{line}");
                }
                // The record's share of the budget is free once it is written.
                drop(permit);
            }
            Entry::Note(mut record) => {
                name_logger(&mut record, default_logger);
                write_file(&mut file, &render(&record), &mut result);
            }
            Entry::Own(record) => {
                let line = render(&record);
                match out.as_mut() {
                    Some(o) => {
                        let _ = writeln!(o, "{line}");
                    }
                    None => {
                        let _ = writeln!(std::io::stdout().lock(), "{line}");
                    }
                }
            }
            Entry::Flush(done) => {
                flush_all(&mut file, &mut out, &mut result);
                let _ = done.send(());
            }
        }
        if rx.is_empty() {
            flush_all(&mut file, &mut out, &mut result);
        }
    }
    flush_all(&mut file, &mut out, &mut result);
    result
}

/// A record that names no logger is the default logger's (`task`, `callback`), as Airflow's
/// file logger names it.
fn name_logger(record: &mut Record, default_logger: &'static str) {
    if !record.fields.contains_key("logger") {
        record.fields.insert(
            "logger".to_owned(),
            Value::String(default_logger.to_owned()),
        );
    }
}

fn write_file(
    file: &mut Option<std::io::BufWriter<std::fs::File>>,
    line: &str,
    result: &mut std::io::Result<()>,
) {
    if let Some(f) = file.as_mut()
        && let Err(e) = writeln!(f, "{line}")
        && result.is_ok()
    {
        *result = Err(e);
    }
}

fn flush_all(
    file: &mut Option<std::io::BufWriter<std::fs::File>>,
    out: &mut Option<std::io::BufWriter<std::io::Stdout>>,
    result: &mut std::io::Result<()>,
) {
    if let Some(f) = file.as_mut()
        && let Err(e) = f.flush()
        && result.is_ok()
    {
        *result = Err(e);
    }
    if let Some(o) = out.as_mut() {
        let _ = o.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_lines_keep_their_fields_in_order() {
        let line = br#"{"timestamp":"2026-01-02T03:04:05.5+01:00","logger":"airflow.task","event":"hi","level":"warning","x":1,"exception":[{"a":1}]}"#;
        let record = Record::from_child_json(line).unwrap();
        assert_eq!(record.level, Level::Warning);
        assert_eq!(
            record.render(&Masker::default()),
            r#"{"timestamp":"2026-01-02T02:04:05.500000Z","level":"warning","event":"hi","logger":"airflow.task","x":1,"error_detail":[{"a":1}]}"#
        );
    }

    #[test]
    fn unreadable_child_lines_are_refused() {
        assert!(Record::from_child_json(b"not json").is_none());
        assert!(Record::from_child_json(br#"{"event":"x"}"#).is_none());
        assert!(Record::from_child_json(br#"{"event":"x","level":"loud"}"#).is_none());
    }

    #[test]
    fn lines_are_masked() {
        let mut masker = Masker::default();
        masker.add_str("p4ssw0rd!", None);
        let record = Record::now(Level::Info, "using p4ssw0rd! now").with("password", "x");
        let line = record.render(&masker);
        assert!(line.contains(r#""event":"using *** now""#), "{line}");
        assert!(line.contains(r#""password":"***""#), "{line}");
    }
}
