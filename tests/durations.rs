//! Durations read exactly as the real SDK reads them.
//!
//! `tests/corpus/durations.json` (written by `tools/conformance/duration_facts.py` from the pinned
//! pydantic) holds about 3,100 inputs near the parser's limits and pydantic's verdict on each, on
//! the frame path (`validate_python`) and the JSON path (`validate_json`). The crate must give
//! the same duration or refuse where pydantic refuses. The one deliberate difference: spellings
//! other than ISO 8601 (`"01:00:00"`, `"1 day"`), which the SDK never writes, are refused
//! (README, `duration-clock-string`).

use airflow_comms::TimeDelta;
use serde::Deserialize;

mod common;

#[derive(Deserialize)]
struct Facts {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    input: serde_json::Value,
    python: Option<String>,
    json: Option<String>,
}

/// Whether `input` is a string in the ISO 8601 form (`[sign]P...`) the crate reads.
fn iso_spelling(input: &serde_json::Value) -> bool {
    input.as_str().is_some_and(|text| {
        text.strip_prefix(['-', '+'])
            .unwrap_or(text)
            .starts_with('P')
    })
}

#[test]
fn durations_match_pydantic_on_both_paths() {
    let facts: Facts = serde_json::from_str(&common::read_text("tests/corpus/durations.json"))
        .expect("durations.json holds the facts");
    assert!(facts.cases.len() > 3000, "the facts file is cut short");
    let (mut checked, mut deliberate, mut wrong) = (0, 0, Vec::new());
    for case in &facts.cases {
        let json_text = serde_json::to_string(&case.input).unwrap();
        let packed = rmp_serde::to_vec(&case.input).unwrap();
        let paths = [
            (
                "json",
                &case.json,
                serde_json::from_str::<TimeDelta>(&json_text).ok(),
            ),
            (
                "frame",
                &case.python,
                rmp_serde::from_slice::<TimeDelta>(&packed).ok(),
            ),
        ];
        for (path, expected, got) in paths {
            let got = got.map(|delta| delta.as_micros().to_string());
            checked += 1;
            if got == *expected {
                continue;
            }
            if got.is_none() && case.input.is_string() && !iso_spelling(&case.input) {
                deliberate += 1;
                continue;
            }
            wrong.push(format!(
                "{path} {json_text}: pydantic {expected:?}, crate {got:?}"
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {checked} verdicts differ from pydantic:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    // The deliberate refusals are the few non-ISO spellings among the edge cases.
    assert!(deliberate <= 8, "{deliberate} non-ISO spellings refused");
}
