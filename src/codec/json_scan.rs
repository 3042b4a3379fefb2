//! The fast way to a JSON body's `type` tag: one pass over the text that checks it is one
//! well-formed JSON object within the [`Limits`] and reads its tag, decoding nothing else.
//!
//! It answers only the common case: an object whose tag, when there is one, is a string without
//! escapes. It is never more lenient than the serde_json walk in `decode` (the reference, which
//! also words the errors): whatever it is not sure of (a syntax error, a limit reached, an
//! escaped surrogate, a number that may be out of range, a tag that is not a plain string, a
//! body that is no object) it answers `None`, and the caller asks the walk.
//!
//! # Soundness: what `unsafe` code relies on
//!
//! [`JsonValue::from_scanned_text`](crate::value::JsonValue::from_scanned_text) keeps the text of
//! an entry this scan collected with `RawValue::from_string_unchecked`, without parsing it again.
//! That is sound only because this scan keeps the following invariant:
//!
//! > When [`scan_object_entries`] answers `Some`, the text is one JSON object that serde_json
//! > accepts (with its recursion limit lifted, as [`checked_json`](crate::value::checked_json)
//! > reads), and every entry it collected is a key without escapes and the exact text of one
//! > value of that object: no whitespace before or after it. When it answers `None`, no entry is
//! > offered ([`Entries::get`] is `None`).
//!
//! The scan accepts only this subset of JSON (RFC 8259), each part of which serde_json accepts:
//! - objects and arrays, with `:` and `,` exactly where JSON puts them (no trailing comma);
//! - the literals `true`, `false`, `null`, spelled out whole;
//! - numbers of JSON's grammar (`-`? then `0` or a non-zero digit and digits, then an optional
//!   fraction with at least one digit, then an optional exponent with at least one digit); a
//!   number that may be beyond a double's range (an exponent, or more than 308 integer digits) is
//!   parsed, and an infinite one answers `None`, as serde_json refuses it;
//! - strings without raw control characters (below 0x20), whose escapes are JSON's eight
//!   (`\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t`) and `\u` with four hex digits, an
//!   escaped UTF-16 surrogate only as a leading one followed by an escaped trailing one (serde_json
//!   refuses a lone surrogate); the text is a `&str`, so its raw bytes are UTF-8;
//! - JSON's four whitespace bytes between tokens, nothing else, and nothing after the object.
//!
//! Anything else answers `None`. The code that keeps the invariant says so where it does
//! (`Keeps the invariant` comments). Checked by the tests in `decode`: the scan never accepts
//! what the serde_json walk refuses, on every corpus body, variants of them, and random texts;
//! and serde_json re-parses the text under a debug assertion in `from_string_unchecked`.

use crate::codec::limits::Limits;
use crate::value::string_stops;

/// What the scan found in an object body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Scanned<'a> {
    /// The tag.
    pub(crate) tag: Tag<'a>,
    /// No whitespace anywhere between tokens: values cut from the text are already compact.
    pub(crate) compact: bool,
}

/// What the `"type"` key of an object body holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tag<'a> {
    /// The `"type"` key holds this string (the last one, if the key repeats, as in serde_json).
    Str(&'a str),
    /// There is no `"type"` key.
    Missing,
}

/// The top-level entries of an object body, in order: each key (a string without escapes, so
/// its raw text is its value) and the text of its value, which the scan checked is one
/// well-formed JSON value. Kept on the stack; a body with more entries than fit is marked full.
pub(crate) struct Entries<'a> {
    items: [(&'a str, &'a str); Entries::CAPACITY],
    len: usize,
}

impl<'a> Entries<'a> {
    /// More than any protocol message has fields.
    const CAPACITY: usize = 24;

    pub(crate) fn new() -> Self {
        Self {
            items: [("", ""); Self::CAPACITY],
            len: 0,
        }
    }

    #[inline]
    fn push(&mut self, key: &'a str, value: &'a str) {
        if let Some(slot) = self.items.get_mut(self.len) {
            *slot = (key, value);
        }
        self.len += 1;
    }

    /// Every entry, or `None` when there were more than fit.
    pub(crate) fn get(&self) -> Option<&[(&'a str, &'a str)]> {
        self.items.get(..self.len)
    }
}

/// Scans `text`: `Some` when it is surely one JSON object within `limits`, with what its tag is;
/// `None` when the serde_json walk must decide.
#[cfg(test)]
pub(crate) fn scan_object<'a>(text: &'a str, limits: &Limits) -> Option<Scanned<'a>> {
    scan_object_entries(text, limits, None)
}

/// Scans `text` as `scan_object` does, also collecting the object's entries into `entries`
/// when it answers `Some`; when it answers `None`, `entries` holds none ([`Entries::get`] is
/// `None`), as what was collected may be wrong.
pub(crate) fn scan_object_entries<'a>(
    text: &'a str,
    limits: &Limits,
    entries: Option<&mut Entries<'a>>,
) -> Option<Scanned<'a>> {
    let mut scanner = Scanner {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        limits,
        spaced: false,
        entries,
    };
    let scanned = scanner.body();
    if scanned.is_none()
        && let Some(entries) = scanner.entries
    {
        entries.len = usize::MAX;
    }
    scanned
}

struct Scanner<'a, 'l> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    limits: &'l Limits,
    /// Whether any whitespace stood between tokens.
    spaced: bool,
    /// Where the top-level entries go, if the caller wants them.
    entries: Option<&'l mut Entries<'a>>,
}

/// Whether a string scan must stop at `byte`.
#[inline]
fn is_special(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\'
}

impl<'a> Scanner<'a, '_> {
    /// The whole text: one object, with nothing but whitespace around it.
    fn body(&mut self) -> Option<Scanned<'a>> {
        // Keeps the invariant: one object, only whitespace around it.
        self.whitespace();
        if self.next()? != b'{' {
            return None;
        }
        let tag = self.object(1, true)?;
        self.whitespace();
        (self.pos == self.bytes.len()).then_some(Scanned {
            tag,
            compact: !self.spaced,
        })
    }

    fn next(&mut self) -> Option<u8> {
        let byte = *self.bytes.get(self.pos)?;
        self.pos += 1;
        Some(byte)
    }

    fn whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
            self.spaced = true;
        }
    }

    /// The entries of an object whose `{` was just read, each enclosed by `enclosing` containers;
    /// at the top (`top`), the `"type"` key is looked for. Keys count as values for the depth
    /// limit, as in the walk.
    fn object(&mut self, enclosing: usize, top: bool) -> Option<Tag<'a>> {
        let mut tag = Tag::Missing;
        self.whitespace();
        if self.bytes.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Some(tag);
        }
        let mut entries = 0usize;
        loop {
            if enclosing > self.limits.max_depth() || self.next()? != b'"' {
                return None;
            }
            let (key, escaped) = self.string()?;
            if top && escaped {
                // It may spell `type`; let the walk decode it.
                return None;
            }
            self.whitespace();
            if self.next()? != b':' {
                return None;
            }
            self.whitespace();
            let start = self.pos;
            if top && key == "type" {
                if enclosing > self.limits.max_depth() || self.next()? != b'"' {
                    return None;
                }
                match self.string()? {
                    (value, false) => tag = Tag::Str(value),
                    (_, true) => return None,
                }
            } else {
                self.value(enclosing)?;
            }
            // Keeps the invariant: `start` is after the whitespace before the value and `pos`
            // right after its last byte, so the slice is exactly one value (the tag's is a string
            // without escapes).
            if top && let Some(entries) = &mut self.entries {
                entries.push(key, &self.text[start..self.pos]);
            }
            entries += 1;
            if entries > self.limits.max_collection_len() {
                return None;
            }
            self.whitespace();
            match self.next()? {
                b',' => self.whitespace(),
                b'}' => return Some(tag),
                _ => return None,
            }
        }
    }

    /// The items of an array whose `[` was just read, each enclosed by `enclosing` containers.
    fn array(&mut self, enclosing: usize) -> Option<()> {
        self.whitespace();
        if self.bytes.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Some(());
        }
        let mut items = 0usize;
        loop {
            self.value(enclosing)?;
            items += 1;
            if items > self.limits.max_collection_len() {
                return None;
            }
            self.whitespace();
            match self.next()? {
                b',' => self.whitespace(),
                b']' => return Some(()),
                _ => return None,
            }
        }
    }

    /// One value, enclosed by `enclosing` arrays and objects. Recursion is bounded by the depth
    /// limit, itself at most [`Limits::MAX_DEPTH_CEILING`].
    fn value(&mut self, enclosing: usize) -> Option<()> {
        if enclosing > self.limits.max_depth() {
            return None;
        }
        // Keeps the invariant: a value starts only as one of JSON's six kinds does.
        match self.next()? {
            b'"' => self.string().map(drop),
            b'{' => self.object(enclosing + 1, false).map(drop),
            b'[' => self.array(enclosing + 1),
            b't' => self.literal(b"rue"),
            b'f' => self.literal(b"alse"),
            b'n' => self.literal(b"ull"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    /// Keeps the invariant: a literal is accepted only spelled out whole.
    fn literal(&mut self, rest: &[u8]) -> Option<()> {
        let end = self.pos + rest.len();
        (self.bytes.get(self.pos..end)? == rest).then(|| self.pos = end)
    }

    /// A number whose first byte was just read. Only a number with an exponent or more than 308
    /// integer digits can be out of the range of a double (which serde_json refuses); those are
    /// parsed to make sure.
    fn number(&mut self) -> Option<()> {
        let start = self.pos - 1;
        let digits = |scanner: &mut Self| {
            let from = scanner.pos;
            while let Some(b'0'..=b'9') = scanner.bytes.get(scanner.pos) {
                scanner.pos += 1;
            }
            scanner.pos - from
        };
        let first = if self.bytes[start] == b'-' {
            self.next()?
        } else {
            self.bytes[start]
        };
        let integer_digits = match first {
            b'0' => 1,
            b'1'..=b'9' => 1 + digits(self),
            _ => return None,
        };
        if self.bytes.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if digits(self) == 0 {
                return None;
            }
        }
        let mut exponent = false;
        if let Some(b'e' | b'E') = self.bytes.get(self.pos) {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.bytes.get(self.pos) {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return None;
            }
            exponent = true;
        }
        // Keeps the invariant: serde_json refuses a number beyond a double's range.
        if exponent || integer_digits > 308 {
            let parsed: f64 = self.text[start..self.pos].parse().ok()?;
            if !parsed.is_finite() {
                return None;
            }
        }
        Some(())
    }

    /// The four hex digits of a `\\u` escape whose `u` was just read, as a UTF-16 code unit.
    fn hex_escape(&mut self) -> Option<u16> {
        let hex = self.bytes.get(self.pos..self.pos + 4)?;
        let mut unit = 0u16;
        for &digit in hex {
            unit = unit << 4 | u16::from(char::from(digit).to_digit(16)? as u8);
        }
        self.pos += 4;
        Some(unit)
    }

    /// A string whose `"` was just read, up to and past its closing quote: its raw contents and
    /// whether they hold an escape. Control characters, bad escapes and unpaired escaped surrogates
    /// are left to the walk, as is a string over the length limit.
    #[inline(always)]
    fn string(&mut self) -> Option<(&'a str, bool)> {
        let start = self.pos;
        self.skip_to_stop();
        // Most strings end at their first stop; escapes are looked at out of line.
        if self.bytes.get(self.pos) == Some(&b'"') {
            self.pos += 1;
            return self.contents(start, false);
        }
        self.escaped_string(start)
    }

    /// On to the next byte a string scan must stop at (or the end), a word at a time.
    #[inline(always)]
    fn skip_to_stop(&mut self) {
        while let Some(word) = self.bytes.get(self.pos..self.pos + 8) {
            let word = u64::from_le_bytes(word.try_into().expect("eight bytes"));
            match string_stops(word) {
                0 => self.pos += 8,
                flags => {
                    self.pos += flags.trailing_zeros() as usize / 8;
                    return;
                }
            }
        }
        while self
            .bytes
            .get(self.pos)
            .is_some_and(|&byte| !is_special(byte))
        {
            self.pos += 1;
        }
    }

    /// [`Self::string`] from its first stop that is not the closing quote.
    #[inline(never)]
    fn escaped_string(&mut self, start: usize) -> Option<(&'a str, bool)> {
        let mut escaped = false;
        loop {
            self.skip_to_stop();
            match self.next()? {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    // Keeps the invariant: JSON's escapes only, surrogates paired.
                    match self.next()? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                        b'u' => match self.hex_escape()? {
                            0xd800..=0xdbff => {
                                // A leading surrogate must be followed by a trailing one.
                                if self.next()? != b'\\' || self.next()? != b'u' {
                                    return None;
                                }
                                if !(0xdc00..=0xdfff).contains(&self.hex_escape()?) {
                                    return None;
                                }
                            }
                            0xdc00..=0xdfff => return None,
                            _ => {}
                        },
                        _ => return None,
                    }
                }
                // Keeps the invariant: a raw control character ends the scan.
                _ => return None,
            }
        }
        self.contents(start, escaped)
    }

    /// The raw contents of the string from `start` to just before the quote just read.
    #[inline(always)]
    fn contents(&self, start: usize, escaped: bool) -> Option<(&'a str, bool)> {
        // Raw length bounds the decoded length; the walk decides near the limit.
        let contents = &self.text[start..self.pos - 1];
        (contents.len() <= self.limits.max_string_len()).then_some((contents, escaped))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_top_level_entries_only_from_a_body_it_accepts() {
        let limits = Limits::DEFAULT;
        let mut entries = Entries::new();
        let text = r#" {"a" : [1, {"b": 2}] ,"type":"T","c":"x\"y"} "#;
        assert!(scan_object_entries(text, &limits, Some(&mut entries)).is_some());
        assert_eq!(
            entries.get(),
            Some(
                &[
                    ("a", r#"[1, {"b": 2}]"#),
                    ("type", r#""T""#),
                    ("c", r#""x\"y""#)
                ][..]
            )
        );

        // Refused part way (the walk decides): what was collected is not offered.
        let mut entries = Entries::new();
        assert!(scan_object_entries(r#"{"a":1,"b":x}"#, &limits, Some(&mut entries)).is_none());
        assert_eq!(entries.get(), None);

        // More entries than fit: none are offered, the scan still answers.
        let many: Vec<String> = (0..=Entries::CAPACITY)
            .map(|i| format!(r#""k{i}":{i}"#))
            .collect();
        let text = format!("{{{}}}", many.join(","));
        let mut entries = Entries::new();
        assert!(scan_object_entries(&text, &limits, Some(&mut entries)).is_some());
        assert_eq!(entries.get(), None);
    }

    #[test]
    fn reads_plain_tags_and_leaves_the_rest_to_the_walk() {
        let limits = Limits::DEFAULT;
        let scan = |text| scan_object(text, &limits).map(|scanned| scanned.tag);
        assert_eq!(
            scan(r#" {"a": [1, -2.5e3, true, null, {"b": "\u00e9\n"}], "type": "T"} "#),
            Some(Tag::Str("T"))
        );
        let compact = |text| scan_object(text, &limits).map(|scanned| scanned.compact);
        assert_eq!(compact(r#"{"a":[1,{"b":" \n "}],"type":"T"}"#), Some(true));
        assert_eq!(compact(r#"{"a":[1, 2],"type":"T"}"#), Some(false));
        assert_eq!(compact("{\"a\":1}\n"), Some(false));
        assert_eq!(scan(r#"{"a": 1}"#), Some(Tag::Missing));
        assert_eq!(scan(r#"{"a": "\ud83d\ude80"}"#), Some(Tag::Missing));
        assert_eq!(scan(r#"{"type": "A", "type": "B"}"#), Some(Tag::Str("B")));
        for unsure in [
            "",
            "[]",
            r#"{"type": 5}"#,
            r#"{"type": "\u0041"}"#,
            r#"{"typ\u0065": "A"}"#,
            r#"{"a": "\ud800"}"#,
            r#"{"a": "\ud800\u0041"}"#,
            r#"{"a": "\udc00\ud800"}"#,
            r#"{"a": 1e400}"#,
            r#"{"a": 01}"#,
            r#"{"a": 1.}"#,
            r#"{"a": [1,]}"#,
            r#"{"a": 1,}"#,
            "{\"a\": \"\t\"}",
            r#"{"a": tru}"#,
            r#"{"a": 1} x"#,
            r#"{"a": "\u00g0"}"#,
            r#"{"a": "\u+0a0"}"#,
        ] {
            assert_eq!(scan(unsure), None, "{unsure}");
        }
    }

    #[test]
    fn word_scan_finds_the_first_special_byte() {
        for special in (0u8..0x20).chain([b'"', b'\\']) {
            for at in 0..8 {
                for after in [b'a', b'"', 0x00, 0xff] {
                    let mut word = [b'a'; 8];
                    word[at] = special;
                    word[at + 1..].fill(after);
                    let flags = string_stops(u64::from_le_bytes(word));
                    assert_eq!(flags.trailing_zeros() / 8, at as u32, "{special} at {at}");
                }
            }
        }
        for byte in 0x20..=0xff {
            if !is_special(byte) {
                assert_eq!(string_stops(u64::from_le_bytes([byte; 8])), 0, "{byte}");
            }
        }
    }
}
