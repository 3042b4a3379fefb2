//! `airflow-comms bundle pack` and `bundle inspect`, end to end, with a shell script standing in
//! for a runtime (it prints a manifest for `--airflow-metadata`). Airflow's own reader is run
//! against the same bundles by `tools/bundle/check_reader.py` in `.ci/run`.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// What the fake runtime prints: YAML as a person would write it, with values PyYAML would
/// misread left unquoted (the packer must quote them) and keys in no particular order.
const MANIFEST: &str = r#"
source: main.rs
sdk:
  version: "0.1.0"
  supervisor_schema_version: 2026-06-16
  language: rust
airflow_bundle_metadata_version: "1.0"
dags:
  rust_demo:
    tasks: [greet, connect, sum_upstream, always_fails, skip_me]
  "2026-01-01":
    tasks: [yes, "1:30", 0755x, "on"]
    owner: data-team
x_future_key: {nested: [1, 2.5, true, null]}
"#;

const SOURCE: &str = "// the DAG\nfn main() { println!(\"héllo\"); }\n";

fn cli(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_airflow-comms"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// An executable shell script that prints `manifest` for `--airflow-metadata`.
fn fake_runtime(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn printing(manifest: &str) -> String {
    format!(
        "[ \"$1\" = --airflow-metadata ] || {{ echo \"unexpected arguments: $*\" >&2; exit 2; }}\n\
         cat <<'YAML'\n{manifest}\nYAML\nexit 0"
    )
}

struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        fake_runtime(dir.path(), "runtime", &printing(MANIFEST));
        fs::write(dir.path().join("demo_tasks.rs"), SOURCE).unwrap();
        Self { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn run(&self, args: &[&str]) -> Output {
        cli(self.path(), args)
    }

    fn pack(&self, out: &str) -> Vec<u8> {
        let done = self.run(&[
            "bundle",
            "pack",
            "runtime",
            "--out",
            out,
            "--source",
            "demo_tasks.rs",
        ]);
        assert_eq!(done.status.code(), Some(0), "{}", stderr(&done));
        fs::read(self.path().join(out)).unwrap()
    }

    fn inspect(&self, file: &str) -> Output {
        self.run(&["bundle", "inspect", file])
    }
}

fn inspected(out: &Output) -> Value {
    assert_eq!(out.status.code(), Some(0), "{}", stderr(out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn pack_is_deterministic_executable_and_inspect_gives_every_region_back() {
    let scratch = Scratch::new();
    let first = scratch.pack("first");
    let second = scratch.pack("nested/dir/second");
    assert_eq!(first, second, "byte-identical output for identical inputs");
    let mode = fs::metadata(scratch.path().join("first"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o755);

    let runtime = fs::read(scratch.path().join("runtime")).unwrap();
    assert_eq!(
        &first[..runtime.len()],
        &runtime[..],
        "the executable region is the executable"
    );
    assert_eq!(
        &first[runtime.len()..runtime.len() + SOURCE.len()],
        SOURCE.as_bytes()
    );
    assert_eq!(&first[first.len() - 8..], b"AFBNDL01");

    let shown = inspected(&scratch.inspect("first"));
    let sha = hex::encode(Sha256::digest(&runtime));
    assert_eq!(shown["footer_ver"], 1);
    assert_eq!(shown["binary_sha256"], sha);
    assert_eq!(shown["source_len"], SOURCE.len());
    assert_eq!(shown["source"], SOURCE);
    let metadata_len = first.len() - runtime.len() - SOURCE.len() - 64;
    assert_eq!(shown["metadata_len"], metadata_len);
    let manifest = &shown["manifest"];
    assert_eq!(
        *manifest,
        json!({
            "airflow_bundle_metadata_version": "1.0",
            "dags": {
                "2026-01-01": {"owner": "data-team", "tasks": ["yes", "1:30", "0755x", "on"]},
                "rust_demo": {"tasks": ["greet", "connect", "sum_upstream", "always_fails", "skip_me"]},
            },
            "digests": {"cache": manifest["digests"]["cache"], "integrity": sha},
            "sdk": {"language": "rust", "supervisor_schema_version": "2026-06-16", "version": "0.1.0"},
            "source": "demo_tasks.rs",
            "x_future_key": {"nested": [1, 2.5, true, null]},
        })
    );
    // Sorted keys at every level, as written.
    let keys: Vec<&String> = manifest.as_object().unwrap().keys().collect();
    assert!(keys.is_sorted(), "{keys:?}");
    let text = String::from_utf8_lossy(&first[runtime.len() + SOURCE.len()..first.len() - 64]);
    assert!(
        text.contains("supervisor_schema_version: \"2026-06-16\"\n"),
        "{text}"
    );
    assert!(text.contains("- \"yes\"\n"), "{text}");

    // The bundle still runs: the script ends before the appended regions.
    let again = Command::new(scratch.path().join("first"))
        .arg("--airflow-metadata")
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(0));
}

#[test]
fn the_cache_digest_changes_with_the_source_and_nothing_else_does_by_chance() {
    let scratch = Scratch::new();
    let before = inspected(&scratch.inspect_after_pack("a"));
    fs::write(scratch.path().join("demo_tasks.rs"), "// changed\n").unwrap();
    let after = inspected(&scratch.inspect_after_pack("b"));
    assert_eq!(before["binary_sha256"], after["binary_sha256"]);
    assert_eq!(
        before["manifest"]["digests"]["integrity"],
        after["manifest"]["digests"]["integrity"]
    );
    assert_ne!(
        before["manifest"]["digests"]["cache"],
        after["manifest"]["digests"]["cache"]
    );
}

impl Scratch {
    fn inspect_after_pack(&self, out: &str) -> Output {
        self.pack(out);
        self.inspect(out)
    }
}

#[test]
fn pack_without_source_keeps_the_manifests_source_and_embeds_nothing() {
    let scratch = Scratch::new();
    let done = scratch.run(&["bundle", "pack", "runtime", "--out", "plain"]);
    assert_eq!(done.status.code(), Some(0), "{}", stderr(&done));
    let shown = inspected(&scratch.inspect("plain"));
    assert_eq!(shown["source_len"], 0);
    assert_eq!(shown["source"], "");
    assert_eq!(shown["manifest"]["source"], "main.rs");
}

#[test]
fn pack_runs_the_named_file_not_one_on_path() {
    let scratch = Scratch::new();
    // Another `runtime` first on PATH: a PATH lookup of the bare name would run that one.
    let elsewhere = scratch.path().join("elsewhere");
    fs::create_dir(&elsewhere).unwrap();
    fake_runtime(
        &elsewhere,
        "runtime",
        "echo 'the wrong runtime' >&2; exit 9",
    );
    let path = format!(
        "{}:{}",
        elsewhere.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let done = Command::new(env!("CARGO_BIN_EXE_airflow-comms"))
        .args(["bundle", "pack", "runtime", "--out", "b"])
        .current_dir(scratch.path())
        .env("PATH", path)
        .output()
        .unwrap();
    assert_eq!(done.status.code(), Some(0), "{}", stderr(&done));
}

#[test]
fn pack_explains_a_runtime_that_fails_hangs_or_prints_a_bad_manifest() {
    let scratch = Scratch::new();
    let cases: [(&str, String, &[&str], &str); 6] = [
        (
            "fails",
            "echo 'no such task registry' >&2; exit 3".into(),
            &[],
            "failed (exit status: 3): no such task registry",
        ),
        (
            "hangs",
            "sleep 30".into(),
            &["--timeout", "0.3"],
            "did not exit within 0.3 s",
        ),
        (
            "no_sdk",
            printing(
                "airflow_bundle_metadata_version: '1.0'\nsource: a.rs\ndags: {d: {tasks: [t]}}",
            ),
            &[],
            "has no `sdk`",
        ),
        (
            "float_version",
            printing(&MANIFEST.replace("\"1.0\"", "1.0")),
            &[],
            "the number 1.0 at `airflow_bundle_metadata_version`, where a string belongs (quote it",
        ),
        (
            "bad_date",
            printing(&MANIFEST.replace("2026-06-16", "June 16")),
            &[],
            "`June 16` is not a YYYY-MM-DD date",
        ),
        (
            "no_dags",
            printing(&MANIFEST.replace("dags:", "other:")),
            &[],
            "has no `dags`",
        ),
    ];
    for (name, body, extra, expected) in cases {
        fake_runtime(scratch.path(), name, &body);
        let mut args = vec!["bundle", "pack", name, "--out", "never"];
        args.extend_from_slice(extra);
        let done = scratch.run(&args);
        assert_eq!(done.status.code(), Some(1), "{name}: {}", stderr(&done));
        assert!(
            stderr(&done).contains(expected),
            "{name}: {}",
            stderr(&done)
        );
    }
    assert!(
        !scratch.path().join("never").exists(),
        "nothing written on failure"
    );
    let leftovers: Vec<_> = fs::read_dir(scratch.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .filter(|name| name.to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn pack_refuses_a_bundle_a_directory_and_its_own_inputs() {
    let scratch = Scratch::new();
    scratch.pack("bundle");
    fs::create_dir(scratch.path().join("adir")).unwrap();
    let cases: [(&[&str], i32, &str); 4] = [
        (
            &["bundle", "pack", "bundle", "--out", "again"],
            1,
            "already ends with a bundle trailer",
        ),
        (
            &["bundle", "pack", "runtime", "--out", "adir"],
            2,
            "is a directory",
        ),
        (
            &["bundle", "pack", "runtime", "--out", "./runtime"],
            2,
            "is the executable being packed",
        ),
        (
            &[
                "bundle",
                "pack",
                "runtime",
                "--out",
                "demo_tasks.rs",
                "--source",
                "demo_tasks.rs",
            ],
            2,
            "is the source being packed",
        ),
    ];
    for (args, code, expected) in cases {
        let done = scratch.run(args);
        assert_eq!(
            done.status.code(),
            Some(code),
            "{args:?}: {}",
            stderr(&done)
        );
        assert!(
            stderr(&done).contains(expected),
            "{args:?}: {}",
            stderr(&done)
        );
    }
    assert_eq!(
        fs::read_to_string(scratch.path().join("demo_tasks.rs")).unwrap(),
        SOURCE
    );
}

#[test]
fn inspect_names_each_corruption_and_exits_1() {
    let scratch = Scratch::new();
    let good = scratch.pack("good");
    let n = good.len();
    let put_u32 = move |bytes: &mut Vec<u8>, at: usize, value: u32| {
        bytes[n - 64 + at..n - 60 + at].copy_from_slice(&value.to_le_bytes())
    };
    let whole = (n - 64 - SOURCE.len()) as u32;
    type Corrupt = Box<dyn Fn(&mut Vec<u8>)>;
    let cases: Vec<(&str, Corrupt, &str)> = vec![
        (
            "magic",
            Box::new(move |b| b[n - 1] = b'2'),
            "not a bundle: the file ends with \"AFBNDL02\"",
        ),
        (
            "short",
            Box::new(move |b| b.truncate(63)),
            "not a bundle: the file is 63 bytes",
        ),
        (
            "footer_ver",
            Box::new(move |b| put_u32(b, 8, 2)),
            "unsupported footer_ver 2",
        ),
        (
            "reserved",
            Box::new(move |b| b[n - 10] = 7),
            "reserved bytes 44..56 are not zero: 000000000000000000000700",
        ),
        (
            "past_start",
            Box::new(move |b| put_u32(b, 0, u32::MAX)),
            "declares regions past the start of the file",
        ),
        (
            "no_executable",
            Box::new(move |b| put_u32(b, 4, whole)),
            "leaves no room for the executable",
        ),
        (
            "binary_byte",
            Box::new(move |b| b[20] ^= 0x20),
            "binary_sha256 mismatch",
        ),
        (
            "trailer_hash",
            Box::new(move |b| b[n - 30] ^= 1),
            "binary_sha256 mismatch",
        ),
        (
            "truncated",
            Box::new(move |b| b.drain(10..11).for_each(drop)),
            "binary_sha256 mismatch",
        ),
    ];
    for (name, corrupt, expected) in cases {
        let mut bytes = good.clone();
        corrupt(&mut bytes);
        fs::write(scratch.path().join(name), &bytes).unwrap();
        let done = scratch.inspect(name);
        assert_eq!(done.status.code(), Some(1), "{name}: {}", stderr(&done));
        assert!(done.stdout.is_empty(), "{name}");
        assert!(
            stderr(&done).contains(expected),
            "{name}: {}",
            stderr(&done)
        );
    }
    fs::write(scratch.path().join("plain"), b"just a text file\n").unwrap();
    let done = scratch.inspect("demo_tasks.rs");
    assert_eq!(done.status.code(), Some(1));
    assert!(stderr(&done).contains("not a bundle"), "{}", stderr(&done));
    let done = scratch.inspect("missing");
    assert_eq!(
        done.status.code(),
        Some(2),
        "an unreadable file is a usage error"
    );
}

/// A real executable (this CLI) packed by the library still runs, the appended regions unseen by
/// the loader.
#[test]
fn a_packed_elf_still_runs() {
    use airflow_comms::bundle::{Dag, Manifest, Sdk, pack};
    let scratch = Scratch::new();
    let exe = fs::read(env!("CARGO_BIN_EXE_airflow-comms")).unwrap();
    let dags = [(
        "d".to_owned(),
        Dag {
            tasks: vec!["t".into()],
            ..Dag::default()
        },
    )]
    .into();
    let manifest = Manifest::new(Sdk::rust("0.1.0"), "main.rs", dags);
    let path = scratch.path().join("elf-bundle");
    fs::write(&path, pack(&exe, SOURCE.as_bytes(), &manifest).unwrap()).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    let version = Command::new(&path).arg("--version").output().unwrap();
    assert_eq!(version.status.code(), Some(0), "{}", stderr(&version));
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("airflow-comms "));
    let shown = inspected(&scratch.inspect("elf-bundle"));
    assert_eq!(shown["binary_sha256"], hex::encode(Sha256::digest(&exe)));
}
