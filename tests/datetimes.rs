//! Date-times at the ends of Python's range read exactly as the real SDK reads them.
//!
//! `tests/corpus/datetimes.json` (written by `tools/conformance/datetime_facts.py` from the pinned
//! packages) holds date-times in the years 1 and 9999 with and without UTC offsets, and msgpack
//! timestamps around the first and last instants Python holds, with pydantic's verdict for each
//! of the three date-time types: `AwareDatetime` ([`AwareDateTime`]), a plain `datetime`
//! ([`NaiveOrAwareDateTime`]) and core's `UtcDateTime` ([`UtcDateTime`]), which refuses a
//! date-time that leaves the years 1 to 9999 once converted to UTC. The crate must write the
//! same value or refuse where the SDK refuses, on the JSON path and on the frame path.
//!
//! The same file holds pydantic's verdicts on date-time text spelled many ways, valid and not
//! (separators, case, fractions, offsets, out-of-range fields, stray characters): the crate reads
//! date-time text with speedate, pydantic's own parser, and must draw the same line.

use airflow_comms::{AwareDateTime, NaiveOrAwareDateTime, UtcDateTime};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The date-time in `text` as JSON text and as a msgpack string, read as `T` and written back as
/// JSON (`None` where refused).
fn read<T: DeserializeOwned + Serialize>(json: &str, packed: &[u8]) -> [Option<Value>; 2] {
    let written = |value: T| serde_json::to_value(value).unwrap();
    [
        serde_json::from_str::<T>(json).ok().map(written),
        rmp_serde::from_slice::<T>(packed).ok().map(written),
    ]
}

/// A msgpack timestamp read as `T` and written back as JSON (`None` where refused).
fn from_ext<T: DeserializeOwned + Serialize>(packed: &[u8]) -> Option<Value> {
    rmp_serde::from_slice::<T>(packed)
        .ok()
        .map(|value| serde_json::to_value(value).unwrap())
}

mod common;
use common::unhex;

#[test]
fn date_times_at_the_ends_of_the_range_match_the_sdk() {
    let facts = common::read_json("tests/corpus/datetimes.json");
    let cases = facts["cases"].as_array().unwrap();
    assert!(cases.len() > 400, "the facts file is cut short");
    let spellings = facts["spellings"].as_array().unwrap();
    assert!(spellings.len() > 50, "the facts file is cut short");
    let (mut checked, mut refused_utc, mut wrong) = (0, 0, Vec::new());
    let (mut spelled_accepted, mut spelled_refused) = (0, 0);
    for (n, case) in cases.iter().chain(spellings).enumerate() {
        let spelling = n >= cases.len();
        let text = case["input"].as_str().unwrap();
        let json = serde_json::to_string(text).unwrap();
        let packed = rmp_serde::to_vec(text).unwrap();
        let got = [
            ("aware", read::<AwareDateTime>(&json, &packed)),
            ("plain", read::<NaiveOrAwareDateTime>(&json, &packed)),
            ("utc", read::<UtcDateTime>(&json, &packed)),
        ];
        for (kind, [from_json, from_frame]) in got {
            for (path, got) in [("json", from_json), ("python", from_frame)] {
                let expected = &case[kind][path];
                let expected = (!expected.is_null()).then(|| expected.clone());
                checked += 1;
                refused_utc +=
                    usize::from(!spelling && kind == "utc" && path == "json" && expected.is_none());
                if spelling && kind == "plain" && path == "json" {
                    match expected {
                        Some(_) => spelled_accepted += 1,
                        None => spelled_refused += 1,
                    }
                }
                if got != expected {
                    wrong.push(format!(
                        "{kind} {path} {text}: SDK {expected:?}, crate {got:?}"
                    ));
                }
            }
        }
    }
    for case in facts["timestamps"].as_array().unwrap() {
        let packed = unhex(case["msgpack"].as_str().unwrap());
        let got = [
            ("aware", from_ext::<AwareDateTime>(&packed)),
            ("plain", from_ext::<NaiveOrAwareDateTime>(&packed)),
            ("utc", from_ext::<UtcDateTime>(&packed)),
        ];
        for (kind, got) in got {
            let expected = (!case[kind].is_null()).then(|| case[kind].clone());
            checked += 1;
            if got != expected {
                wrong.push(format!("{kind} timestamp {case}: crate {got:?}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {checked} verdicts differ from the SDK:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    // The facts hold UtcDateTime refusals from the conversion, not only malformed input.
    assert!(refused_utc > 40, "{refused_utc}");
    // The spellings hold both verdicts in numbers.
    assert!(
        spelled_accepted > 10 && spelled_refused > 30,
        "{spelled_accepted} accepted, {spelled_refused} refused"
    );
}

#[test]
fn a_utc_date_time_outside_the_python_years_is_a_clear_error() {
    let err = serde_json::from_str::<UtcDateTime>(r#""0001-01-01T00:30:00+01:00""#).unwrap_err();
    assert!(err.to_string().contains("years 1 to 9999"), "{err}");
    let err = "9999-12-31T23:30:00-01:00"
        .parse::<UtcDateTime>()
        .unwrap_err();
    assert!(err.to_string().contains("converted to UTC"), "{err}");
}
