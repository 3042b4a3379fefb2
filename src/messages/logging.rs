//! [`LoggingRequests`](crate::LoggingRequests): secrets masking and the structured-log socket.
//!
//! Mirrors `MaskSecret` and `ResendLoggingFD` of `airflow.sdk.execution_time.comms`.

#[allow(unused_imports)]
use super::prelude::*;

model! {
    /// Asks the supervisor to redact a value from every log line it forwards. Never answered
    /// with data (an empty reply).
    pub struct MaskSecret tag "MaskSecret", extra = ignore {
        /// The secret: a string, or a structure whose string leaves are all secrets.
        pub value: JsonValue,
        /// The name the secret is known by (e.g. a connection field), if any.
        pub name: Option<String> = None,
    }
}

model! {
    /// Asks for a fresh structured-log socket; the reply is [`SentFDs`], with the
    /// descriptor passed as `SCM_RIGHTS` ancillary data.
    pub struct ResendLoggingFD tag "ResendLoggingFD", extra = ignore {
    }
}
