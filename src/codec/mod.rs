//! Codecs: messages as JSON text and as the msgpack frames of the wire, with typed errors and
//! resource bounds.

pub mod decode;
pub mod frame;
mod frame_id;
mod json_entries;
mod json_scan;
pub mod limits;
mod msgpack;
mod msgpack_any;
mod msgpack_de;
mod msgpack_json;
pub(crate) mod speculate;
#[cfg(feature = "tokio")]
mod tokio;

#[cfg(feature = "tokio")]
pub use self::tokio::{ChildCodec, SupervisorCodec};
