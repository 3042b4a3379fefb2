//! Peers: the two ends of a channel. The process side sends requests and reads replies
//! ([`client`]); the supervisor side answers them ([`dispatch`]), narrows channels at run time
//! ([`policy`]), picks channels by name ([`dynamic`]) and pipelines request ids ([`pipeline`]).

pub mod client;
pub mod dispatch;
pub mod dynamic;
pub mod pipeline;
pub mod policy;
