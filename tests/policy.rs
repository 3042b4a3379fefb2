//! `ChannelPolicy`: narrows a channel at decode time, never widens it, and refuses unknown words.

use airflow_comms::policy::{ChannelPolicy, PolicyProblem, group_words};
use airflow_comms::*;

#[test]
fn group_words_in_snake_and_kebab_case() {
    assert_eq!(
        group_words(),
        [
            "read",
            "write",
            "logging",
            "task_lifecycle",
            "task_metadata",
            "orchestration",
            "hitl",
            "trigger_lifecycle",
            "dag_parsing",
        ]
    );
    for spec in [
        "read,logging",
        "read, logging",
        "read-requests,LOGGING",
        "ReadRequests,logging_requests",
    ] {
        let policy = ChannelPolicy::<CallbackToSupervisor>::parse(spec).unwrap();
        assert_eq!(
            policy.permitted_types().collect::<Vec<_>>(),
            [
                "GetConnection",
                "GetVariable",
                "GetVariableKeys",
                "MaskSecret"
            ],
            "{spec}"
        );
    }
    let lifecycle = ChannelPolicy::<TaskToSupervisor>::parse("task-lifecycle").unwrap();
    assert!(lifecycle.permits("SucceedTask") && !lifecycle.permits("GetConnection"));
}

#[test]
fn explicit_types_and_groups_mix() {
    let policy =
        ChannelPolicy::<TriggerToSupervisor>::parse("trigger_lifecycle, GetConnection").unwrap();
    assert_eq!(
        policy.permitted_types().collect::<Vec<_>>(),
        ["GetConnection", "TriggerStateChanges"]
    );
    let refused = policy
        .decode_json(r#"{"key": "k", "type": "GetVariable"}"#)
        .unwrap_err();
    assert!(
        matches!(&refused, DecodeError::NotPermitted { policy: Some(p), .. } if p == "trigger_lifecycle, GetConnection")
    );
    // What the channel itself refuses is refused as before, without blaming the policy.
    let channel_refusal = policy
        .decode_json(r#"{"state": "failed", "type": "TaskState"}"#)
        .unwrap_err();
    assert!(matches!(
        channel_refusal,
        DecodeError::NotPermitted { policy: None, .. }
    ));
}

#[test]
fn a_policy_cannot_widen_its_channel() {
    let err = ChannelPolicy::<CallbackToSupervisor>::parse("read,task_lifecycle").unwrap_err();
    assert_eq!(
        err.problem,
        PolicyProblem::GroupNotCarried {
            channel: "callback",
            word: "task_lifecycle".into()
        }
    );
    let err = ChannelPolicy::<CallbackToSupervisor>::parse("GetConnection,SetXCom").unwrap_err();
    assert_eq!(
        err.problem,
        PolicyProblem::TypeNotCarried {
            channel: "callback",
            type_tag: "SetXCom".into()
        }
    );
    assert!(
        err.to_string()
            .contains("the callback channel does not carry `SetXCom` messages")
    );
}

#[test]
fn unknown_and_empty_words_are_errors() {
    let err = ChannelPolicy::<TaskToSupervisor>::parse("read,reads").unwrap_err();
    assert_eq!(err.problem, PolicyProblem::UnknownWord("reads".into()));
    assert!(
        err.to_string()
            .contains("neither a group (read, write, logging,"),
        "{err}"
    );
    assert_eq!(
        ChannelPolicy::<TaskToSupervisor>::parse(" , ")
            .unwrap_err()
            .problem,
        PolicyProblem::Empty
    );
    // Type tags are exact.
    assert!(ChannelPolicy::<TaskToSupervisor>::parse("getconnection").is_err());
}

#[test]
fn msgpack_bodies_are_narrowed_too() {
    let policy = ChannelPolicy::<TaskToSupervisor>::parse("read").unwrap();
    let mut frame = Vec::new();
    frame::encode_request(
        &frame::RequestFrame::<TaskToSupervisor>::new(
            0,
            MaskSecret {
                value: JsonValue::null(),
                name: None,
            },
        ),
        &mut frame,
    )
    .unwrap();
    let raw = &frame[4..];
    // The body is the second element of the frame array: skip the array header and the id.
    let body = &raw[2..raw.len() - 1];
    assert_eq!(
        policy.decode_msgpack(body).unwrap_err().kind(),
        DecodeErrorKind::NotPermitted
    );
}
