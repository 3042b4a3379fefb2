//! Request ids for pipelining: several requests in flight, replies matched by id.
//!
//! Airflow's trigger runner works this way: many coroutines send requests concurrently, each
//! registers a waiter under its request id, and a reader routes every reply to the waiter with
//! the same id. The task and callback runners send one request at a time, but a reply should
//! still be checked against the id it answers.
//!
//! ```
//! use airflow_comms::frame::ResponseFrame;
//! use airflow_comms::Pipeline;
//! use airflow_comms::{OKResponse, ToTriggerRunner};
//!
//! let mut pipeline = Pipeline::new();
//! let first = pipeline.register("set the xcom");
//! let second = pipeline.register("read the variable");
//! assert_eq!((first, second), (0.into(), 1.into()));
//!
//! // Replies may be routed in any order; each goes to the waiter registered under its id.
//! let reply = ResponseFrame::<ToTriggerRunner>::reply(second, OKResponse { ok: true });
//! let (waiter, reply) = pipeline.resolve(reply).unwrap();
//! assert_eq!(waiter, "read the variable");
//! assert!(reply.body.is_some());
//! assert_eq!(pipeline.in_flight(), 1);
//!
//! // A reply nobody waits for is handed back, not dropped silently.
//! assert!(pipeline.resolve(ResponseFrame::<ToTriggerRunner>::empty(41)).is_err());
//! ```

use std::collections::HashMap;

use crate::codec::frame::{FrameId, ResponseFrame};

/// Allocates request ids (0, 1, 2, ..., as Airflow's runners do) and remembers a waiter for
/// each request in flight.
#[derive(Debug)]
pub struct Pipeline<W> {
    next_id: FrameId,
    waiting: HashMap<FrameId, W>,
}

/// A reply whose id no request in flight has.
#[derive(Debug, thiserror::Error)]
#[error("reply {} answers no request in flight", .0.id)]
pub struct UnexpectedReply<B>(pub ResponseFrame<B>);

impl<W> Default for Pipeline<W> {
    fn default() -> Self {
        Self::new()
    }
}

impl<W> Pipeline<W> {
    /// A pipeline whose first request id is 0.
    pub fn new() -> Self {
        Self::starting_at(0)
    }

    /// A pipeline whose first request id is `id`. Ids count up from there; after
    /// [`FrameId::MAX`] (2^64 - 1) comes [`FrameId::MIN`] (-2^63).
    pub fn starting_at(id: impl Into<FrameId>) -> Self {
        Self {
            next_id: id.into(),
            waiting: HashMap::new(),
        }
    }

    /// Allocates the next request id and remembers `waiter` under it.
    pub fn register(&mut self, waiter: W) -> FrameId {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_next();
        self.waiting.insert(id, waiter);
        id
    }

    /// Hands `reply` to the waiter registered under its id.
    pub fn resolve<B>(
        &mut self,
        reply: ResponseFrame<B>,
    ) -> Result<(W, ResponseFrame<B>), UnexpectedReply<B>> {
        match self.waiting.remove(&reply.id) {
            Some(waiter) => Ok((waiter, reply)),
            None => Err(UnexpectedReply(reply)),
        }
    }

    /// Forgets the request `id` (e.g. after a time-out) and returns its waiter.
    pub fn cancel(&mut self, id: impl Into<FrameId>) -> Option<W> {
        self.waiting.remove(&id.into())
    }

    /// How many requests wait for a reply.
    pub fn in_flight(&self) -> usize {
        self.waiting.len()
    }

    /// The ids of the requests waiting for a reply, in no particular order.
    pub fn waiting_ids(&self) -> impl Iterator<Item = FrameId> + '_ {
        self.waiting.keys().copied()
    }
}
