//! The library's modules form one-way layers (`docs/architecture.md`): a module may use its own
//! layer and the layers below it, never one above. This test tokenizes every file under `src/`
//! (with `proc-macro2`, so comments, doc comments and string literals are no paths) and fails on
//! any path into a higher layer, naming the file, the line and the path.
//!
//! What counts as a use: every `crate::…` and `$crate::…` path, including each branch of a
//! `use crate::{…}` group and the paths inside `macro_rules!` bodies. Inside the crate, items are
//! named by the layer module that defines them, never by the root re-exports (`crate::Limits`,
//! `crate::decode`): a root name would hide which layer the item comes from, so it is refused
//! too, except the version constants `lib.rs` itself defines and the `#[macro_export]`ed macros
//! (which live at the root, and count as part of the module that defines them). Unit tests
//! (`#[cfg(test)] mod tests { … }`) are checked as well: a lower layer's tests build their
//! inputs from the same layers its code may use.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use proc_macro2::{Delimiter, TokenStream, TokenTree};

/// The layers, lowest first. A module of layer `i` may use layers `0..=i`.
const LAYERS: &[&[&str]] = &[
    // Plain values: free-form values, date-times, durations, their serde glue.
    &["value"],
    // One plain struct per message, the closed string sets, the model and union macros.
    &["messages"],
    // The unions: groups, channels, request/reply pairing.
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

/// Uses of a higher layer that remain, each with the reason; `(file, first path segment)`.
/// The test fails on any other, and on an entry here that no longer occurs, so the list only
/// shrinks.
const KNOWN_BACK_EDGES: &[(&str, &str, &str)] = &[];

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

fn tokens(text: &str) -> Vec<TokenTree> {
    TokenStream::from_str(text)
        .expect("every file under src/ tokenizes")
        .into_iter()
        .collect()
}

fn is_punct(tree: Option<&TokenTree>, ch: char) -> bool {
    matches!(tree, Some(TokenTree::Punct(p)) if p.as_char() == ch)
}

fn is_ident(tree: Option<&TokenTree>, name: &str) -> bool {
    matches!(tree, Some(TokenTree::Ident(i)) if i == name)
}

/// The first segment of every path `crate::…` in `trees` (macro paths keep their `!`), with its
/// line.
fn crate_paths(trees: &[TokenTree], found: &mut Vec<(usize, String)>) {
    for (i, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Group(group) => {
                crate_paths(&group.stream().into_iter().collect::<Vec<_>>(), found);
            }
            TokenTree::Ident(ident)
                if ident == "crate"
                    && is_punct(trees.get(i + 1), ':')
                    && is_punct(trees.get(i + 2), ':') =>
            {
                let line = ident.span().start().line;
                match trees.get(i + 3) {
                    Some(TokenTree::Ident(first)) => {
                        let bang = if is_punct(trees.get(i + 4), '!') {
                            "!"
                        } else {
                            ""
                        };
                        found.push((line, format!("{first}{bang}")));
                    }
                    // `use crate::{a::b, c, d::{e, f}}`: the first segment of each branch.
                    Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Brace => {
                        let mut branch_start = true;
                        for inner in group.stream() {
                            match &inner {
                                TokenTree::Ident(first) if branch_start => {
                                    found.push((line, first.to_string()));
                                    branch_start = false;
                                }
                                TokenTree::Punct(p) if p.as_char() == ',' => branch_start = true,
                                _ => branch_start = false,
                            }
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
}

/// The names of the `#[macro_export]`ed `macro_rules!` among `trees` (a file's items).
fn exported_macros(trees: &[TokenTree]) -> Vec<String> {
    let mut names = Vec::new();
    for i in 0..trees.len() {
        let TokenTree::Ident(name) = &trees[i] else {
            continue;
        };
        if i < 2 || !is_punct(trees.get(i - 1), '!') || !is_ident(trees.get(i - 2), "macro_rules") {
            continue;
        }
        // The attributes right before `macro_rules!`: pairs of `#` and `[…]`.
        let mut at = i - 2;
        let mut exported = false;
        while at >= 2 && is_punct(trees.get(at - 2), '#') {
            let TokenTree::Group(attribute) = &trees[at - 1] else {
                break;
            };
            exported |= attribute.delimiter() == Delimiter::Bracket
                && is_ident(
                    attribute.stream().into_iter().next().as_ref(),
                    "macro_export",
                );
            at -= 2;
        }
        if exported {
            names.push(name.to_string());
        }
    }
    names
}

#[test]
fn no_module_uses_a_layer_above_its_own() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    // (shown path, top-level module, tokens) of every file but lib.rs.
    let mut parsed = Vec::new();
    let mut problems = Vec::new();
    for file in &files {
        let Some(module) = top_module(&src, file) else {
            continue;
        };
        let shown = file.strip_prefix(&src).unwrap().display().to_string();
        let trees = tokens(&std::fs::read_to_string(file).unwrap());
        parsed.push((shown, module, trees));
    }
    // Exported macros are named at the root; each belongs to the module that defines it.
    let macros: BTreeMap<String, String> = parsed
        .iter()
        .flat_map(|(_, module, trees)| {
            exported_macros(trees)
                .into_iter()
                .map(move |name| (name, module.clone()))
        })
        .collect();
    // The crate's macros are internal (textually scoped with `#[macro_use]`): none is exported,
    // so none is public API. The table above stays so that the check below would still place
    // one, should an exported macro ever be needed.
    assert!(
        macros.is_empty(),
        "exported macros are public API; keep them crate-internal: {macros:?}"
    );

    let mut checked = BTreeMap::new();
    let mut known_seen = vec![false; KNOWN_BACK_EDGES.len()];
    for (shown, module, trees) in &parsed {
        let Some(own) = layer_of(module) else {
            problems.push(format!(
                "src/{shown}: top-level module `{module}` is in no layer of tests/layers.rs"
            ));
            continue;
        };
        let mut paths = Vec::new();
        crate_paths(trees, &mut paths);
        *checked.entry(module.clone()).or_insert(0) += paths.len();
        for (line, first) in paths {
            if ROOT_ITEMS.contains(&first.as_str()) {
                continue;
            }
            let defined_in = match first.strip_suffix('!') {
                Some(name) => match macros.get(name) {
                    Some(module) => module.as_str(),
                    None => {
                        problems.push(format!(
                            "src/{shown}:{line}: `crate::{first}` is no exported macro"
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
                        .position(|(file, to, _)| file == shown && *to == defined_in) =>
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

/// The scanner itself: paths in comments and strings do not count; groups, `$crate`, macro
/// bodies and macro paths do; exported macros are told from local ones.
#[test]
fn crate_paths_and_exported_macros_are_found_where_code_names_them() {
    let trees = tokens(
        "use crate::{value::JsonValue, codec::{decode, frame}};\n\
         // crate::peer in a comment\n\
         /// crate::peer in a doc comment\n\
         fn f() { let s = \"crate::peer in a string\"; let c = '\"'; }\n\
         #[doc(hidden)]\n#[macro_export]\nmacro_rules! exported { () => { $crate::union::Union } }\n\
         macro_rules! local { () => { $crate::model!(@tag); mycrate::peer; } }\n",
    );
    let mut found = Vec::new();
    crate_paths(&trees, &mut found);
    let names: Vec<_> = found
        .into_iter()
        .map(|(line, name)| format!("{line}:{name}"))
        .collect();
    assert_eq!(names, ["1:value", "1:codec", "7:union", "8:model!"]);
    assert_eq!(exported_macros(&trees), ["exported"]);
}
