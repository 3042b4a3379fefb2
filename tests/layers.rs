//! The library's modules form one-way layers (`docs/architecture.md`): a module may use its own
//! layer and the layers below it, never one above. This test reads every file under `src/` and
//! fails on any path into a higher layer, naming the file, the line and the path.
//!
//! What counts as a use: every `crate::…` and `$crate::…` path outside comments and string
//! literals, including each branch of a `use crate::{…}` group, doc links excepted (they are in
//! comments). Inside the crate, items are named by the layer module that defines them, never by
//! the root re-exports (`crate::Limits`, `crate::decode`): a root name would hide which layer the
//! item comes from, so it is refused too, except the version constants `lib.rs` itself defines.
//! Unit tests (`#[cfg(test)] mod tests { … }`) are checked as well: a lower layer's tests build
//! their inputs from the same layers its code may use.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The layers, lowest first. A module of layer `i` may use layers `0..=i`.
const LAYERS: &[&[&str]] = &[
    // Plain values: free-form values, date-times, durations, their serde glue.
    &["value"],
    // One plain struct per message, the closed string sets, the model macros.
    &["messages"],
    // Tagged unions: the union trait and macro, groups, channels, request/reply pairing.
    &["union"],
    // JSON and msgpack codecs, frames, limits, decode errors, the tokio adapter.
    &["codec"],
    // Both ends of a channel: client, dispatch, policy, dynamic channels, pipelining.
    &["peer"],
    // What is built on all of it: JSON Schema files, executable bundles.
    &["schema", "bundle"],
];

/// Items `lib.rs` defines itself (not re-exports): usable from every layer.
const ROOT_ITEMS: &[&str] = &[
    "SUPERVISOR_SCHEMA_VERSION",
    "TASK_SDK_VERSION",
    "AIRFLOW_CORE_VERSION",
];

/// The `#[macro_export]`ed macros (they live at the crate root) and the module defining each.
const MACROS: &[(&str, &str)] = &[
    ("model", "messages"),
    ("__wire_key", "messages"),
    ("__has_default", "messages"),
    ("__absent_field", "messages"),
    ("tagged_union", "messages"),
];

/// Uses of a higher layer that remain, each with the reason; `(file, first path segment)`.
/// The test fails on any other, and on an entry here that no longer occurs, so the list only
/// shrinks.
const KNOWN_BACK_EDGES: &[(&str, &str, &str)] = &[(
    "messages/union.rs",
    "codec",
    "a union's serde `Deserialize` buffers the value and decodes it with the codecs; a \
         one-pass serde decode of unions removes it",
)];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// The top-level module a file under `src/` belongs to (`None` for `lib.rs`).
fn top_module(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).ok()?;
    let first = relative.components().next()?.as_os_str().to_str()?;
    match first {
        "lib.rs" => None,
        name => Some(name.trim_end_matches(".rs").to_owned()),
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// `text` with comments, string literals and char literals blanked out (newlines kept, so
/// line numbers still hold).
fn code_only(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |out: &mut String, s: &[u8]| {
        for &b in s {
            out.push(if b == b'\n' { '\n' } else { ' ' });
        }
    };
    while i < bytes.len() {
        let rest = &bytes[i..];
        if rest.starts_with(b"//") {
            let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
            blank(&mut out, &rest[..end]);
            i += end;
        } else if rest.starts_with(b"/*") {
            let mut depth = 0;
            let mut j = 0;
            while j < rest.len() {
                if rest[j..].starts_with(b"/*") {
                    depth += 1;
                    j += 2;
                } else if rest[j..].starts_with(b"*/") {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            blank(&mut out, &rest[..j]);
            i += j;
        } else if rest[0] == b'r' && (rest.starts_with(b"r\"") || rest.starts_with(b"r#")) {
            // A raw string: r"…", r#"…"#, …
            let hashes = rest[1..].iter().take_while(|&&b| b == b'#').count();
            if rest.get(1 + hashes) != Some(&b'"') {
                out.push('r');
                i += 1;
                continue;
            }
            let close: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat_n(b'#', hashes))
                .collect();
            let body = 2 + hashes;
            let end = rest[body..]
                .windows(close.len())
                .position(|w| w == close.as_slice())
                .map_or(rest.len(), |p| body + p + close.len());
            blank(&mut out, &rest[..end]);
            i += end;
        } else if rest[0] == b'"' {
            let mut j = 1;
            while j < rest.len() && rest[j] != b'"' {
                j += if rest[j] == b'\\' { 2 } else { 1 };
            }
            let end = (j + 1).min(rest.len());
            blank(&mut out, &rest[..end]);
            i += end;
        } else if rest[0] == b'\'' {
            // A char literal ('a', '\n', '\u{..}'), or a lifetime ('de), which stays.
            let end = if rest.get(1) == Some(&b'\\') {
                rest[2..].iter().position(|&b| b == b'\'').map(|p| p + 3)
            } else if rest.get(2) == Some(&b'\'') {
                Some(3)
            } else {
                None
            };
            match end {
                Some(end) => {
                    blank(&mut out, &rest[..end]);
                    i += end;
                }
                None => {
                    out.push('\'');
                    i += 1;
                }
            }
        } else {
            let ch = text[i..].chars().next().unwrap();
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// The first segment of every path `crate::…` in `code`, with its line number.
fn crate_paths(code: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let bytes = code.as_bytes();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut from = 0;
    while let Some(at) = code[from..].find("crate::") {
        let start = from + at;
        from = start + "crate::".len();
        // `crate` must be a whole word (`$crate` counts, `mycrate::` does not).
        if start > 0 && is_ident(bytes[start - 1]) {
            continue;
        }
        let line = code[..start].matches('\n').count() + 1;
        let rest = &code[from..];
        if let Some(group) = rest.strip_prefix('{') {
            // `use crate::{a::b, c, d::{e, f}}`: the first segment of each branch at depth 1.
            let mut depth = 1;
            let mut at_branch_start = true;
            let mut chars = group.char_indices().peekable();
            while let Some((i, ch)) = chars.next() {
                match ch {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => at_branch_start = true,
                    c if depth == 1 && at_branch_start && (c.is_alphanumeric() || c == '_') => {
                        let len = group[i..]
                            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                            .unwrap_or(group.len() - i);
                        found.push((line, group[i..i + len].to_owned()));
                        at_branch_start = false;
                        for _ in 1..group[i..i + len].chars().count() {
                            chars.next();
                        }
                    }
                    _ => {}
                }
            }
        } else {
            let len = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            let name = &rest[..len];
            // A macro path keeps its `!`, to be told apart from a module.
            let bang = if rest[len..].starts_with('!') {
                "!"
            } else {
                ""
            };
            if !name.is_empty() {
                found.push((line, format!("{name}{bang}")));
            }
        }
    }
    found
}

#[test]
fn no_module_uses_a_layer_above_its_own() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut problems = Vec::new();
    let mut checked = BTreeMap::new();
    let mut known_seen = vec![false; KNOWN_BACK_EDGES.len()];
    for file in &files {
        let Some(module) = top_module(&src, file) else {
            continue;
        };
        let shown = file.strip_prefix(&src).unwrap().display().to_string();
        let Some(own) = layer_of(&module) else {
            problems.push(format!(
                "src/{shown}: top-level module `{module}` is in no layer of tests/layers.rs"
            ));
            continue;
        };
        let code = code_only(&std::fs::read_to_string(file).unwrap());
        let paths = crate_paths(&code);
        *checked.entry(module.clone()).or_insert(0) += paths.len();
        for (line, first) in paths {
            if ROOT_ITEMS.contains(&first.as_str()) {
                continue;
            }
            let defined_in = match first.strip_suffix('!') {
                Some(name) => match MACROS.iter().find(|(macro_name, _)| *macro_name == name) {
                    Some((_, module)) => module,
                    None => {
                        problems.push(format!(
                            "src/{shown}:{line}: macro `{name}!` is not in MACROS of tests/layers.rs"
                        ));
                        continue;
                    }
                },
                None => first.as_str(),
            };
            match layer_of(defined_in) {
                Some(used) if used <= own => {}
                Some(_)
                    if let Some(known) = KNOWN_BACK_EDGES
                        .iter()
                        .position(|(file, to, _)| *file == shown && *to == defined_in) =>
                {
                    known_seen[known] = true;
                }
                Some(used) => problems.push(format!(
                    "src/{shown}:{line}: `crate::{first}` is layer {used} ({:?}), above this \
                     module's layer {own} ({:?})",
                    LAYERS[used], LAYERS[own]
                )),
                None => problems.push(format!(
                    "src/{shown}:{line}: `crate::{first}` is a root re-export or unknown; name \
                     the item by the layer module that defines it"
                )),
            }
        }
    }
    for ((file, to, why), seen) in KNOWN_BACK_EDGES.iter().zip(known_seen) {
        if !seen {
            problems.push(format!(
                "src/{file} no longer uses `crate::{to}` ({why}): remove it from KNOWN_BACK_EDGES"
            ));
        }
    }
    // Every layer module exists and was read, so the test cannot pass by reading nothing.
    for layer in LAYERS {
        for module in *layer {
            assert!(
                checked.contains_key(*module),
                "no file of layer module `{module}` found under src/"
            );
        }
    }
    assert!(
        checked.values().sum::<usize>() > 100,
        "too few crate paths found: {checked:?}"
    );
    assert!(
        problems.is_empty(),
        "{} uses of a higher layer:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The scanner itself: paths in comments and strings do not count, groups and `$crate` do.
#[test]
fn crate_paths_are_found_where_code_names_them() {
    let code = code_only(
        "use crate::{value::JsonValue, codec::{decode, frame}};\n\
         // crate::peer in a comment\n\
         let s = \"crate::peer in a string\"; let c = '\"';\n\
         /* crate::schema */ $crate::union::Union; mycrate::peer; r#\"crate::bundle\"#;\n\
         $crate::model!(@tag);\n",
    );
    let names: Vec<_> = crate_paths(&code)
        .into_iter()
        .map(|(line, name)| format!("{line}:{name}"))
        .collect();
    assert_eq!(names, ["1:value", "1:codec", "4:union", "5:model!"]);
}
