//! Executable bundles: the file Airflow 3.3's `ExecutableCoordinator` runs a native task runtime
//! from (bundle-spec 1.0, `task-sdk/docs/executable-bundle-spec.rst` in apache/airflow).
//!
//! A bundle is the executable itself with three regions appended:
//!
//! ```text
//! [0, source_start)                 the executable (never empty)
//! [source_start, metadata_start)    the DAG source, UTF-8 (may be empty)
//! [metadata_start, file_size - 64)  the manifest, `airflow-metadata.yaml`, UTF-8
//! [file_size - 64, file_size)       the trailer
//! ```
//!
//! The 64-byte trailer is little-endian: `source_len` (u32), `metadata_len` (u32), `footer_ver`
//! (u32, 1), the SHA-256 of the executable region (32 bytes), 12 reserved zero bytes, and the
//! magic `AFBNDL01`.
//!
//! [`pack`] writes a bundle; [`read`] and [`read_from`] check one the way Airflow's own reader
//! (`_read_bundle_metadata` in `airflow/sdk/coordinators/executable/coordinator.py`) does, in the
//! same order, and name the first problem in a [`BundleError`].
//!
//! # The manifest is written for PyYAML
//!
//! Airflow reads the manifest with PyYAML's `safe_load`, which implements YAML 1.1: an unquoted
//! `2026-06-16` is a date, `yes` and `off` are booleans, `1:30` is the integer 90 and `0755` an
//! octal integer. A supervisor schema version read as a date makes Airflow reject the bundle; a
//! task id read as a boolean is never found. [`Manifest::to_yaml`] therefore quotes every string
//! value, and every key that is not a plain lower-case identifier, and writes mapping keys in
//! sorted order, so one manifest always gives the same bytes.
//!
//! ```
//! use airflow_comms::bundle::{self, Manifest};
//!
//! let manifest = Manifest::from_yaml(
//!     "airflow_bundle_metadata_version: '1.0'\n\
//!      sdk: {language: rust, version: '0.1.0', supervisor_schema_version: '2026-06-16'}\n\
//!      source: main.rs\n\
//!      dags: {etl: {tasks: [extract, load]}}\n",
//! )?;
//! let bytes = bundle::pack(b"\x7fELF...", b"fn main() {}\n", &manifest)?;
//!
//! let inspected = bundle::read(&bytes)?;
//! assert_eq!(inspected.source, "fn main() {}\n");
//! assert_eq!(inspected.manifest["sdk"]["supervisor_schema_version"], "2026-06-16");
//! // The packer records the executable's digest in the manifest too.
//! assert_eq!(
//!     inspected.manifest["digests"]["integrity"],
//!     inspected.trailer.binary_sha256_hex().as_str()
//! );
//! # Ok::<(), airflow_comms::bundle::BundleError>(())
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Read, Seek, SeekFrom};

use serde_json::{Map, Number, Value};
use sha2::{Digest, Sha256};

/// The last 8 bytes of every bundle.
pub const MAGIC: [u8; 8] = *b"AFBNDL01";

/// The trailer's length in bytes.
pub const TRAILER_LEN: usize = 64;

/// The trailer format this module reads and writes (`footer_ver`).
pub const FOOTER_VERSION: u32 = 1;

/// The bundle-spec version the manifests this module writes conform to
/// (`airflow_bundle_metadata_version`).
pub const METADATA_VERSION: &str = "1.0";

/// The largest source or metadata region a trailer can address (its lengths are `u32`).
pub const MAX_REGION_LEN: u64 = u32::MAX as u64;

/// The start of the input of the manifest's `digests.cache`: it keeps that digest apart from any
/// SHA-256 taken of the same bytes for another purpose, and versions its definition.
const CACHE_DIGEST_DOMAIN: &[u8] = b"airflow-comms cache digest v1\0";

/// The first byte of the trailer's reserved bytes, and the first byte after them.
const RESERVED: std::ops::Range<usize> = 44..56;

/// Why a file is not a usable bundle, or why one cannot be written.
///
/// The reading errors come in the order Airflow's reader meets them; each names what was wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    /// The file is shorter than a trailer: not a bundle.
    #[error("not a bundle: the file is {len} bytes, shorter than the {TRAILER_LEN}-byte trailer")]
    TooShort {
        /// The file's length.
        len: u64,
    },
    /// The last 8 bytes are not `AFBNDL01`: not a bundle.
    #[error(
        "not a bundle: the file ends with {}, not the magic \"AFBNDL01\"",
        show_bytes(found)
    )]
    BadMagic {
        /// The file's last 8 bytes.
        found: [u8; 8],
    },
    /// The trailer's `footer_ver` is one this module does not know.
    #[error("unsupported footer_ver {found}: this reader knows footer_ver {FOOTER_VERSION} only")]
    UnsupportedFooterVersion {
        /// The trailer's `footer_ver`.
        found: u32,
    },
    /// The trailer's reserved bytes 44..56 are not all zero.
    #[error(
        "the trailer's reserved bytes 44..56 are not zero: {}",
        hex::encode(reserved)
    )]
    ReservedNotZero {
        /// The reserved bytes as found.
        reserved: [u8; 12],
    },
    /// The source and metadata lengths reach past the start of the file.
    #[error(
        "the trailer declares regions past the start of the file: source_len {source_len} + \
         metadata_len {metadata_len} + the {TRAILER_LEN}-byte trailer exceed the file's {file_len} bytes"
    )]
    RegionsPastStart {
        /// The trailer's `source_len`.
        source_len: u32,
        /// The trailer's `metadata_len`.
        metadata_len: u32,
        /// The file's length.
        file_len: u64,
    },
    /// The source, metadata and trailer fill the whole file: there is no executable.
    #[error(
        "the trailer leaves no room for the executable: source_len {source_len} + metadata_len \
         {metadata_len} + the {TRAILER_LEN}-byte trailer are the whole file"
    )]
    EmptyBinaryRegion {
        /// The trailer's `source_len`.
        source_len: u32,
        /// The trailer's `metadata_len`.
        metadata_len: u32,
    },
    /// The executable region does not hash to the trailer's `binary_sha256`.
    #[error(
        "binary_sha256 mismatch: the trailer records {expected}, but the executable region \
         (bytes 0..{binary_len}) hashes to {actual}"
    )]
    HashMismatch {
        /// The trailer's `binary_sha256`, hex.
        expected: String,
        /// The SHA-256 of the executable region, hex.
        actual: String,
        /// The executable region's length.
        binary_len: u64,
    },
    /// The metadata region is not UTF-8.
    #[error("the metadata region is not UTF-8: {0}")]
    MetadataNotUtf8(std::str::Utf8Error),
    /// The source region (or the source given to [`pack`]) is not UTF-8.
    #[error("the source is not UTF-8: {0}")]
    SourceNotUtf8(std::str::Utf8Error),
    /// The manifest is not valid YAML, not a mapping, or (for [`pack`]) not a valid manifest.
    #[error("the manifest {0}")]
    Manifest(#[from] ManifestError),
    /// The manifest's `digests.integrity` disagrees with the trailer's `binary_sha256`.
    #[error(
        "the manifest's digests.integrity {manifest} does not match the trailer's binary_sha256 {trailer}"
    )]
    IntegrityMismatch {
        /// `digests.integrity` as the manifest has it.
        manifest: String,
        /// The trailer's `binary_sha256`, hex.
        trailer: String,
    },
    /// [`pack`] was given an empty executable.
    #[error("the executable is empty")]
    EmptyBinary,
    /// [`pack`] was given a file that already ends with a bundle trailer.
    #[error(
        "the executable already ends with a bundle trailer: pack the plain executable, not a bundle"
    )]
    AlreadyBundle,
    /// A region is longer than a trailer can address.
    #[error("the {region} region is {len} bytes; a bundle addresses at most {MAX_REGION_LEN}")]
    RegionTooLarge {
        /// `source` or `metadata`.
        region: &'static str,
        /// The region's length.
        len: u64,
    },
    /// Reading the file failed.
    #[error("cannot read the bundle: {0}")]
    Io(#[from] io::Error),
}

/// Why a manifest is not valid YAML, or not a valid bundle-spec 1.x manifest.
///
/// Paths are dotted (`sdk.version`, `dags.etl.tasks[2]`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ManifestError {
    /// The text is not YAML (or is more than one document, or repeats a key).
    #[error("is not valid YAML: {0}")]
    Yaml(String),
    /// The YAML holds something JSON cannot (a tag, a non-string key, NaN).
    #[error("holds at `{path}` {what}, which a manifest cannot hold")]
    Unrepresentable {
        /// Where.
        path: String,
        /// What was found.
        what: String,
    },
    /// The document is not a mapping.
    #[error("is not a mapping but {found}")]
    NotMapping {
        /// What it is instead.
        found: String,
    },
    /// A required key is absent.
    #[error("has no `{path}`")]
    Missing {
        /// The missing key's path.
        path: String,
    },
    /// A value has the wrong type.
    #[error(
        "has {found} at `{path}`, where {expected} belongs{}",
        quote_hint(found, expected)
    )]
    WrongType {
        /// Where.
        path: String,
        /// What belongs there.
        expected: &'static str,
        /// What was found.
        found: String,
    },
    /// A value has the right type but is not valid.
    #[error("has an invalid `{path}`: {problem}")]
    Invalid {
        /// Where.
        path: String,
        /// What is wrong with it.
        problem: String,
    },
}

/// A number or boolean where a string belongs was most likely meant as text, left unquoted.
fn quote_hint(found: &str, expected: &str) -> &'static str {
    if expected == "a string"
        && (found.starts_with("the number") || found.starts_with("the boolean"))
    {
        " (quote it: unquoted, YAML reads it as a number or a boolean)"
    } else {
        ""
    }
}

fn show_bytes(bytes: &[u8]) -> String {
    let escaped: String = bytes.escape_ascii().to_string();
    format!("\"{escaped}\"")
}

/// The 64-byte trailer at the end of a bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trailer {
    /// The length of the source region.
    pub source_len: u32,
    /// The length of the metadata region.
    pub metadata_len: u32,
    /// The trailer format, [`FOOTER_VERSION`].
    pub footer_ver: u32,
    /// The SHA-256 of the executable region.
    pub binary_sha256: [u8; 32],
}

impl Trailer {
    /// The trailer's bytes: the lengths, `footer_ver`, the digest, zero reserved bytes, [`MAGIC`].
    pub fn to_bytes(&self) -> [u8; TRAILER_LEN] {
        let mut bytes = [0; TRAILER_LEN];
        bytes[0..4].copy_from_slice(&self.source_len.to_le_bytes());
        bytes[4..8].copy_from_slice(&self.metadata_len.to_le_bytes());
        bytes[8..12].copy_from_slice(&self.footer_ver.to_le_bytes());
        bytes[12..44].copy_from_slice(&self.binary_sha256);
        bytes[56..64].copy_from_slice(&MAGIC);
        bytes
    }

    /// Parses a trailer: the magic first (a file without it is not a bundle), then `footer_ver`,
    /// then the reserved bytes, as Airflow's reader does.
    pub fn parse(bytes: &[u8; TRAILER_LEN]) -> Result<Self, BundleError> {
        let word = |at: usize| {
            u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        let mut found = [0; 8];
        found.copy_from_slice(&bytes[56..64]);
        if found != MAGIC {
            return Err(BundleError::BadMagic { found });
        }
        let footer_ver = word(8);
        if footer_ver != FOOTER_VERSION {
            return Err(BundleError::UnsupportedFooterVersion { found: footer_ver });
        }
        let mut reserved = [0; 12];
        reserved.copy_from_slice(&bytes[RESERVED]);
        if reserved != [0; 12] {
            return Err(BundleError::ReservedNotZero { reserved });
        }
        let mut binary_sha256 = [0; 32];
        binary_sha256.copy_from_slice(&bytes[12..44]);
        Ok(Self {
            source_len: word(0),
            metadata_len: word(4),
            footer_ver,
            binary_sha256,
        })
    }

    /// `binary_sha256` as lower-case hex.
    pub fn binary_sha256_hex(&self) -> String {
        hex::encode(self.binary_sha256)
    }

    /// Where the regions start in a file of `file_len` bytes ending with this trailer: the
    /// executable region is `[0, source_start)`, never empty.
    pub fn layout(&self, file_len: u64) -> Result<Layout, BundleError> {
        let past_start = || BundleError::RegionsPastStart {
            source_len: self.source_len,
            metadata_len: self.metadata_len,
            file_len,
        };
        let metadata_start = file_len
            .checked_sub(TRAILER_LEN as u64 + u64::from(self.metadata_len))
            .ok_or_else(past_start)?;
        let source_start = metadata_start
            .checked_sub(u64::from(self.source_len))
            .ok_or_else(past_start)?;
        if source_start == 0 {
            return Err(BundleError::EmptyBinaryRegion {
                source_len: self.source_len,
                metadata_len: self.metadata_len,
            });
        }
        Ok(Layout {
            source_start,
            metadata_start,
            trailer_start: file_len - TRAILER_LEN as u64,
        })
    }
}

/// The region offsets a trailer implies for a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// The end of the executable region and the start of the source region.
    pub source_start: u64,
    /// The start of the metadata region.
    pub metadata_start: u64,
    /// The start of the trailer.
    pub trailer_start: u64,
}

/// A bundle that passed every check of [`read`].
#[derive(Debug, Clone, PartialEq)]
pub struct Inspected {
    /// The trailer.
    pub trailer: Trailer,
    /// The region offsets.
    pub layout: Layout,
    /// The embedded DAG source (empty when none is embedded).
    pub source: String,
    /// The manifest's text, as stored.
    pub manifest_yaml: String,
    /// The manifest as a JSON object, with the keys in the order the file has them (when
    /// `serde_json`'s `preserve_order` is on) and unknown keys kept.
    pub manifest: Map<String, Value>,
}

impl Inspected {
    /// The manifest, checked against bundle-spec 1.x.
    pub fn parse_manifest(&self) -> Result<Manifest, ManifestError> {
        Manifest::from_json(&self.manifest)
    }
}

/// Reads and checks a bundle held in memory. See [`read_from`].
pub fn read(bytes: &[u8]) -> Result<Inspected, BundleError> {
    read_from(io::Cursor::new(bytes))
}

/// Reads and checks a bundle: the trailer, the region bounds, the executable region's SHA-256,
/// the manifest (UTF-8 YAML holding a mapping) and the source (UTF-8), in the order Airflow's
/// reader checks them; then, beyond Airflow, that the manifest's `digests.integrity`, when it has
/// one, is the trailer's digest.
///
/// The executable region is hashed as a stream, never held in memory.
pub fn read_from<R: Read + Seek>(mut reader: R) -> Result<Inspected, BundleError> {
    let file_len = reader.seek(SeekFrom::End(0))?;
    if file_len < TRAILER_LEN as u64 {
        return Err(BundleError::TooShort { len: file_len });
    }
    let mut bytes = [0; TRAILER_LEN];
    reader.seek(SeekFrom::Start(file_len - TRAILER_LEN as u64))?;
    reader.read_exact(&mut bytes)?;
    let trailer = Trailer::parse(&bytes)?;
    let layout = trailer.layout(file_len)?;

    reader.seek(SeekFrom::Start(0))?;
    let mut hasher = Sha256::new();
    let hashed = io::copy(&mut (&mut reader).take(layout.source_start), &mut hasher)?;
    if hashed != layout.source_start {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the file ended while hashing the executable region",
        )
        .into());
    }
    let actual: [u8; 32] = hasher.finalize().into();
    if actual != trailer.binary_sha256 {
        return Err(BundleError::HashMismatch {
            expected: trailer.binary_sha256_hex(),
            actual: hex::encode(actual),
            binary_len: layout.source_start,
        });
    }

    // The reader stands at `source_start`: the source region, then the metadata region follow.
    let mut source = vec![0; trailer.source_len as usize];
    reader.read_exact(&mut source)?;
    let mut metadata = vec![0; trailer.metadata_len as usize];
    reader.read_exact(&mut metadata)?;

    let manifest_yaml = String::from_utf8(metadata)
        .map_err(|err| BundleError::MetadataNotUtf8(err.utf8_error()))?;
    let manifest = match yaml_to_json(&manifest_yaml)? {
        Value::Object(map) => map,
        other => {
            return Err(ManifestError::NotMapping {
                found: describe(&other),
            }
            .into());
        }
    };
    let source =
        String::from_utf8(source).map_err(|err| BundleError::SourceNotUtf8(err.utf8_error()))?;
    if let Some(Value::String(integrity)) = manifest.get("digests").and_then(|d| d.get("integrity"))
    {
        let recorded = trailer.binary_sha256_hex();
        if !integrity.eq_ignore_ascii_case(&recorded) {
            return Err(BundleError::IntegrityMismatch {
                manifest: integrity.clone(),
                trailer: recorded,
            });
        }
    }
    Ok(Inspected {
        trailer,
        layout,
        source,
        manifest_yaml,
        manifest,
    })
}

/// Writes a bundle: `binary`, then `source`, then `manifest` as [`Manifest::to_yaml`] writes it,
/// then the trailer. The same inputs give the same bytes.
///
/// The written manifest's `digests` are this bundle's: `integrity` is the SHA-256 of `binary`
/// (the trailer's `binary_sha256`), and `cache` is the SHA-256 of `airflow-comms cache digest v1`
/// and a NUL, then the raw SHA-256 digests of `binary`, `source` and the manifest written without
/// `digests`. Whatever `digests` `manifest` held is replaced.
///
/// Refused: an empty `binary`, a `binary` that already ends with [`MAGIC`] (a bundle packed
/// again), a `source` that is not UTF-8, a manifest without `source` or without DAGs, and
/// regions longer than [`MAX_REGION_LEN`].
pub fn pack(binary: &[u8], source: &[u8], manifest: &Manifest) -> Result<Vec<u8>, BundleError> {
    if binary.is_empty() {
        return Err(BundleError::EmptyBinary);
    }
    if binary.ends_with(&MAGIC) && binary.len() >= TRAILER_LEN {
        return Err(BundleError::AlreadyBundle);
    }
    std::str::from_utf8(source).map_err(BundleError::SourceNotUtf8)?;
    let source_len = region_len("source", source.len())?;
    manifest.check_packable()?;

    let binary_sha256: [u8; 32] = Sha256::digest(binary).into();
    let mut manifest = manifest.clone();
    manifest.digests = None;
    let without_digests = manifest.to_yaml();
    let mut cache = Sha256::new();
    cache.update(CACHE_DIGEST_DOMAIN);
    cache.update(binary_sha256);
    cache.update(Sha256::digest(source));
    cache.update(Sha256::digest(without_digests.as_bytes()));
    manifest.digests = Some(Digests {
        integrity: Some(hex::encode(binary_sha256)),
        cache: Some(hex::encode(cache.finalize())),
        extra: BTreeMap::new(),
    });
    let metadata = manifest.to_yaml();
    let metadata_len = region_len("metadata", metadata.len())?;

    let trailer = Trailer {
        source_len,
        metadata_len,
        footer_ver: FOOTER_VERSION,
        binary_sha256,
    };
    let mut bytes = Vec::with_capacity(binary.len() + source.len() + metadata.len() + TRAILER_LEN);
    bytes.extend_from_slice(binary);
    bytes.extend_from_slice(source);
    bytes.extend_from_slice(metadata.as_bytes());
    bytes.extend_from_slice(&trailer.to_bytes());
    Ok(bytes)
}

fn region_len(region: &'static str, len: usize) -> Result<u32, BundleError> {
    u32::try_from(len).map_err(|_| BundleError::RegionTooLarge {
        region,
        len: len as u64,
    })
}

/// A bundle manifest (`airflow-metadata.yaml`), bundle-spec 1.x.
///
/// Keys the spec does not define are kept in the `extra` maps and written back, so a runtime can
/// carry fields newer than this module.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// `airflow_bundle_metadata_version`: the bundle-spec version, [`METADATA_VERSION`].
    pub metadata_version: String,
    /// `sdk`: the SDK that built the executable.
    pub sdk: Sdk,
    /// `source`: the file name of the embedded DAG source, which the Airflow UI shows. Required
    /// to pack; absent in a runtime's own manifest when the packer supplies it.
    pub source: Option<String>,
    /// `dags`: every DAG the executable runs, by `dag_id`. Airflow 3.3's coordinator picks the
    /// bundle whose `dags` holds the task's `dag_id`.
    pub dags: BTreeMap<String, Dag>,
    /// `digests`: written by [`pack`].
    pub digests: Option<Digests>,
    /// Other top-level keys.
    pub extra: BTreeMap<String, Value>,
}

/// The manifest's `sdk` mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct Sdk {
    /// `language`: the lower-case source language (`rust`).
    pub language: String,
    /// `version`: the SDK's version.
    pub version: String,
    /// `supervisor_schema_version`: the dated supervisor wire-schema version the executable
    /// speaks (`YYYY-MM-DD`). Airflow refuses a bundle whose version its schema bundle lacks.
    pub supervisor_schema_version: String,
    /// Other keys.
    pub extra: BTreeMap<String, Value>,
}

impl Sdk {
    /// The `sdk` of a Rust runtime built on this crate: language `rust`, the given version, and
    /// this crate's [`SUPERVISOR_SCHEMA_VERSION`](crate::SUPERVISOR_SCHEMA_VERSION).
    pub fn rust(version: impl Into<String>) -> Self {
        Self {
            language: "rust".into(),
            version: version.into(),
            supervisor_schema_version: crate::SUPERVISOR_SCHEMA_VERSION.into(),
            extra: BTreeMap::new(),
        }
    }
}

/// A DAG entry of the manifest's `dags`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Dag {
    /// `tasks`: the DAG's task ids, in the runtime's order.
    pub tasks: Vec<String>,
    /// Other keys.
    pub extra: BTreeMap<String, Value>,
}

/// The manifest's `digests` mapping: lower-case hex SHA-256 digests.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Digests {
    /// `integrity`: the SHA-256 of the executable region, as the trailer records it.
    pub integrity: Option<String>,
    /// `cache`: equal across packs of the same inputs, different when any region differs.
    pub cache: Option<String>,
    /// Other keys.
    pub extra: BTreeMap<String, Value>,
}

/// Something worth telling whoever packs a bundle, short of an error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ManifestWarning {
    /// A DAG lists no tasks (the spec permits it, but no task of it can run).
    #[error("DAG `{dag_id}` lists no tasks")]
    NoTasks {
        /// The DAG.
        dag_id: String,
    },
    /// The supervisor schema version is not the one this crate speaks.
    #[error(
        "sdk.supervisor_schema_version is {found}, but airflow-comms speaks {}: Airflow runs the \
         bundle only if its schema bundle has {found}",
        crate::SUPERVISOR_SCHEMA_VERSION
    )]
    OtherSchemaVersion {
        /// The manifest's version.
        found: String,
    },
    /// `sdk.language` is not lower case, as the spec asks.
    #[error("sdk.language `{found}` is not lower case")]
    LanguageCase {
        /// The manifest's language.
        found: String,
    },
}

impl Manifest {
    /// A manifest of the current bundle-spec version.
    pub fn new(sdk: Sdk, source: impl Into<String>, dags: BTreeMap<String, Dag>) -> Self {
        Self {
            metadata_version: METADATA_VERSION.into(),
            sdk,
            source: Some(source.into()),
            dags,
            digests: None,
            extra: BTreeMap::new(),
        }
    }

    /// Parses a manifest from YAML (JSON is YAML too), as a runtime's `--airflow-metadata`
    /// prints it or a bundle stores it.
    ///
    /// The YAML is read by YAML 1.2's rules, so an unquoted `2026-06-16` is the string the writer
    /// meant; [`to_yaml`](Self::to_yaml) then writes it quoted, as PyYAML needs. A required string
    /// written as a number (an unquoted `1.0`) is refused, since its text is lost.
    pub fn from_yaml(text: &str) -> Result<Self, ManifestError> {
        match yaml_to_json(text)? {
            Value::Object(map) => Self::from_json(&map),
            other => Err(ManifestError::NotMapping {
                found: describe(&other),
            }),
        }
    }

    /// Reads a manifest from its JSON form (as [`Inspected::manifest`] holds it).
    pub fn from_json(map: &Map<String, Value>) -> Result<Self, ManifestError> {
        let mut top = Fields::new(map, "");
        let metadata_version = top.string("airflow_bundle_metadata_version")?;
        check_metadata_version(&metadata_version)?;
        let sdk = {
            let mut sdk = Fields::new(top.mapping("sdk")?, "sdk");
            let parsed = Sdk {
                language: sdk.non_empty_string("language")?,
                version: sdk.non_empty_string("version")?,
                supervisor_schema_version: sdk.string("supervisor_schema_version")?,
                extra: sdk.rest(),
            };
            check_schema_version(&parsed.supervisor_schema_version)?;
            parsed
        };
        let source = top.optional_string("source")?;
        let mut dags = BTreeMap::new();
        for (dag_id, entry) in top.mapping("dags")? {
            let path = format!("dags.{dag_id}");
            let Value::Object(entry) = entry else {
                return Err(wrong_type(&path, "a mapping with `tasks`", entry));
            };
            let mut fields = Fields::new(entry, &path);
            let tasks = fields.string_list("tasks")?;
            dags.insert(
                dag_id.clone(),
                Dag {
                    tasks,
                    extra: fields.rest(),
                },
            );
        }
        let digests = match top.optional_mapping("digests")? {
            None => None,
            Some(map) => {
                let mut fields = Fields::new(map, "digests");
                Some(Digests {
                    integrity: fields.optional_string("integrity")?,
                    cache: fields.optional_string("cache")?,
                    extra: fields.rest(),
                })
            }
        };
        Ok(Self {
            metadata_version,
            sdk,
            source,
            dags,
            digests,
            extra: top.rest(),
        })
    }

    /// The manifest as a JSON object, keys sorted.
    pub fn to_json(&self) -> Map<String, Value> {
        let extra = |map: &BTreeMap<String, Value>, into: &mut Map<String, Value>| {
            for (key, value) in map {
                into.insert(key.clone(), value.clone());
            }
        };
        let mut sdk = Map::new();
        extra(&self.sdk.extra, &mut sdk);
        sdk.insert("language".into(), self.sdk.language.clone().into());
        sdk.insert("version".into(), self.sdk.version.clone().into());
        sdk.insert(
            "supervisor_schema_version".into(),
            self.sdk.supervisor_schema_version.clone().into(),
        );
        let mut dags = Map::new();
        for (dag_id, dag) in &self.dags {
            let mut entry = Map::new();
            extra(&dag.extra, &mut entry);
            entry.insert("tasks".into(), dag.tasks.clone().into());
            dags.insert(dag_id.clone(), entry.into());
        }
        let mut top = Map::new();
        extra(&self.extra, &mut top);
        top.insert(
            "airflow_bundle_metadata_version".into(),
            self.metadata_version.clone().into(),
        );
        top.insert("sdk".into(), sdk.into());
        if let Some(source) = &self.source {
            top.insert("source".into(), source.clone().into());
        }
        top.insert("dags".into(), dags.into());
        if let Some(digests) = &self.digests {
            let mut map = Map::new();
            extra(&digests.extra, &mut map);
            if let Some(integrity) = &digests.integrity {
                map.insert("integrity".into(), integrity.clone().into());
            }
            if let Some(cache) = &digests.cache {
                map.insert("cache".into(), cache.clone().into());
            }
            top.insert("digests".into(), map.into());
        }
        sort_keys(top)
    }

    /// The manifest as YAML that PyYAML (YAML 1.1) and YAML 1.2 readers read alike: block style,
    /// two-space indent, mapping keys sorted, every string value double-quoted, a key quoted
    /// unless it is a plain lower-case identifier. The same manifest always gives the same text.
    pub fn to_yaml(&self) -> String {
        let mut out = String::new();
        write_mapping(&mut out, &self.to_json(), 0);
        out
    }

    /// The problems [`pack`] refuses: no `source`, no DAGs.
    fn check_packable(&self) -> Result<(), ManifestError> {
        if self.source.is_none() {
            return Err(ManifestError::Missing {
                path: "source".into(),
            });
        }
        if self.dags.is_empty() {
            return Err(ManifestError::Invalid {
                path: "dags".into(),
                problem: "it lists no DAGs, so no task can ever run from the bundle".into(),
            });
        }
        Ok(())
    }

    /// What is legal but likely a mistake: a DAG without tasks, a supervisor schema version
    /// other than the crate's, a language not in lower case.
    pub fn warnings(&self) -> Vec<ManifestWarning> {
        let mut warnings = Vec::new();
        if self.sdk.language != self.sdk.language.to_lowercase() {
            warnings.push(ManifestWarning::LanguageCase {
                found: self.sdk.language.clone(),
            });
        }
        if self.sdk.supervisor_schema_version != crate::SUPERVISOR_SCHEMA_VERSION {
            warnings.push(ManifestWarning::OtherSchemaVersion {
                found: self.sdk.supervisor_schema_version.clone(),
            });
        }
        for (dag_id, dag) in &self.dags {
            if dag.tasks.is_empty() {
                warnings.push(ManifestWarning::NoTasks {
                    dag_id: dag_id.clone(),
                });
            }
        }
        warnings
    }
}

fn check_metadata_version(version: &str) -> Result<(), ManifestError> {
    let invalid = |problem: String| ManifestError::Invalid {
        path: "airflow_bundle_metadata_version".into(),
        problem,
    };
    let (major, minor) = version
        .split_once('.')
        .ok_or_else(|| invalid(format!("`{version}` is not MAJOR.MINOR")))?;
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !digits(major) || !digits(minor) {
        return Err(invalid(format!("`{version}` is not MAJOR.MINOR")));
    }
    if major.trim_start_matches('0') != "1" {
        return Err(invalid(format!(
            "bundle-spec {version} is not supported; this module knows bundle-spec 1.x"
        )));
    }
    Ok(())
}

fn check_schema_version(version: &str) -> Result<(), ManifestError> {
    let bytes = version.as_bytes();
    let shape = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
    let date = shape
        && chrono::NaiveDate::from_ymd_opt(
            version[0..4].parse().unwrap_or(0),
            version[5..7].parse().unwrap_or(0),
            version[8..10].parse().unwrap_or(0),
        )
        .is_some();
    if date {
        Ok(())
    } else {
        Err(ManifestError::Invalid {
            path: "sdk.supervisor_schema_version".into(),
            problem: format!("`{version}` is not a YYYY-MM-DD date"),
        })
    }
}

/// Takes the fields of one manifest mapping one by one; what is left over is `rest`.
struct Fields<'a> {
    map: &'a Map<String, Value>,
    path: String,
    taken: Vec<&'static str>,
}

impl<'a> Fields<'a> {
    fn new(map: &'a Map<String, Value>, path: &str) -> Self {
        Self {
            map,
            path: path.to_owned(),
            taken: Vec::new(),
        }
    }

    fn path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn get(&mut self, key: &'static str) -> Option<&'a Value> {
        self.taken.push(key);
        self.map.get(key)
    }

    fn required(&mut self, key: &'static str) -> Result<&'a Value, ManifestError> {
        let path = self.path(key);
        self.get(key).ok_or(ManifestError::Missing { path })
    }

    fn string(&mut self, key: &'static str) -> Result<String, ManifestError> {
        match self.required(key)? {
            Value::String(text) => Ok(text.clone()),
            other => Err(wrong_type(&self.path(key), "a string", other)),
        }
    }

    fn non_empty_string(&mut self, key: &'static str) -> Result<String, ManifestError> {
        let text = self.string(key)?;
        if text.is_empty() {
            return Err(ManifestError::Invalid {
                path: self.path(key),
                problem: "it is empty".into(),
            });
        }
        Ok(text)
    }

    fn optional_string(&mut self, key: &'static str) -> Result<Option<String>, ManifestError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(other) => Err(wrong_type(&self.path(key), "a string", other)),
        }
    }

    fn mapping(&mut self, key: &'static str) -> Result<&'a Map<String, Value>, ManifestError> {
        match self.required(key)? {
            Value::Object(map) => Ok(map),
            other => Err(wrong_type(&self.path(key), "a mapping", other)),
        }
    }

    fn optional_mapping(
        &mut self,
        key: &'static str,
    ) -> Result<Option<&'a Map<String, Value>>, ManifestError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Object(map)) => Ok(Some(map)),
            Some(other) => Err(wrong_type(&self.path(key), "a mapping", other)),
        }
    }

    fn string_list(&mut self, key: &'static str) -> Result<Vec<String>, ManifestError> {
        let Value::Array(items) = self.required(key)? else {
            let found = self.map.get(key).unwrap_or(&Value::Null);
            return Err(wrong_type(&self.path(key), "a list of strings", found));
        };
        items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(text) => Ok(text.clone()),
                other => Err(wrong_type(
                    &format!("{}[{i}]", self.path(key)),
                    "a string",
                    other,
                )),
            })
            .collect()
    }

    fn rest(&self) -> BTreeMap<String, Value> {
        self.map
            .iter()
            .filter(|(key, _)| !self.taken.contains(&key.as_str()))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect()
    }
}

fn wrong_type(path: &str, expected: &'static str, found: &Value) -> ManifestError {
    ManifestError::WrongType {
        path: path.to_owned(),
        expected,
        found: describe(found),
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a mapping".into(),
    }
}

/// Parses one YAML document into JSON: tags, non-string keys and non-finite numbers are refused,
/// since neither a manifest nor its JSON form can hold them.
fn yaml_to_json(text: &str) -> Result<Value, ManifestError> {
    let value: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(text).map_err(|err| ManifestError::Yaml(err.to_string()))?;
    convert(value, "")
}

fn convert(value: serde_yaml_ng::Value, path: &str) -> Result<Value, ManifestError> {
    use serde_yaml_ng::Value as Yaml;
    let unrepresentable = |what: String| ManifestError::Unrepresentable {
        path: if path.is_empty() {
            "(top)".into()
        } else {
            path.to_owned()
        },
        what,
    };
    Ok(match value {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(b),
        Yaml::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into()
            } else if let Some(u) = n.as_u64() {
                u.into()
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                Value::Number(
                    Number::from_f64(f)
                        .ok_or_else(|| unrepresentable(format!("the number {n}")))?,
                )
            }
        }
        Yaml::String(s) => Value::String(s),
        Yaml::Sequence(items) => Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, item)| convert(item, &format!("{path}[{i}]")))
                .collect::<Result<_, _>>()?,
        ),
        Yaml::Mapping(mapping) => {
            let mut map = Map::new();
            for (key, value) in mapping {
                let Yaml::String(key) = key else {
                    let shown = serde_yaml_ng::to_string(&key).unwrap_or_default();
                    return Err(unrepresentable(format!(
                        "the non-string key {} (quote it)",
                        shown.trim_end()
                    )));
                };
                let child = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                let value = convert(value, &child)?;
                map.insert(key, value);
            }
            Value::Object(map)
        }
        Yaml::Tagged(tagged) => {
            return Err(unrepresentable(format!("the YAML tag {}", tagged.tag)));
        }
    })
}

fn sort_keys(map: Map<String, Value>) -> Map<String, Value> {
    let mut entries: Vec<(String, Value)> = map.into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries.into_iter().collect()
}

// --- The YAML writer -------------------------------------------------------------------------
//
// No maintained Rust YAML emitter lets the caller choose a scalar's style, and the YAML 1.2
// emitters leave `2026-06-16`, `yes` or `1:30` plain, which PyYAML reads as a date, a boolean and
// an integer. The manifest is a small tree of mappings, lists and scalars, so it is written here:
// strings always double-quoted, keys sorted.

fn indent(out: &mut String, level: usize) {
    out.extend(std::iter::repeat_n(' ', level));
}

/// Writes a mapping's entries at `level`, one per line; the first line is indented too.
fn write_mapping(out: &mut String, map: &Map<String, Value>, level: usize) {
    if map.is_empty() {
        indent(out, level);
        out.push_str("{}\n");
        return;
    }
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    for key in keys {
        indent(out, level);
        write_key(out, key);
        out.push(':');
        write_child(out, &map[key], level);
    }
}

/// Writes a list's items at `level`, one per line; the first line is indented too.
fn write_list(out: &mut String, items: &[Value], level: usize) {
    for item in items {
        indent(out, level);
        out.push('-');
        match item {
            Value::Object(map) if !map.is_empty() => {
                // `- key: value` with the mapping's other keys aligned under the first.
                let mut nested = String::new();
                write_mapping(&mut nested, map, level + 2);
                out.push(' ');
                out.push_str(&nested[level + 2..]);
            }
            Value::Array(list) if !list.is_empty() => {
                let mut nested = String::new();
                write_list(&mut nested, list, level + 2);
                out.push(' ');
                out.push_str(&nested[level + 2..]);
            }
            scalar => {
                out.push(' ');
                write_scalar(out, scalar);
                out.push('\n');
            }
        }
    }
}

/// Writes what follows `key:`: a scalar on the same line, or a nested block below it.
fn write_child(out: &mut String, value: &Value, level: usize) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            write_mapping(out, map, level + 2);
        }
        Value::Array(list) if !list.is_empty() => {
            out.push('\n');
            write_list(out, list, level + 2);
        }
        scalar => {
            out.push(' ');
            write_scalar(out, scalar);
            out.push('\n');
        }
    }
}

fn write_scalar(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_quoted(out, s),
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

/// Integers as decimal digits; floats with a `.` in the mantissa and a signed exponent, which
/// YAML 1.1's float pattern needs (`1e+21` is a string to PyYAML, `1.0e+21` a float).
fn write_number(out: &mut String, n: &Number) {
    if n.is_i64() || n.is_u64() {
        let _ = write!(out, "{n}");
        return;
    }
    let text = format!("{:?}", n.as_f64().unwrap_or(0.0));
    let (mantissa, exponent) = match text.split_once('e') {
        Some((m, e)) => (m, Some(e)),
        None => (text.as_str(), None),
    };
    out.push_str(mantissa);
    if !mantissa.contains('.') {
        out.push_str(".0");
    }
    if let Some(exponent) = exponent {
        out.push('e');
        if !exponent.starts_with('-') {
            out.push('+');
        }
        out.push_str(exponent);
    }
}

/// A key is written plain when no YAML reader can take it for anything but that string: a
/// lower-case identifier that is not one of YAML 1.1's boolean or null words.
fn write_key(out: &mut String, key: &str) {
    const WORDS: [&str; 10] = [
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "_",
    ];
    let plain = key
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !WORDS.contains(&key);
    if plain {
        out.push_str(key);
    } else {
        write_quoted(out, key);
    }
}

/// A double-quoted scalar. Escaped: `"` and `\`, and every character PyYAML's reader refuses in
/// a stream or YAML treats as a line break or a byte-order mark; everything else is written as
/// it is (UTF-8).
fn write_quoted(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            ' '..='~' => out.push(c),
            '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..
                if !matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') =>
            {
                out.push(c)
            }
            c if (c as u32) <= 0xff => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        let mut dags = BTreeMap::new();
        dags.insert(
            "etl".to_owned(),
            Dag {
                tasks: vec!["extract".into(), "load".into()],
                extra: BTreeMap::new(),
            },
        );
        Manifest::new(Sdk::rust("0.1.0"), "main.rs", dags)
    }

    #[test]
    fn trailer_bytes_are_the_spec_layout() {
        let trailer = Trailer {
            source_len: 0x0102_0304,
            metadata_len: 7,
            footer_ver: FOOTER_VERSION,
            binary_sha256: [0xab; 32],
        };
        let bytes = trailer.to_bytes();
        assert_eq!(&bytes[0..4], &[4, 3, 2, 1]);
        assert_eq!(&bytes[4..8], &[7, 0, 0, 0]);
        assert_eq!(&bytes[8..12], &[1, 0, 0, 0]);
        assert_eq!(&bytes[12..44], &[0xab; 32]);
        assert_eq!(&bytes[44..56], &[0; 12]);
        assert_eq!(&bytes[56..64], b"AFBNDL01");
        assert_eq!(Trailer::parse(&bytes).unwrap(), trailer);
    }

    #[test]
    fn pack_then_read_gives_the_regions_back() {
        let bytes = pack(b"\x7fELF binary", "fn main() {}\n".as_bytes(), &manifest()).unwrap();
        let inspected = read(&bytes).unwrap();
        assert_eq!(inspected.layout.source_start, 11);
        assert_eq!(inspected.source, "fn main() {}\n");
        assert_eq!(
            inspected.trailer.binary_sha256_hex(),
            hex::encode(Sha256::digest(b"\x7fELF binary"))
        );
        let parsed = inspected.parse_manifest().unwrap();
        let digests = parsed.digests.clone().unwrap();
        assert_eq!(
            digests.integrity.unwrap(),
            inspected.trailer.binary_sha256_hex()
        );
        assert_eq!(digests.cache.unwrap().len(), 64);
        assert_eq!(
            Manifest {
                digests: None,
                ..parsed
            },
            manifest()
        );
    }

    #[test]
    fn the_cache_digest_follows_every_region() {
        let base = read(&pack(b"bin", b"src", &manifest()).unwrap()).unwrap();
        let cache = |bytes: Vec<u8>| read(&bytes).unwrap().manifest["digests"]["cache"].clone();
        let mut other = manifest();
        other.sdk.version = "0.1.1".into();
        let same = cache(pack(b"bin", b"src", &manifest()).unwrap());
        assert_eq!(base.manifest["digests"]["cache"], same);
        for changed in [
            cache(pack(b"bin2", b"src", &manifest()).unwrap()),
            cache(pack(b"bin", b"src2", &manifest()).unwrap()),
            cache(pack(b"bin", b"src", &other).unwrap()),
        ] {
            assert_ne!(base.manifest["digests"]["cache"], changed);
        }
    }

    #[test]
    fn strings_yaml_1_1_would_misread_are_quoted_and_read_back() {
        let awkward = [
            "2026-06-16",
            "yes",
            "No",
            "on",
            "OFF",
            "y",
            "1:30",
            "0755",
            "0x1f",
            "1e3",
            ".inf",
            ".nan",
            "null",
            "~",
            "",
            "=",
            "<<",
            "- x",
            "a: b",
            "#c",
            "'q'",
            "\"dq\"",
            "back\\slash",
            "tab\there",
            "line\nbreak",
            "\r",
            "\u{0}",
            "\u{7f}",
            "\u{85}",
            "\u{a0}",
            "\u{2028}",
            "\u{feff}",
            "\u{fffe}",
            "\u{ffff}",
            "héllo wörld",
            "😀",
            "  padded  ",
            "true",
        ];
        let mut m = manifest();
        m.dags.insert(
            "weird".into(),
            Dag {
                tasks: awkward.iter().map(|s| s.to_string()).collect(),
                extra: BTreeMap::new(),
            },
        );
        for key in awkward {
            m.dags.insert(key.to_owned(), Dag::default());
            m.extra.insert(key.to_owned(), key.into());
        }
        let yaml = m.to_yaml();
        for line in yaml.lines() {
            assert!(every_string_quoted(line), "{line}");
        }
        assert_eq!(Manifest::from_yaml(&yaml).unwrap(), m);
    }

    /// Whether a line of `to_yaml` output is `[- ]key:`, `[- ]key: "value"` or `- "value"`, with
    /// `key` quoted or a plain identifier.
    fn every_string_quoted(line: &str) -> bool {
        let rest = line.trim_start_matches(' ');
        let rest = rest.strip_prefix("- ").unwrap_or(rest);
        let after_quoted = |s: &str| -> Option<usize> {
            let mut escaped = false;
            for (i, c) in s.char_indices().skip(1) {
                match (escaped, c) {
                    (false, '\\') => escaped = true,
                    (false, '"') => return Some(i + 1),
                    _ => escaped = false,
                }
            }
            None
        };
        let value_ok = |v: &str| {
            v == "[]" || v == "{}" || (v.starts_with('"') && after_quoted(v) == Some(v.len()))
        };
        if rest.starts_with('"') {
            let Some(end) = after_quoted(rest) else {
                return false;
            };
            let tail = &rest[end..];
            tail.is_empty() || tail == ":" || tail.strip_prefix(": ").is_some_and(value_ok)
        } else {
            let Some((key, tail)) = rest.split_once(':') else {
                return false;
            };
            key.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                && (tail.is_empty() || tail.strip_prefix(' ').is_some_and(value_ok))
        }
    }

    #[test]
    fn extra_values_of_every_kind_round_trip() {
        let mut m = manifest();
        let extra: Value = serde_json::json!({
            "int": -3, "big": 18446744073709551615u64, "float": 1.5, "tiny": 1e-300,
            "huge": 1e300, "whole": 2.0, "flag": false, "none": null,
            "list": [1, [2, []], {"a": {}}, {"b": [true], "c": "d"}], "empty": {},
        });
        m.extra.insert("x_extra".into(), extra.clone());
        m.sdk.extra.insert("build".into(), "release".into());
        let yaml = m.to_yaml();
        assert!(yaml.contains("huge: 1.0e+300\n"), "{yaml}");
        assert!(yaml.contains("tiny: 1.0e-300\n"), "{yaml}");
        let back = Manifest::from_yaml(&yaml).unwrap();
        assert_eq!(back.extra["x_extra"], extra);
        assert_eq!(back, m);
    }

    #[test]
    fn the_yaml_is_sorted_and_stable() {
        let yaml = manifest().to_yaml();
        assert_eq!(
            yaml,
            concat!(
                "airflow_bundle_metadata_version: \"1.0\"\n",
                "dags:\n",
                "  etl:\n",
                "    tasks:\n",
                "      - \"extract\"\n",
                "      - \"load\"\n",
                "sdk:\n",
                "  language: \"rust\"\n",
                "  supervisor_schema_version: \"2026-06-16\"\n",
                "  version: \"0.1.0\"\n",
                "source: \"main.rs\"\n",
            )
        );
    }

    #[test]
    fn manifest_errors_name_the_path() {
        let base = "airflow_bundle_metadata_version: '1.0'\nsdk: {language: rust, version: '1', supervisor_schema_version: '2026-06-16'}\ndags: {d: {tasks: [t]}}\n";
        assert!(Manifest::from_yaml(base).is_ok());
        let cases = [
            ("[1, 2]", "is not a mapping but a list"),
            ("a: [", "is not valid YAML"),
            ("a: 1\na: 2", "is not valid YAML"),
            (
                &base.replace("'1.0'", "1.0"),
                "the number 1.0 at `airflow_bundle_metadata_version`, where a string belongs (quote it",
            ),
            (
                &base.replace("'1.0'", "'2.0'"),
                "bundle-spec 2.0 is not supported",
            ),
            (
                &base.replace("version: '1'", "version: ''"),
                "`sdk.version`: it is empty",
            ),
            (
                &base.replace("'2026-06-16'", "'16 June'"),
                "`16 June` is not a YYYY-MM-DD date",
            ),
            (
                &base.replace("'2026-06-16'", "'2026-02-30'"),
                "is not a YYYY-MM-DD date",
            ),
            (
                &base.replace("[t]", "[t, 3]"),
                "the number 3 at `dags.d.tasks[1]`, where a string belongs (quote it",
            ),
            (
                &base.replace("[t]", "[t, true]"),
                "the boolean true at `dags.d.tasks[1]`, where a string belongs (quote it",
            ),
            (
                &base.replace("version: '1'", "version: null"),
                "has null at `sdk.version`, where a string belongs",
            ),
            (
                &base.replace("{tasks: [t]}", "[t]"),
                "a list at `dags.d`, where a mapping",
            ),
            (
                &base.replace("d: {tasks: [t]}", "1: {tasks: [t]}"),
                "the non-string key 1 (quote it)",
            ),
            (&format!("{base}x: !tag 1\n"), "at `x` the YAML tag !tag"),
            (&format!("{base}x: .nan\n"), "at `x` the number .nan"),
            (
                &base.replace("dags: {d: {tasks: [t]}}", ""),
                "has no `dags`",
            ),
        ];
        for (yaml, expected) in cases {
            let err = Manifest::from_yaml(yaml).unwrap_err().to_string();
            assert!(err.contains(expected), "{yaml:?}: {err}");
            let hinted = expected.contains("(quote it");
            assert_eq!(err.contains("(quote it"), hinted, "{err}");
        }
    }

    #[test]
    fn pack_refuses_what_cannot_be_a_bundle() {
        let m = manifest();
        assert!(matches!(pack(b"", b"", &m), Err(BundleError::EmptyBinary)));
        let bundle = pack(b"bin", b"", &m).unwrap();
        assert!(matches!(
            pack(&bundle, b"", &m),
            Err(BundleError::AlreadyBundle)
        ));
        assert!(matches!(
            pack(b"bin", b"\xff", &m),
            Err(BundleError::SourceNotUtf8(_))
        ));
        let no_source = Manifest {
            source: None,
            ..m.clone()
        };
        assert!(matches!(
            pack(b"bin", b"", &no_source),
            Err(BundleError::Manifest(ManifestError::Missing { .. }))
        ));
        let no_dags = Manifest {
            dags: BTreeMap::new(),
            ..m
        };
        assert!(matches!(
            pack(b"bin", b"", &no_dags),
            Err(BundleError::Manifest(ManifestError::Invalid { .. }))
        ));
    }

    #[test]
    fn read_refuses_each_corruption_in_airflows_order() {
        let good = pack(b"executable", b"src", &manifest()).unwrap();
        let n = good.len();
        let with = |f: &dyn Fn(&mut Vec<u8>)| {
            let mut bytes = good.clone();
            f(&mut bytes);
            read(&bytes).unwrap_err()
        };
        let set_u32 = |at: usize, v: u32| {
            move |b: &mut Vec<u8>| b[n - 64 + at..n - 60 + at].copy_from_slice(&v.to_le_bytes())
        };
        assert!(matches!(
            read(b"short"),
            Err(BundleError::TooShort { len: 5 })
        ));
        assert!(matches!(
            with(&|b| b[n - 1] = b'2'),
            BundleError::BadMagic { .. }
        ));
        assert!(matches!(
            with(&set_u32(8, 2)),
            BundleError::UnsupportedFooterVersion { found: 2 }
        ));
        // footer_ver is checked before the reserved bytes, as in Airflow.
        assert!(matches!(
            with(&|b| {
                set_u32(8, 0)(b);
                b[n - 20] = 1;
            }),
            BundleError::UnsupportedFooterVersion { found: 0 }
        ));
        assert!(matches!(
            with(&|b| b[n - 9] = 1),
            BundleError::ReservedNotZero { .. }
        ));
        assert!(matches!(
            with(&set_u32(0, u32::MAX)),
            BundleError::RegionsPastStart { .. }
        ));
        let all = (n - 64 - 3) as u32;
        assert!(matches!(
            with(&set_u32(4, all)),
            BundleError::EmptyBinaryRegion { .. }
        ));
        assert!(matches!(
            with(&|b| b[0] ^= 1),
            BundleError::HashMismatch { .. }
        ));
        let err = with(&|b| b[n - 40] ^= 1).to_string();
        assert!(err.starts_with("binary_sha256 mismatch"), "{err}");
    }

    #[test]
    fn read_checks_the_regions_it_decodes() {
        let bundle = |source: &[u8], metadata: &[u8]| {
            let mut bytes = b"bin".to_vec();
            bytes.extend_from_slice(source);
            bytes.extend_from_slice(metadata);
            let trailer = Trailer {
                source_len: source.len() as u32,
                metadata_len: metadata.len() as u32,
                footer_ver: 1,
                binary_sha256: Sha256::digest(b"bin").into(),
            };
            bytes.extend_from_slice(&trailer.to_bytes());
            read(&bytes)
        };
        assert!(bundle(b"", b"a: 1").is_ok());
        assert!(matches!(
            bundle(b"", b"\xff"),
            Err(BundleError::MetadataNotUtf8(_))
        ));
        assert!(matches!(
            bundle(b"\xff", b"a: 1"),
            Err(BundleError::SourceNotUtf8(_))
        ));
        assert!(matches!(
            bundle(b"", b"- a"),
            Err(BundleError::Manifest(ManifestError::NotMapping { .. }))
        ));
        assert!(matches!(
            bundle(b"", b"a: ["),
            Err(BundleError::Manifest(ManifestError::Yaml(_)))
        ));
        let lie = format!("digests: {{integrity: '{}'}}", "0".repeat(64));
        assert!(matches!(
            bundle(b"", lie.as_bytes()),
            Err(BundleError::IntegrityMismatch { .. })
        ));
    }
}
