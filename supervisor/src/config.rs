//! Airflow configuration, read as Airflow 3.3 reads it.
//!
//! # Where a value comes from
//!
//! [`Config::get`] looks an option up the way the task SDK's `conf.get` does (the shared
//! `AirflowConfigParser` of apache-airflow-task-sdk 1.3.2), first match wins:
//!
//! 1. the environment variable `AIRFLOW__{SECTION}__{KEY}` (upper-case; a `.` in the section
//!    becomes `_`), then the same for the option's old name if it was renamed;
//! 2. the file `$AIRFLOW_CONFIG`, or `$AIRFLOW_HOME/airflow.cfg` (`AIRFLOW_HOME` defaults to
//!    `~/airflow`), read as Python's `ConfigParser` reads it (`%` interpolation included), then
//!    the old name;
//! 3. Airflow's built-in defaults (`config.yml` of apache-airflow-core 3.3.2, generated into
//!    `config/defaults.rs` by `tools/supervisor/config_defaults.py`), where `{AIRFLOW_HOME}`
//!    stands for the Airflow home.
//!
//! Whatever the source, the value then has `$VAR` / `${VAR}` and a leading `~` expanded,
//! repeatedly, as Airflow's `expand_env_var` does. Section and key are matched lower-case:
//! a `[Core]` section or a `Dags_Folder` option in the file is not the same as `[core]`
//! `dags_folder` (Python's parser keeps their case too, and looks up lower-case names).
//!
//! `_CMD` and `_SECRET` variants (`AIRFLOW__{SECTION}__{KEY}_CMD`, or `{key}_cmd` in the file)
//! are honoured by Airflow only for options marked sensitive (the database URL, the Fernet key,
//! ...); for every other option Airflow ignores them, and so does this module. None of the
//! options [`Settings`] reads is sensitive. For a sensitive option, running a command or asking
//! a secrets backend is not something the native supervisor does: [`Config::get`] refuses with
//! [`ConfigError::Unsupported`] when one of those is what would supply the value.
//!
//! # Typed values
//!
//! [`Config::get_bool`], [`Config::get_int`], [`Config::get_float`] parse as `conf.getboolean`,
//! `conf.getint` and `conf.getfloat` do (`t`/`true`/`1` and `f`/`false`/`0` in any case, with
//! anything after a `#` dropped; Python's `int()`, falling back to a `float()` with no fractional
//! part; Python's `float()`). [`Settings`] holds the typed values the native supervisor needs;
//! among them [`Coordinators`], the one reading of `[sdk] coordinators` and
//! `[sdk] queue_to_coordinator`.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

mod coordinators;
mod defaults;
mod expand;
mod ini;
mod pystr;
mod settings;

pub(crate) use coordinators::describe_json;
pub use coordinators::{CoordinatorSpec, Coordinators, CoordinatorsError};
pub use settings::{
    ApiClientSettings, HostnameCallable, LoggingSettings, Settings, check_api_server_url,
    execution_api_server_url,
};
/// Intervals and timeouts in [`Settings`] are standard durations.
pub use std::time::Duration;

use ini::IniFile;

/// Why a configuration value could not be read or was not acceptable.
///
/// Each variant names the option as `[section] key` (lower-case, as looked up) and, where there
/// is one, the offending value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The configuration file could not be read from disk.
    #[error("cannot read the Airflow configuration file {}: {source}", path.display())]
    ReadFile {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The configuration file is not valid for Python's `ConfigParser`.
    #[error("{}line {line}: {problem}", file_prefix(path.as_deref()))]
    ParseFile {
        /// The file, when it came from disk.
        path: Option<PathBuf>,
        /// The line (from 1) the problem is on.
        line: usize,
        /// What is wrong.
        problem: String,
    },
    /// A `%` in a value of the file is not a valid interpolation (`%%` or `%(name)s`).
    #[error("[{section}] {key}: {problem}")]
    Interpolation {
        /// The section.
        section: String,
        /// The key.
        key: String,
        /// What is wrong.
        problem: String,
    },
    /// `$VAR` expansion of the value never settles (a variable that contains itself).
    #[error("[{section}] {key}: expanding environment variables in {value:?} never settles")]
    Expansion {
        /// The section.
        section: String,
        /// The key.
        key: String,
        /// The value before expansion.
        value: String,
    },
    /// The option has no value in any source and no default.
    #[error("[{section}] {key}: not set, and Airflow has no default for it")]
    Missing {
        /// The section.
        section: String,
        /// The key.
        key: String,
    },
    /// The value is not of the type the option needs.
    #[error("[{section}] {key}: {value:?} is not {expected}")]
    Invalid {
        /// The section.
        section: String,
        /// The key.
        key: String,
        /// The value as read.
        value: String,
        /// What it should be, e.g. "a boolean (true/false, t/f, 1/0)".
        expected: Cow<'static, str>,
    },
    /// The value would come from a command or a secrets backend (a sensitive option's `_CMD` or
    /// `_SECRET` variant), which the native supervisor does not run.
    #[error("[{section}] {key}: {source_name} is set, but the native supervisor does not {what}")]
    Unsupported {
        /// The section.
        section: String,
        /// The key.
        key: String,
        /// Where the value would come from: the variable or option name.
        source_name: String,
        /// What it would have to do.
        what: &'static str,
    },
    /// `[sdk] coordinators` or `[sdk] queue_to_coordinator` is not what Airflow's
    /// `CoordinatorManager` accepts; the error names the option and what in it is wrong.
    #[error(transparent)]
    Coordinators(#[from] CoordinatorsError),
}

fn file_prefix(path: Option<&Path>) -> String {
    match path {
        Some(p) => format!("{}: ", p.display()),
        None => "airflow.cfg: ".to_owned(),
    }
}

impl ConfigError {
    /// The `(section, key)` the error is about, when it is about one option.
    pub fn option(&self) -> Option<(&str, &str)> {
        match self {
            ConfigError::Interpolation { section, key, .. }
            | ConfigError::Expansion { section, key, .. }
            | ConfigError::Missing { section, key }
            | ConfigError::Invalid { section, key, .. }
            | ConfigError::Unsupported { section, key, .. } => Some((section, key)),
            ConfigError::Coordinators(error) => Some(("sdk", error.option())),
            ConfigError::ReadFile { .. } | ConfigError::ParseFile { .. } => None,
        }
    }

    pub(crate) fn invalid(
        section: &str,
        key: &str,
        value: impl Into<String>,
        expected: impl Into<Cow<'static, str>>,
    ) -> Self {
        ConfigError::Invalid {
            section: section.to_owned(),
            key: key.to_owned(),
            value: value.into(),
            expected: expected.into(),
        }
    }
}

/// Airflow's configuration: the environment over `airflow.cfg` over the built-in defaults.
///
/// Holds a snapshot: the environment and the file as they were when it was made.
#[derive(Clone)]
pub struct Config {
    env: BTreeMap<String, String>,
    file: Option<IniFile>,
    file_path: Option<PathBuf>,
    airflow_home: String,
}

impl fmt::Debug for Config {
    // Values may be secrets: show where they come from, not what they are.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("airflow_home", &self.airflow_home)
            .field("file_path", &self.file_path)
            .field("has_file", &self.file.is_some())
            .finish_non_exhaustive()
    }
}

/// The `AIRFLOW__...` variable name of an option.
fn env_var_name(section: &str, key: &str) -> String {
    format!(
        "AIRFLOW__{}__{}",
        section.replace('.', "_").to_uppercase(),
        key.to_uppercase()
    )
}

/// An option's default, `None` when Airflow has none; and whether the option is sensitive.
fn default_row(section: &str, key: &str) -> Option<&'static defaults::OptionRow> {
    defaults::OPTIONS
        .binary_search_by(|(s, k, _, _)| (*s, *k).cmp(&(section, key)))
        .ok()
        .map(|i| &defaults::OPTIONS[i])
}

fn is_sensitive(section: &str, key: &str) -> bool {
    if default_row(section, key).is_some_and(|row| row.3) {
        return true;
    }
    // The old name of a sensitive option is sensitive too.
    defaults::RENAMED.iter().any(|(ns, nk, os, ok)| {
        *os == section && *ok == key && default_row(ns, nk).is_some_and(|r| r.3)
    })
}

impl Config {
    /// Reads the configuration of this process: its environment, and the file Airflow would
    /// read (`$AIRFLOW_CONFIG`, else `$AIRFLOW_HOME/airflow.cfg`, else `~/airflow/airflow.cfg`;
    /// no file there is no error). Environment variables whose name or value is not UTF-8 are
    /// left out.
    pub fn load() -> Result<Config, ConfigError> {
        let env: BTreeMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let path = Self::config_file_path(&env);
        let text = match std::fs::read(&path) {
            Ok(bytes) => Some(String::from_utf8(bytes).map_err(|e| {
                ConfigError::ParseFile {
                    path: Some(path.clone()),
                    line: 1 + e.as_bytes()[..e.utf8_error().valid_up_to()]
                        .iter()
                        .filter(|b| **b == b'\n')
                        .count(),
                    problem: "not valid UTF-8".into(),
                }
            })?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => return Err(ConfigError::ReadFile { path, source }),
        };
        let mut config = Self::build(env, text.as_deref())?;
        if text.is_some() {
            config.file_path = Some(path);
        }
        Ok(config)
    }

    /// A configuration from the given environment and `airflow.cfg` text (`None`: no file), for
    /// tests and for callers that read the file themselves. `HOME`, `AIRFLOW_HOME` and every
    /// variable a value refers to are taken from `env` too, never from the process.
    pub fn from_sources(
        env: impl IntoIterator<Item = (String, String)>,
        file_text: Option<&str>,
    ) -> Result<Config, ConfigError> {
        Self::build(env.into_iter().collect(), file_text)
    }

    fn build(
        env: BTreeMap<String, String>,
        file_text: Option<&str>,
    ) -> Result<Config, ConfigError> {
        let file =
            file_text
                .map(IniFile::parse)
                .transpose()
                .map_err(|e| ConfigError::ParseFile {
                    path: None,
                    line: e.line,
                    problem: e.problem,
                })?;
        let airflow_home = Self::airflow_home_of(&env);
        Ok(Config {
            env,
            file,
            file_path: None,
            airflow_home,
        })
    }

    /// `AIRFLOW_HOME` as the SDK expands it into defaults: the variable (expanded), or
    /// `~/airflow`.
    fn airflow_home_of(env: &BTreeMap<String, String>) -> String {
        let raw = match env.get("AIRFLOW_HOME") {
            Some(v) => v.clone(),
            None => match env.get("HOME") {
                Some(home) => format!("{}/airflow", home.trim_end_matches('/')),
                None => "~/airflow".to_owned(),
            },
        };
        expand::expand_env_var(&raw, env).unwrap_or(raw)
    }

    /// Where Airflow looks for `airflow.cfg` given this environment.
    fn config_file_path(env: &BTreeMap<String, String>) -> PathBuf {
        if let Some(p) = env.get("AIRFLOW_CONFIG") {
            return PathBuf::from(expand::expand_env_var(p, env).unwrap_or_else(|| p.clone()));
        }
        let home = env
            .get("AIRFLOW_HOME")
            .cloned()
            .unwrap_or_else(|| "~/airflow".to_owned());
        let home = expand::expand_env_var(&home, env).unwrap_or(home);
        Path::new(&home).join("airflow.cfg")
    }

    /// The Airflow home that stands for `{AIRFLOW_HOME}` in defaults.
    pub fn airflow_home(&self) -> &str {
        &self.airflow_home
    }

    /// The file the configuration was read from, when [`Config::load`] found one.
    pub fn file_path(&self) -> Option<&Path> {
        self.file_path.as_deref()
    }

    fn expand(&self, section: &str, key: &str, value: &str) -> Result<String, ConfigError> {
        expand::expand_env_var(value, &self.env).ok_or_else(|| ConfigError::Expansion {
            section: section.to_owned(),
            key: key.to_owned(),
            value: value.to_owned(),
        })
    }

    fn lookup_env(&self, section: &str, key: &str) -> Result<Option<String>, ConfigError> {
        let name = env_var_name(section, key);
        if let Some(v) = self.env.get(&name) {
            return self.expand(section, key, v).map(Some);
        }
        if is_sensitive(section, key) {
            for (suffix, what) in [
                ("_CMD", "run configuration commands"),
                ("_SECRET", "read configuration from a secrets backend"),
            ] {
                let var = format!("{name}{suffix}");
                if self.env.contains_key(&var) {
                    return Err(ConfigError::Unsupported {
                        section: section.to_owned(),
                        key: key.to_owned(),
                        source_name: format!("environment variable {var}"),
                        what,
                    });
                }
            }
        }
        Ok(None)
    }

    fn lookup_file(&self, section: &str, key: &str) -> Result<Option<String>, ConfigError> {
        let Some(file) = &self.file else {
            return Ok(None);
        };
        match file.get(section, key) {
            None => Ok(None),
            Some(Ok(v)) => self.expand(section, key, &v).map(Some),
            Some(Err(problem)) => Err(ConfigError::Interpolation {
                section: section.to_owned(),
                key: key.to_owned(),
                problem,
            }),
        }
    }

    fn file_command(&self, section: &str, key: &str) -> Result<(), ConfigError> {
        let Some(file) = &self.file else {
            return Ok(());
        };
        if !is_sensitive(section, key) {
            return Ok(());
        }
        for (suffix, what) in [
            ("_cmd", "run configuration commands"),
            ("_secret", "read configuration from a secrets backend"),
        ] {
            let option = format!("{key}{suffix}");
            if file.has_option(section, &option) {
                return Err(ConfigError::Unsupported {
                    section: section.to_owned(),
                    key: key.to_owned(),
                    source_name: format!("[{section}] {option} in the configuration file"),
                    what,
                });
            }
        }
        Ok(())
    }

    fn lookup_defaults(&self, section: &str, key: &str) -> Result<Option<String>, ConfigError> {
        let Some((_, _, Some(segments), _)) = default_row(section, key) else {
            return Ok(None);
        };
        let joined = segments.join(&self.airflow_home);
        self.expand(section, key, &joined).map(Some)
    }

    /// The value of `[section] key`, `None` when no source sets it and Airflow has no default.
    ///
    /// `section` and `key` are matched lower-case. A renamed option is found under either name
    /// (the new name first, in each source).
    pub fn get(&self, section: &str, key: &str) -> Result<Option<String>, ConfigError> {
        let mut section = section.to_lowercase();
        let mut key = key.to_lowercase();
        let mut old: Option<(String, String)> = None;
        if let Some((ns, nk, _, _)) = defaults::RENAMED
            .iter()
            .find(|(_, _, os, ok)| *os == section && *ok == key)
        {
            old = Some((section, key));
            section = (*ns).to_owned();
            key = (*nk).to_owned();
        } else if let Some((_, _, os, ok)) = defaults::RENAMED
            .iter()
            .find(|(ns, nk, _, _)| *ns == section && *nk == key)
        {
            old = Some(((*os).to_owned(), (*ok).to_owned()));
        }
        let old = old.as_ref().map(|(s, k)| (s.as_str(), k.as_str()));

        if let Some(v) = self.lookup_env(&section, &key)? {
            return Ok(Some(v));
        }
        if let Some((os, ok)) = old
            && let Some(v) = self.lookup_env(os, ok)?
        {
            return Ok(Some(v));
        }
        if let Some(v) = self.lookup_file(&section, &key)? {
            return Ok(Some(v));
        }
        if let Some((os, ok)) = old
            && let Some(v) = self.lookup_file(os, ok)?
        {
            return Ok(Some(v));
        }
        self.file_command(&section, &key)?;
        if let Some((os, ok)) = old {
            self.file_command(os, ok)?;
        }
        self.lookup_defaults(&section, &key)
    }

    /// [`get`](Self::get), with [`ConfigError::Missing`] when there is no value.
    pub fn get_required(&self, section: &str, key: &str) -> Result<String, ConfigError> {
        self.get(section, key)?.ok_or_else(|| ConfigError::Missing {
            section: section.to_lowercase(),
            key: key.to_lowercase(),
        })
    }

    /// `conf.getboolean`: `t`, `true`, `1` or `f`, `false`, `0`, in any case, surrounding white
    /// space and anything from a `#` on ignored.
    pub fn get_bool(&self, section: &str, key: &str) -> Result<bool, ConfigError> {
        let value = self.get_required(section, key)?;
        parse_bool(&value).ok_or_else(|| {
            ConfigError::invalid(section, key, value, "a boolean (true/false, t/f, 1/0)")
        })
    }

    /// `conf.getint`: Python's `int()`, or a `float()` with no fractional part (`"2.0"`,
    /// `"1e3"`). Values outside `i64` are refused (Python would take them).
    pub fn get_int(&self, section: &str, key: &str) -> Result<i64, ConfigError> {
        let value = self.get_required(section, key)?;
        parse_int(&value).ok_or_else(|| ConfigError::invalid(section, key, value, "an integer"))
    }

    /// `conf.getfloat`: Python's `float()` (`inf` and `nan` included).
    pub fn get_float(&self, section: &str, key: &str) -> Result<f64, ConfigError> {
        let value = self.get_required(section, key)?;
        pystr::py_float(&value).ok_or_else(|| ConfigError::invalid(section, key, value, "a number"))
    }

    /// A number of seconds, read as [`get_float`](Self::get_float) reads it, as a [`Duration`].
    /// Negative, infinite and NaN values are refused: no interval the supervisor keeps can be
    /// one of those.
    pub fn get_duration_secs(&self, section: &str, key: &str) -> Result<Duration, ConfigError> {
        let secs = self.get_float(section, key)?;
        Duration::try_from_secs_f64(secs).map_err(|_| {
            ConfigError::invalid(
                section,
                key,
                self.get(section, key).ok().flatten().unwrap_or_default(),
                "a finite, non-negative number of seconds",
            )
        })
    }
}

/// `conf.getboolean`'s reading of a value.
fn parse_bool(value: &str) -> Option<bool> {
    let lower = value.to_lowercase();
    let mut val = pystr::py_strip(&lower);
    if let Some(hash) = val.find('#') {
        val = pystr::py_strip(&val[..hash]);
    }
    match val {
        "t" | "true" | "1" => Some(true),
        "f" | "false" | "0" => Some(false),
        _ => None,
    }
}

/// `conf.getint`'s reading of a value.
fn parse_int(value: &str) -> Option<i64> {
    pystr::py_int(value).or_else(|| pystr::py_int_via_float(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans() {
        assert_eq!(parse_bool(" TRUE # yes"), Some(true));
        assert_eq!(parse_bool("f"), Some(false));
        assert_eq!(parse_bool("yes"), None);
    }

    #[test]
    fn defaults_are_sorted() {
        assert!(
            defaults::OPTIONS
                .windows(2)
                .all(|w| (w[0].0, w[0].1) < (w[1].0, w[1].1))
        );
    }
}
