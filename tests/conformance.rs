//! Conformance with the real Python SDK, on the corpus in `tests/corpus/` that
//! `tools/conformance/generate_corpus.py` wrote by running apache-airflow-task-sdk 1.3.2 and
//! apache-airflow-core 3.3.2 (`.ci/run` regenerates it and fails when it drifts).
//!
//! For every case of every channel:
//! - what pydantic accepts in canonical form (or with defaults omitted) Rust accepts, and writes
//!   back exactly what `model_dump(mode="json", by_alias=True)` wrote;
//! - what pydantic rejects Rust rejects, with the same error kind;
//! - what pydantic accepts only through lax coercion Rust may refuse, but every such refusal is
//!   listed, by coercion, in README.md.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use airflow_comms::{ChannelName, DecodeErrorKind, Limits};
use serde_json::Value;

mod common;
use common::same_json;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

#[derive(Debug)]
struct Case {
    case: String,
    input: String,
    verdict: String,
    form: Option<String>,
    expected: Option<Value>,
    kind: Option<String>,
    coercion: Option<String>,
}

fn load(channel: ChannelName) -> Vec<Case> {
    common::read_jsonl(corpus_dir().join(format!("{}.jsonl", channel.short_name())))
        .into_iter()
        .map(|v| {
            let text = |key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
            Case {
                case: text("case").expect("case id"),
                input: text("input").expect("input text"),
                verdict: text("verdict").expect("verdict"),
                form: text("form"),
                expected: v.get("expected").cloned(),
                kind: text("kind"),
                coercion: text("coercion"),
            }
        })
        .collect()
}

#[derive(Default)]
struct Tally {
    accepted: usize,
    rejected_same_kind: usize,
    lax_accepted: usize,
    lax_refused: BTreeMap<String, Vec<String>>,
    failures: Vec<String>,
}

fn check_channel(channel: ChannelName, tally: &mut Tally) -> usize {
    let cases = load(channel);
    for case in &cases {
        let got = channel
            .canonicalize_json(&case.input)
            .map(|text| serde_json::from_str::<Value>(&text).expect("canonical output is JSON"));
        let label = format!("{channel} {}", case.case);
        match (case.verdict.as_str(), case.form.as_deref(), got) {
            ("accept", Some("lax"), Ok(value)) => {
                match same_json(case.expected.as_ref().expect("expected"), &value, "$") {
                    Ok(()) => tally.lax_accepted += 1,
                    Err(diff) => tally
                        .failures
                        .push(format!("{label}: lax accept differs: {diff}")),
                }
            }
            ("accept", Some("lax"), Err(err)) => {
                let coercion = case.coercion.clone().unwrap_or_else(|| "unlabelled".into());
                tally
                    .lax_refused
                    .entry(coercion)
                    .or_default()
                    .push(format!("{label}: {err}"));
            }
            ("accept", _, Ok(value)) => {
                match same_json(case.expected.as_ref().expect("expected"), &value, "$") {
                    Ok(()) => tally.accepted += 1,
                    Err(diff) => tally
                        .failures
                        .push(format!("{label}: output differs: {diff}")),
                }
            }
            ("accept", _, Err(err)) => {
                tally
                    .failures
                    .push(format!("{label}: pydantic accepts, Rust refuses: {err}"));
            }
            ("reject", _, Ok(value)) => {
                tally
                    .failures
                    .push(format!("{label}: pydantic rejects, Rust accepts: {value}"));
            }
            ("reject", _, Err(err)) => {
                let want = DecodeErrorKind::from_str(case.kind.as_deref().expect("kind"))
                    .expect("a known error kind");
                if err.kind() == want {
                    tally.rejected_same_kind += 1;
                } else {
                    tally.failures.push(format!(
                        "{label}: expected {want}, got {}: {err}",
                        err.kind()
                    ));
                }
            }
            (verdict, _, _) => panic!("{label}: unknown verdict {verdict}"),
        }
    }
    cases.len()
}

#[test]
fn every_channel_matches_the_python_sdk() {
    let mut tally = Tally::default();
    let mut sizes = Vec::new();
    for &channel in ChannelName::ALL {
        sizes.push((channel, check_channel(channel, &mut tally)));
    }
    for (channel, n) in &sizes {
        eprintln!("{channel}: {n} cases");
    }
    eprintln!(
        "canonical accepts matched: {}, rejects mirrored: {}, lax accepted: {}, lax refused: {}",
        tally.accepted,
        tally.rejected_same_kind,
        tally.lax_accepted,
        tally.lax_refused.values().map(Vec::len).sum::<usize>()
    );
    assert!(
        tally.failures.is_empty(),
        "{} conformance failures:\n{}",
        tally.failures.len(),
        tally.failures.join("\n")
    );

    // Every lax coercion Rust refuses must be documented.
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let undocumented: Vec<_> = tally
        .lax_refused
        .iter()
        .filter(|(coercion, _)| !readme.contains(&format!("`{coercion}`")))
        .map(|(coercion, cases)| format!("{coercion} ({} cases, e.g. {})", cases.len(), cases[0]))
        .collect();
    assert!(
        undocumented.is_empty(),
        "lax coercions Rust refuses that README.md does not list:\n{}",
        undocumented.join("\n")
    );
}

#[test]
fn channels_permit_exactly_the_python_unions() {
    let unions = common::read_json(corpus_dir().join("unions.json"));
    let python = unions["channels"].as_object().expect("channels");
    assert_eq!(python.len(), ChannelName::ALL.len(), "channel count");
    for &channel in ChannelName::ALL {
        let want: BTreeSet<&str> = python[channel.short_name()]
            .as_array()
            .unwrap_or_else(|| panic!("no union for {channel} in unions.json"))
            .iter()
            .map(|t| t.as_str().expect("a tag"))
            .collect();
        let have: BTreeSet<&str> = channel.permitted_types().iter().copied().collect();
        assert_eq!(
            have.len(),
            channel.permitted_types().len(),
            "{channel} lists a type twice"
        );
        assert_eq!(
            have,
            want,
            "{channel} differs from Airflow's {}",
            channel.airflow_union()
        );
    }
}

/// Truncated and corrupted versions of every corpus input decode to a value or a typed error:
/// never a panic. (The fuzzing issue goes much further; this keeps the basics in `cargo test`.)
#[test]
fn truncated_and_corrupted_inputs_never_panic() {
    let mut decoded = 0usize;
    for &channel in ChannelName::ALL {
        for case in load(channel) {
            let bytes = case.input.as_bytes();
            let cuts = (1..16).map(|i| bytes.len() * i / 16);
            for cut in cuts {
                if let Ok(prefix) = std::str::from_utf8(&bytes[..cut]) {
                    let _ = channel.canonicalize_json(prefix);
                    decoded += 1;
                }
            }
            for (i, replacement) in [b'"', b'{', b']', b'0', b'\\', b'n']
                .into_iter()
                .enumerate()
            {
                let mut corrupted = bytes.to_vec();
                let at = (bytes.len() * (2 * i + 1)) / 12;
                if at < corrupted.len() {
                    corrupted[at] = replacement;
                }
                if let Ok(text) = std::str::from_utf8(&corrupted) {
                    let _ = channel.canonicalize_json(text);
                    decoded += 1;
                }
            }
        }
    }
    assert!(decoded > 100_000, "only {decoded} variants decoded");
}

/// Lax mode (`Limits::LAX`): every case pydantic accepts (canonical, with defaults omitted, or
/// through a lax coercion) decodes to pydantic's exact output, and every case pydantic rejects
/// is rejected with the same error kind. Counted per coercion class.
#[test]
fn lax_mode_matches_pydantic_on_every_case() {
    let mut per_class: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    let (mut accepted, mut rejected) = (0, 0);
    for &channel in ChannelName::ALL {
        for case in load(channel) {
            let got = channel
                .canonicalize_json_within(&Limits::LAX, &case.input)
                .map(|text| {
                    serde_json::from_str::<Value>(&text).expect("canonical output is JSON")
                });
            let label = format!("{channel} {}", case.case);
            match (case.verdict.as_str(), got) {
                ("accept", Ok(value)) => {
                    match same_json(case.expected.as_ref().expect("expected"), &value, "$") {
                        Ok(()) => {
                            accepted += 1;
                            let class = match case.form.as_deref() {
                                Some("lax") => case.coercion.clone().expect("a coercion label"),
                                form => form.unwrap_or("canonical").to_owned(),
                            };
                            *per_class.entry(class).or_default() += 1;
                        }
                        Err(diff) => failures.push(format!("{label}: output differs: {diff}")),
                    }
                }
                ("accept", Err(err)) => failures.push(format!(
                    "{label}: pydantic accepts, lax Rust refuses: {err}"
                )),
                ("reject", Ok(value)) => failures.push(format!(
                    "{label}: pydantic rejects, lax Rust accepts: {value}"
                )),
                ("reject", Err(err)) => {
                    let want = DecodeErrorKind::from_str(case.kind.as_deref().expect("kind"))
                        .expect("a known error kind");
                    if err.kind() == want {
                        rejected += 1;
                    } else {
                        failures.push(format!(
                            "{label}: expected {want}, got {}: {err}",
                            err.kind()
                        ));
                    }
                }
                (verdict, _) => panic!("{label}: unknown verdict {verdict}"),
            }
        }
    }
    eprintln!(
        "lax mode: {accepted} accepts matched, {rejected} rejects mirrored; accepts by class:"
    );
    for (class, n) in &per_class {
        eprintln!("  {class}: {n}");
    }
    assert!(
        failures.is_empty(),
        "{} lax-mode failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The serde path, what a dependent gets from `serde_json::from_str::<TaskToSupervisor>` or with
/// a union inside its own types, reads every strict case as the crate's own decoder does: the
/// same message for what pydantic accepts, a refusal for what it rejects. The same text is also
/// read from a `serde_json::Value` and from a reader (deserializers that lend no borrowed
/// strings), and with a map whose `"type"` key comes first.
#[test]
fn the_serde_path_reads_every_case_as_the_decoder_does() {
    struct Check<'a> {
        cases: &'a [Case],
        failures: &'a mut Vec<String>,
        channel: ChannelName,
    }
    impl Check<'_> {
        fn run<U: airflow_comms::Union>(self) -> usize {
            let mut checked = 0;
            for case in self
                .cases
                .iter()
                .filter(|case| case.form.as_deref() != Some("lax"))
            {
                let label = format!("{} {}", self.channel, case.case);
                let decoded = airflow_comms::decode_json::<U>(&case.input);
                // The same entries, as written, with the `"type"` entry moved to the front.
                let tag_first = serde_json::from_str::<
                    indexmap::IndexMap<String, Box<serde_json::value::RawValue>>,
                >(&case.input)
                .ok()
                .and_then(|mut map| {
                    let tag = map.shift_remove("type")?;
                    let rest = map.iter().map(|(key, value)| {
                        format!(
                            "{}:{}",
                            serde_json::to_string(key).expect("a key"),
                            value.get()
                        )
                    });
                    let entries: Vec<String> = std::iter::once(format!("\"type\":{}", tag.get()))
                        .chain(rest)
                        .collect();
                    Some(format!("{{{}}}", entries.join(",")))
                });
                let mut ways: Vec<(&str, Result<U, String>)> = vec![
                    (
                        "from_str",
                        serde_json::from_str::<U>(&case.input).map_err(|e| e.to_string()),
                    ),
                    (
                        "from_reader",
                        serde_json::from_reader::<_, U>(case.input.as_bytes())
                            .map_err(|e| e.to_string()),
                    ),
                ];
                if let Ok(value) = serde_json::from_str::<Value>(&case.input) {
                    ways.push((
                        "from_value",
                        serde_json::from_value::<U>(value).map_err(|e| e.to_string()),
                    ));
                }
                if let Some(text) = &tag_first {
                    ways.push((
                        "tag first",
                        serde_json::from_str::<U>(text).map_err(|e| e.to_string()),
                    ));
                }
                for (way, got) in ways {
                    match (case.verdict.as_str(), &decoded, got) {
                        ("accept", Ok(want), Ok(got)) if way != "from_value" && &got != want => {
                            self.failures
                                .push(format!("{label} ({way}): {got:?} != {want:?}"));
                        }
                        // Equal; or from a `serde_json::Value`, which keeps numbers as it parsed
                        // them, accepted, which is what is compared there.
                        ("accept", Ok(_), Ok(_)) => {}
                        ("accept", _, Err(err)) => self
                            .failures
                            .push(format!("{label} ({way}): refused: {err}")),
                        ("reject", Err(_), Ok(got)) if way != "from_value" => self.failures.push(
                            format!("{label} ({way}): pydantic rejects, serde accepts {got:?}"),
                        ),
                        _ => {}
                    }
                }
                checked += 1;
            }
            checked
        }
    }
    impl airflow_comms::channels::ChannelVisitor for Check<'_> {
        type Output = usize;
        fn requests<C: airflow_comms::channels::RequestChannel + serde::Serialize + Clone>(
            self,
        ) -> usize {
            self.run::<C>()
        }
        fn replies<U: airflow_comms::channels::Channel + serde::Serialize + Clone>(self) -> usize {
            self.run::<U>()
        }
    }
    let mut failures = Vec::new();
    let mut checked = 0;
    for &channel in ChannelName::ALL {
        let cases = load(channel);
        checked += channel.visit(Check {
            cases: &cases,
            failures: &mut failures,
            channel,
        });
    }
    eprintln!("serde path: {checked} strict cases read four ways");
    assert!(checked > 0, "the corpus has strict cases");
    assert!(
        failures.is_empty(),
        "{} serde-path differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
