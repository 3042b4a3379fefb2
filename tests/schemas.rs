//! The JSON Schemas in `schemas/`: generated from the code (drift-checked and snapshotted), and
//! proven against the conformance corpus with a JSON Schema validator both ways.

use std::collections::BTreeMap;
use std::path::Path;

use airflow_comms::ChannelName;
use airflow_comms::schema::schema_files;
use serde_json::Value;

const REGENERATE: &str = "cargo run -q --bin airflow-comms -- schema --out schemas";

#[test]
fn schemas_directory_matches_the_code() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    let mut stale = Vec::new();
    let files = schema_files();
    for file in &files {
        let on_disk = std::fs::read_to_string(dir.join(&file.file_name)).unwrap_or_default();
        if on_disk != file.to_pretty_json() {
            stale.push(file.file_name.clone());
        }
    }
    let mut extra: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".json") && !files.iter().any(|f| &f.file_name == name))
        .collect();
    extra.sort();
    assert!(
        stale.is_empty() && extra.is_empty(),
        "schemas/ differs from what the code generates (stale: {stale:?}, not generated: {extra:?}).\n\
         Regenerate them with: {REGENERATE}"
    );
}

#[test]
fn every_schema_is_snapshotted() {
    for file in schema_files() {
        insta::assert_snapshot!(
            file.file_name.trim_end_matches(".json"),
            file.to_pretty_json()
        );
    }
}

/// Rejections whose reason a JSON Schema expresses, by pydantic's error type (shared with the
/// generated-client check): the schema must refuse every one of these; the others are reported.
fn expressible() -> Vec<String> {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schema-expressible-errors.txt"),
    )
    .unwrap()
    .lines()
    .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    .map(|l| l.trim().to_owned())
    .collect()
}

/// Accepted inputs a schema refuses on purpose, each listed (by this label) in schemas/README.md.
fn documented_exception(label: &str) -> bool {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/README.md"))
            .unwrap_or_default();
    readme.contains(&format!("`{label}`"))
}

#[derive(Default)]
struct Coverage {
    accepted: usize,
    accepted_valid: usize,
    rejected_by_kind: BTreeMap<String, (usize, usize)>,
    failures: Vec<String>,
}

#[test]
fn schemas_accept_the_corpus_and_refuse_what_they_can_express() {
    let files = schema_files();
    let expressible = expressible();
    let is_expressible = |kind: &str| expressible.iter().any(|e| e == kind);
    let mut coverage = Coverage::default();
    for &channel in ChannelName::ALL {
        let file_name = format!("{}.json", channel.type_name());
        let schema = &files
            .iter()
            .find(|f| f.file_name == file_name)
            .unwrap()
            .schema;
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(schema)
            .expect("a valid schema");
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("tests/corpus/{}.jsonl", channel.short_name()));
        for line in std::fs::read_to_string(path).unwrap().lines() {
            let case: Value = serde_json::from_str(line).unwrap();
            let Ok(input) = serde_json::from_str::<Value>(case["input"].as_str().unwrap()) else {
                continue; // not JSON: nothing for a schema to judge
            };
            let label = format!("{channel} {}", case["case"].as_str().unwrap());
            match (case["verdict"].as_str().unwrap(), case["form"].as_str()) {
                ("accept", Some("canonical" | "defaults")) => {
                    coverage.accepted += 1;
                    match validator.validate(&input) {
                        Ok(()) => coverage.accepted_valid += 1,
                        Err(_) if documented_exception(&label) => coverage.accepted_valid += 1,
                        Err(err) => coverage.failures.push(format!(
                            "{label}: the schema refuses an accepted message: {err}"
                        )),
                    }
                }
                ("reject", _) => {
                    let kind = case["pydantic"]["type"].as_str().unwrap_or("?").to_owned();
                    let refused = !validator.is_valid(&input);
                    let entry = coverage.rejected_by_kind.entry(kind.clone()).or_default();
                    entry.0 += 1;
                    if refused {
                        entry.1 += 1;
                    } else if is_expressible(&kind) {
                        coverage.failures.push(format!("{label}: the schema accepts a message pydantic rejects ({kind}): {input}"));
                    }
                }
                _ => {}
            }
        }
    }
    eprintln!(
        "accepted messages valid against their schema: {} / {}",
        coverage.accepted_valid, coverage.accepted
    );
    let (mut expressible_total, mut expressible_refused, mut other, mut other_refused) =
        (0, 0, 0, 0);
    for (kind, (total, refused)) in &coverage.rejected_by_kind {
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
    assert!(
        coverage.failures.is_empty(),
        "{} failures:\n{}",
        coverage.failures.len(),
        coverage.failures.join("\n")
    );
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
            // A key that may come under another name is required through `allOf` and `oneOf`
            // (`anyOf` where both names may come at once); `allOf` also holds the conditions
            // on the other name.
            for group in model
                .get("allOf")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(key) = ["oneOf", "anyOf"]
                    .iter()
                    .find_map(|combine| group[combine][0]["required"][0].as_str())
                {
                    r.push(key.to_owned());
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

/// The differences between our facts and Airflow's, one line each, normalised for the one
/// systematic difference (ours requires the `type` tag; see schemas/README.md).
fn differences(name: &str, ours: &Facts, theirs: &Facts) -> Vec<String> {
    let mut out = Vec::new();
    let our_keys: Vec<_> = ours.properties.keys().collect();
    let their_keys: Vec<_> = theirs.properties.keys().collect();
    if our_keys != their_keys {
        out.push(format!("{name}: properties {our_keys:?} vs {their_keys:?}"));
    }
    // Ours requires a message's `type` tag (a const), which pydantic lists as optional.
    let tagged = ours
        .properties
        .get("type")
        .is_some_and(|(consts, _)| consts.is_some());
    let ours_required: Vec<_> = ours
        .required
        .iter()
        .filter(|r| !(tagged && *r == "type"))
        .collect();
    let theirs_required: Vec<_> = theirs.required.iter().collect();
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
        if let Some((their_consts, their_enums)) = theirs.properties.get(key) {
            if consts != their_consts || enums != their_enums {
                out.push(format!("{name}.{key}: allowed values {consts:?}/{enums:?} vs {their_consts:?}/{their_enums:?}"));
            }
        }
    }
    out
}

#[test]
fn schemas_agree_with_airflows_own() {
    let facts: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/schema-facts.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let files = schema_files();
    let mut diffs = std::collections::BTreeSet::new();
    let mut compared = (0, 0, 0);
    for &channel in ChannelName::ALL {
        let file_name = format!("{}.json", channel.type_name());
        let schema = &files
            .iter()
            .find(|f| f.file_name == file_name)
            .unwrap()
            .schema;
        let defs = &schema["$defs"];
        let pydantic = facts["pydantic"][channel.short_name()]["members"]
            .as_object()
            .unwrap();
        let nested = facts["pydantic"][channel.short_name()]["nested"]
            .as_object()
            .unwrap();
        let ours: Vec<&str> = schema["oneOf"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["$ref"].as_str().unwrap().rsplit('/').next().unwrap())
            .collect();
        let mut theirs: Vec<&str> = pydantic.keys().map(String::as_str).collect();
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
                &format!("pydantic {name}"),
                &our,
                &their_facts(&pydantic[name]),
            ));
            compared.0 += 1;
            if let Some(shipped) = facts["schema_json"]["models"].get(name) {
                diffs.extend(differences(
                    &format!("schema.json {name}"),
                    &our,
                    &their_facts(shipped),
                ));
                compared.1 += 1;
            }
        }
        // Nested models, where both sides name them alike.
        for (name, their) in nested {
            // pydantic qualifies colliding names by module; the server's variants are `Core*` here.
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
                    &format!("pydantic {name}"),
                    &our_facts(our, defs),
                    &their_facts(their),
                ));
                compared.2 += 1;
            } else {
                diffs.insert(format!(
                    "pydantic {name}: nested model with no schema of that name here"
                ));
            }
        }
    }
    eprintln!(
        "compared {} messages and {} nested models with pydantic, {} messages with the SDK's schema.json",
        compared.0, compared.2, compared.1
    );
    for diff in &diffs {
        eprintln!("difference: {diff}");
    }
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/README.md"))
            .unwrap_or_default();
    let undocumented: Vec<_> = diffs
        .iter()
        .filter(|d| !readme.contains(d.as_str()))
        .collect();
    assert!(
        undocumented.is_empty(),
        "differences from Airflow's schemas not listed in schemas/README.md:\n{undocumented:#?}"
    );
}
