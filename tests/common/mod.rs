//! Helpers shared by the integration tests that compare Rust output with Python's: reading the
//! checked-in data the Python tools wrote, hex, and comparing JSON.
//!
//! Each test crate that says `mod common;` compiles this file and uses only part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde_json::Value;

/// `relative` under the repository root (the crate's manifest directory).
pub fn repo_path(relative: impl AsRef<Path>) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// The text of `relative` (under the repository root); panics naming the file if it is missing.
pub fn read_text(relative: impl AsRef<Path>) -> String {
    let path = repo_path(relative);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()))
}

/// The JSON document `relative` (under the repository root).
pub fn read_json(relative: impl AsRef<Path>) -> Value {
    let path = repo_path(relative);
    let text = read_text(&path);
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// The lines of the JSON Lines file `relative` (under the repository root), each parsed.
pub fn read_jsonl(relative: impl AsRef<Path>) -> Vec<Value> {
    let path = repo_path(relative);
    read_text(&path)
        .lines()
        .enumerate()
        .map(|(n, line)| {
            serde_json::from_str(line)
                .unwrap_or_else(|err| panic!("{}:{}: {err}", path.display(), n + 1))
        })
        .collect()
}

/// The bytes the Python tools wrote as hex; panics on text that is not hex.
pub fn unhex(text: &str) -> Vec<u8> {
    ::hex::decode(text).unwrap_or_else(|err| panic!("not hex ({err}): {text}"))
}

/// `bytes` as lowercase hex, as Python's `bytes.hex()` writes them.
pub fn hex(bytes: &[u8]) -> String {
    ::hex::encode(bytes)
}

/// Compares two JSON values strictly: same object keys in the same order, same array items,
/// same strings; numbers equal as numbers (Python and Rust spell some floats differently).
pub fn same_json(a: &Value, b: &Value, path: &str) -> Result<(), String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let kx: Vec<_> = x.keys().collect();
            let ky: Vec<_> = y.keys().collect();
            if kx != ky {
                return Err(format!("{path}: keys {kx:?} != {ky:?}"));
            }
            for (k, v) in x {
                same_json(v, &y[k], &format!("{path}.{k}"))?;
            }
            Ok(())
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                return Err(format!("{path}: {} items != {} items", x.len(), y.len()));
            }
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                same_json(v, w, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        (Value::Number(x), Value::Number(y)) => {
            let equal = match (x.as_i64(), y.as_i64(), x.as_u64(), y.as_u64()) {
                (Some(i), Some(j), _, _) => i == j,
                (_, _, Some(i), Some(j)) => i == j,
                _ => x.as_f64() == y.as_f64(),
            };
            if equal {
                Ok(())
            } else {
                Err(format!("{path}: {x} != {y}"))
            }
        }
        _ if a == b => Ok(()),
        _ => Err(format!("{path}: {a} != {b}")),
    }
}
