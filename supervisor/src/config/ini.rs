//! `airflow.cfg` as Python's `configparser.ConfigParser` reads it (Python 3.11, the options
//! Airflow uses: `=` and `:` delimiters, full-line `#` / `;` comments only, multi-line values
//! continued by deeper indentation with blank lines kept inside them, strict duplicate checks,
//! case-preserved option names, a `[DEFAULT]` section that backs every other section), and
//! `BasicInterpolation` (`%%`, `%(name)s`) applied when a value is read.
//!
//! Python collects some faults (a line that is neither a header nor an option) and raises them
//! after reading the whole file, and raises others (a repeated section or option, a first line
//! that is not a header) at once. Either way the file is refused here with the line it names:
//! core Airflow does not catch these when it loads the file, so `execute_workload` stops on
//! them too.

use std::collections::HashMap;

use super::pystr::{is_py_space, py_strip};

/// Python's `ConfigParser.default_section`.
const DEFAULT_SECTION: &str = "DEFAULT";
/// Python's `configparser.MAX_INTERPOLATION_DEPTH`.
const MAX_INTERPOLATION_DEPTH: usize = 10;

/// Why a file could not be read, and on which line (from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IniError {
    pub(crate) line: usize,
    pub(crate) problem: String,
}

/// The sections and options of one parsed file; values are raw (not interpolated).
#[derive(Debug, Clone, Default)]
pub(crate) struct IniFile {
    sections: HashMap<String, HashMap<String, String>>,
    defaults: HashMap<String, String>,
}

/// Python's `\S`: the index (in chars) of the first character that is not whitespace.
fn indent_of(line: &str) -> usize {
    line.chars().take_while(|c| is_py_space(*c)).count()
}

/// Which section the parser is filling.
#[derive(Clone)]
enum Current {
    Defaults,
    Section(String),
}

impl IniFile {
    /// Parses `text` as `ConfigParser.read_string` would.
    pub(crate) fn parse(text: &str) -> Result<Self, IniError> {
        // Python reads the file in text mode: universal newlines.
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        let mut file = IniFile::default();
        // Values are kept as lists of lines until the end, as Python does.
        let mut pending: Vec<(Current, String, Vec<String>)> = Vec::new();
        let mut added_sections: std::collections::HashSet<String> = Default::default();
        let mut added_options: std::collections::HashSet<(String, String)> = Default::default();
        let mut current: Option<Current> = None;
        let mut section_name: Option<String> = None;
        // Index into `pending` of the option being continued, if any.
        let mut option: Option<usize> = None;
        let mut indent_level = 0usize;
        let mut first_error: Option<IniError> = None;

        for (index, raw) in text.split_inclusive('\n').enumerate() {
            let lineno = index + 1;
            let stripped = py_strip(raw);
            let is_comment = stripped.starts_with('#') || stripped.starts_with(';');
            let value = if is_comment { "" } else { stripped };
            if value.is_empty() {
                // A blank line (not a comment) inside a value is kept as an empty line of it.
                if !is_comment && let Some(i) = option {
                    pending[i].2.push(String::new());
                }
                continue;
            }
            let cur_indent = indent_of(raw);
            if let Some(i) = option
                && current.is_some()
                && cur_indent > indent_level
            {
                pending[i].2.push(value.to_owned());
                continue;
            }
            indent_level = cur_indent;
            if let Some(header) = section_header(value) {
                if header == DEFAULT_SECTION {
                    current = Some(Current::Defaults);
                } else {
                    if !added_sections.insert(header.to_owned()) {
                        return Err(IniError {
                            line: lineno,
                            problem: format!("section {header:?} appears twice"),
                        });
                    }
                    file.sections.entry(header.to_owned()).or_default();
                    current = Some(Current::Section(header.to_owned()));
                }
                section_name = Some(header.to_owned());
                option = None;
                continue;
            }
            let Some(cur) = current.clone() else {
                return Err(IniError {
                    line: lineno,
                    problem: "the file does not start with a section header".into(),
                });
            };
            match split_option(value) {
                Some((name, optval)) => {
                    if name.is_empty() && first_error.is_none() {
                        first_error = Some(IniError {
                            line: lineno,
                            problem: format!("an option without a name: {value:?}"),
                        });
                    }
                    let sect = section_name.clone().unwrap_or_default();
                    if !added_options.insert((sect.clone(), name.to_owned())) {
                        return Err(IniError {
                            line: lineno,
                            problem: format!("option {name:?} appears twice in section {sect:?}"),
                        });
                    }
                    pending.push((cur, name.to_owned(), vec![py_strip(optval).to_owned()]));
                    option = Some(pending.len() - 1);
                }
                None => {
                    if first_error.is_none() {
                        first_error = Some(IniError {
                            line: lineno,
                            problem: format!(
                                "neither a section header nor an option (no '=' or ':'): {value:?}"
                            ),
                        });
                    }
                    // Python goes on with the next line; the value being read, if any, ends
                    // only at the next option or header.
                }
            }
        }
        for (cur, name, lines) in pending {
            let joined = lines.join("\n");
            let joined = joined.trim_end_matches(is_py_space).to_owned();
            match cur {
                Current::Defaults => file.defaults.insert(name, joined),
                Current::Section(s) => file.sections.entry(s).or_default().insert(name, joined),
            };
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(file),
        }
    }

    /// `ConfigParser.has_option`: the section exists and has the option, or the `[DEFAULT]`
    /// section has it. A section the file lacks has no options, not even `[DEFAULT]`'s.
    pub(crate) fn has_option(&self, section: &str, key: &str) -> bool {
        self.raw(section, key).is_some()
    }

    /// The raw value, looked up as [`has_option`](Self::has_option) does.
    fn raw(&self, section: &str, key: &str) -> Option<&str> {
        if section.is_empty() || section == DEFAULT_SECTION {
            return self.defaults.get(key).map(String::as_str);
        }
        let options = self.sections.get(section)?;
        options
            .get(key)
            .or_else(|| self.defaults.get(key))
            .map(String::as_str)
    }

    /// The value with `BasicInterpolation` applied, `None` when the option is absent; `Err`
    /// carries Python's complaint about a bad `%` reference.
    pub(crate) fn get(&self, section: &str, key: &str) -> Option<Result<String, String>> {
        let raw = self.raw(section, key)?;
        let mut out = String::new();
        Some(self.interpolate(section, raw, 1, &mut out).map(|()| out))
    }

    fn interpolate(
        &self,
        section: &str,
        mut rest: &str,
        depth: usize,
        out: &mut String,
    ) -> Result<(), String> {
        if depth > MAX_INTERPOLATION_DEPTH {
            return Err(format!(
                "interpolation nested deeper than {MAX_INTERPOLATION_DEPTH} levels"
            ));
        }
        while !rest.is_empty() {
            let Some(p) = rest.find('%') else {
                out.push_str(rest);
                return Ok(());
            };
            out.push_str(&rest[..p]);
            rest = &rest[p..];
            let next = rest[1..].chars().next();
            match next {
                Some('%') => {
                    out.push('%');
                    rest = &rest[2..];
                }
                Some('(') => {
                    // `%\(([^)]+)\)s`
                    let close = rest[2..].find(')').map(|i| i + 2);
                    let name = match close {
                        Some(c) if c > 2 && rest[c + 1..].starts_with('s') => &rest[2..c],
                        _ => return Err(format!("bad interpolation variable reference {rest:?}")),
                    };
                    let after = &rest[close.expect("matched above") + 2..];
                    let Some(value) = self.raw(section, name) else {
                        return Err(format!(
                            "the value refers to option {name:?}, which section [{section}] does not have"
                        ));
                    };
                    if value.contains('%') {
                        self.interpolate(section, value, depth + 1, out)?;
                    } else {
                        out.push_str(value);
                    }
                    rest = after;
                }
                _ => {
                    return Err(format!(
                        "'%' must be followed by '%' or '(', found: {rest:?}"
                    ));
                }
            }
        }
        Ok(())
    }
}

/// `\[(?P<header>.+)\]` matched at the start of the (stripped) line: the header runs to the last
/// `]`, and must not be empty.
fn section_header(value: &str) -> Option<&str> {
    let body = value.strip_prefix('[')?;
    let close = body.rfind(']')?;
    let header = &body[..close];
    (!header.is_empty()).then_some(header)
}

/// `(?P<option>.*?)\s*(?P<vi>=|:)\s*(?P<value>.*)$`: the name runs to the first `=` or `:`
/// (trailing whitespace dropped), the value is the rest.
fn split_option(value: &str) -> Option<(&str, &str)> {
    let at = value.find(['=', ':'])?;
    let name = value[..at].trim_end_matches(is_py_space);
    Some((name, &value[at + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiline_values_and_defaults() {
        let f =
            IniFile::parse("[DEFAULT]\nd = 1\n[core]\na = x\n  y\n\n  z\nB: %(d)s%%\n").unwrap();
        assert_eq!(f.get("core", "a").unwrap().unwrap(), "x\ny\n\nz");
        assert_eq!(f.get("core", "B").unwrap().unwrap(), "1%");
        assert!(f.get("core", "b").is_none());
        assert_eq!(f.get("core", "d").unwrap().unwrap(), "1");
        assert!(f.get("other", "d").is_none());
    }

    #[test]
    fn refusals() {
        assert_eq!(IniFile::parse("a = 1\n").unwrap_err().line, 1);
        assert_eq!(IniFile::parse("[a]\n[a]\n").unwrap_err().line, 2);
        assert_eq!(IniFile::parse("[a]\nx=1\nx=2\n").unwrap_err().line, 3);
        assert_eq!(IniFile::parse("[a]\nnot an option\n").unwrap_err().line, 2);
        let f = IniFile::parse("[a]\nx = 50%\n").unwrap();
        assert!(f.get("a", "x").unwrap().is_err());
    }
}
