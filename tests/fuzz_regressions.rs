//! The fuzz targets on stable, without libFuzzer: every seed in `fuzz/seeds/<target>/` and every
//! reproducer in `fuzz/regressions/<target>/` goes through the target's own logic
//! (`fuzz/targets.rs`, the very file the fuzz binaries include), invariants included. A crash
//! the fuzzer once found stays fixed, and the seeds (built from the conformance corpus by
//! `tools/fuzz/seed_corpus.py`) keep passing, without nightly or cargo-fuzz.

use std::path::{Path, PathBuf};

#[path = "../fuzz/targets.rs"]
mod targets;

/// Every input file of `fuzz/<kind>/<target>/`, sorted; none when the directory does not exist.
fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(kind)
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.expect("a readable directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

/// Reproducers of bugs not fixed yet, from `fuzz/regressions/OPEN`: `<target>/<file>` per line,
/// then why; `#` starts a comment.
fn open_reproducers() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/OPEN");
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    text.lines()
        .map(|line| line.split('#').next().unwrap_or_default().trim())
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

/// Runs `target` on every seed and reproducer of `name`; fails listing every input that panics.
/// A reproducer listed in `fuzz/regressions/OPEN` (a known bug, not fixed yet) must still fail,
/// so that the fix is noticed and the line removed; it then guards against the bug's return.
fn replay(name: &str, target: fn(&[u8])) {
    let seeds = inputs("seeds", name);
    assert!(
        !seeds.is_empty(),
        "no seeds in fuzz/seeds/{name}/: run python3 tools/fuzz/seed_corpus.py"
    );
    let reproducers = inputs("regressions", name);
    let open = open_reproducers();
    let mut failures = Vec::new();
    for path in seeds.iter().chain(&reproducers) {
        let data = std::fs::read(path).expect("a readable input");
        let file = path.file_name().unwrap().to_string_lossy();
        let known_open = open.contains(&format!("{name}/{file}"));
        match std::panic::catch_unwind(|| target(&data)) {
            Ok(()) if known_open => failures.push(format!(
                "{}: passes now; remove `{name}/{file}` from fuzz/regressions/OPEN",
                path.display()
            )),
            Ok(()) => {}
            Err(_) if known_open => eprintln!("{name}/{file}: still fails (listed in OPEN)"),
            Err(panic) => {
                let message = panic
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| panic.downcast_ref::<&str>().copied())
                    .unwrap_or("(no message)");
                // Keep the report readable: a message may hold a whole decoded message.
                let message: String = message.chars().take(2000).collect();
                failures.push(format!("{}: {message}", path.display()));
            }
        }
    }
    eprintln!(
        "{name}: {} seeds, {} reproducers",
        seeds.len(),
        reproducers.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} inputs fail:\n{}",
        failures.len(),
        seeds.len() + reproducers.len(),
        failures.join("\n")
    );
}

#[test]
fn frame_reader_request() {
    replay("frame_reader_request", targets::frame_reader_request);
}

#[test]
fn frame_reader_response() {
    replay("frame_reader_response", targets::frame_reader_response);
}

#[test]
fn json_decode() {
    replay("json_decode", targets::json_decode);
}

#[test]
fn frame_decode() {
    replay("frame_decode", targets::frame_decode);
}

/// A directory under `fuzz/seeds/` or `fuzz/regressions/` that names no target, or a line of
/// `fuzz/regressions/OPEN` that names no reproducer, would be skipped silently: refuse them.
#[test]
fn every_input_directory_names_a_target() {
    const TARGETS: [&str; 4] = [
        "frame_reader_request",
        "frame_reader_response",
        "json_decode",
        "frame_decode",
    ];
    for kind in ["seeds", "regressions"] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz")
            .join(kind);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("a readable directory entry").path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            assert!(
                !path.is_dir() || TARGETS.contains(&name.as_str()),
                "fuzz/{kind}/{name}/ names no fuzz target"
            );
        }
    }
    let regressions = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    for entry in open_reproducers() {
        assert!(
            regressions.join(&entry).is_file(),
            "fuzz/regressions/OPEN lists `{entry}`, which is no reproducer"
        );
    }
}
