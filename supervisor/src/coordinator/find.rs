//! Finding the bundle that runs a DAG, as `_Bundle.find` in Airflow's `ExecutableCoordinator`
//! finds it.
//!
//! The roots are walked depth first, in order: each path is `stat`ed (following symlinks; one
//! that cannot be is passed over), a directory is listed and its entries walked in the order the
//! directory gives them, and a regular file the current user may execute (`access(X_OK)`) is a
//! candidate. A directory already walked (same device and inode, through a symlink or a loop) is
//! not walked again. Python lists a directory with `os.listdir`, which returns `readdir` order
//! unsorted; `std::fs::read_dir` reads the same `readdir` stream, so both meet the files of an
//! unchanged tree in the same order.
//!
//! Each candidate is read as Airflow's `_read_bundle_metadata` reads it: the trailer, the region
//! bounds, the SHA-256 of the executable region, the manifest as UTF-8 and as PyYAML reads it
//! (see `pyyaml`), which must give a mapping. A file that fails is passed over; the first whose
//! `dags` has the DAG id wins if its `sdk.supervisor_schema_version` is a string this supervisor
//! knows, and is recorded as rejected otherwise.

use std::collections::HashSet;
use std::fmt;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use airflow_comms::bundle::{BundleError, TRAILER_LEN, Trailer};
use sha2::{Digest, Sha256};

use super::pyyaml::{self, LoadError};

/// The bundle chosen to run a DAG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    /// The bundle's canonical path (symlinks resolved, as Python's `Path.resolve()` gives it):
    /// the program the supervisor runs.
    pub path: PathBuf,
    /// Its `sdk.supervisor_schema_version`, one the supervisor knows
    /// ([`airflow_comms::SUPERVISOR_SCHEMA_VERSION`]).
    pub schema_version: String,
}

/// A file the search passed over, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedFile {
    /// The file as the walk met it.
    pub path: PathBuf,
    /// Why it is not a usable bundle.
    pub reason: String,
}

/// Why no bundle runs a DAG.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FindError {
    /// No bundle under the roots declares the DAG (Airflow's `FileNotFoundError("cannot find
    /// executable bundle containing dag_id=…")`). `skipped` lists the executables that end with a
    /// bundle trailer but could not be read (bad trailer, hash mismatch, manifest not YAML, …),
    /// which Airflow passes over silently; one of them may be the bundle meant.
    #[error(
        "cannot find executable bundle containing dag_id={dag_id:?} in {roots}{}",
        SkippedList(skipped)
    )]
    NotFound {
        /// The DAG id.
        dag_id: String,
        /// The roots, resolved, joined with `:`.
        roots: String,
        /// Executables passed over as unreadable bundles.
        skipped: Vec<SkippedFile>,
    },
    /// Bundles declare the DAG, but none has a usable `sdk.supervisor_schema_version` (Airflow's
    /// `FileNotFoundError("cannot find executable bundle with usable supervisor_schema_version
    /// …")`).
    #[error(
        "cannot find executable bundle with usable supervisor_schema_version for dag_id={dag_id:?} \
         in {roots}: matching bundles were rejected ({}){}",
        RejectedList(rejected),
        SkippedList(skipped)
    )]
    Rejected {
        /// The DAG id.
        dag_id: String,
        /// The roots, resolved, joined with `:`.
        roots: String,
        /// Each bundle that declares the DAG (canonical path) and why it was rejected.
        rejected: Vec<SkippedFile>,
        /// Executables passed over as unreadable bundles.
        skipped: Vec<SkippedFile>,
    },
    /// A manifest holds a value PyYAML's constructors raise on with an exception other than a
    /// `YAMLError` (an impossible date such as an unquoted `2026-02-30`, `!!int x`): Airflow does
    /// not catch it, and the search ends there, whatever other bundles exist.
    #[error("the manifest of {path} cannot be loaded: {problem}")]
    Manifest {
        /// The file.
        path: PathBuf,
        /// The value and the exception Python raises for it.
        problem: String,
    },
}

struct SkippedList<'a>(&'a [SkippedFile]);

impl fmt::Display for SkippedList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return Ok(());
        }
        f.write_str(" (passed over as unreadable bundles: ")?;
        for (i, skipped) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", skipped.path.display(), skipped.reason)?;
        }
        f.write_str(")")
    }
}

struct RejectedList<'a>(&'a [SkippedFile]);

impl fmt::Display for RejectedList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, rejected) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", rejected.path.display(), rejected.reason)?;
        }
        Ok(())
    }
}

/// What reading one candidate gave.
enum Candidate {
    /// Not a bundle at all (shorter than a trailer, or no magic): passed over without a word.
    NotBundle,
    /// A bundle Airflow cannot use: passed over, with the reason.
    Unusable(String),
    /// The manifest loaded.
    Manifest(pyyaml::Document),
}

/// The first bundle under `roots` whose manifest declares `dag_id`, as Airflow's `_Bundle.find`
/// chooses it. See the module documentation for the walk and the checks.
pub fn find_bundle(roots: &[PathBuf], dag_id: &str) -> Result<Bundle, FindError> {
    let mut skipped = Vec::new();
    let mut rejected = Vec::new();
    let mut found = None;
    walk(roots, &mut |path| {
        let document = match read_candidate(path) {
            Ok(Candidate::NotBundle) => return Ok(false),
            Ok(Candidate::Unusable(reason)) => {
                skipped.push(SkippedFile {
                    path: path.to_owned(),
                    reason,
                });
                return Ok(false);
            }
            Ok(Candidate::Manifest(document)) => document,
            Err(problem) => {
                return Err(FindError::Manifest {
                    path: path.to_owned(),
                    problem,
                });
            }
        };
        if !document.dag_ids().contains(&dag_id) {
            return Ok(false);
        }
        let canonical = resolve(path);
        match document.supervisor_schema_version() {
            None => rejected.push(SkippedFile {
                path: canonical,
                reason: "missing or invalid sdk.supervisor_schema_version".into(),
            }),
            Some(version) if version != airflow_comms::SUPERVISOR_SCHEMA_VERSION => {
                rejected.push(SkippedFile {
                    path: canonical,
                    // Airflow's words, and what this supervisor knows.
                    reason: format!(
                        "Version {version:?} not found in supervisor schema bundle (this supervisor \
                         knows {:?})",
                        airflow_comms::SUPERVISOR_SCHEMA_VERSION
                    ),
                });
            }
            Some(version) => {
                found = Some(Bundle {
                    path: canonical,
                    schema_version: version.to_owned(),
                });
                return Ok(true);
            }
        }
        Ok(false)
    })?;
    if let Some(bundle) = found {
        return Ok(bundle);
    }
    let roots = roots
        .iter()
        .map(|root| resolve(root).display().to_string())
        .collect::<Vec<_>>()
        .join(":");
    let dag_id = dag_id.to_owned();
    Err(if rejected.is_empty() {
        FindError::NotFound {
            dag_id,
            roots,
            skipped,
        }
    } else {
        FindError::Rejected {
            dag_id,
            roots,
            rejected,
            skipped,
        }
    })
}

/// Walks the roots depth first and calls `visit` on each executable regular file until it
/// returns `Ok(true)` (found) or an error. Iterative, so a deep tree cannot exhaust the stack.
fn walk(
    roots: &[PathBuf],
    visit: &mut dyn FnMut(&Path) -> Result<bool, FindError>,
) -> Result<(), FindError> {
    let mut seen_dirs: HashSet<(u64, u64)> = HashSet::new();
    let roots: Vec<PathBuf> = roots.to_vec();
    let mut stack: Vec<std::vec::IntoIter<PathBuf>> = vec![roots.into_iter()];
    while let Some(level) = stack.last_mut() {
        let Some(item) = level.next() else {
            stack.pop();
            continue;
        };
        let Ok(meta) = std::fs::metadata(&item) else {
            continue;
        };
        if meta.is_dir() {
            if !seen_dirs.insert((meta.dev(), meta.ino())) {
                continue;
            }
            // Python lists the whole directory first; a listing that fails part-way is dropped.
            let Ok(children) = list_dir(&item) else {
                continue;
            };
            stack.push(children.into_iter());
        } else if meta.is_file() && executable(&item) && visit(&item)? {
            return Ok(());
        }
    }
    Ok(())
}

fn list_dir(dir: &Path) -> io::Result<Vec<PathBuf>> {
    std::fs::read_dir(dir)?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect()
}

/// `os.access(path, os.X_OK)`: executable by the real user (root: any execute bit).
fn executable(path: &Path) -> bool {
    rustix::fs::access(path, rustix::fs::Access::EXEC_OK).is_ok()
}

/// `Path.resolve()` (not strict): the canonical path when it exists; otherwise the absolute path
/// with its longest existing ancestor canonicalized.
fn resolve(path: &Path) -> PathBuf {
    if let Ok(canonical) = std::fs::canonicalize(path) {
        return canonical;
    }
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let mut rest = Vec::new();
    let mut head = absolute.as_path();
    while let Some(parent) = head.parent() {
        if let Some(name) = head.file_name() {
            rest.push(name.to_owned());
        }
        head = parent;
        if let Ok(mut canonical) = std::fs::canonicalize(head) {
            canonical.extend(rest.iter().rev());
            return canonical;
        }
    }
    absolute
}

/// Reads one candidate as Airflow's `_read_bundle_metadata` does, over a single open file.
/// `Err` carries a constructor failure that Airflow would raise out of the search.
fn read_candidate(path: &Path) -> Result<Candidate, String> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(err) => return Ok(Candidate::Unusable(format!("cannot open: {err}"))),
    };
    let manifest = match read_manifest_text(&mut file) {
        Ok(Some(text)) => text,
        Ok(None) => return Ok(Candidate::NotBundle),
        Err(reason) => return Ok(Candidate::Unusable(reason)),
    };
    match pyyaml::safe_load(&manifest) {
        Ok(document) if document.is_dict() => Ok(Candidate::Manifest(document)),
        Ok(_) => Ok(Candidate::Unusable("the manifest is not a mapping".into())),
        Err(LoadError::Yaml(problem)) => Ok(Candidate::Unusable(format!(
            "the manifest is not YAML PyYAML loads: {problem}"
        ))),
        Err(LoadError::Constructor(problem)) => Err(problem),
    }
}

/// The manifest's text, after the trailer, region and hash checks; `Ok(None)` for a file that is
/// not a bundle (too short, no magic).
fn read_manifest_text(file: &mut File) -> Result<Option<String>, String> {
    let file_len = file
        .metadata()
        .map_err(|err| format!("cannot stat: {err}"))?
        .len();
    if file_len < TRAILER_LEN as u64 {
        return Ok(None);
    }
    let io_error = |err: io::Error| format!("cannot read: {err}");
    let mut bytes = [0; TRAILER_LEN];
    file.seek(SeekFrom::Start(file_len - TRAILER_LEN as u64))
        .map_err(io_error)?;
    file.read_exact(&mut bytes).map_err(io_error)?;
    let trailer = match Trailer::parse(&bytes) {
        Ok(trailer) => trailer,
        Err(BundleError::BadMagic { .. }) => return Ok(None),
        Err(err) => return Err(err.to_string()),
    };
    let layout = trailer.layout(file_len).map_err(|err| err.to_string())?;

    file.seek(SeekFrom::Start(0)).map_err(io_error)?;
    let mut hasher = Sha256::new();
    let hashed =
        io::copy(&mut (&mut *file).take(layout.source_start), &mut hasher).map_err(io_error)?;
    if hashed != layout.source_start {
        return Err(format!(
            "the file ended while hashing the executable region (expected {} bytes, got {hashed})",
            layout.source_start
        ));
    }
    let actual: [u8; 32] = hasher.finalize().into();
    if actual != trailer.binary_sha256 {
        return Err(BundleError::HashMismatch {
            expected: trailer.binary_sha256_hex(),
            actual: hex::encode(actual),
            binary_len: layout.source_start,
        }
        .to_string());
    }

    file.seek(SeekFrom::Start(layout.metadata_start))
        .map_err(io_error)?;
    let mut metadata = Vec::with_capacity(trailer.metadata_len as usize);
    (&mut *file)
        .take(u64::from(trailer.metadata_len))
        .read_to_end(&mut metadata)
        .map_err(io_error)?;
    String::from_utf8(metadata)
        .map(Some)
        .map_err(|err| format!("the manifest is not UTF-8: {}", err.utf8_error()))
}
