//! A run-time policy that narrows a channel, never widens it.
//!
//! Airflow's design discussion foresees per-process access settings such as
//! `[callbacks] allowed_channels = read,logging`. A [`ChannelPolicy`] is parsed from such a
//! string: group names (`read`, `write`, `logging`, `task_lifecycle`, `task_metadata`,
//! `orchestration`, `hitl`, `trigger_lifecycle`, `dag_parsing`, in snake or kebab case, with or
//! without the `_requests` suffix) and message types (`GetConnection`), separated by commas.
//! It permits what the words name *and the channel carries*; anything else decodes as
//! [`DecodeError::NotPermitted`], naming the policy.
//!
//! A policy cannot widen its channel: a group of which the channel carries nothing, or a type the
//! channel does not carry, is a parse error that names it. Unknown words are errors too.
//!
//! ```
//! use airflow_comms::policy::ChannelPolicy;
//! use airflow_comms::{CallbackToSupervisor, DecodeErrorKind};
//!
//! let policy = ChannelPolicy::<CallbackToSupervisor>::parse("read")?;
//! assert!(policy.decode_json(r#"{"key": "region", "type": "GetVariable"}"#).is_ok());
//!
//! let refused = policy.decode_json(r#"{"value": "hunter2", "type": "MaskSecret"}"#).unwrap_err();
//! assert_eq!(refused.kind(), DecodeErrorKind::NotPermitted);
//! assert_eq!(refused.to_string(), "CallbackToSupervisor does not permit `MaskSecret` messages under the policy `read`");
//!
//! // Callbacks cannot write: naming the group is an error, not a silent no-op.
//! let err = ChannelPolicy::<CallbackToSupervisor>::parse("read,write").unwrap_err();
//! assert_eq!(err.to_string(), "policy `read,write`: the callback channel carries no `write` requests");
//! # Ok::<(), airflow_comms::policy::PolicyError>(())
//! ```

use std::collections::BTreeSet;
use std::fmt;
use std::marker::PhantomData;

use crate::codec::decode::{DecodeError, decode_json, decode_msgpack};
use crate::union::channels::Channel;
use crate::union::groups::GROUPS;

/// A policy narrowing channel `C` at decode time.
pub struct ChannelPolicy<C> {
    spec: String,
    permitted: BTreeSet<&'static str>,
    channel: PhantomData<fn() -> C>,
}

impl<C> Clone for ChannelPolicy<C> {
    fn clone(&self) -> Self {
        Self {
            spec: self.spec.clone(),
            permitted: self.permitted.clone(),
            channel: PhantomData,
        }
    }
}

impl<C> fmt::Debug for ChannelPolicy<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChannelPolicy")
            .field("spec", &self.spec)
            .field("permitted", &self.permitted)
            .finish()
    }
}

/// Why a policy string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("policy `{spec}`: {problem}")]
pub struct PolicyError {
    /// The policy as given.
    pub spec: String,
    /// What is wrong with it.
    pub problem: PolicyProblem,
}

/// What is wrong with a policy string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyProblem {
    /// The policy names nothing.
    #[error("it names no group or message type")]
    Empty,
    /// A word is neither a group nor a message type.
    #[error("`{0}` is neither a group ({groups}) nor a message type", groups = group_words().join(", "))]
    UnknownWord(String),
    /// A group of which the channel carries nothing.
    #[error("the {channel} channel carries no `{word}` requests")]
    GroupNotCarried {
        /// The channel's short name.
        channel: &'static str,
        /// The group word as given.
        word: String,
    },
    /// A message type the channel does not carry.
    #[error("the {channel} channel does not carry `{type_tag}` messages")]
    TypeNotCarried {
        /// The channel's short name.
        channel: &'static str,
        /// The message type.
        type_tag: String,
    },
}

/// The policy words of the groups, in snake case: `read`, `task_lifecycle`, `hitl`, ...
pub fn group_words() -> Vec<String> {
    GROUPS
        .iter()
        .map(|(name, _)| {
            let short = name.strip_suffix("Requests").unwrap_or(name);
            let mut word = String::new();
            let chars: Vec<char> = short.chars().collect();
            for (i, &c) in chars.iter().enumerate() {
                // A capital starts a word unless it continues an acronym (HITL).
                let starts_word = c.is_uppercase()
                    && i > 0
                    && !(chars[i - 1].is_uppercase()
                        && chars.get(i + 1).is_none_or(|n| n.is_uppercase()));
                if starts_word {
                    word.push('_');
                }
                word.push(c.to_ascii_lowercase());
            }
            word
        })
        .collect()
}

/// The group a policy word names: `read`, `task-lifecycle`, `read_requests`, `ReadRequests`.
fn group_named(word: &str) -> Option<&'static [&'static str]> {
    let wanted: String = word
        .chars()
        .filter(|c| *c != '_' && *c != '-')
        .collect::<String>()
        .to_ascii_lowercase();
    GROUPS.iter().find_map(|(name, types)| {
        let full = name.to_ascii_lowercase();
        let short = full.strip_suffix("requests").unwrap_or(&full);
        (wanted == full || wanted == short).then_some(*types)
    })
}

impl<C: Channel> ChannelPolicy<C> {
    /// Parses a comma-separated list of groups and message types.
    pub fn parse(spec: &str) -> Result<Self, PolicyError> {
        let error = |problem| PolicyError {
            spec: spec.to_owned(),
            problem,
        };
        let mut permitted = BTreeSet::new();
        for word in spec.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            if let Some(types) = group_named(word) {
                let carried: Vec<&'static str> =
                    types.iter().copied().filter(|t| C::permits(t)).collect();
                if carried.is_empty() {
                    return Err(error(PolicyProblem::GroupNotCarried {
                        channel: C::SHORT_NAME,
                        word: word.to_owned(),
                    }));
                }
                permitted.extend(carried);
            } else if let Some(type_tag) = C::TYPES.iter().find(|t| **t == word) {
                permitted.insert(*type_tag);
            } else if crate::union::channels::is_airflow_message_type(word) {
                return Err(error(PolicyProblem::TypeNotCarried {
                    channel: C::SHORT_NAME,
                    type_tag: word.to_owned(),
                }));
            } else {
                return Err(error(PolicyProblem::UnknownWord(word.to_owned())));
            }
        }
        if permitted.is_empty() {
            return Err(error(PolicyProblem::Empty));
        }
        Ok(Self {
            spec: spec.to_owned(),
            permitted,
            channel: PhantomData,
        })
    }

    /// The policy as given.
    pub fn spec(&self) -> &str {
        &self.spec
    }

    /// Whether the policy permits messages of type `type_tag`.
    pub fn permits(&self, type_tag: &str) -> bool {
        self.permitted.contains(type_tag)
    }

    /// The permitted type tags, sorted.
    pub fn permitted_types(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.permitted.iter().copied()
    }

    /// Refuses a decoded message the policy does not permit.
    pub fn check(&self, message: C) -> Result<C, DecodeError> {
        let type_tag = message.type_tag();
        if self.permits(type_tag) {
            Ok(message)
        } else {
            Err(DecodeError::NotPermitted {
                channel: C::NAME,
                type_tag: type_tag.to_owned(),
                policy: Some(self.spec.clone()),
            })
        }
    }

    /// Decodes a JSON message with the channel, then applies the policy.
    pub fn decode_json(&self, text: &str) -> Result<C, DecodeError> {
        decode_json::<C>(text).and_then(|message| self.check(message))
    }

    /// Decodes a msgpack body with the channel, then applies the policy.
    pub fn decode_msgpack(&self, body: &[u8]) -> Result<C, DecodeError> {
        decode_msgpack::<C>(body).and_then(|message| self.check(message))
    }
}
