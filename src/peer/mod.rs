//! Peers: the two ends of a channel. The process side sends requests and reads replies
//! ([`client`]); the supervisor side answers them ([`dispatch`]), narrows channels at run time
//! ([`policy`]), picks channels by name ([`dynamic`]) and pipelines request ids ([`pipeline`]).
//! On Unix, [`fds`] takes the child's inherited fd 0 and passes descriptors (`SCM_RIGHTS`).

pub mod client;
pub mod dispatch;
pub mod dynamic;
#[cfg(unix)]
#[cfg_attr(docsrs, doc(cfg(unix)))]
pub mod fds;
pub mod pipeline;
pub mod policy;
