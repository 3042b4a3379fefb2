//! What PyYAML's `yaml.safe_load` makes of a bundle manifest, as far as Airflow looks at it.
//!
//! Airflow reads the manifest with PyYAML (YAML 1.1) and then asks three things: is the document
//! a `dict`, what are the `str` keys of its `dags` dict, and is `sdk.supervisor_schema_version` a
//! non-empty `str`. YAML 1.1 decides types differently from YAML 1.2 (`2026-06-16` unquoted is a
//! date, `yes` a boolean, `1:30` the integer 90), so a YAML 1.2 reader would accept bundles Airflow
//! rejects. This module parses with `yaml-rust2` (which keeps each scalar's style and tag) and
//! then types the nodes as PyYAML's `SafeLoader` does:
//!
//! - plain scalars (and any scalar tagged `!`) through YAML 1.1's implicit patterns (null, bool,
//!   int, float, timestamp, merge `<<`, value `=`); quoted ones are strings;
//! - explicit tags as the safe constructor knows them; an unknown tag fails the load;
//! - merge keys flattened, mapping keys checked to be hashable (a list or mapping key fails);
//! - nodes built in PyYAML's order: a collection's scalars first, its nested collections queued,
//!   so the first problem found is the one PyYAML meets first.
//!
//! A load fails in one of two ways, as in Python: a `YAMLError` (Airflow skips the file) or
//! another exception out of a constructor — an impossible date, `!!int x` — which Airflow does not
//! catch, so it ends the bundle search (see [`LoadError`]).
//!
//! Known limits: a repeated anchor name (PyYAML refuses it; `yaml-rust2` does not say) and
//! syntax corners where the two parsers disagree. `!!binary` is checked for base64 padding only.

use std::collections::VecDeque;
use std::sync::LazyLock;

use regex::Regex;
use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::TScalarStyle;

const NULL: &str = "tag:yaml.org,2002:null";
const BOOL: &str = "tag:yaml.org,2002:bool";
const INT: &str = "tag:yaml.org,2002:int";
const FLOAT: &str = "tag:yaml.org,2002:float";
const BINARY: &str = "tag:yaml.org,2002:binary";
const TIMESTAMP: &str = "tag:yaml.org,2002:timestamp";
const OMAP: &str = "tag:yaml.org,2002:omap";
const PAIRS: &str = "tag:yaml.org,2002:pairs";
const SET: &str = "tag:yaml.org,2002:set";
const STR: &str = "tag:yaml.org,2002:str";
const SEQ: &str = "tag:yaml.org,2002:seq";
const MAP: &str = "tag:yaml.org,2002:map";
const MERGE: &str = "tag:yaml.org,2002:merge";
const VALUE: &str = "tag:yaml.org,2002:value";

/// Deeper merges than this are refused (Python would exhaust its recursion limit).
const MAX_MERGE_DEPTH: usize = 500;

/// Why a manifest did not load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum LoadError {
    /// PyYAML raises a `YAMLError`: Airflow logs it at debug level and skips the file.
    Yaml(String),
    /// A constructor raises something else (`ValueError`, `KeyError`, `AttributeError`, …):
    /// Airflow does not catch it, and the bundle search ends with it.
    Constructor(String),
}

#[derive(Debug)]
enum Body {
    Scalar(String),
    Seq(Vec<usize>),
    Map(Vec<(usize, usize)>),
}

#[derive(Debug)]
struct Node {
    tag: String,
    body: Body,
}

/// A loaded manifest document: the node graph, typed.
#[derive(Debug)]
pub(super) struct Document {
    nodes: Vec<Node>,
    /// `None` for an empty stream (`safe_load` gives `None`).
    root: Option<usize>,
}

impl Document {
    /// Whether `safe_load` gives a `dict`.
    pub(super) fn is_dict(&self) -> bool {
        self.root.is_some_and(|root| self.is_dict_node(root))
    }

    /// The `str` keys of the root's `dags`, when that is a `dict`.
    pub(super) fn dag_ids(&self) -> Vec<&str> {
        let Some(dags) = self.root.and_then(|root| self.get(root, "dags")) else {
            return Vec::new();
        };
        if !self.is_dict_node(dags) {
            return Vec::new();
        }
        self.pairs(dags)
            .iter()
            .filter_map(|&(key, _)| self.as_str(key))
            .collect()
    }

    /// `sdk.supervisor_schema_version` when `sdk` is a `dict` and it is a non-empty `str`.
    pub(super) fn supervisor_schema_version(&self) -> Option<&str> {
        let sdk = self.root.and_then(|root| self.get(root, "sdk"))?;
        if !self.is_dict_node(sdk) {
            return None;
        }
        self.get(sdk, "supervisor_schema_version")
            .and_then(|value| self.as_str(value))
            .filter(|value| !value.is_empty())
    }

    fn is_dict_node(&self, index: usize) -> bool {
        self.nodes[index].tag == MAP && matches!(self.nodes[index].body, Body::Map(_))
    }

    fn pairs(&self, index: usize) -> &[(usize, usize)] {
        match &self.nodes[index].body {
            Body::Map(pairs) => pairs,
            _ => &[],
        }
    }

    fn as_str(&self, index: usize) -> Option<&str> {
        match &self.nodes[index].body {
            Body::Scalar(value) if self.nodes[index].tag == STR => Some(value),
            _ => None,
        }
    }

    /// `dict.get(key)` for a `str` key: the last pair with that key wins, as in a Python dict.
    fn get(&self, map: usize, key: &str) -> Option<usize> {
        self.pairs(map)
            .iter()
            .rev()
            .find(|&&(k, _)| self.as_str(k) == Some(key))
            .map(|&(_, value)| value)
    }
}

/// `yaml.safe_load(text)`, as far as its outcome and the types of the nodes go.
pub(super) fn safe_load(text: &str) -> Result<Document, LoadError> {
    check_printable(text)?;
    // PyYAML's scanner steps over a byte order mark at the very start of the stream.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut document = compose(text)?;
    construct(&mut document)?;
    Ok(document)
}

/// PyYAML's reader refuses control characters (other than tab and line breaks), C1 controls other
/// than NEL, and U+FFFE / U+FFFF.
fn check_printable(text: &str) -> Result<(), LoadError> {
    let printable = |c: char| {
        matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
            || c >= '\u{10000}'
    };
    match text.chars().position(|c| !printable(c)) {
        None => Ok(()),
        Some(at) => {
            let c = text.chars().nth(at).map_or(0, u32::from);
            Err(LoadError::Yaml(format!(
                "unacceptable character #x{c:04x} at character {at}: special characters are not allowed"
            )))
        }
    }
}

/// An open collection while composing.
enum Open {
    Seq(usize),
    /// A mapping and its key waiting for a value.
    Map(usize, Option<usize>),
}

/// Builds the node graph from the parser's events and gives every node its tag, as PyYAML's
/// composer and resolver do. More than one document is an error, as `safe_load` makes it.
fn compose(text: &str) -> Result<Document, LoadError> {
    let mut parser = Parser::new_from_str(text);
    let mut nodes: Vec<Node> = Vec::new();
    let mut anchors: Vec<(usize, usize)> = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    let mut root = None;
    let mut documents = 0;
    loop {
        let (event, _) = parser
            .next_token()
            .map_err(|err| LoadError::Yaml(err.to_string()))?;
        // A start event opens a collection; an alias to one does not.
        let mut opens = false;
        let index = match event {
            Event::StreamEnd => break,
            Event::DocumentStart => {
                documents += 1;
                if documents > 1 {
                    return Err(LoadError::Yaml(
                        "expected a single document in the stream".into(),
                    ));
                }
                continue;
            }
            Event::Nothing | Event::StreamStart | Event::DocumentEnd => continue,
            Event::SequenceEnd | Event::MappingEnd => {
                stack.pop();
                continue;
            }
            Event::Alias(id) => anchors
                .iter()
                .rev()
                .find(|&&(anchor, _)| anchor == id)
                .map(|&(_, node)| node)
                .ok_or_else(|| LoadError::Yaml("found undefined alias".into()))?,
            Event::Scalar(value, style, anchor, tag) => {
                let tag = scalar_tag(&value, style, tag.as_ref());
                push_node(&mut nodes, &mut anchors, anchor, tag, Body::Scalar(value))
            }
            Event::SequenceStart(anchor, tag) => {
                let tag = collection_tag(tag.as_ref(), SEQ);
                opens = true;
                push_node(&mut nodes, &mut anchors, anchor, tag, Body::Seq(Vec::new()))
            }
            Event::MappingStart(anchor, tag) => {
                let tag = collection_tag(tag.as_ref(), MAP);
                opens = true;
                push_node(&mut nodes, &mut anchors, anchor, tag, Body::Map(Vec::new()))
            }
        };
        attach(&mut nodes, &mut stack, &mut root, index);
        if opens {
            stack.push(match nodes[index].body {
                Body::Map(_) => Open::Map(index, None),
                _ => Open::Seq(index),
            });
        }
    }
    Ok(Document { nodes, root })
}

fn push_node(
    nodes: &mut Vec<Node>,
    anchors: &mut Vec<(usize, usize)>,
    anchor: usize,
    tag: String,
    body: Body,
) -> usize {
    nodes.push(Node { tag, body });
    let index = nodes.len() - 1;
    if anchor != 0 {
        anchors.push((anchor, index));
    }
    index
}

/// Adds a finished or just-opened node to the collection that holds it.
fn attach(nodes: &mut [Node], stack: &mut [Open], root: &mut Option<usize>, index: usize) {
    match stack.last_mut() {
        None => *root = Some(index),
        Some(Open::Seq(seq)) => {
            if let Body::Seq(items) = &mut nodes[*seq].body {
                items.push(index);
            }
        }
        Some(Open::Map(map, pending)) => match pending.take() {
            None => *pending = Some(index),
            Some(key) => {
                if let Body::Map(pairs) = &mut nodes[*map].body {
                    pairs.push((key, index));
                }
            }
        },
    }
}

fn full_tag(tag: &Tag) -> String {
    format!("{}{}", tag.handle, tag.suffix)
}

/// A scalar's tag: an explicit one as given; otherwise plain scalars, and scalars tagged `!`
/// (PyYAML resolves those too, quoted or not), go through the implicit patterns, and quoted ones
/// are strings.
fn scalar_tag(value: &str, style: TScalarStyle, tag: Option<&Tag>) -> String {
    match tag.map(full_tag) {
        Some(tag) if tag != "!" => tag,
        Some(_) => implicit_tag(value).to_owned(),
        None if style == TScalarStyle::Plain => implicit_tag(value).to_owned(),
        None => STR.to_owned(),
    }
}

fn collection_tag(tag: Option<&Tag>, default: &str) -> String {
    match tag.map(full_tag) {
        Some(tag) if tag != "!" => tag,
        _ => default.to_owned(),
    }
}

/// YAML 1.1's implicit types, tried in PyYAML's order.
fn implicit_tag(value: &str) -> &'static str {
    static PATTERNS: LazyLock<[(&'static str, Regex); 7]> = LazyLock::new(|| {
        // Fixed patterns, checked by the tests: compiling them cannot fail.
        let pattern = |text: &str| Regex::new(text).expect("a fixed, valid pattern");
        [
            (
                BOOL,
                pattern(
                    "^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$",
                ),
            ),
            (
                FLOAT,
                pattern(concat!(
                    r"^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?",
                    r"|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?",
                    r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*",
                    r"|[-+]?\.(?:inf|Inf|INF)",
                    r"|\.(?:nan|NaN|NAN))$",
                )),
            ),
            (
                INT,
                pattern(concat!(
                    r"^(?:[-+]?0b[0-1_]+",
                    r"|[-+]?0[0-7_]+",
                    r"|[-+]?(?:0|[1-9][0-9_]*)",
                    r"|[-+]?0x[0-9a-fA-F_]+",
                    r"|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$",
                )),
            ),
            (MERGE, pattern("^<<$")),
            (NULL, pattern("^(?:~|null|Null|NULL|)$")),
            (
                TIMESTAMP,
                pattern(concat!(
                    r"^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}",
                    r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}",
                    r"(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$",
                )),
            ),
            (VALUE, pattern("^=$")),
        ]
    });
    PATTERNS
        .iter()
        .find(|(_, pattern)| pattern.is_match(value))
        .map_or(STR, |(tag, _)| tag)
}

/// Builds every node in PyYAML's order and reports the first failure it would meet. A node is
/// built once (aliases share it); a collection is filled after its parent's scalars, in the order
/// collections were met.
fn construct(document: &mut Document) -> Result<(), LoadError> {
    let Some(root) = document.root else {
        return Ok(());
    };
    let mut builder = Builder {
        built: vec![None; document.nodes.len()],
        queue: VecDeque::new(),
    };
    builder.build(document, root)?;
    while let Some(index) = builder.queue.pop_front() {
        builder.fill(document, index)?;
    }
    Ok(())
}

struct Builder {
    /// Per node: `Some(hashable)` once built.
    built: Vec<Option<bool>>,
    /// Collections built empty, to fill.
    queue: VecDeque<usize>,
}

impl Builder {
    /// Builds one node; returns whether the Python object is hashable.
    fn build(&mut self, document: &Document, index: usize) -> Result<bool, LoadError> {
        if let Some(hashable) = self.built[index] {
            return Ok(hashable);
        }
        let node = &document.nodes[index];
        let hashable = match node.tag.as_str() {
            SEQ | MAP | SET | OMAP | PAIRS => {
                self.queue.push_back(index);
                false
            }
            NULL | BOOL | INT | FLOAT | BINARY | TIMESTAMP | STR => {
                let Body::Scalar(value) = &node.body else {
                    return Err(LoadError::Yaml(format!(
                        "expected a scalar node for the tag {}, but found a collection",
                        node.tag
                    )));
                };
                check_scalar(&node.tag, value)?;
                true
            }
            other => {
                return Err(LoadError::Yaml(format!(
                    "could not determine a constructor for the tag {other:?}"
                )));
            }
        };
        self.built[index] = Some(hashable);
        Ok(hashable)
    }

    /// Fills a collection built empty.
    fn fill(&mut self, document: &mut Document, index: usize) -> Result<(), LoadError> {
        let tag = document.nodes[index].tag.clone();
        match (tag.as_str(), &document.nodes[index].body) {
            (MAP | SET, Body::Map(_)) => {
                flatten(document, index, 0)?;
                let pairs = match &document.nodes[index].body {
                    Body::Map(pairs) => pairs.clone(),
                    _ => Vec::new(),
                };
                for (key, value) in pairs {
                    if !self.build(document, key)? {
                        return Err(LoadError::Yaml(
                            "while constructing a mapping: found unhashable key".into(),
                        ));
                    }
                    self.build(document, value)?;
                }
            }
            (SEQ, Body::Seq(items)) => {
                for item in items.clone() {
                    self.build(document, item)?;
                }
            }
            (OMAP | PAIRS, Body::Seq(items)) => {
                for item in items.clone() {
                    let Body::Map(pairs) = &document.nodes[item].body else {
                        return Err(LoadError::Yaml(format!(
                            "while constructing {tag}: expected a mapping of length 1"
                        )));
                    };
                    let [(key, value)] = pairs[..] else {
                        return Err(LoadError::Yaml(format!(
                            "while constructing {tag}: expected a single mapping item"
                        )));
                    };
                    self.build(document, key)?;
                    self.build(document, value)?;
                }
            }
            (tag, _) => {
                return Err(LoadError::Yaml(format!(
                    "the tag {tag} does not fit this kind of node"
                )));
            }
        }
        Ok(())
    }
}

/// PyYAML's `flatten_mapping`: each `<<` pair is removed and the pairs of the mapping (or
/// mappings, the first winning) it names are put before the node's own; a `=` key becomes a
/// string.
fn flatten(document: &mut Document, index: usize, depth: usize) -> Result<(), LoadError> {
    if depth > MAX_MERGE_DEPTH {
        return Err(LoadError::Constructor(
            "maximum recursion depth exceeded while flattening merges".into(),
        ));
    }
    let mut merged: Vec<(usize, usize)> = Vec::new();
    let mut at = 0;
    loop {
        let (key, value) = match &document.nodes[index].body {
            Body::Map(pairs) if at < pairs.len() => pairs[at],
            _ => break,
        };
        match document.nodes[key].tag.as_str() {
            MERGE => {
                if let Body::Map(pairs) = &mut document.nodes[index].body {
                    pairs.remove(at);
                }
                match &document.nodes[value].body {
                    Body::Map(_) => {
                        flatten(document, value, depth + 1)?;
                        merged.extend(pairs_of(document, value));
                    }
                    Body::Seq(items) => {
                        let mut parts = Vec::new();
                        for item in items.clone() {
                            if !matches!(document.nodes[item].body, Body::Map(_)) {
                                return Err(LoadError::Yaml(
                                    "while constructing a mapping: expected a mapping for merging"
                                        .into(),
                                ));
                            }
                            flatten(document, item, depth + 1)?;
                            parts.push(pairs_of(document, item));
                        }
                        for part in parts.into_iter().rev() {
                            merged.extend(part);
                        }
                    }
                    Body::Scalar(_) => {
                        return Err(LoadError::Yaml(
                            "while constructing a mapping: expected a mapping or list of mappings for merging"
                                .into(),
                        ));
                    }
                }
            }
            VALUE => {
                document.nodes[key].tag = STR.to_owned();
                at += 1;
            }
            _ => at += 1,
        }
    }
    if !merged.is_empty()
        && let Body::Map(pairs) = &mut document.nodes[index].body
    {
        merged.append(pairs);
        *pairs = merged;
    }
    Ok(())
}

fn pairs_of(document: &Document, index: usize) -> Vec<(usize, usize)> {
    match &document.nodes[index].body {
        Body::Map(pairs) => pairs.clone(),
        _ => Vec::new(),
    }
}

/// Whether the safe constructor for `tag` accepts `value`; the failures are the ones PyYAML's
/// constructors raise (a `ValueError`, `KeyError`, … is [`LoadError::Constructor`]).
fn check_scalar(tag: &str, value: &str) -> Result<(), LoadError> {
    let crash = |what: &str| Err(LoadError::Constructor(format!("{what}: {value:?}")));
    match tag {
        BOOL => match value.to_lowercase().as_str() {
            "yes" | "no" | "true" | "false" | "on" | "off" => Ok(()),
            _ => crash("not a YAML 1.1 boolean (KeyError)"),
        },
        INT => {
            if int_value_ok(value) {
                Ok(())
            } else {
                crash("not an integer (ValueError)")
            }
        }
        FLOAT => {
            if float_value_ok(value) {
                Ok(())
            } else {
                crash("not a float (ValueError)")
            }
        }
        TIMESTAMP => timestamp_ok(value).map_err(LoadError::Constructor),
        BINARY => {
            if base64_ok(value) {
                Ok(())
            } else {
                Err(LoadError::Yaml(format!(
                    "failed to decode base64 data: {value:?}"
                )))
            }
        }
        _ => Ok(()),
    }
}

/// Python's `int(text, base)` for ASCII text: surrounding whitespace, a sign, the base's own
/// prefix (`0b`, `0o`, `0x`) allowed, then at least one digit of the base.
fn py_int(text: &str, base: u32) -> bool {
    let text = text.trim_matches(|c: char| c.is_ascii_whitespace());
    let text = text.strip_prefix(['+', '-']).unwrap_or(text);
    let prefix = match base {
        2 => Some("0b"),
        8 => Some("0o"),
        16 => Some("0x"),
        _ => None,
    };
    let digits = match prefix {
        Some(prefix) if text.len() >= 2 && text[..2].eq_ignore_ascii_case(prefix) => &text[2..],
        _ => text,
    };
    !digits.is_empty() && digits.chars().all(|c| c.is_digit(base))
}

/// PyYAML's int constructor: underscores dropped, a sign, then `0`, `0b…`, `0x…`, `0…` (octal),
/// `a:b:c` (base 60) or decimal. An empty value fails (`IndexError`).
fn int_value_ok(value: &str) -> bool {
    let value = value.replace('_', "");
    let Some(first) = value.chars().next() else {
        return false;
    };
    let value = if matches!(first, '+' | '-') {
        &value[1..]
    } else {
        &value[..]
    };
    if value == "0" {
        true
    } else if let Some(rest) = value.strip_prefix("0b") {
        py_int(rest, 2)
    } else if let Some(rest) = value.strip_prefix("0x") {
        py_int(rest, 16)
    } else if value.starts_with('0') {
        py_int(value, 8)
    } else if value.contains(':') {
        value.split(':').all(|part| py_int(part, 10))
    } else {
        py_int(value, 10)
    }
}

/// PyYAML's float constructor: underscores dropped, lower-cased, a sign, then `.inf`, `.nan`,
/// `a:b:c.d` (base 60) or Python's `float()`.
fn float_value_ok(value: &str) -> bool {
    let value = value.replace('_', "").to_lowercase();
    let Some(first) = value.chars().next() else {
        return false;
    };
    let value = if matches!(first, '+' | '-') {
        &value[1..]
    } else {
        &value[..]
    };
    let py_float = |text: &str| {
        let text = text.trim_matches(|c: char| c.is_ascii_whitespace());
        // Rust and Python agree on decimal floats, `inf`, `infinity` and `nan`.
        !text.is_empty() && text.parse::<f64>().is_ok()
    };
    if value == ".inf" || value == ".nan" {
        true
    } else if value.contains(':') {
        value.split(':').all(py_float)
    } else {
        py_float(value)
    }
}

/// PyYAML's timestamp constructor: its own pattern, then a real date (and time, and a UTC offset
/// under 24 h), as Python's `datetime` checks them.
fn timestamp_ok(value: &str) -> Result<(), String> {
    static PATTERN: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(concat!(
            r"^(?P<year>[0-9]{4})-(?P<month>[0-9]{1,2})-(?P<day>[0-9]{1,2})",
            r"(?:(?:[Tt]|[ \t]+)(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})",
            r"(?:\.[0-9]*)?",
            r"(?:[ \t]*(?:Z|[-+](?P<tz_hour>[0-9]{1,2})(?::(?P<tz_minute>[0-9]{2}))?))?)?$",
        ))
        .expect("a fixed, valid pattern")
    });
    let Some(captures) = PATTERN.captures(value) else {
        return Err(format!("not a timestamp (AttributeError): {value:?}"));
    };
    let number = |name: &str| {
        captures
            .name(name)
            .and_then(|m| m.as_str().parse::<u32>().ok())
    };
    let (year, month, day) = (
        number("year").unwrap_or(0),
        number("month").unwrap_or(0),
        number("day").unwrap_or(0),
    );
    if year == 0 {
        return Err(format!("year 0 is out of range (ValueError): {value:?}"));
    }
    if !(1..=12).contains(&month) {
        return Err(format!("month must be in 1..12 (ValueError): {value:?}"));
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if !(1..=days).contains(&day) {
        return Err(format!(
            "day is out of range for month (ValueError): {value:?}"
        ));
    }
    if number("hour").is_some_and(|hour| hour > 23) {
        return Err(format!("hour must be in 0..23 (ValueError): {value:?}"));
    }
    if number("minute").is_some_and(|minute| minute > 59) {
        return Err(format!("minute must be in 0..59 (ValueError): {value:?}"));
    }
    if number("second").is_some_and(|second| second > 59) {
        return Err(format!("second must be in 0..59 (ValueError): {value:?}"));
    }
    if let Some(hours) = number("tz_hour") {
        let minutes = hours * 60 + number("tz_minute").unwrap_or(0);
        if minutes >= 24 * 60 {
            return Err(format!(
                "the UTC offset must be under 24 hours (ValueError): {value:?}"
            ));
        }
    }
    Ok(())
}

/// Python's lenient `base64.decodebytes`: characters outside the alphabet are ignored; the data
/// must then fill whole 4-character groups, with `=` padding counted.
fn base64_ok(value: &str) -> bool {
    let mut data = 0usize;
    let mut padding = 0usize;
    for c in value.chars() {
        match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '+' | '/' => {
                if padding > 0 {
                    // Data after padding: Python stops at complete padding; be lenient.
                    break;
                }
                data += 1;
            }
            '=' => padding += 1,
            _ => {}
        }
    }
    match data % 4 {
        0 => true,
        1 => false,
        2 => padding >= 2,
        _ => padding >= 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Document, LoadError> {
        safe_load(text)
    }

    #[test]
    fn yaml_1_1_types_plain_scalars() {
        for (value, tag) in [
            ("2026-06-16", TIMESTAMP),
            ("yes", BOOL),
            ("y", STR),
            ("1:30", INT),
            ("0755", INT),
            ("09", STR),
            ("1.5e3", STR),
            ("1.5e+3", FLOAT),
            ("~", NULL),
            ("", NULL),
            ("0o17", STR),
            ("<<", MERGE),
            ("=", VALUE),
            ("12:60", STR),
        ] {
            assert_eq!(implicit_tag(value), tag, "{value:?}");
        }
    }

    #[test]
    fn a_dated_schema_version_is_not_a_string() {
        let quoted =
            load("sdk: {supervisor_schema_version: '2026-06-16'}\ndags: {a: {}}\n").expect("loads");
        assert_eq!(quoted.supervisor_schema_version(), Some("2026-06-16"));
        assert_eq!(quoted.dag_ids(), ["a"]);
        let plain =
            load("sdk: {supervisor_schema_version: 2026-06-16}\ndags: {a: {}}\n").expect("loads");
        assert_eq!(plain.supervisor_schema_version(), None);
    }

    #[test]
    fn failures_are_classified_as_python_raises_them() {
        assert!(matches!(load("a: !foo x"), Err(LoadError::Yaml(_))));
        assert!(matches!(load("a: ="), Err(LoadError::Yaml(_))));
        assert!(matches!(load("[1]: 2"), Err(LoadError::Yaml(_))));
        assert!(matches!(load("a: 1\n---\nb: 2"), Err(LoadError::Yaml(_))));
        assert!(matches!(load("a: \"\u{1}\""), Err(LoadError::Yaml(_))));
        assert!(matches!(
            load("a: 2026-02-30"),
            Err(LoadError::Constructor(_))
        ));
        assert!(matches!(load("a: !!int x"), Err(LoadError::Constructor(_))));
        assert!(matches!(load("a: 0b_"), Err(LoadError::Constructor(_))));
        assert!(matches!(
            load("a: !!bool maybe"),
            Err(LoadError::Constructor(_))
        ));
        assert!(load("a: ! 123").is_ok());
        assert!(!load("").expect("an empty stream loads").is_dict());
    }

    #[test]
    fn merges_bring_keys_and_own_keys_win() {
        let document = load(
            "base: &b {x: {}, y: {}}\ndags:\n  <<: *b\n  z: {}\nsdk: {<<: [{supervisor_schema_version: '1'}, {supervisor_schema_version: '2'}]}\n",
        )
        .expect("loads");
        assert_eq!(document.dag_ids(), ["x", "y", "z"]);
        assert_eq!(document.supervisor_schema_version(), Some("1"));
    }
}
