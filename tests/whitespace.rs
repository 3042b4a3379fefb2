//! JSON bodies decode to the same message however they are spaced. The decoder skips compacting
//! `JsonValue` fields when its tag scan saw no whitespace between tokens; this checks that
//! shortcut never keeps whitespace it should have removed (the SDK writes compact text, so the
//! corpus inputs are the compact form, and every respaced form must decode equal to them).

use std::path::Path;

use airflow_comms::Union;
use airflow_comms::*;
use serde_json::Value;

/// The inputs of a corpus file of messages (JSON Lines written by the real SDK) that pydantic
/// accepts in their strict form (the lax coercions the crate declines are left out).
fn accepted_inputs(file: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(file);
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .filter(|case| case["verdict"] == "accept" && case["form"] != "lax")
        .map(|case| case["input"].as_str().unwrap().to_owned())
        .collect()
}

/// `text` with `gap` put after every `{`, `[`, `,` and `:` and before every `}` and `]` outside
/// strings, at nesting depth `from_depth` and deeper (1: the body's own fields).
fn respaced(text: &str, gap: &str, from_depth: usize) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    let (mut in_string, mut escaped, mut depth) = (false, false, 0);
    for c in text.chars() {
        if in_string {
            out.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                depth += 1;
                out.push(c);
                if depth >= from_depth {
                    out.push_str(gap);
                }
            }
            '}' | ']' => {
                if depth >= from_depth {
                    out.push_str(gap);
                }
                depth -= 1;
                out.push(c);
            }
            ',' | ':' => {
                out.push(c);
                if depth >= from_depth {
                    out.push_str(gap);
                }
            }
            _ => out.push(c),
        }
    }
    out
}

fn check<U: Union + PartialEq + std::fmt::Debug>(file: &str) -> usize {
    let inputs = accepted_inputs(file);
    assert!(!inputs.is_empty(), "{file}");
    let mut checked = 0;
    for input in &inputs {
        let compact = decode_json::<U>(input).unwrap_or_else(|err| panic!("{input}: {err}"));
        // Spaced everywhere, and only inside field values (depth 2 and deeper), where the
        // `JsonValue` fields are.
        for (gap, from_depth) in [(" ", 1), ("\n\t ", 1), (" ", 2), ("\r\n", 3)] {
            let spaced = respaced(input, gap, from_depth);
            let decoded = decode_json::<U>(&spaced).unwrap_or_else(|err| panic!("{spaced}: {err}"));
            assert_eq!(decoded, compact, "{spaced}");
            checked += 1;
        }
        // And back: compact input decoded right after spaced input (the flag is per decode).
        assert_eq!(decode_json::<U>(input).unwrap(), compact, "{input}");
    }
    checked
}

#[test]
fn spacing_never_changes_a_decoded_message() {
    let checked = check::<TaskToSupervisor>("task.jsonl")
        + check::<CallbackToSupervisor>("callback.jsonl")
        + check::<TriggerToSupervisor>("trigger.jsonl")
        + check::<DagProcessorToManager>("dag-processor.jsonl");
    assert!(checked > 1_000, "{checked}");
}

#[test]
fn respacing_inserts_gaps_only_outside_strings() {
    assert_eq!(
        respaced(r#"{"a":[1,{"b":"x, y: [z]"}],"c":"\"{"}"#, " ", 2),
        r#"{"a":[ 1, { "b": "x, y: [z]" } ],"c":"\"{"}"#
    );
}
