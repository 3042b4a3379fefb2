//! Codecs: messages as JSON text and as the msgpack frames of the wire, with typed errors and
//! resource bounds.

pub mod decode;
pub mod frame;
pub(crate) mod frame_id;
pub(crate) mod json_entries;
pub(crate) mod json_scan;
pub mod limits;
pub(crate) mod msgpack;
mod msgpack_any;
pub(crate) mod msgpack_de;
mod msgpack_json;
#[cfg(feature = "tokio")]
mod tokio;

#[cfg(feature = "tokio")]
pub use self::tokio::{ChildCodec, SupervisorCodec};
