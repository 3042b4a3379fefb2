//! Reading input and writing result lines.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use airflow_comms::{DecodeError, FrameError};
use serde_json::{Value, json};

use crate::Failure;

/// The bytes of `file`, or of standard input.
pub fn read_input(file: Option<&PathBuf>) -> Result<Vec<u8>, Failure> {
    match file {
        Some(path) => std::fs::read(path).map_err(|err| Failure::Usage(cannot_read(path, &err))),
        None => {
            let mut bytes = Vec::new();
            io::stdin()
                .read_to_end(&mut bytes)
                .map_err(|err| Failure::Io(format!("cannot read standard input: {err}")))?;
            Ok(bytes)
        }
    }
}

fn cannot_read(path: &Path, err: &io::Error) -> String {
    format!("cannot read {}: {err}", path.display())
}

/// The `{"kind", "type", "message"}` object of a refused message.
pub fn decode_error(err: &DecodeError) -> Value {
    json!({ "kind": err.kind().to_string(), "type": err.type_tag(), "message": err.to_string() })
}

/// The error object of a frame that could not be decoded: the body's error, or `malformed`.
pub fn frame_error(err: &FrameError) -> Value {
    match err {
        FrameError::Body { error, .. } => decode_error(error),
        other => json!({ "kind": "malformed", "type": null, "message": other.to_string() }),
    }
}

/// Writes result lines, compact (one line each) or indented.
pub struct Lines {
    out: io::BufWriter<io::Stdout>,
    pretty: bool,
}

impl Lines {
    pub fn new(pretty: bool) -> Self {
        Self {
            out: io::BufWriter::new(io::stdout()),
            pretty,
        }
    }

    /// Writes one JSON object whose `"ok"` member is `ok_json`, canonical JSON text spliced in
    /// as is (so big integers keep every digit), after the members of `head`.
    pub fn ok(
        &mut self,
        head: &[(&str, Value)],
        ok_json: Option<&str>,
        tail: &[(&str, Value)],
    ) -> Result<(), Failure> {
        let mut line = String::from("{");
        for (key, value) in head {
            line.push_str(&format!("{}:{},", json!(key), value));
        }
        line.push_str(&format!("\"ok\":{}", ok_json.unwrap_or("null")));
        for (key, value) in tail {
            line.push_str(&format!(",{}:{}", json!(key), value));
        }
        line.push('}');
        self.write(&line)
    }

    /// Writes `value` as one line.
    pub fn value(&mut self, value: &Value) -> Result<(), Failure> {
        self.write(&value.to_string())
    }

    fn write(&mut self, line: &str) -> Result<(), Failure> {
        let text = if self.pretty {
            indent(line)
        } else {
            line.to_owned()
        };
        writeln!(self.out, "{text}")
            .map_err(|err| Failure::Io(format!("cannot write the output: {err}")))
    }

    pub fn finish(mut self) -> Result<(), Failure> {
        self.out
            .flush()
            .map_err(|err| Failure::Io(format!("cannot write the output: {err}")))
    }
}

/// Indents compact JSON text by two spaces per level, leaving every token (numbers included)
/// exactly as written.
pub fn indent(compact: &str) -> String {
    let mut out = String::with_capacity(compact.len() * 2);
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    let mut chars = compact.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.extend(std::iter::repeat_n("  ", depth));
    };
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                if matches!(chars.peek(), Some('}' | ']')) {
                    out.push(chars.next().expect("peeked"));
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            _ => out.push(c),
        }
    }
    out
}
