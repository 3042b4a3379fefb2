//! Structural facts about groups and channels that do not need the corpus.

use std::collections::BTreeSet;

use airflow_comms::__private::CHANNELS;
use airflow_comms::*;
use airflow_comms::{__private::GROUPS, groups::group_of};

fn set(types: &[&'static str]) -> BTreeSet<&'static str> {
    types.iter().copied().collect()
}

#[test]
fn every_request_is_in_exactly_one_group() {
    let mut seen = BTreeSet::new();
    for (group, types) in GROUPS {
        for t in *types {
            assert!(seen.insert(*t), "{t} is in {group} and in another group");
        }
    }
    for channel in [
        ChannelName::TaskToSupervisor,
        ChannelName::CallbackToSupervisor,
        ChannelName::TriggerToSupervisor,
        ChannelName::DagProcessorToManager,
    ] {
        for t in channel.permitted_types() {
            assert!(group_of(t).is_some(), "{t} ({channel}) is in no group");
        }
    }
}

#[test]
fn the_task_channel_is_the_seven_task_groups() {
    let groups: BTreeSet<_> = [
        ReadRequests::TYPES,
        WriteRequests::TYPES,
        LoggingRequests::TYPES,
        TaskLifecycleRequests::TYPES,
        TaskMetadataRequests::TYPES,
        OrchestrationRequests::TYPES,
        HITLRequests::TYPES,
    ]
    .into_iter()
    .flatten()
    .copied()
    .collect();
    assert_eq!(groups, set(TaskToSupervisor::TYPES));
    assert_eq!(TaskToSupervisor::TYPES.len(), 55);
    assert_eq!(ReadRequests::TYPES.len(), 26);
    assert_eq!(WriteRequests::TYPES.len(), 13);
}

#[test]
fn type_constants_equal_the_serialized_tag() {
    let message = TaskToSupervisor::from(TaskState {
        state: TaskStateOutcome::Failed,
        end_date: None,
        rendered_map_index: None,
    });
    let json = serde_json::to_value(&message).unwrap();
    assert_eq!(json["type"], TaskState::TYPE);
    assert_eq!(message.type_tag(), "TaskState");
    // TaskState writes its tag before its last field, as the Python model declares it.
    assert_eq!(
        serde_json::to_string(&message).unwrap(),
        r#"{"state":"failed","end_date":null,"type":"TaskState","rendered_map_index":null}"#
    );
}

#[test]
fn conversions_follow_permissions() {
    let get = GetConnection {
        conn_id: "db".into(),
    };
    let read = ReadRequests::from(get.clone());
    let task: TaskToSupervisor = read.clone().into();
    assert_eq!(task, TaskToSupervisor::GetConnection(get.clone()));
    assert_eq!(
        CallbackToSupervisor::from(get.clone()).type_tag(),
        "GetConnection"
    );
    let trigger: TriggerToSupervisor = TriggerLifecycleRequests::from(TriggerStateChanges {
        events: None,
        failures: None,
        finished: Some(vec![1, 2]),
    })
    .into();
    assert_eq!(trigger.type_tag(), "TriggerStateChanges");
}

#[test]
fn channel_names_parse_both_spellings() {
    for &channel in ChannelName::ALL {
        assert_eq!(channel.short_name().parse::<ChannelName>(), Ok(channel));
        assert_eq!(channel.type_name().parse::<ChannelName>(), Ok(channel));
    }
    let err = "callbacks".parse::<ChannelName>().unwrap_err();
    assert!(
        err.to_string()
            .contains("task, callback, trigger, dag-processor"),
        "{err}"
    );
    assert_eq!(CHANNELS.len(), ChannelName::ALL.len());
}

#[test]
fn error_kinds_and_messages_name_what_was_wrong() {
    let cases: &[(&str, DecodeErrorKind, &str)] = &[
        ("{", DecodeErrorKind::Malformed, "EOF while parsing"),
        (
            "[]",
            DecodeErrorKind::Malformed,
            "expected a JSON object, found an array",
        ),
        (
            r#"{"conn_id": "x"}"#,
            DecodeErrorKind::UnknownType,
            "no \"type\" key",
        ),
        (
            r#"{"type": 5}"#,
            DecodeErrorKind::UnknownType,
            "not a string: 5",
        ),
        (
            r#"{"type": "Nope"}"#,
            DecodeErrorKind::UnknownType,
            "`Nope` is not an Airflow message type",
        ),
        (
            r#"{"type": "SetXCom"}"#,
            DecodeErrorKind::NotPermitted,
            "CallbackToSupervisor does not permit `SetXCom`",
        ),
        (
            r#"{"type": "GetConnection"}"#,
            DecodeErrorKind::Invalid,
            "missing field `conn_id`",
        ),
        (
            r#"{"type": "GetVariableKeys", "limit": "x"}"#,
            DecodeErrorKind::Invalid,
            "at `limit`",
        ),
    ];
    for (input, kind, needle) in cases {
        let err = decode_json::<CallbackToSupervisor>(input).unwrap_err();
        assert_eq!(err.kind(), *kind, "{input}: {err}");
        assert!(err.to_string().contains(needle), "{input}: {err}");
        assert_eq!(err.channel(), "CallbackToSupervisor");
    }
}
