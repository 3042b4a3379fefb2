//! [`TaskMetadataRequests`](crate::TaskMetadataRequests): what a task runner records about the
//! task it runs.
//!
//! Mirrors `SetRenderedFields`, `SetRenderedMapIndex` and `ValidateInletsAndOutlets` of
//! `airflow.sdk.execution_time.comms`.

#[allow(unused_imports)]
use super::prelude::*;

model! {
    /// Stores the task's rendered template fields.
    pub struct SetRenderedFields tag "SetRenderedFields", extra = ignore {
        /// Field name to rendered value.
        pub rendered_fields: JsonMap,
    }
}

model! {
    /// Stores the rendered label of a mapped task instance.
    pub struct SetRenderedMapIndex tag "SetRenderedMapIndex", extra = ignore {
        /// The label.
        pub rendered_map_index: String,
    }
}

model! {
    /// Asks which of the task's inlets and outlets are inactive assets; answered with
    /// [`InactiveAssetsResult`].
    pub struct ValidateInletsAndOutlets tag "ValidateInletsAndOutlets", extra = ignore {
        /// The task instance.
        pub ti_id: Uuid,
    }
}
