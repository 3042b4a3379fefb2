//! The JSON Schemas in `schemas/`, in both flavours: generated from the code (drift-checked and
//! snapshotted), proven against the whole conformance corpus with a JSON Schema validator (the
//! validation schemas on what the SDK read, the serialization schemas on what it wrote), and
//! compared with pydantic's own schemas in the same mode.

use std::collections::BTreeMap;
use std::path::Path;

use airflow_comms::ChannelName;
use airflow_comms::schema::{SchemaFile, SchemaMode, schema_files};
use jsonschema::Validator;
use serde_json::Value;

mod common;

const REGENERATE: &str = "cargo run -q --bin airflow-comms -- schema --out schemas";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn schemas_directory_matches_the_code() {
    let root = repo().join("schemas");
    let mut stale = Vec::new();
    let mut extra = Vec::new();
    for &mode in SchemaMode::ALL {
        let files = schema_files(mode);
        for file in &files {
            let on_disk = std::fs::read_to_string(root.join(file.path())).unwrap_or_default();
            if on_disk != file.to_pretty_json() {
                stale.push(file.path());
            }
        }
        let dir = root.join(mode.name());
        extra.extend(
            std::fs::read_dir(&dir)
                .into_iter()
                .flatten()
                .map(|entry| entry.unwrap().file_name().into_string().unwrap())
                .filter(|name| !files.iter().any(|f| &f.file_name == name))
                .map(|name| format!("{}/{name}", mode.name())),
        );
    }
    // Nothing but the two folders and the README: schemas of the layout before the two modes
    // must not linger.
    extra.extend(
        std::fs::read_dir(&root)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .filter(|name| {
                name != "README.md" && !SchemaMode::ALL.iter().any(|m| m.name() == name)
            }),
    );
    extra.sort();
    assert!(
        stale.is_empty() && extra.is_empty(),
        "schemas/ differs from what the code generates (stale: {stale:?}, not generated: {extra:?}).\n\
         Regenerate them with: {REGENERATE}"
    );
}

#[test]
fn every_schema_is_snapshotted() {
    for &mode in SchemaMode::ALL {
        for file in schema_files(mode) {
            insta::assert_snapshot!(
                format!("{mode}-{}", file.file_name.trim_end_matches(".json")),
                file.to_pretty_json()
            );
        }
    }
}

/// Rejections whose reason a JSON Schema expresses, by pydantic's error type (shared with the
/// generated-client check): the schema must refuse every one of these; the others are reported.
fn expressible() -> Vec<String> {
    std::fs::read_to_string(repo().join("tests/schema-expressible-errors.txt"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.trim().to_owned())
        .collect()
}

/// Lax-mode coercions: pydantic turns these non-canonical inputs into the field's type. A JSON
/// Schema describes the JSON form of each type, as pydantic's own validation schema does (an
/// integer is `"type": "integer"`, a date-time an RFC 3339 string), so an input that needs one
/// of these coercions is refused by the validation schema. Every lax input of the corpus is
/// valid against its validation schema unless its coercion is listed here, and each listed
/// coercion must be refused at least once (a listing that no input needs fails the test).
const COERCIONS_NOT_IN_THE_SCHEMA: &[(&str, &str)] = &[
    (
        "int-from-string",
        "a string of digits where the schema says integer",
    ),
    (
        "float-from-string",
        "a string of digits where the schema says number",
    ),
    (
        "int-from-bool",
        "`true`/`false` where the schema says integer",
    ),
    (
        "bool-from-string",
        "`\"true\"`, `\"yes\"`, ... where the schema says boolean",
    ),
    ("bool-from-int", "`0`/`1` where the schema says boolean"),
    (
        "uuid-32-hex",
        "32 hex digits without hyphens: not the `uuid` format (RFC 9562 text)",
    ),
    (
        "uuid-urn-prefix",
        "a `urn:uuid:` prefix: not the `uuid` format",
    ),
    (
        "datetime-from-unix-seconds",
        "a number where the schema says a date-time string",
    ),
    (
        "datetime-from-unix-seconds-string",
        "a string of digits: not the `date-time` format",
    ),
    (
        "datetime-space-separator",
        "a space between date and time: RFC 3339's grammar has `T`",
    ),
    (
        "datetime-date-only",
        "a date without a time: not the `date-time` format",
    ),
    (
        "duration-from-seconds",
        "a number where the schema says an ISO 8601 duration string",
    ),
    (
        "duration-clock-string",
        "`HH:MM:SS`: not an ISO 8601 duration",
    ),
    (
        "namedtuple-from-object",
        "an object where the schema says a 3-item array (`[trigger_id, event, persist_seq]`)",
    ),
];

/// One corpus case: what the SDK was given, what it did, and what it wrote back.
struct Case {
    label: String,
    /// The input, when it is JSON at all.
    input: Option<Value>,
    verdict: String,
    form: Option<String>,
    expected: Option<Value>,
    error_type: Option<String>,
    coercion: Option<String>,
}

fn corpus(channel: ChannelName) -> Vec<Case> {
    common::read_jsonl(format!("tests/corpus/{}.jsonl", channel.short_name()))
        .into_iter()
        .map(|case| {
            let text = |key: &str| case.get(key).and_then(Value::as_str).map(str::to_owned);
            Case {
                label: format!("{channel} {}", case["case"].as_str().unwrap()),
                input: serde_json::from_str(case["input"].as_str().unwrap()).ok(),
                verdict: text("verdict").unwrap(),
                form: text("form"),
                expected: case.get("expected").cloned(),
                error_type: case["pydantic"]["type"].as_str().map(str::to_owned),
                coercion: text("coercion"),
            }
        })
        .collect()
}

/// The validator of a channel's schema in one mode, with format assertions on.
fn validator(mode: SchemaMode, channel: ChannelName) -> Validator {
    validator_of(&channel_schema(&schema_files(mode), channel).schema)
}

fn validator_of(schema: &Value) -> Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .expect("a valid schema")
}

fn channel_schema(files: &[SchemaFile], channel: ChannelName) -> &SchemaFile {
    let name = format!("{}.json", channel.type_name());
    files.iter().find(|f| f.file_name == name).unwrap()
}

fn fail_on(failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn validation_schemas_accept_every_input_the_sdk_accepts() {
    let (mut canonical, mut lax_valid, mut lax_total) = (0, 0, 0);
    let mut refused_by_coercion: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for &channel in ChannelName::ALL {
        let validator = validator(SchemaMode::Validation, channel);
        for case in corpus(channel) {
            let (Some(input), "accept") = (&case.input, case.verdict.as_str()) else {
                continue;
            };
            let result = validator.validate(input);
            match (case.form.as_deref(), result) {
                (Some("lax"), Ok(())) => {
                    lax_total += 1;
                    lax_valid += 1;
                }
                (Some("lax"), Err(err)) => {
                    lax_total += 1;
                    let coercion = case.coercion.as_deref().unwrap_or("unlabelled");
                    match COERCIONS_NOT_IN_THE_SCHEMA.iter().find(|(c, _)| *c == coercion) {
                        Some((listed, _)) => *refused_by_coercion.entry(listed).or_default() += 1,
                        None => failures.push(format!(
                            "{}: the validation schema refuses an input pydantic coerces ({coercion}), and the coercion is not listed: {err}",
                            case.label
                        )),
                    }
                }
                (_, Ok(())) => canonical += 1,
                (_, Err(err)) => failures.push(format!(
                    "{}: the validation schema refuses an accepted message: {err}",
                    case.label
                )),
            }
        }
    }
    eprintln!(
        "inputs the SDK accepts (canonical, or with defaults left out) valid: {canonical}; lax inputs valid: {lax_valid} / {lax_total}, refused by coercion: {refused_by_coercion:?}"
    );
    assert!(canonical > 1800, "the corpus holds the accepted messages");
    for (coercion, _) in COERCIONS_NOT_IN_THE_SCHEMA {
        if !refused_by_coercion.contains_key(coercion) {
            failures.push(format!(
                "`{coercion}` is listed as beyond the schema, yet no input needing it is refused"
            ));
        }
    }
    fail_on(failures);
}

#[test]
fn validation_schemas_refuse_what_they_can_express() {
    let expressible = expressible();
    let is_expressible = |kind: &str| expressible.iter().any(|e| e == kind);
    let mut by_kind: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    for &channel in ChannelName::ALL {
        let validator = validator(SchemaMode::Validation, channel);
        for case in corpus(channel) {
            let (Some(input), "reject") = (&case.input, case.verdict.as_str()) else {
                continue; // not JSON: nothing for a schema to judge
            };
            let kind = case.error_type.clone().unwrap_or_else(|| "?".into());
            let refused = !validator.is_valid(input);
            let entry = by_kind.entry(kind.clone()).or_default();
            entry.0 += 1;
            if refused {
                entry.1 += 1;
            } else if is_expressible(&kind) {
                failures.push(format!(
                    "{}: the schema accepts a message pydantic rejects ({kind}): {input}",
                    case.label
                ));
            }
        }
    }
    let (mut expressible_total, mut expressible_refused, mut other, mut other_refused) =
        (0, 0, 0, 0);
    for (kind, (total, refused)) in &by_kind {
        let class = if is_expressible(kind) {
            "expressible"
        } else {
            "not expressible"
        };
        eprintln!("rejected, {kind} ({class}): {refused} / {total} refused by the schema");
        if is_expressible(kind) {
            expressible_total += total;
            expressible_refused += refused;
        } else {
            other += total;
            other_refused += refused;
        }
    }
    eprintln!(
        "expressible rejections refused: {expressible_refused} / {expressible_total}; others refused anyway: {other_refused} / {other}"
    );
    assert!(expressible_total > 2000, "the corpus holds the rejections");
    fail_on(failures);
}

#[test]
fn serialization_schemas_accept_every_message_the_sdk_writes() {
    let mut written = 0;
    let mut failures = Vec::new();
    for &channel in ChannelName::ALL {
        let serialization = validator(SchemaMode::Serialization, channel);
        let validation = validator(SchemaMode::Validation, channel);
        for case in corpus(channel) {
            let Some(output) = &case.expected else {
                continue;
            };
            written += 1;
            if let Err(err) = serialization.validate(output) {
                failures.push(format!(
                    "{}: the serialization schema refuses what the SDK wrote: {err}",
                    case.label
                ));
            }
            // What the SDK writes it reads back.
            if let Err(err) = validation.validate(output) {
                failures.push(format!(
                    "{}: the validation schema refuses what the SDK wrote: {err}",
                    case.label
                ));
            }
        }
    }
    eprintln!("messages the SDK wrote, valid against both schemas: {written}");
    assert!(written > 2000, "the corpus holds the SDK's outputs");
    fail_on(failures);
}

#[test]
fn serialization_schemas_require_every_field() {
    // An input that leaves out a key the SDK writes back (a defaulted field, a defaulted tag of a
    // nested model) is what the SDK reads, never what it writes.
    let mut left_out = 0;
    let mut failures = Vec::new();
    for &channel in ChannelName::ALL {
        let serialization = validator(SchemaMode::Serialization, channel);
        for case in corpus(channel) {
            let (Some(input), Some(output)) = (&case.input, &case.expected) else {
                continue;
            };
            if leaves_out_a_written_key(input, output) {
                left_out += 1;
                if serialization.is_valid(input) {
                    failures.push(format!(
                        "{}: the serialization schema accepts a message with written keys left out: {input}",
                        case.label
                    ));
                }
            }
        }
    }
    eprintln!("inputs that leave out keys the SDK writes, refused as written messages: {left_out}");
    assert!(
        left_out > 50,
        "the corpus holds inputs with defaults left out"
    );
    fail_on(failures);
}

/// Whether an object somewhere in `input` lacks a key its counterpart in `output` has.
fn leaves_out_a_written_key(input: &Value, output: &Value) -> bool {
    match (input, output) {
        (Value::Object(input), Value::Object(output)) => output.iter().any(|(key, value)| {
            input
                .get(key)
                .is_none_or(|given| leaves_out_a_written_key(given, value))
        }),
        (Value::Array(input), Value::Array(output)) if input.len() == output.len() => input
            .iter()
            .zip(output)
            .any(|(given, value)| leaves_out_a_written_key(given, value)),
        _ => false,
    }
}

#[test]
fn a_nested_model_may_leave_out_its_defaulted_tag() {
    // The element of `AssetsByAliasResult` is an `AssetResult`, whose tag Python defaults: the SDK
    // reads an asset without it, and writes it.
    let read = serde_json::json!({
        "assets": [{ "name": "orders", "uri": "s3://lake/orders", "group": "asset" }],
        "type": "AssetsByAliasResult",
    });
    let channel = airflow_comms::ChannelName::ToTask;
    assert!(validator(SchemaMode::Validation, channel).is_valid(&read));
    assert!(!validator(SchemaMode::Serialization, channel).is_valid(&read));
    let text = channel
        .canonicalize_json(&read.to_string())
        .expect("the crate reads it too");
    let written: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(written["assets"][0]["type"], "AssetResult");
    assert!(validator(SchemaMode::Serialization, channel).is_valid(&written));
    // The union still needs the tag of the message at its top.
    let untagged = serde_json::json!({ "assets": [] });
    assert!(!validator(SchemaMode::Validation, channel).is_valid(&untagged));
}

/// The `const` and `enum` values a property allows (as JSON text), where it restricts them.
type Allowed = (Option<Vec<String>>, Option<Vec<String>>);

/// The facts of one message schema: property names, required set, allowed consts and enums.
#[derive(Debug, PartialEq)]
struct Facts {
    properties: BTreeMap<String, Allowed>,
    required: Vec<String>,
    additional_properties: bool,
}

fn resolve<'a>(mut schema: &'a Value, defs: &'a Value) -> &'a Value {
    while let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        schema = &defs[reference.rsplit('/').next().unwrap()];
    }
    schema
}

fn allowed(schema: &Value, defs: &Value) -> Allowed {
    let (mut consts, mut enums) = (Vec::new(), Vec::new());
    let mut stack = vec![schema];
    while let Some(current) = stack.pop() {
        let current = resolve(current, defs);
        if let Some(c) = current.get("const") {
            consts.push(c.to_string());
        }
        if let Some(e) = current.get("enum").and_then(Value::as_array) {
            enums.extend(e.iter().map(Value::to_string));
        }
        for key in ["anyOf", "oneOf"] {
            stack.extend(
                current
                    .get(key)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten(),
            );
        }
    }
    let tidy = |mut v: Vec<String>| {
        v.sort();
        v.dedup();
        (!v.is_empty()).then_some(v)
    };
    (tidy(consts), tidy(enums))
}

fn our_facts(model: &Value, defs: &Value) -> Facts {
    Facts {
        properties: model["properties"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(name, prop)| (name.clone(), allowed(prop, defs)))
            .collect(),
        required: {
            let mut r: Vec<String> = model["required"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect();
            // A key that may come under another name is required through `allOf`: one of its
            // names must be present (`oneOf` or `anyOf` alternatives, each with `required`).
            for group in model
                .get("allOf")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let alternatives = group
                    .get("oneOf")
                    .or_else(|| group.get("anyOf"))
                    .and_then(Value::as_array);
                if let Some(alternatives) = alternatives
                    && alternatives.iter().all(|a| a.get("required").is_some())
                {
                    r.push(alternatives[0]["required"][0].as_str().unwrap().to_owned());
                }
            }
            r.sort();
            r
        },
        additional_properties: model.get("additionalProperties") != Some(&Value::Bool(false)),
    }
}

fn their_facts(model: &Value) -> Facts {
    let list = |v: &Value| {
        v.as_array().map(|a| {
            a.iter()
                .map(|s| s.as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        })
    };
    Facts {
        properties: model["properties"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(name, p)| (name.clone(), (list(&p["const"]), list(&p["enum"]))))
            .collect(),
        required: list(&model["required"]).unwrap(),
        additional_properties: model["additional_properties"].as_bool().unwrap(),
    }
}

/// The differences between our facts and Airflow's, one line each.
fn differences(name: &str, ours: &Facts, theirs: &Facts) -> Vec<String> {
    let mut out = Vec::new();
    let our_keys: Vec<_> = ours.properties.keys().collect();
    let their_keys: Vec<_> = theirs.properties.keys().collect();
    if our_keys != their_keys {
        out.push(format!("{name}: properties {our_keys:?} vs {their_keys:?}"));
    }
    let (ours_required, theirs_required) = (&ours.required, &theirs.required);
    if ours_required != theirs_required {
        out.push(format!(
            "{name}: required {ours_required:?} vs {theirs_required:?}"
        ));
    }
    if ours.additional_properties != theirs.additional_properties {
        out.push(format!(
            "{name}: unknown keys allowed: ours {}, theirs {}",
            ours.additional_properties, theirs.additional_properties
        ));
    }
    for (key, (consts, enums)) in &ours.properties {
        if let Some((their_consts, their_enums)) = theirs.properties.get(key)
            && (consts != their_consts || enums != their_enums)
        {
            out.push(format!("{name}.{key}: allowed values {consts:?}/{enums:?} vs {their_consts:?}/{their_enums:?}"));
        }
    }
    out
}

#[test]
fn schemas_agree_with_pydantics_own() {
    let facts: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("tests/corpus/schema-facts.json")).unwrap(),
    )
    .unwrap();
    let mut diffs = std::collections::BTreeSet::new();
    let mut compared = BTreeMap::new();
    for &mode in SchemaMode::ALL {
        let files = schema_files(mode);
        let counts: &mut (usize, usize, usize) = compared.entry(mode.name()).or_default();
        for &channel in ChannelName::ALL {
            let schema = &channel_schema(&files, channel).schema;
            let defs = &schema["$defs"];
            let pydantic = &facts["pydantic"][mode.name()][channel.short_name()];
            let members = pydantic["members"].as_object().unwrap();
            let nested = pydantic["nested"].as_object().unwrap();
            let ours: Vec<&str> = schema["oneOf"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["$ref"].as_str().unwrap().rsplit('/').next().unwrap())
                .collect();
            let mut theirs: Vec<&str> = members.keys().map(String::as_str).collect();
            let mut ours_sorted = ours.clone();
            ours_sorted.sort();
            theirs.sort();
            assert_eq!(
                ours_sorted, theirs,
                "{channel}: the schema's message set differs from pydantic's"
            );
            for name in ours {
                let our = our_facts(resolve(&defs[name], defs), defs);
                diffs.extend(differences(
                    &format!("pydantic {mode} {name}"),
                    &our,
                    &their_facts(&members[name]),
                ));
                counts.0 += 1;
                // The SDK's shipped schema.json is pydantic's validation schema.
                if mode == SchemaMode::Validation
                    && let Some(shipped) = facts["schema_json"]["models"].get(name)
                {
                    diffs.extend(differences(
                        &format!("schema.json {name}"),
                        &our,
                        &their_facts(shipped),
                    ));
                    counts.2 += 1;
                }
            }
            // Nested models, where both sides name them alike.
            for (name, their) in nested {
                // pydantic qualifies colliding names by module; the server's variants are
                // `Core*` here.
                let short = name.rsplit("__").next().unwrap();
                let candidates =
                    if name.contains("api_fastapi") || channel == ChannelName::ToDagProcessor {
                        vec![format!("Core{short}"), short.to_owned()]
                    } else {
                        vec![short.to_owned()]
                    };
                let ours = candidates.iter().find_map(|c| {
                    defs.get(c.as_str())
                        .filter(|d| d.get("properties").is_some())
                });
                if let Some(our) = ours {
                    diffs.extend(differences(
                        &format!("pydantic {mode} {name}"),
                        &our_facts(our, defs),
                        &their_facts(their),
                    ));
                    counts.1 += 1;
                } else {
                    diffs.insert(format!(
                        "pydantic {mode} {name}: nested model with no schema of that name here"
                    ));
                }
            }
        }
    }
    for (mode, (members, nested, shipped)) in &compared {
        eprintln!(
            "{mode}: compared {members} messages and {nested} nested models with pydantic, {shipped} messages with the SDK's schema.json"
        );
    }
    for diff in &diffs {
        eprintln!("difference: {diff}");
    }
    let readme = std::fs::read_to_string(repo().join("schemas/README.md")).unwrap_or_default();
    let undocumented: Vec<_> = diffs
        .iter()
        .filter(|d| !readme.contains(d.as_str()))
        .collect();
    assert!(
        undocumented.is_empty(),
        "differences from Airflow's schemas not listed in schemas/README.md:\n{undocumented:#?}"
    );
}
