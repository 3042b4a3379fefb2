//! The unions Airflow's processes speak: access groups ([`groups`]), the per-process channels
//! built from them ([`channels`]), and what each request is answered with ([`request`]).
//!
//! The union machinery itself (the [`Union`] trait and the macro that defines a union) sits
//! one layer down, with the messages, because a message may hold a union (the DAG processor's
//! callback requests).

pub use crate::messages::union::{BodyDecoder, Permits, Union, UnionVisitor};

#[macro_use]
pub mod groups;
#[macro_use]
pub mod channels;
pub mod request;
