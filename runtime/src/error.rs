//! What can go wrong: in a task ([`TaskError`]) and in talking to the supervisor
//! ([`CommsError`]).

use std::fmt;

use airflow_comms::ErrorResponse;
use airflow_comms::client::ClientError;

/// How a task ends other than by success: it failed (the default for any error, so `?` works
/// on every error type), or it asks to be skipped ([`TaskError::skip`]).
///
/// A failed task is retried when Airflow says it may be (`should_retry`), else it fails.
///
/// ```
/// use airflow_comms_runtime::{TaskContext, TaskError};
///
/// fn parse_limit(text: &str) -> Result<u32, TaskError> {
///     if text.is_empty() {
///         return Err(TaskError::skip("no limit configured"));
///     }
///     Ok(text.parse::<u32>()?) // any error fails the task
/// }
/// assert!(parse_limit("").unwrap_err().is_skip());
/// assert!(!parse_limit("x").unwrap_err().is_skip());
/// # fn _f(_: &mut TaskContext) {}
/// ```
pub struct TaskError(Kind);

enum Kind {
    Failed(Box<dyn std::error::Error + Send + Sync + 'static>),
    Skipped(String),
}

impl TaskError {
    /// The task fails with this message.
    pub fn fail(message: impl fmt::Display) -> Self {
        Self(Kind::Failed(message.to_string().into()))
    }

    /// The task ends skipped, for this reason (written to the task log).
    pub fn skip(reason: impl fmt::Display) -> Self {
        Self(Kind::Skipped(reason.to_string()))
    }

    /// Whether the task asks to be skipped.
    pub fn is_skip(&self) -> bool {
        matches!(self.0, Kind::Skipped(_))
    }

    /// The error that failed the task, if it failed.
    pub fn failure(&self) -> Option<&(dyn std::error::Error + Send + Sync + 'static)> {
        match &self.0 {
            Kind::Failed(err) => Some(err.as_ref()),
            Kind::Skipped(_) => None,
        }
    }
}

impl<E: Into<Box<dyn std::error::Error + Send + Sync + 'static>>> From<E> for TaskError {
    fn from(err: E) -> Self {
        Self(Kind::Failed(err.into()))
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Kind::Failed(err) => {
                write!(f, "{err}")?;
                let mut source = err.source();
                while let Some(cause) = source {
                    write!(f, ": {cause}")?;
                    source = cause.source();
                }
                Ok(())
            }
            Kind::Skipped(reason) => write!(f, "skipped: {reason}"),
        }
    }
}

impl fmt::Debug for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Kind::Failed(err) => f.debug_tuple("Failed").field(err).finish(),
            Kind::Skipped(reason) => f.debug_tuple("Skipped").field(reason).finish(),
        }
    }
}

/// A request to the supervisor that did not get a usable answer: the connection broke, the
/// supervisor reported a failure, or a value could not be converted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CommsError {
    /// The frame could not be exchanged, or the reply was not the expected one.
    #[error("{request}: {source}")]
    Client {
        /// The request type.
        request: &'static str,
        /// What went wrong.
        #[source]
        source: Box<ClientError>,
    },
    /// The supervisor answered with an error body other than "not found".
    #[error("{request}: the supervisor answered {:?}: {}", .error.error, detail(.error))]
    Refused {
        /// The request type.
        request: &'static str,
        /// The supervisor's answer.
        error: Box<ErrorResponse>,
    },
    /// A value could not be converted to or from JSON.
    #[error("{request}: {what}: {source}")]
    Json {
        /// The request type.
        request: &'static str,
        /// What was being converted.
        what: String,
        /// Why it failed.
        #[source]
        source: serde_json::Error,
    },
}

fn detail(error: &ErrorResponse) -> String {
    match &error.detail {
        Some(detail) => serde_json::to_string(detail).unwrap_or_default(),
        None => "no detail".into(),
    }
}
