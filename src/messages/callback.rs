//! The body with which a supervisor reports a callback's terminal state to the Execution API
//! (`PATCH /execution/callbacks/{callback_id}/state`).
//!
//! This is an Execution API (HTTP/JSON) contract, not a comms message: the 3.3.2 releases have no
//! such endpoint yet (a callback's outcome is derived from its exit code there). The shape follows
//! the endpoint Airflow's maintainers are adding: a terminal state and an optional output text.
//! Like the other Execution API request bodies it refuses unknown keys.

#[allow(unused_imports)]
use super::prelude::*;

model! {
    /// A callback's terminal state, as reported to the Execution API.
    ///
    /// ```
    /// use airflow_comms::{CallbackTerminalState, CallbackTerminalStatePayload};
    ///
    /// let body = CallbackTerminalStatePayload {
    ///     state: CallbackTerminalState::Failed,
    ///     output: Some("Execution failed".into()),
    /// };
    /// assert_eq!(
    ///     serde_json::to_string(&body)?,
    ///     r#"{"state":"failed","output":"Execution failed"}"#
    /// );
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub struct CallbackTerminalStatePayload, extra = forbid {
        /// How the callback ended.
        pub state: CallbackTerminalState,
        /// Human-readable output stored with the callback (e.g. why it failed).
        pub output: Option<String> = None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;

    #[test]
    fn states_and_payload_round_trip() {
        let names: Vec<String> = CallbackTerminalState::iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(names, ["success", "failed"]);
        assert_eq!(
            "failed".parse::<CallbackTerminalState>(),
            Ok(CallbackTerminalState::Failed)
        );

        let body: CallbackTerminalStatePayload =
            serde_json::from_str(r#"{"state": "success"}"#).unwrap();
        assert_eq!(body.output, None);
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"state":"success","output":null}"#
        );
        assert!(
            serde_json::from_str::<CallbackTerminalStatePayload>(r#"{"state": "running"}"#)
                .is_err()
        );
        assert!(
            serde_json::from_str::<CallbackTerminalStatePayload>(r#"{"state": "failed", "x": 1}"#)
                .is_err()
        );
    }
}
