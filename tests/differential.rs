//! Differential testing against the real SDK, on the mutants in `tests/corpus/differential/`
//! that `tools/differential/mutate.py` wrote: canonical corpus messages mutated 1–3 times (dropped
//! fields, wrong types, unknown keys, swapped tags, boundary integers, NaN, odd date-times and
//! UUIDs, deep nesting, duplicate keys, msgpack bin / ext / invalid UTF-8 / every integer width),
//! each judged by pydantic (`validate_json`) or by the SDK's frame readers (msgspec, then
//! `validate_python`).
//!
//! For every mutant:
//! - what pydantic rejects Rust rejects; in JSON with the same error kind, in frames with any
//!   error (kinds are counted: msgspec refuses some frames whole that Rust refuses in the body);
//! - what pydantic accepts in canonical form (or with defaults filled in) Rust accepts, and
//!   writes back exactly pydantic's `model_dump(mode="json", by_alias=True)`;
//! - what pydantic accepts only through a lax coercion Rust may refuse, but only for a coercion
//!   README.md's "Deliberate differences" table lists (at the path Rust names), or for one of the
//!   differences that section documents outside the table (NaN in JSON text, integers beyond
//!   `i64` in typed fields).
//!
//! `AIRFLOW_COMMS_DIFFERENTIAL=DIR` reads the mutants from `DIR` instead (the big run:
//! `tools/differential/run.py`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use airflow_comms::frame::{FrameError, FrameId};
use airflow_comms::{ChannelName, DecodeError, Limits};
use serde_json::Value;

mod common;
use common::{same_json, unhex};

fn mutants_dir() -> PathBuf {
    match std::env::var_os("AIRFLOW_COMMS_DIFFERENTIAL") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/differential"),
    }
}

/// The "Deliberate differences" section of README.md: its table and the list after it.
fn deliberate_differences() -> String {
    let readme = common::read_text("README.md");
    let start = readme
        .find("### Deliberate differences")
        .expect("README.md has a Deliberate differences section");
    let rest = &readme[start..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    rest[..end].to_owned()
}

/// Differences README documents outside the coercion table, each with the words that document
/// it; a mutant marked with one of these (by the generator, from the mutation it applied) may be
/// refused while pydantic accepts it.
/// (A mark may also name a row of the table, such as `msgpack-any-beyond-512`.)
const KNOWN: &[(&str, &str)] = &[
    ("json-nan-infinity", "accepts `NaN` and `Infinity`"),
    ("int-beyond-i64", "are `i64`"),
];

/// Parses JSON without serde_json's 128-level limit: accepted mutants reach pydantic's 200.
fn parse(text: &str) -> Result<Value, serde_json::Error> {
    use serde::Deserialize;
    let mut deserializer = serde_json::Deserializer::from_str(text);
    deserializer.disable_recursion_limit();
    let value = Value::deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(value)
}

/// What Rust made of a mutant.
enum Outcome {
    Accepted {
        value: Value,
        id: Option<FrameId>,
    },
    /// Decoded, but with no JSON form (bytes that are not UTF-8 or an extension value in an
    /// `Any`-typed field), as pydantic's `model_dump(mode="json")` has none for it either.
    NoJsonForm(String),
    Refused(Refusal),
}

struct Refusal {
    /// `malformed`, `unknown_type`, `not_permitted`, `invalid`, or `frame` for a frame refused
    /// as a whole.
    kind: String,
    /// The field path of an `invalid` refusal.
    path: Option<String>,
    message: String,
}

fn refusal(error: &DecodeError) -> Refusal {
    let path = match error {
        DecodeError::Invalid { path, .. } => Some(path.clone()),
        _ => None,
    };
    Refusal {
        kind: error.kind().to_string(),
        path,
        message: error.to_string(),
    }
}

fn decode_json(channel: ChannelName, limits: &Limits, input: &str) -> Outcome {
    match channel.canonicalize_json_within(limits, input) {
        Ok(text) => Outcome::Accepted {
            value: parse(&text).expect("canonical output is JSON"),
            id: None,
        },
        Err(error) => Outcome::Refused(refusal(&error)),
    }
}

fn decode_frame(channel: ChannelName, limits: &Limits, frame: &[u8]) -> Outcome {
    let len = u32::from_be_bytes(frame[..4].try_into().expect("length prefix")) as usize;
    assert_eq!(frame.len(), 4 + len, "length prefix");
    match channel.decode_frame_within(limits, &frame[4..]) {
        Ok(decoded) => Outcome::Accepted {
            value: decoded.body.map_or(Value::Null, |body| {
                parse(&body.json).expect("canonical output is JSON")
            }),
            id: Some(decoded.id),
        },
        Err(FrameError::Body { error, .. }) => Outcome::Refused(refusal(&error)),
        Err(error @ FrameError::Encode { .. }) if error.to_string().contains("no JSON form") => {
            Outcome::NoJsonForm(error.to_string())
        }
        Err(error) => Outcome::Refused(Refusal {
            kind: "frame".into(),
            path: None,
            message: error.to_string(),
        }),
    }
}

struct Mutant {
    channel: ChannelName,
    encoding: String,
    record: Value,
}

impl Mutant {
    fn text(&self, key: &str) -> Option<&str> {
        self.record.get(key).and_then(Value::as_str)
    }

    fn strings(&self, key: &str) -> Vec<&str> {
        self.record
            .get(key)
            .and_then(Value::as_array)
            .map(|items| items.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    /// The coercions pydantic applied, as (path, class).
    fn coercions(&self) -> Vec<(&str, &str)> {
        self.record
            .get("coercions")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .map(|c| (c["path"].as_str().unwrap(), c["class"].as_str().unwrap()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The mutation class of the first mutation (`retype`, `timestamp`, ...), for grouping.
    fn class(&self) -> String {
        self.classes()
            .into_iter()
            .next()
            .unwrap_or_else(|| "none".into())
    }

    /// The class of every mutation applied, in order.
    fn classes(&self) -> Vec<String> {
        self.strings("mutations")
            .into_iter()
            .map(|m| m.split(':').next().unwrap_or(m).to_owned())
            .collect()
    }

    fn label(&self) -> String {
        let input = match self.encoding.as_str() {
            "json" => self.text("input").unwrap_or_default().to_owned(),
            _ => format!("frame {}", self.text("frame").unwrap_or_default()),
        };
        let input = if input.chars().count() > 400 {
            format!(
                "{}… ({} bytes)",
                input.chars().take(400).collect::<String>(),
                input.len()
            )
        } else {
            input
        };
        format!(
            "{} {} {} (base {}) mutations {:?}\n    input: {input}",
            self.channel,
            self.encoding,
            self.text("case").unwrap_or("?"),
            self.text("base").unwrap_or("?"),
            self.strings("mutations"),
        )
    }
}

/// The mutant files of `dir`, sorted, each with its channel and encoding.
fn mutant_files(dir: &Path) -> Vec<(PathBuf, ChannelName, String)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "jsonl"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            let (channel, encoding) = name
                .trim_end_matches(".jsonl")
                .rsplit_once('.')
                .unwrap_or_else(|| panic!("{name}: expected <channel>.<encoding>.jsonl"));
            let channel =
                ChannelName::from_str(channel).unwrap_or_else(|err| panic!("{name}: {err}"));
            assert!(
                encoding == "json" || encoding == "msgpack",
                "{name}: unknown encoding"
            );
            let encoding = encoding.to_owned();
            (path, channel, encoding)
        })
        .collect()
}

/// Whether Rust's error path and a coerced value's path are about the same value: equal, or
/// one inside the other (a refused tuple names the tuple, a coerced item the item).
fn related(rust: &str, coerced: &str) -> bool {
    let inside = |outer: &str, inner: &str| {
        outer == "."
            || inner
                .strip_prefix(outer)
                .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
    };
    rust == coerced || inside(rust, coerced) || inside(coerced, rust)
}

#[derive(Default)]
struct Counts {
    mutants: usize,
    pydantic_accepts: usize,
    pydantic_rejects: usize,
    /// Rust decided as pydantic did (same output, or a refusal of the required kind).
    agree: usize,
    /// pydantic accepts through a documented coercion or difference, Rust refuses.
    documented: usize,
    /// pydantic rejects, Rust rejects with another kind (frames only).
    other_kind: usize,
}

#[derive(Default)]
struct Report {
    per_file: BTreeMap<(String, String), Counts>,
    /// Documented divergences by class (coercion label or documented difference).
    documented: BTreeMap<String, usize>,
    /// Frames both refuse, with different kinds: "python kind -> rust kind" and mutation class.
    frame_kinds: BTreeMap<String, usize>,
    /// Accepted by both though pydantic could not dump its value: nothing to compare.
    undumpable_accepted: usize,
    failures: BTreeMap<String, Vec<String>>,
    /// Per failure class, how often each mutation class took part.
    failing_mutations: BTreeMap<String, BTreeMap<String, usize>>,
}

impl Report {
    fn fail(&mut self, class: &str, mutant: &Mutant, what: String) {
        self.failures
            .entry(class.to_owned())
            .or_default()
            .push(what);
        let tally = self.failing_mutations.entry(class.to_owned()).or_default();
        for mutation in mutant.classes() {
            *tally.entry(mutation).or_default() += 1;
        }
    }
}

/// Differences lax mode keeps: pydantic accepts these, lax mode refuses them too (README).
const LAX_REFUSED: &[&str] = &[
    // The frame's own depth bound, which keeps decoding stack-safe.
    "msgpack-any-beyond-512",
    // A `JsonValue` is JSON text, which has no NaN.
    "msgpack-non-finite-float",
];

fn check(mutant: &Mutant, section: &str, limits: &Limits, report: &mut Report) {
    let record = &mutant.record;
    let outcome = match mutant.encoding.as_str() {
        "json" => decode_json(mutant.channel, limits, mutant.text("input").expect("input")),
        _ => decode_frame(
            mutant.channel,
            limits,
            &unhex(mutant.text("frame").expect("frame")),
        ),
    };
    let key = (
        mutant.channel.short_name().to_owned(),
        mutant.encoding.clone(),
    );
    let verdict = mutant.text("verdict").expect("verdict");
    let form = mutant.text("form").unwrap_or_default();
    let counts = report.per_file.entry(key).or_default();
    counts.mutants += 1;
    if verdict == "accept" {
        counts.pydantic_accepts += 1;
    } else {
        counts.pydantic_rejects += 1;
    }
    match (verdict, outcome) {
        ("accept", Outcome::NoJsonForm(_)) if form == "undumpable" => {
            counts.agree += 1;
            report.undumpable_accepted += 1;
        }
        ("accept", Outcome::NoJsonForm(why)) => report.fail(
            "pydantic dumps it, Rust has no JSON form",
            mutant,
            format!("{}\n    Rust: {why}", mutant.label()),
        ),
        ("reject", Outcome::NoJsonForm(why)) => report.fail(
            "pydantic rejects, Rust accepts",
            mutant,
            format!("{}\n    Rust: {why}", mutant.label()),
        ),
        ("reject", Outcome::Accepted { value, .. }) => {
            let why = record
                .get("pydantic")
                .map(|p| p.to_string())
                .or_else(|| mutant.text("python_error").map(str::to_owned))
                .unwrap_or_default();
            report.fail(
                "pydantic rejects, Rust accepts",
                mutant,
                format!("{}\n    pydantic: {why}\n    Rust: {value}", mutant.label()),
            );
        }
        ("reject", Outcome::Refused(refused)) => {
            let want = mutant.text("kind").expect("kind");
            if refused.kind == want {
                counts.agree += 1;
            } else if mutant.encoding == "msgpack" {
                counts.other_kind += 1;
                *report
                    .frame_kinds
                    .entry(format!("{want} -> {} ({})", refused.kind, mutant.class()))
                    .or_default() += 1;
            } else {
                report.fail(
                    "same verdict, other error kind",
                    mutant,
                    format!(
                        "{}\n    pydantic: {want}\n    Rust: {}: {}",
                        mutant.label(),
                        refused.kind,
                        refused.message
                    ),
                );
            }
        }
        ("accept", Outcome::Accepted { mut value, id }) => {
            if form == "undumpable" {
                counts.agree += 1;
                report.undumpable_accepted += 1;
                return;
            }
            let mut expected = record.get("expected").expect("expected").clone();
            // README: `TriggerStateSync.to_cancel` is a set, written in hash order by Python and
            // in ascending order by Rust; compare it as a set.
            if section.contains("`TriggerStateSync.to_cancel`") {
                for v in [&mut expected, &mut value] {
                    if let Some(Value::Array(items)) = v.get_mut("to_cancel") {
                        items.sort_by_key(|n| n.as_i64());
                    }
                }
            }
            let want_id = record
                .get("id")
                .map(|id| serde_json::from_value::<FrameId>(id.clone()).expect("a frame id"));
            match same_json(&expected, &value, "$") {
                Ok(()) if id == want_id => counts.agree += 1,
                Ok(()) => report.fail(
                    "frame id differs",
                    mutant,
                    format!("{}\n    id {id:?} != {want_id:?}", mutant.label()),
                ),
                Err(diff) => report.fail(
                    if form == "lax" {
                        "lax accept, output differs"
                    } else {
                        "output differs"
                    },
                    mutant,
                    format!("{}\n    {diff}", mutant.label()),
                ),
            }
        }
        ("accept", Outcome::Refused(refused)) => {
            // A documented coercion at the path Rust names (any path when Rust names none).
            // In lax mode, only what lax mode also refuses (README says which).
            let listed = |class: &str| {
                section.contains(&format!("`{class}`"))
                    && (!limits.lax() || LAX_REFUSED.contains(&class))
            };
            let coercion = mutant.coercions().into_iter().find(|(path, class)| {
                listed(class)
                    && refused
                        .path
                        .as_deref()
                        .is_none_or(|rust| related(rust, path))
            });
            let known = mutant.strings("known").into_iter().find(|class| {
                listed(class)
                    || KNOWN
                        .iter()
                        .any(|(name, words)| name == class && section.contains(words))
            });
            // pydantic could not dump the value, so its coercions carry no label; lax mode
            // accepting the mutant says a lax coercion is what strict mode refused.
            let lax_only = (form == "undumpable" && !limits.lax() && {
                let lax = match mutant.encoding.as_str() {
                    "json" => decode_json(
                        mutant.channel,
                        &Limits::LAX,
                        mutant.text("input").expect("input"),
                    ),
                    _ => decode_frame(
                        mutant.channel,
                        &Limits::LAX,
                        &unhex(mutant.text("frame").expect("frame")),
                    ),
                };
                !matches!(lax, Outcome::Refused(_))
            })
            .then_some("a lax coercion in a value pydantic could not dump");
            match coercion.map(|(_, class)| class).or(known).or(lax_only) {
                Some(class) => {
                    counts.documented += 1;
                    *report.documented.entry(class.to_owned()).or_default() += 1;
                }
                None => report.fail(
                    &format!("pydantic accepts ({form}), Rust refuses"),
                    mutant,
                    format!(
                        "{}\n    pydantic coercions {:?}, known {:?}\n    Rust: {}: {}",
                        mutant.label(),
                        mutant.coercions(),
                        mutant.strings("known"),
                        refused.kind,
                        refused.message
                    ),
                ),
            }
        }
        (verdict, _) => panic!("{}: unknown verdict {verdict}", mutant.label()),
    }
}

#[test]
fn mutants_are_decoded_as_the_sdk_decodes_them() {
    run(&Limits::DEFAULT);
}

/// The same mutants in lax mode: pydantic's lax coercions are accepted with pydantic's output,
/// and everything pydantic rejects is still rejected.
#[test]
fn mutants_are_decoded_as_the_sdk_decodes_them_in_lax_mode() {
    run(&Limits::LAX);
}

fn run(limits: &Limits) {
    let dir = mutants_dir();
    let section = deliberate_differences();
    let mut report = Report::default();
    // One file at a time: a big run holds gigabytes of mutants.
    for (path, channel, encoding) in mutant_files(&dir) {
        let file = std::fs::File::open(&path)
            .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
        for (n, line) in std::io::BufRead::lines(std::io::BufReader::new(file)).enumerate() {
            let line = line.unwrap_or_else(|err| panic!("{}: {err}", path.display()));
            let record =
                parse(&line).unwrap_or_else(|err| panic!("{}:{}: {err}", path.display(), n + 1));
            let mutant = Mutant {
                channel,
                encoding: encoding.clone(),
                record,
            };
            check(&mutant, &section, limits, &mut report);
        }
    }
    let checked: usize = report.per_file.values().map(|c| c.mutants).sum();
    // The checked-in set is thousands of mutants; a directory given by hand may be a handful.
    let minimum = match std::env::var_os("AIRFLOW_COMMS_DIFFERENTIAL") {
        Some(_) => 1,
        None => 1000,
    };
    assert!(
        checked >= minimum,
        "only {checked} mutants in {}",
        dir.display()
    );

    eprintln!(
        "differential mutants from {} ({} mode):",
        dir.display(),
        if limits.lax() { "lax" } else { "strict" }
    );
    eprintln!(
        "{:18} {:8} {:>8} {:>8} {:>8} {:>8} {:>10} {:>10}",
        "channel", "encoding", "mutants", "accepts", "rejects", "agree", "documented", "other kind"
    );
    let mut total = Counts::default();
    for ((channel, encoding), c) in &report.per_file {
        eprintln!(
            "{channel:18} {encoding:8} {:>8} {:>8} {:>8} {:>8} {:>10} {:>10}",
            c.mutants, c.pydantic_accepts, c.pydantic_rejects, c.agree, c.documented, c.other_kind
        );
        total.mutants += c.mutants;
        total.pydantic_accepts += c.pydantic_accepts;
        total.pydantic_rejects += c.pydantic_rejects;
        total.agree += c.agree;
        total.documented += c.documented;
        total.other_kind += c.other_kind;
    }
    eprintln!(
        "{:18} {:8} {:>8} {:>8} {:>8} {:>8} {:>10} {:>10}",
        "total",
        "",
        total.mutants,
        total.pydantic_accepts,
        total.pydantic_rejects,
        total.agree,
        total.documented,
        total.other_kind
    );
    eprintln!("documented divergences (pydantic accepts, Rust refuses), by class:");
    for (class, n) in &report.documented {
        eprintln!("  {class}: {n}");
    }
    eprintln!("frames both refuse with another kind (pydantic -> Rust, first mutation):");
    for (what, n) in &report.frame_kinds {
        eprintln!("  {what}: {n}");
    }
    eprintln!(
        "accepted by both, pydantic could not dump the value (nothing to compare): {}",
        report.undumpable_accepted
    );

    let failures: usize = report.failures.values().map(Vec::len).sum();
    if failures > 0 {
        // AIRFLOW_COMMS_DIFFERENTIAL_SHOW=N lists N mutants per class (default 8).
        let show = std::env::var("AIRFLOW_COMMS_DIFFERENTIAL_SHOW")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(8);
        let mut text = String::new();
        for (class, cases) in &report.failures {
            text += &format!("\n== {class}: {} mutants\n", cases.len());
            text += &format!(
                "   mutations involved: {:?}\n",
                report.failing_mutations[class]
            );
            for case in cases.iter().take(show) {
                text += &format!("  {case}\n");
            }
            if cases.len() > show {
                text += &format!("  ... and {} more\n", cases.len() - show);
            }
        }
        panic!("{failures} mutants decoded differently from the SDK:{text}");
    }
}
