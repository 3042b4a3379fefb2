//! How the process was launched: the arguments `ExecutableCoordinator` appends.
//!
//! Airflow 3.3's coordinator runs a bundle as `BUNDLE --comm=HOST:PORT --logs=HOST:PORT` (both
//! loopback TCP listeners it opened) and `airflow-comms bundle pack` runs it as
//! `BINARY --airflow-metadata` to read its manifest. Other arguments are left to the program,
//! wherever they appear.

use std::ffi::OsString;

/// What the arguments ask the runtime to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Launch {
    /// Print the bundle manifest and exit (`--airflow-metadata`).
    PrintMetadata,
    /// Run the task the supervisor names: connect to both addresses.
    Run {
        /// The comms socket (`--comm=`): requests and replies, in frames.
        comm: String,
        /// The logs socket (`--logs=`): one JSON object per line.
        logs: String,
    },
}

/// Why the arguments are not a launch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LaunchError {
    /// `--comm=` or `--logs=` is missing.
    #[error(
        "missing {0}: this program is launched by Airflow's ExecutableCoordinator \
         (`--comm=HOST:PORT --logs=HOST:PORT`), or run with `--airflow-metadata` to print its \
         bundle manifest"
    )]
    Missing(&'static str),
    /// An option has an empty or non-UTF-8 value, or is given twice with different values.
    #[error("bad {option} argument: {reason}")]
    Bad {
        /// The option (`--comm` or `--logs`).
        option: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

impl Launch {
    /// Reads the process arguments (without the program name).
    pub fn from_env() -> Result<Self, LaunchError> {
        Self::parse(std::env::args_os().skip(1))
    }

    /// Reads `args` (without the program name). `--airflow-metadata` wins over everything else;
    /// otherwise both `--comm=` and `--logs=` must be present (the `--comm HOST:PORT` spelling
    /// is accepted too). Unrelated arguments are ignored.
    pub fn parse<I, A>(args: I) -> Result<Self, LaunchError>
    where
        I: IntoIterator<Item = A>,
        A: Into<OsString>,
    {
        let mut comm = None;
        let mut logs = None;
        let mut metadata = false;
        let mut args = args.into_iter().map(Into::into);
        while let Some(arg) = args.next() {
            let Some(text) = arg.to_str() else { continue };
            if text == "--airflow-metadata" {
                metadata = true;
                continue;
            }
            for (option, slot) in [("--comm", &mut comm), ("--logs", &mut logs)] {
                let value = if let Some(value) = text
                    .strip_prefix(option)
                    .and_then(|rest| rest.strip_prefix('='))
                {
                    value.to_owned()
                } else if text == option {
                    match args.next().map(|next| next.into_string()) {
                        Some(Ok(value)) => value,
                        Some(Err(_)) => {
                            return Err(LaunchError::Bad {
                                option,
                                reason: "not UTF-8".into(),
                            });
                        }
                        None => return Err(LaunchError::Missing(option)),
                    }
                } else {
                    continue;
                };
                if value.is_empty() {
                    return Err(LaunchError::Bad {
                        option,
                        reason: "empty address".into(),
                    });
                }
                match slot {
                    Some(seen) if *seen != value => {
                        return Err(LaunchError::Bad {
                            option,
                            reason: format!("given twice: {seen} and {value}"),
                        });
                    }
                    _ => *slot = Some(value),
                }
            }
        }
        if metadata {
            return Ok(Self::PrintMetadata);
        }
        Ok(Self::Run {
            comm: comm.ok_or(LaunchError::Missing("--comm=HOST:PORT"))?,
            logs: logs.ok_or(LaunchError::Missing("--logs=HOST:PORT"))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_both_addresses_wherever_they_are() {
        let launch = Launch::parse(["--verbose", "--logs=127.0.0.1:2", "x", "--comm=127.0.0.1:1"]);
        assert_eq!(
            launch,
            Ok(Launch::Run {
                comm: "127.0.0.1:1".into(),
                logs: "127.0.0.1:2".into()
            })
        );
        let spaced = Launch::parse(["--comm", "h:1", "--logs", "h:2"]);
        assert_eq!(
            spaced,
            Ok(Launch::Run {
                comm: "h:1".into(),
                logs: "h:2".into()
            })
        );
    }

    #[test]
    fn metadata_needs_no_addresses() {
        assert_eq!(
            Launch::parse(["--airflow-metadata"]),
            Ok(Launch::PrintMetadata)
        );
    }

    #[test]
    fn missing_or_bad_addresses_are_named() {
        assert_eq!(
            Launch::parse(["--comm=h:1"]),
            Err(LaunchError::Missing("--logs=HOST:PORT"))
        );
        assert_eq!(
            Launch::parse(Vec::<String>::new()),
            Err(LaunchError::Missing("--comm=HOST:PORT"))
        );
        assert!(matches!(
            Launch::parse(["--comm=", "--logs=h:2"]),
            Err(LaunchError::Bad {
                option: "--comm",
                ..
            })
        ));
        assert!(matches!(
            Launch::parse(["--comm=h:1", "--comm=h:3", "--logs=h:2"]),
            Err(LaunchError::Bad {
                option: "--comm",
                ..
            })
        ));
        // `--commander=` is not `--comm=`.
        assert_eq!(
            Launch::parse(["--commander=x", "--logs=h:2"]),
            Err(LaunchError::Missing("--comm=HOST:PORT"))
        );
    }
}
