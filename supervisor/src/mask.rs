//! Secrets masking: what Airflow's secrets masker does to task logs.
//!
//! The child sends its log lines unmasked; the supervisor masks them before they reach the log
//! file or stdout. A value is masked when it was registered ([`Masker::add`]: a connection's
//! password and extra, a variable whose key names something sensitive, a `MaskSecret`) and is at
//! least `[logging] min_length_masked_secret` characters long; a structured field whose *key*
//! names something sensitive (`password`, `token`, ...) is masked whatever its value.

use aho_corasick::{AhoCorasick, MatchKind};
use serde_json::Value;

/// What replaces a secret.
pub const REPLACEMENT: &str = "***";

/// Field and key names whose values are always hidden: Airflow's default sensitive names.
/// `[core] sensitive_var_conn_names` adds to them.
pub const DEFAULT_SENSITIVE_NAMES: &[&str] = &[
    "access_key",
    "access_token",
    "api_key",
    "apikey",
    "auth_header",
    "authorization",
    "bearer",
    "connection_string",
    "dsn",
    "passphrase",
    "passwd",
    "password",
    "private_key",
    "proxy",
    "proxy_password",
    "proxies",
    "secret",
    "service_account",
    "service_key",
    "token",
    "keyfile_dict",
    "webhook_url",
];

/// Values never masked, however they were registered (compared lower-cased).
const NEVER_MASKED: &[&str] = &["airflow"];

/// How deep [`Masker::redact`] looks for registered secrets inside nested values; sensitive
/// key names are honoured at any depth.
const MAX_DEPTH: usize = 5;

/// The set of secrets and sensitive names, and the matcher built from them.
#[derive(Debug, Clone)]
pub struct Masker {
    secrets: Vec<String>,
    matcher: Option<AhoCorasick>,
    sensitive: Vec<String>,
    hide_sensitive: bool,
    min_length: usize,
}

impl Default for Masker {
    fn default() -> Self {
        Masker::new(true, &[], 5)
    }
}

impl Masker {
    /// A masker with no secrets yet. `hide_sensitive` is `[core] hide_sensitive_var_conn_fields`,
    /// `extra_names` the comma-separated `[core] sensitive_var_conn_names`, `min_length`
    /// `[logging] min_length_masked_secret`.
    pub fn new(hide_sensitive: bool, extra_names: &[String], min_length: usize) -> Masker {
        let mut sensitive: Vec<String> = DEFAULT_SENSITIVE_NAMES
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        sensitive.extend(
            extra_names
                .iter()
                .map(|n| n.trim().to_lowercase())
                .filter(|n| !n.is_empty()),
        );
        Masker {
            secrets: Vec::new(),
            matcher: None,
            sensitive,
            hide_sensitive,
            min_length,
        }
    }

    /// Whether a value stored under `name` (a variable key, a connection extra's key, a log
    /// field) is hidden whatever it is: its name, lower-cased with runs of non-word characters
    /// made `_`, contains a sensitive name.
    pub fn is_sensitive_name(&self, name: &str) -> bool {
        if !self.hide_sensitive {
            return false;
        }
        let lowered = name.trim().to_lowercase();
        let mut normalized = String::with_capacity(lowered.len());
        let mut in_run = false;
        for c in lowered.chars() {
            if c.is_alphanumeric() || c == '_' {
                normalized.push(c);
                in_run = false;
            } else if !in_run {
                normalized.push('_');
                in_run = true;
            }
        }
        self.sensitive
            .iter()
            .any(|s| normalized.contains(s.as_str()))
    }

    /// Registers `secret` (a string, or every string inside an object or array, an object's
    /// values under their keys' names). With a `name`, a string is registered only when the name
    /// is sensitive: what `mask_secret(value, name)` does.
    pub fn add(&mut self, secret: &Value, name: Option<&str>) {
        let before = self.secrets.len();
        self.collect(secret, name);
        if self.secrets.len() != before {
            self.rebuild();
        }
    }

    /// Registers one string secret, as [`add`](Self::add) does.
    pub fn add_str(&mut self, secret: &str, name: Option<&str>) {
        self.add(&Value::String(secret.to_owned()), name);
    }

    fn collect(&mut self, secret: &Value, name: Option<&str>) {
        match secret {
            Value::Object(map) => {
                for (key, value) in map {
                    self.collect(value, Some(key));
                }
            }
            Value::Array(items) => {
                for item in items {
                    self.collect(item, name);
                }
            }
            Value::String(s) => {
                if s.chars().count() < self.min_length
                    || NEVER_MASKED.contains(&s.to_lowercase().as_str())
                {
                    return;
                }
                if name.is_some_and(|n| !self.is_sensitive_name(n)) {
                    return;
                }
                if !self.secrets.iter().any(|known| known == s) {
                    self.secrets.push(s.clone());
                }
            }
            _ => {}
        }
    }

    fn rebuild(&mut self) {
        // Leftmost-longest: of two overlapping secrets the longer one is hidden whole.
        self.matcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&self.secrets)
            .ok();
    }

    /// Whether any secret is registered.
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// `text` with every registered secret replaced by `***`.
    pub fn mask_text<'a>(&self, text: &'a str) -> std::borrow::Cow<'a, str> {
        match &self.matcher {
            Some(m) if m.is_match(text) => m
                .replace_all(text, &vec![REPLACEMENT; self.secrets.len()])
                .into(),
            _ => text.into(),
        }
    }

    /// `value` with secrets masked: strings by [`mask_text`](Self::mask_text), and everything
    /// under a sensitive key replaced by `***` (its strings; an object or array keeps its shape).
    pub fn redact(&self, value: &mut Value, name: Option<&str>) {
        self.redact_at(value, name, 0);
    }

    fn redact_at(&self, value: &mut Value, name: Option<&str>, depth: usize) {
        if name.is_some_and(|n| self.is_sensitive_name(n)) {
            redact_all(value, depth);
            return;
        }
        match value {
            Value::Object(map) => {
                for (key, item) in map.iter_mut() {
                    self.redact_at(item, Some(key), depth + 1);
                }
            }
            Value::Array(items) => {
                for item in items {
                    self.redact_at(item, None, depth + 1);
                }
            }
            Value::String(s) if depth <= MAX_DEPTH => {
                if let std::borrow::Cow::Owned(masked) = self.mask_text(s) {
                    *s = masked;
                }
            }
            _ => {}
        }
    }
}

/// Replaces every string (and everything past the depth limit) under a sensitive key.
fn redact_all(value: &mut Value, depth: usize) {
    if depth > MAX_DEPTH {
        *value = Value::String(REPLACEMENT.to_owned());
        return;
    }
    match value {
        Value::String(_) => *value = Value::String(REPLACEMENT.to_owned()),
        Value::Object(map) => {
            for item in map.values_mut() {
                redact_all(item, depth + 1);
            }
        }
        Value::Array(items) => {
            for item in items {
                redact_all(item, depth + 1);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn registered_secrets_are_replaced() {
        let mut m = Masker::default();
        m.add_str("hunter2-password", None);
        assert_eq!(
            m.mask_text("login with hunter2-password!"),
            "login with ***!"
        );
        assert_eq!(m.mask_text("nothing here"), "nothing here");
    }

    #[test]
    fn short_and_common_values_are_not_registered() {
        let mut m = Masker::default();
        m.add_str("abcd", None);
        m.add_str("Airflow", None);
        assert!(m.is_empty());
        m.add_str("abcde", None);
        assert!(!m.is_empty());
    }

    #[test]
    fn a_named_value_is_registered_only_under_a_sensitive_name() {
        let mut m = Masker::default();
        m.add_str("eu-west-1-region", Some("region"));
        assert!(m.is_empty());
        m.add_str("s3cr3t-value", Some("My API-Key"));
        assert_eq!(m.mask_text("x s3cr3t-value y"), "x *** y");
    }

    #[test]
    fn the_longest_overlapping_secret_wins() {
        let mut m = Masker::default();
        m.add_str("abcdef", None);
        m.add_str("abcdefghij", None);
        assert_eq!(m.mask_text("..abcdefghij.."), "..***..");
    }

    #[test]
    fn structured_fields_under_sensitive_keys_are_hidden() {
        let m = Masker::default();
        let mut v = json!({"user": "bob", "password": "pw", "nested": {"access_token": ["a", 1]}});
        m.redact(&mut v, None);
        assert_eq!(
            v,
            json!({"user": "bob", "password": "***", "nested": {"access_token": ["***", 1]}})
        );
    }

    #[test]
    fn masking_can_be_turned_off_for_names() {
        let m = Masker::new(false, &[], 5);
        assert!(!m.is_sensitive_name("password"));
        let m = Masker::new(true, &["warehouse_key".to_owned()], 5);
        assert!(m.is_sensitive_name("MY-WAREHOUSE KEY"));
    }
}
