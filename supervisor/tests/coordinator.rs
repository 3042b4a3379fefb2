//! Coordinator selection, bundle search and launch, judged by Airflow.
//!
//! The expected outcomes under `tests/data/coordinator/` were recorded by running Airflow's own
//! code (`tools/supervisor/coordinator_facts.py`); this test runs the same cases through the Rust
//! code. The launch tests start small bash scripts that connect back with `/dev/tcp`.

use std::collections::BTreeMap;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use airflow_comms::bundle::{self, Dag, Manifest, Sdk, TRAILER_LEN, Trailer};
use airflow_comms_supervisor::config::{Config, ConfigError, Coordinators, CoordinatorsError};
use airflow_comms_supervisor::coordinator::{
    Bundle, CapturedOutput, Coordinator, DEFAULT_TASK_STARTUP_TIMEOUT,
    EXECUTABLE_COORDINATOR_CLASSPATHS, ExecutableCoordinator, FindError, LaunchError,
    LaunchOptions, Launched, PYTHON_COORDINATOR_CLASSPATH, SelectionError, find_bundle, for_queue,
    launch,
};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

fn data(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/coordinator")
        .join(name);
    let text = std::fs::read_to_string(&path).expect("the recorded facts are checked in");
    serde_json::from_str(&text).expect("the recorded facts are JSON")
}

fn text(value: &Value) -> &str {
    value.as_str().expect("a string in the recorded facts")
}

// --- selection ------------------------------------------------------------------------------

#[test]
fn known_classpaths_are_the_classes_airflow_imports() {
    let facts = data("selection.json");
    let classes = &facts["classpaths"];
    let executable = "airflow.sdk.coordinators.executable.coordinator.ExecutableCoordinator";
    for classpath in EXECUTABLE_COORDINATOR_CLASSPATHS {
        assert_eq!(classes[classpath], executable, "{classpath}");
    }
    assert_eq!(
        classes[PYTHON_COORDINATOR_CLASSPATH],
        PYTHON_COORDINATOR_CLASSPATH
    );
}

/// Python's `float` seconds as the Rust side keeps them.
fn expected_timeout(seconds: f64) -> Duration {
    if seconds <= 0.0 {
        Duration::ZERO
    } else {
        Duration::try_from_secs_f64(seconds).unwrap_or(Duration::MAX)
    }
}

/// `os.path.expanduser("~")` for this process: `$HOME` without trailing slashes.
fn home() -> Option<String> {
    let home = std::env::var("HOME").ok()?;
    let trimmed = home.trim_end_matches('/');
    Some(if trimmed.is_empty() {
        "/".into()
    } else {
        trimmed.into()
    })
}

/// The classpath of the entry a case routes its queue to, if any.
fn routed_classpath(case: &Value) -> Option<String> {
    let parse = |key: &str| -> Option<Value> {
        case[key]
            .as_str()
            .filter(|s| !s.is_empty())
            .and_then(|s| serde_json::from_str(s).ok())
    };
    let queue = match text(&case["queue"]) {
        "" => "default",
        queue => queue,
    };
    let target = parse("queue_to_coordinator")?
        .get(queue)?
        .as_str()?
        .to_owned();
    Some(
        parse("coordinators")?
            .get(&target)?
            .get("classpath")?
            .as_str()?
            .to_owned(),
    )
}

/// Where the Rust side refused a case: reading the options, or building the queue's entry.
#[derive(Debug, PartialEq)]
enum Failure {
    Options(CoordinatorsError),
    Selection(SelectionError),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Options(err) => err.fmt(f),
            Failure::Selection(err) => err.fmt(f),
        }
    }
}

/// The supervisor's path for a case: the two options read from the environment Airflow was given
/// (`Settings` reads them with [`Coordinators::from_config`]), then [`for_queue`].
fn select(case: &Value) -> Result<Coordinator, Failure> {
    let env = [
        ("AIRFLOW__SDK__COORDINATORS", &case["coordinators"]),
        (
            "AIRFLOW__SDK__QUEUE_TO_COORDINATOR",
            &case["queue_to_coordinator"],
        ),
    ]
    .into_iter()
    .filter_map(|(name, value)| Some((name.to_owned(), value.as_str()?.to_owned())));
    let config = Config::from_sources(env, None).expect("no file to parse");
    let coordinators = match Coordinators::from_config(&config) {
        Ok(coordinators) => coordinators,
        Err(ConfigError::Coordinators(err)) => return Err(Failure::Options(err)),
        Err(other) => panic!(
            "{}: not a coordinators error: {other:?}",
            text(&case["name"])
        ),
    };
    for_queue(&coordinators, text(&case["queue"])).map_err(Failure::Selection)
}

/// Whether the Rust error is the one that corresponds to Python's exception.
fn same_failure(case: &Value, python: &Value, rust: &Failure) -> bool {
    let kind = text(&python["type"]);
    let message = text(&python["message"]);
    let option = if message.contains("'coordinators'") || message.contains("'items'") {
        "coordinators"
    } else {
        "queue_to_coordinator"
    };
    match (kind, rust) {
        (
            "AirflowConfigException",
            Failure::Options(CoordinatorsError::InvalidJson { option: o, .. }),
        ) => *o == option,
        ("AttributeError", Failure::Options(CoordinatorsError::NotAnObject { option: o, .. })) => {
            *o == option
        }
        ("ValidationError", Failure::Options(CoordinatorsError::InvalidEntry { .. })) => true,
        ("ValueError", Failure::Options(CoordinatorsError::UnknownCoordinator { .. })) => {
            message.contains("references invalid coordinator key")
        }
        ("TypeError", Failure::Options(CoordinatorsError::UnknownCoordinator { .. })) => {
            message.contains("unhashable")
        }
        ("ValueError", Failure::Selection(SelectionError::InvalidKwarg { kwarg, .. }))
        | ("RuntimeError", Failure::Selection(SelectionError::InvalidKwarg { kwarg, .. })) => {
            *kwarg == "executables_root"
        }
        (
            "InvalidCoordinatorError",
            Failure::Selection(SelectionError::Unsupported { classpath, .. }),
        ) => {
            message.starts_with("Cannot import")
                && Some(classpath.clone()) == routed_classpath(case)
        }
        (
            "InvalidCoordinatorError",
            Failure::Selection(SelectionError::CannotInstantiate { .. }),
        ) => message.starts_with("Cannot instantiate"),
        _ => false,
    }
}

#[test]
fn selection_matches_airflow() {
    let facts = data("selection.json");
    let cases = facts["cases"].as_array().expect("cases");
    assert!(cases.len() >= 50, "{} cases", cases.len());
    let home = home();
    for case in cases {
        let name = text(&case["name"]);
        let python = &case["python"];
        let rust = select(case);
        if let Some(error) = python.get("error") {
            let Err(rust) = &rust else {
                panic!("{name}: Airflow raised {error}, Rust chose {rust:?}");
            };
            assert!(
                same_failure(case, error, rust),
                "{name}: Airflow raised {error}, Rust said {rust:?}"
            );
            // Every error names the option it is about.
            assert!(
                rust.to_string().starts_with("[sdk] coordinators: ")
                    || rust.to_string().starts_with("[sdk] queue_to_coordinator: "),
                "{name}: {rust}"
            );
            continue;
        }
        match text(&python["coordinator"]) {
            "python" => assert_eq!(rust, Ok(Coordinator::Python), "{name}"),
            "other" => assert!(
                matches!(
                    rust,
                    Err(Failure::Selection(SelectionError::Unsupported { .. }))
                ),
                "{name}: Airflow chose {}, Rust said {rust:?}",
                python["class"]
            ),
            "executable" if !python["timeout_error_at_launch"].is_null() => assert!(
                matches!(
                    rust,
                    Err(Failure::Selection(SelectionError::InvalidKwarg {
                        kwarg: "task_startup_timeout",
                        ..
                    }))
                ),
                "{name}: Airflow fails at launch with {}, Rust said {rust:?}",
                python["timeout_error_at_launch"]
            ),
            "executable" => {
                let roots: Vec<String> = python["executables_root"]
                    .as_array()
                    .expect("roots")
                    .iter()
                    .map(|root| text(root).to_owned())
                    .collect();
                if roots.iter().any(|root| root.contains("{HOME}")) && home.is_none() {
                    continue;
                }
                let roots: Vec<PathBuf> = roots
                    .iter()
                    .map(|root| {
                        PathBuf::from(root.replace("{HOME}", home.as_deref().unwrap_or("")))
                    })
                    .collect();
                let Ok(Coordinator::Executable(chosen)) = &rust else {
                    panic!("{name}: Airflow chose ExecutableCoordinator, Rust said {rust:?}");
                };
                assert_eq!(chosen.executables_root, roots, "{name}");
                let seconds = python["task_startup_timeout"].as_f64().expect("seconds");
                assert_eq!(
                    chosen.task_startup_timeout,
                    expected_timeout(seconds),
                    "{name}"
                );
                assert!(!chosen.key.is_empty(), "{name}");
            }
            other => panic!("{name}: unknown outcome {other}"),
        }
    }
}

// --- bundles --------------------------------------------------------------------------------

/// The bundle `coordinator_facts.py` writes for a manifest text and a corruption, byte for byte.
fn bundle_bytes(binary: &[u8], manifest: &str, corrupt: Option<&str>) -> Vec<u8> {
    let mut metadata = manifest.as_bytes().to_vec();
    if corrupt == Some("metadata_not_utf8") {
        metadata.push(0xff);
    }
    let mut trailer = Trailer {
        source_len: 0,
        metadata_len: u32::try_from(metadata.len()).expect("a small manifest"),
        footer_ver: 1,
        binary_sha256: Sha256::digest(binary).into(),
    };
    match corrupt {
        Some("hash") => trailer.binary_sha256[0] ^= 1,
        Some("footer_ver") => trailer.footer_ver = 2,
        Some("past_start") => trailer.source_len = 1 << 20,
        Some("no_binary") => trailer.source_len = u32::try_from(binary.len()).expect("small"),
        _ => {}
    }
    let mut tail = trailer.to_bytes();
    match corrupt {
        Some("reserved") => tail[55] = 1,
        Some("magic") => tail[63] = b'2',
        _ => {}
    }
    let mut bytes = [binary, &metadata, &tail].concat();
    if corrupt == Some("short") {
        bytes = bytes[bytes.len() - 40..].to_vec();
    }
    assert!(corrupt == Some("short") || bytes.len() >= TRAILER_LEN);
    bytes
}

fn write_file(path: &Path, bytes: &[u8], mode: u32) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, bytes).expect("write");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// Compares a Rust search result with Airflow's, paths taken relative to `base`.
fn assert_same_search(name: &str, python: &Value, rust: &Result<Bundle, FindError>, base: &Path) {
    let base = std::fs::canonicalize(base).expect("the base exists");
    if let Some(found) = python.get("found") {
        let Ok(bundle) = rust else {
            panic!("{name}: Airflow found {found}, Rust said {rust:?}");
        };
        assert_eq!(bundle.path, base.join(text(found)), "{name}");
        assert_eq!(
            bundle.schema_version,
            text(&python["schema_version"]),
            "{name}"
        );
        return;
    }
    let matched = matches!(
        (text(&python["error"]), rust),
        ("not_found", Err(FindError::NotFound { .. }))
            | ("rejected", Err(FindError::Rejected { .. }))
            | ("exception", Err(FindError::Manifest { .. }))
    );
    assert!(matched, "{name}: Airflow said {python}, Rust said {rust:?}");
    if let Err(err) = rust {
        let message = err.to_string();
        if python["error"] != "exception" {
            let expected = text(&python["message"]).replace("{BASE}", &base.display().to_string());
            // The Rust message starts as Airflow's does, with Rust quoting of the DAG id.
            let head = expected.split(" in ").next().unwrap_or_default();
            let head = head.replace('\'', "\"");
            assert!(
                message.starts_with(&head),
                "{name}: {message:?} vs {expected:?}"
            );
        }
    }
}

#[test]
fn manifests_are_read_as_airflow_reads_them() {
    let facts = data("manifests.json");
    let binary = text(&facts["binary"]).as_bytes().to_vec();
    let temp = tempfile::tempdir().expect("a temp dir");
    let cases = facts["cases"].as_array().expect("cases");
    assert!(cases.len() >= 60, "{} cases", cases.len());
    for (i, case) in cases.iter().enumerate() {
        let name = text(&case["name"]);
        let dir = temp.path().join(format!("m{i}"));
        let file = dir.join("bundle");
        let corrupt = case["corrupt"].as_str();
        write_file(
            &file,
            &bundle_bytes(&binary, text(&case["manifest"]), corrupt),
            0o755,
        );
        for (dag_id, python) in case["lookups"].as_object().expect("lookups") {
            let rust = find_bundle(std::slice::from_ref(&dir), dag_id);
            assert_same_search(&format!("{name} / {dag_id}"), python, &rust, temp.path());
            // Beyond Airflow: a corrupt bundle is named, with what is wrong, in the error.
            if let (Some(corrupt), Err(FindError::NotFound { skipped, .. })) = (corrupt, &rust) {
                let named = skipped
                    .iter()
                    .any(|s| s.path == file && !s.reason.is_empty());
                assert_eq!(
                    named,
                    !matches!(corrupt, "magic" | "short"),
                    "{name}: {skipped:?}"
                );
            }
        }
    }
}

fn make_tree(base: &Path, files: &serde_json::Map<String, Value>, binary: &[u8]) {
    std::fs::create_dir_all(base).expect("mkdir");
    for (rel, spec) in files {
        let path = base.join(rel);
        if rel.ends_with('/') {
            std::fs::create_dir_all(&path).expect("mkdir");
        } else if let Some(target) = spec.as_str().and_then(|s| s.strip_prefix("->")) {
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
            symlink(target, &path).expect("symlink");
        } else {
            let spec = spec.as_array().expect("[manifest, corrupt, mode]");
            let mode = u32::try_from(spec[2].as_u64().expect("mode")).expect("a mode");
            write_file(
                &path,
                &bundle_bytes(binary, text(&spec[0]), spec[1].as_str()),
                mode,
            );
        }
    }
}

#[test]
fn trees_are_walked_as_airflow_walks_them() {
    let facts = data("trees.json");
    let binary = text(&data("manifests.json")["binary"]).as_bytes().to_vec();
    let same_user = facts["uid"].as_u64() == Some(u64::from(rustix::process::getuid().as_raw()));
    let temp = tempfile::tempdir().expect("a temp dir");
    for (i, case) in facts["cases"].as_array().expect("cases").iter().enumerate() {
        let name = text(&case["name"]);
        if name.contains("group only") && !same_user {
            continue;
        }
        let tree = temp.path().join(format!("t{i}"));
        make_tree(&tree, case["files"].as_object().expect("files"), &binary);
        let roots: Vec<PathBuf> = case["roots"]
            .as_array()
            .expect("roots")
            .iter()
            .map(|root| tree.join(text(root)))
            .collect();
        let rust = find_bundle(&roots, text(&case["dag_id"]));
        assert_same_search(name, &case["python"], &rust, &tree);
    }
}

/// A bundle packed by the library for `dags`.
fn packed(dags: &[&str], binary: &[u8]) -> Vec<u8> {
    let dags: BTreeMap<String, Dag> = dags
        .iter()
        .map(|dag| ((*dag).to_owned(), Dag::default()))
        .collect();
    let manifest = Manifest::new(Sdk::rust("0.1.0"), "main.rs", dags);
    bundle::pack(binary, b"fn main() {}\n", &manifest).expect("packs")
}

#[test]
fn a_packed_bundle_is_found_in_nested_directories() {
    let temp = tempfile::tempdir().expect("a temp dir");
    write_file(
        &temp.path().join("a/b/c/etl"),
        &packed(&["etl"], b"\x7fELF-ish"),
        0o755,
    );
    write_file(
        &temp.path().join("a/other"),
        &packed(&["other"], b"\x7fELF-ish"),
        0o755,
    );
    write_file(&temp.path().join("a/notes.txt"), b"not a bundle", 0o644);
    write_file(&temp.path().join("a/tool"), b"#!/bin/sh\n", 0o755);
    let found = find_bundle(&[temp.path().to_owned()], "etl").expect("found");
    assert_eq!(
        found.path,
        std::fs::canonicalize(temp.path().join("a/b/c/etl")).expect("exists")
    );
    assert_eq!(
        found.schema_version,
        airflow_comms::SUPERVISOR_SCHEMA_VERSION
    );
    let coordinator = ExecutableCoordinator::new("go", vec![temp.path().to_owned()]);
    assert_eq!(coordinator.find_bundle("etl").expect("found"), found);
}

#[test]
fn no_bundle_names_the_dag_and_the_roots() {
    let temp = tempfile::tempdir().expect("a temp dir");
    write_file(&temp.path().join("b"), &packed(&["other"], b"bin"), 0o755);
    let err = find_bundle(&[temp.path().to_owned()], "etl").expect_err("not found");
    let message = err.to_string();
    assert!(message.contains("dag_id=\"etl\""), "{message}");
    assert!(
        message.contains(
            &std::fs::canonicalize(temp.path())
                .expect("exists")
                .display()
                .to_string()
        ),
        "{message}"
    );
}

#[test]
fn a_non_executable_bundle_is_skipped() {
    let temp = tempfile::tempdir().expect("a temp dir");
    write_file(&temp.path().join("b"), &packed(&["etl"], b"bin"), 0o644);
    let err = find_bundle(&[temp.path().to_owned()], "etl").expect_err("skipped");
    assert!(
        matches!(err, FindError::NotFound { ref skipped, .. } if skipped.is_empty()),
        "{err}"
    );
}

#[test]
fn a_corrupt_trailer_or_hash_is_named_with_its_problem() {
    let temp = tempfile::tempdir().expect("a temp dir");
    let mut reserved = packed(&["etl"], b"bin");
    let at = reserved.len() - 10;
    reserved[at] = 7;
    let mut hash = packed(&["etl"], b"bin");
    hash[0] ^= 0xff;
    write_file(&temp.path().join("reserved"), &reserved, 0o755);
    write_file(&temp.path().join("hash"), &hash, 0o755);
    let err = find_bundle(&[temp.path().to_owned()], "etl").expect_err("both unusable");
    let FindError::NotFound { skipped, .. } = &err else {
        panic!("{err}");
    };
    let reason = |file: &str| {
        skipped
            .iter()
            .find(|s| s.path == temp.path().join(file))
            .map(|s| s.reason.clone())
            .unwrap_or_default()
    };
    assert!(reason("reserved").contains("reserved bytes"), "{err}");
    assert!(reason("hash").contains("binary_sha256 mismatch"), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("reserved bytes") && message.contains("binary_sha256 mismatch"),
        "{message}"
    );
}

#[test]
fn siblings_are_met_in_directory_order() {
    let temp = tempfile::tempdir().expect("a temp dir");
    for name in ["one", "two", "three", "four", "five"] {
        write_file(
            &temp.path().join(name),
            &packed(&["etl"], name.as_bytes()),
            0o755,
        );
    }
    // Python's os.listdir and Rust's read_dir both give readdir order: the first listed wins.
    let first = std::fs::read_dir(temp.path())
        .expect("list")
        .next()
        .expect("an entry")
        .expect("an entry")
        .path();
    let found = find_bundle(&[temp.path().to_owned()], "etl").expect("found");
    assert_eq!(found.path, std::fs::canonicalize(first).expect("exists"));
}

// --- launch ---------------------------------------------------------------------------------

/// The fake runtimes, written once before any is started: a file being written while another
/// thread forks could otherwise be "text file busy" when it is executed.
fn scripts() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temp dir");
        let connect = r#"
comm=${1#--comm=}; logs=${2#--logs=}
connect_comm() { exec 3<>"/dev/tcp/${comm%:*}/${comm##*:}"; }
connect_logs() { exec 4<>"/dev/tcp/${logs%:*}/${logs##*:}"; }
"#;
        let echo = r#"
read -r line <&3
echo "got:$line" >&4
exit 0
"#;
        let scripts = [
            // Both, comm first; reports its environment and process group, echoes comm to logs.
            ("both", format!(
                "{connect}echo \"early stdout\"; echo \"early stderr\" >&2\n\
                 connect_comm; connect_logs\n\
                 echo \"env:$AIRFLOW__LOGGING__LOGGING_LEVEL:$AIRFLOW__LOGGING__NAMESPACE_LEVELS\"\n\
                 read -r _ _ _ _ pgrp _ < /proc/$$/stat; echo \"pid:$$ pgrp:$pgrp\"\n{echo}"
            )),
            ("logs_first", format!("{connect}connect_logs; sleep 0.1; connect_comm\n{echo}")),
            // A grandchild connects; the child waits for it.
            ("grandchild", format!(
                "bash -c '{connect}connect_comm; connect_logs\n{echo}' grandchild \"$1\" \"$2\" &\nwait\n"
            )),
            // Waits for the test to connect first, then connects.
            ("wait_for_go", format!("{connect}echo \"$1 $2\" > \"$(dirname \"$0\")/args.$$\"\nwhile [ ! -e \"$(dirname \"$0\")/go.$$\" ]; do sleep 0.02; done\nconnect_comm; connect_logs\n{echo}")),
            ("exit3", "echo boom >&2\nexit 3\n".to_owned()),
            ("killed", "kill -9 $$\n".to_owned()),
            ("never", "exec sleep 30\n".to_owned()),
            ("comm_only", format!("{connect}connect_comm\nexec sleep 30\n")),
        ];
        for (name, body) in scripts {
            write_file(&dir.path().join(name), format!("#!/bin/bash\n{body}").as_bytes(), 0o755);
        }
        dir
    })
    .path()
}

fn options(timeout: Duration) -> LaunchOptions {
    LaunchOptions {
        startup_timeout: timeout,
        ..LaunchOptions::default()
    }
}

/// Generous: the scripts connect at once, but the machine may be loaded.
const PATIENT: Duration = Duration::from_secs(60);

async fn read_line(reader: &mut (impl tokio::io::AsyncBufRead + Unpin)) -> String {
    let mut line = String::new();
    tokio::time::timeout(PATIENT, reader.read_line(&mut line))
        .await
        .expect("a line in time")
        .expect("readable");
    line.trim_end().to_owned()
}

/// Sends a line on comm and expects the script to echo it on logs, then exit 0.
async fn check_echo(launched: Launched) {
    let Launched {
        mut child,
        mut comm,
        logs,
        ..
    } = launched;
    comm.write_all(b"ping\n").await.expect("write comm");
    let mut logs = BufReader::new(logs);
    assert_eq!(read_line(&mut logs).await, "got:ping");
    let status = tokio::time::timeout(PATIENT, child.wait())
        .await
        .expect("exits in time")
        .expect("waits");
    assert!(status.success(), "{status}");
}

#[test]
fn launch_defaults_are_airflows() {
    let facts = data("launch.json");
    let defaults = LaunchOptions::default();
    assert_eq!(defaults.startup_timeout, DEFAULT_TASK_STARTUP_TIMEOUT);
    assert_eq!(
        DEFAULT_TASK_STARTUP_TIMEOUT.as_secs_f64(),
        facts["default_task_startup_timeout"]
            .as_f64()
            .expect("seconds")
    );
    let env = &facts["env_added"];
    assert_eq!(env.as_object().expect("env").len(), 2);
    assert_eq!(
        env["AIRFLOW__LOGGING__LOGGING_LEVEL"],
        defaults.logging_level.as_str()
    );
    assert_eq!(
        env["AIRFLOW__LOGGING__NAMESPACE_LEVELS"],
        defaults.namespace_levels.as_str()
    );
    assert_eq!(facts["own_process_group"], defaults.own_process_group);
    assert_eq!(facts["argv"][1], "--comm=127.0.0.1:PORT");
    assert_eq!(facts["argv"][2], "--logs=127.0.0.1:PORT");
}

/// The first `n` lines of a captured output.
async fn lines(output: CapturedOutput, n: usize) -> Vec<String> {
    let mut reader = BufReader::new(output.into_reader());
    let mut lines = Vec::new();
    while lines.len() < n {
        lines.push(read_line(&mut reader).await);
    }
    lines
}

#[tokio::test]
async fn both_connections_in_order_with_environment_and_output() {
    let mut launched = launch(&scripts().join("both"), &options(PATIENT))
        .await
        .expect("launches");
    assert_eq!(Some(launched.pid), launched.child.id());
    let (stdout, stderr) = take_outputs(&mut launched).await;
    // Not its own process group, as in Airflow.
    let group = rustix::process::getpgrp().as_raw_nonzero().get();
    assert_eq!(
        lines(stdout, 3).await,
        [
            "early stdout".to_owned(),
            "env:INFO:".to_owned(),
            format!("pid:{} pgrp:{group}", launched.pid)
        ]
    );
    assert_eq!(lines(stderr, 1).await, ["early stderr"]);
    check_echo(launched).await;
}

/// Moves the outputs out of `launched`, leaving closed stand-ins.
async fn take_outputs(launched: &mut Launched) -> (CapturedOutput, CapturedOutput) {
    let stand_in = || {
        let (ours, _) = tokio::net::UnixStream::pair().expect("a socketpair");
        CapturedOutput {
            early: Vec::new(),
            stream: ours,
            closed: true,
        }
    };
    (
        std::mem::replace(&mut launched.stdout, stand_in()),
        std::mem::replace(&mut launched.stderr, stand_in()),
    )
}

#[tokio::test]
async fn own_process_group_and_log_levels_when_asked() {
    let options = LaunchOptions {
        startup_timeout: PATIENT,
        logging_level: "DEBUG".into(),
        namespace_levels: "sqlalchemy=ERROR".into(),
        own_process_group: true,
    };
    let mut launched = launch(&scripts().join("both"), &options)
        .await
        .expect("launches");
    let (stdout, _) = take_outputs(&mut launched).await;
    assert_eq!(
        lines(stdout, 3).await[1..],
        [
            "env:DEBUG:sqlalchemy=ERROR".to_owned(),
            format!("pid:{0} pgrp:{0}", launched.pid)
        ]
    );
    check_echo(launched).await;
}

#[tokio::test]
async fn logs_may_connect_first() {
    let launched = launch(&scripts().join("logs_first"), &options(PATIENT))
        .await
        .expect("launches");
    check_echo(launched).await;
}

#[tokio::test]
async fn a_descendant_may_connect() {
    let launched = launch(&scripts().join("grandchild"), &options(PATIENT))
        .await
        .expect("launches");
    check_echo(launched).await;
}

#[tokio::test]
async fn a_connection_from_outside_the_tree_is_closed_and_the_wait_goes_on() {
    let dir = scripts();
    let program = dir.join("wait_for_go");
    let task = tokio::spawn(async move { launch(&program, &options(PATIENT)).await });
    // The script writes its arguments to args.<pid>, then waits for go.<pid>.
    let started = Instant::now();
    let (args_file, args) = loop {
        let found = std::fs::read_dir(dir)
            .expect("list")
            .flatten()
            .find_map(|entry| {
                let name = entry.file_name().into_string().ok()?;
                let pid = name.strip_prefix("args.")?.to_owned();
                let text = std::fs::read_to_string(entry.path()).ok()?;
                text.ends_with('\n').then_some((pid, text))
            });
        if let Some(found) = found {
            break found;
        }
        assert!(started.elapsed() < PATIENT, "the script never started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let comm = args
        .split_whitespace()
        .next()
        .and_then(|arg| arg.strip_prefix("--comm="))
        .expect("--comm=")
        .to_owned();
    let mut intruder = tokio::net::TcpStream::connect(&comm)
        .await
        .expect("connects");
    std::fs::write(dir.join(format!("go.{args_file}")), b"").expect("go");
    let launched = task.await.expect("joins").expect("launches");
    // The intruder was accepted, found outside the child's tree, and closed.
    let mut buf = [0; 1];
    let read = tokio::time::timeout(PATIENT, intruder.read(&mut buf))
        .await
        .expect("closed in time");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    check_echo(launched).await;
}

#[tokio::test]
async fn exiting_before_connecting_gives_the_exit_code() {
    let facts = data("launch.json");
    let err = launch(&scripts().join("exit3"), &options(PATIENT))
        .await
        .expect_err("exits");
    assert_eq!(
        err.to_string(),
        text(&facts["exit_before_connecting"]).trim_start_matches("RuntimeError: ")
    );
    let LaunchError::ExitedBeforeConnecting {
        returncode: 3,
        stderr,
        ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(stderr, b"boom\n");

    let err = launch(&scripts().join("killed"), &options(PATIENT))
        .await
        .expect_err("killed");
    assert_eq!(
        err.to_string(),
        text(&facts["killed_before_connecting"]).trim_start_matches("RuntimeError: ")
    );
}

#[tokio::test]
async fn never_connecting_times_out_and_the_child_is_ended() {
    let facts = data("launch.json");
    let expected = text(&facts["never_connects"]).trim_start_matches("TimeoutError: ");
    let started = Instant::now();
    let never = scripts().join("never");
    let comm_only = scripts().join("comm_only");
    // The three run side by side. `comm_only` gets 3 s to connect its one socket: bash starts
    // and connects well within that even on a loaded machine.
    let (short, three_seconds, zero) = (
        options(Duration::from_millis(300)),
        options(Duration::from_secs(3)),
        options(Duration::ZERO),
    );
    let (never, comm_only, zero) = tokio::join!(
        launch(&never, &short),
        launch(&comm_only, &three_seconds),
        launch(&never, &zero),
    );
    let err = never.expect_err("times out");
    assert!(err.to_string().starts_with(expected), "{err}");
    assert!(
        matches!(&err, LaunchError::Timeout { connected, .. } if connected.is_empty()),
        "{err:?}"
    );
    let err = comm_only.expect_err("times out");
    assert!(
        matches!(&err, LaunchError::Timeout { connected, .. } if connected == &["comm"]),
        "{err:?}"
    );
    let err = zero.expect_err("a zero timeout fails at once");
    assert!(matches!(err, LaunchError::Timeout { .. }), "{err:?}");
    // SIGTERM ends `sleep` at once: nothing waited for its 30 s.
    assert!(
        started.elapsed() < Duration::from_secs(25),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_missing_program_is_a_spawn_error() {
    let err = launch(Path::new("/nonexistent/bundle"), &options(PATIENT))
        .await
        .expect_err("no such file");
    assert!(
        matches!(&err, LaunchError::Spawn { program, .. } if program == Path::new("/nonexistent/bundle")),
        "{err:?}"
    );
}
