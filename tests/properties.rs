//! Property tests (feature `arbitrary`): arbitrary values of every message of every channel
//! survive the JSON and the frame round trips.
//!
//! proptest drives the generation: it supplies random bytes, and the messages' `Arbitrary` impls
//! (structure-aware, one per model) turn them into values.
#![cfg(feature = "arbitrary")]

use std::collections::BTreeSet;

use airflow_comms::frame::{
    RequestFrame, ResponseFrame, decode_request, decode_response, encode_request, encode_response,
};
use airflow_comms::*;
use arbitrary::{Arbitrary, Unstructured};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde::Serialize;

const CASES_PER_CHANNEL: u32 = 1500;

/// Runs `check` on arbitrary values of `U` and returns the type tags that were covered.
fn run<U>(check: impl Fn(&U) -> Result<(), TestCaseError>) -> BTreeSet<&'static str>
where
    U: Union + for<'a> Arbitrary<'a> + std::fmt::Debug,
{
    let seen = std::cell::RefCell::new(BTreeSet::new());
    let mut runner = TestRunner::new(Config {
        cases: CASES_PER_CHANNEL,
        ..Config::default()
    });
    runner
        .run(&proptest::collection::vec(any::<u8>(), 64..4096), |bytes| {
            let Ok(message) = U::arbitrary(&mut Unstructured::new(&bytes)) else {
                return Ok(()); // not enough bytes for this shape
            };
            seen.borrow_mut().insert(message.type_tag());
            check(&message)
        })
        .unwrap_or_else(|err| panic!("{}: {err}", U::NAME));
    seen.into_inner()
}

/// JSON: decoding what was written gives the value back, exactly.
fn json_round_trip<U: Union + Serialize + PartialEq + std::fmt::Debug>(
    message: &U,
) -> Result<(), TestCaseError> {
    let text = serde_json::to_string(message).unwrap();
    let back =
        decode_json::<U>(&text).map_err(|err| TestCaseError::fail(format!("{err}\n{text}")))?;
    prop_assert_eq!(&back, message);
    Ok(())
}

/// Frames: the wire keeps no UTC offset, so a value comes back with its date-times in UTC; the
/// bytes are what must not change, and decoding is a fixed point from the first round on.
fn request_round_trip<C: Union + Serialize + PartialEq + Clone + std::fmt::Debug>(
    message: &C,
) -> Result<(), TestCaseError> {
    let frame = RequestFrame {
        id: 7.into(),
        body: message.clone(),
        context_carrier: None,
    };
    let mut bytes = Vec::new();
    if let Err(err) = encode_request(&frame, &mut bytes) {
        return Err(TestCaseError::fail(format!(
            "cannot encode {message:?}: {err}"
        )));
    }
    let back =
        decode_request::<C>(&bytes[4..]).map_err(|err| TestCaseError::fail(err.to_string()))?;
    prop_assert_eq!(back.id, 7);
    let mut again = Vec::new();
    encode_request(&back, &mut again).unwrap();
    prop_assert_eq!(&again, &bytes);
    prop_assert_eq!(decode_request::<C>(&again[4..]).unwrap().body, back.body);
    Ok(())
}

fn response_round_trip<U: Union + Serialize + PartialEq + Clone + std::fmt::Debug>(
    message: &U,
) -> Result<(), TestCaseError> {
    let frame = ResponseFrame::<U>::reply(3, message.clone());
    let mut bytes = Vec::new();
    if let Err(err) = encode_response(&frame, &mut bytes) {
        return Err(TestCaseError::fail(format!(
            "cannot encode {message:?}: {err}"
        )));
    }
    let back =
        decode_response::<U>(&bytes[4..]).map_err(|err| TestCaseError::fail(err.to_string()))?;
    let mut again = Vec::new();
    encode_response(&back, &mut again).unwrap();
    prop_assert_eq!(&again, &bytes);
    prop_assert_eq!(decode_response::<U>(&again[4..]).unwrap().body, back.body);
    Ok(())
}

fn assert_covers<U: Union>(seen: BTreeSet<&'static str>) {
    let missing: Vec<_> = U::TYPES.iter().filter(|t| !seen.contains(*t)).collect();
    assert!(
        missing.is_empty(),
        "{}: no arbitrary value generated for {missing:?}",
        U::NAME
    );
}

macro_rules! channel_properties {
    ($($test:ident: $channel:ty => $frame_check:ident;)*) => {$(
        #[test]
        fn $test() {
            let seen = run::<$channel>(|message| {
                json_round_trip(message)?;
                $frame_check(message)
            });
            assert_covers::<$channel>(seen);
        }
    )*};
}

channel_properties! {
    task_requests_round_trip: TaskToSupervisor => request_round_trip;
    callback_requests_round_trip: CallbackToSupervisor => request_round_trip;
    trigger_requests_round_trip: TriggerToSupervisor => request_round_trip;
    dag_processor_requests_round_trip: DagProcessorToManager => request_round_trip;
    to_task_replies_round_trip: ToTask => response_round_trip;
    to_trigger_runner_replies_round_trip: ToTriggerRunner => response_round_trip;
    to_dag_processor_replies_round_trip: ToDagProcessor => response_round_trip;
}
