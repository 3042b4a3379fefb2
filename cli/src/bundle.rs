//! `bundle pack` and `bundle inspect`: files and processes around the library's
//! `airflow_comms::bundle`, which holds every rule of the format.

use std::fs::{self, File, Permissions};
use std::io::{BufReader, Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use airflow_comms::bundle::{self, Inspected, Manifest};
use serde_json::json;

use crate::Failure;

/// The flag a runtime answers with its manifest.
const METADATA_FLAG: &str = "--airflow-metadata";

/// Packs `binary` (with `source` embedded) into a bundle at `out`, mode 0755.
pub fn pack(
    binary: PathBuf,
    out: PathBuf,
    source: Option<PathBuf>,
    timeout: Duration,
) -> Result<ExitCode, Failure> {
    reject_output(&out, &binary, source.as_deref())?;
    let executable = fs::read(&binary)
        .map_err(|err| Failure::Usage(format!("cannot read {}: {err}", binary.display())))?;
    let source_bytes = match &source {
        Some(path) => fs::read(path)
            .map_err(|err| Failure::Usage(format!("cannot read {}: {err}", path.display())))?,
        None => Vec::new(),
    };

    let printed = airflow_metadata(&binary, timeout)?;
    let mut manifest = Manifest::from_yaml(&printed).map_err(|err| {
        Failure::Io(format!(
            "`{} {METADATA_FLAG}` printed a manifest that {err}",
            binary.display()
        ))
    })?;
    if let Some(path) = &source {
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .ok_or_else(|| Failure::Usage(format!("{} names no file", path.display())))?;
        if let Some(named) = manifest.source.as_ref().filter(|named| **named != name) {
            eprintln!(
                "note: the executable's manifest names the source `{named}`; the bundle records \
                 `{name}`, the file --source embeds"
            );
        }
        manifest.source = Some(name);
    }
    for warning in manifest.warnings() {
        eprintln!("warning: {warning}");
    }

    let bytes = bundle::pack(&executable, &source_bytes, &manifest)
        .map_err(|err| Failure::Io(format!("cannot pack {}: {err}", binary.display())))?;
    // Read back what is about to be written, with the same checks `inspect` makes.
    let written = bundle::read(&bytes)
        .map_err(|err| Failure::Io(format!("the packed bundle does not read back: {err}")))?;
    write_bundle(&out, &bytes)?;
    println!("{}", summary(&out, bytes.len(), &written));
    Ok(ExitCode::SUCCESS)
}

/// Prints what a bundle holds as one JSON object (indented with `pretty`).
pub fn inspect(file: PathBuf, pretty: bool) -> Result<ExitCode, Failure> {
    let reader = File::open(&file)
        .map_err(|err| Failure::Usage(format!("cannot read {}: {err}", file.display())))?;
    let inspected = bundle::read_from(BufReader::new(reader))
        .map_err(|err| Failure::Io(format!("{}: {err}", file.display())))?;
    let object = json!({
        "footer_ver": inspected.trailer.footer_ver,
        "binary_sha256": inspected.trailer.binary_sha256_hex(),
        "source_len": inspected.trailer.source_len,
        "metadata_len": inspected.trailer.metadata_len,
        "manifest": inspected.manifest,
        "source": inspected.source,
    });
    let text = if pretty {
        serde_json::to_string_pretty(&object)
    } else {
        serde_json::to_string(&object)
    }
    .map_err(|err| Failure::Io(err.to_string()))?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{text}").map_err(|err| Failure::Io(format!("cannot write: {err}")))?;
    Ok(ExitCode::SUCCESS)
}

/// Refuses an output that is a directory, or that is the executable or the source itself (the
/// bundle would replace the file it was packed from).
fn reject_output(out: &Path, binary: &Path, source: Option<&Path>) -> Result<(), Failure> {
    let Ok(out_meta) = fs::metadata(out) else {
        return Ok(());
    };
    if out_meta.is_dir() {
        return Err(Failure::Usage(format!(
            "--out {} is a directory; name the bundle file",
            out.display()
        )));
    }
    for (input, what) in [(Some(binary), "executable"), (source, "source")] {
        let Some(input) = input else { continue };
        let same = fs::metadata(input)
            .is_ok_and(|meta| meta.dev() == out_meta.dev() && meta.ino() == out_meta.ino());
        if same {
            return Err(Failure::Usage(format!(
                "--out {} is the {what} being packed; write the bundle elsewhere",
                out.display()
            )));
        }
    }
    Ok(())
}

/// Runs `binary --airflow-metadata` with no input and returns what it printed, or fails with its
/// exit status and standard error. A run longer than `timeout` is killed.
fn airflow_metadata(binary: &Path, timeout: Duration) -> Result<String, Failure> {
    // A bare name would be looked up on PATH; the file named is the one to run.
    let program = if binary.components().count() == 1 && binary.is_relative() {
        Path::new(".").join(binary)
    } else {
        binary.to_path_buf()
    };
    let shown = format!("{} {METADATA_FLAG}", binary.display());
    let mut child = Command::new(&program)
        .arg(METADATA_FLAG)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| Failure::Io(format!("cannot run `{shown}`: {err}")))?;
    let (Some(mut stdout), Some(mut stderr)) = (child.stdout.take(), child.stderr.take()) else {
        return Err(Failure::Io(format!("cannot read the output of `{shown}`")));
    };
    let out_reader = thread::spawn(move || {
        let mut bytes = Vec::new();
        stdout.read_to_end(&mut bytes).map(|_| bytes)
    });
    let err_reader = thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stderr.read_to_end(&mut bytes);
        bytes
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(5)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Failure::Io(format!(
                    "`{shown}` did not exit within {} s (see --timeout)",
                    timeout.as_secs_f64()
                )));
            }
            Err(err) => return Err(Failure::Io(format!("cannot wait for `{shown}`: {err}"))),
        }
    };
    let printed = out_reader
        .join()
        .map_err(|_| Failure::Io(format!("cannot read the output of `{shown}`")))?
        .map_err(|err| Failure::Io(format!("cannot read the output of `{shown}`: {err}")))?;
    let complaint = err_reader.join().unwrap_or_default();
    if !status.success() {
        let complaint = String::from_utf8_lossy(&complaint);
        return Err(Failure::Io(format!(
            "`{shown}` failed ({status}){}{}",
            if complaint.trim().is_empty() {
                ""
            } else {
                ": "
            },
            complaint.trim()
        )));
    }
    String::from_utf8(printed)
        .map_err(|err| Failure::Io(format!("`{shown}` printed text that is not UTF-8: {err}")))
}

/// Writes the bundle into a temporary file beside `out` in one write, makes it 0755, flushes it
/// to disk and renames it onto `out`: a reader of `out` sees the old file or the whole bundle,
/// never part of one.
fn write_bundle(out: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let failed =
        |err: &dyn std::fmt::Display| Failure::Io(format!("cannot write {}: {err}", out.display()));
    let dir = match out.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir).map_err(|err| failed(&err))?;
    let mut file = tempfile::Builder::new()
        .prefix(".airflow-comms-bundle-")
        .tempfile_in(dir)
        .map_err(|err| failed(&err))?;
    file.write_all(bytes).map_err(|err| failed(&err))?;
    // fchmod: the process umask does not apply.
    file.as_file()
        .set_permissions(Permissions::from_mode(0o755))
        .map_err(|err| failed(&err))?;
    file.as_file().sync_all().map_err(|err| failed(&err))?;
    file.persist(out).map_err(|err| failed(&err.error))?;
    Ok(())
}

/// One line: where, how big, which SDK, which DAGs.
fn summary(out: &Path, len: usize, written: &Inspected) -> String {
    let manifest = written.parse_manifest().ok();
    let sdk = manifest.as_ref().map_or_else(String::new, |m| {
        format!(
            "; sdk {} {} (supervisor schema {})",
            m.sdk.language, m.sdk.version, m.sdk.supervisor_schema_version
        )
    });
    let dags = manifest.as_ref().map_or_else(String::new, |m| {
        let tasks: usize = m.dags.values().map(|dag| dag.tasks.len()).sum();
        format!("; {} DAG(s), {tasks} task(s)", m.dags.len())
    });
    format!(
        "wrote {}: {len} bytes (executable {}, source {}, manifest {}){sdk}{dags}; binary_sha256 {}",
        out.display(),
        written.layout.source_start,
        written.trailer.source_len,
        written.trailer.metadata_len,
        written.trailer.binary_sha256_hex()
    )
}
