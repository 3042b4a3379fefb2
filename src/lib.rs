//! airflow-comms (docs to come)

#[macro_use]
pub mod model;
pub mod union;
pub mod enums;
pub mod messages;
pub mod time;
pub mod value;
#[macro_use]
pub mod groups;
pub mod channels;
pub mod decode;

pub use channels::*;
pub use decode::{decode_json, DecodeError, DecodeErrorKind, UnknownTag};
pub use enums::*;
pub use groups::*;
pub use messages::dag_processor::*;
pub use messages::hitl::*;
pub use messages::lifecycle::*;
pub use messages::logging::*;
pub use messages::metadata::*;
pub use messages::nested::*;
pub use messages::orchestration::*;
pub use messages::read::*;
pub use messages::responses::*;
pub use messages::trigger::*;
pub use messages::write::*;
pub use model::{ExtraFields, Message, Model};
pub use time::{AwareDateTime, NaiveOrAwareDateTime, TimeDelta, UtcDateTime};
pub use union::Union;
pub use value::{JsonMap, JsonValue};
