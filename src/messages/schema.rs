//! How each model, union and value type describes itself as a JSON Schema: the pieces the
//! `model!` and `tagged_union!` expansions call, and the fixed schemas of the value types.
//! [`crate::schema`] assembles them into the schema files of channels and groups.

use std::borrow::Cow;

use schemars::generate::Contract;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde_json::{Map, Value, json};

use crate::messages::dag_processor::PosixPath;
use crate::messages::hitl::NonEmptyVec;
use crate::messages::lifecycle::{AnyMapOrString, JsonMapOrString, TaskRef};
use crate::messages::trigger::{TriggerEvent, TriggerEventEntry};
use crate::value::time::{AwareDateTime, NaiveOrAwareDateTime, TimeDelta, UtcDateTime};
use crate::value::{AnyDict, AnyValue, JsonValue};

/// Which JSON Schema of a message: what the SDK accepts, or what it writes (pydantic's
/// `mode="validation"` and `mode="serialization"`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[strum(serialize_all = "snake_case")]
pub enum SchemaMode {
    /// What the SDK accepts on input: fields with a Python default are optional, a field's
    /// Python name is accepted where pydantic accepts it, sets may hold duplicates.
    Validation,
    /// What the SDK writes: every written field present and required under its wire key, the
    /// `type` tag included.
    Serialization,
}

impl SchemaMode {
    /// Both modes, validation first.
    pub const ALL: &'static [SchemaMode] = <Self as strum::VariantArray>::VARIANTS;

    /// The schemars contract of the mode: deserialization for validation.
    pub(crate) fn contract(self) -> Contract {
        match self {
            Self::Validation => Contract::Deserialize,
            Self::Serialization => Contract::Serialize,
        }
    }

    /// The mode a generator builds schemas for.
    fn of(generator: &SchemaGenerator) -> Self {
        if generator.contract().is_serialize() {
            Self::Serialization
        } else {
            Self::Validation
        }
    }

    /// The name of the mode (`"validation"`, `"serialization"`), also its folder under `schemas/`.
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// Turns rustdoc lines into a description: one space of indentation removed, intra-doc links
/// reduced to their text.
pub(crate) fn description(doc: &[&str]) -> String {
    // Wrapped lines join with a space; a blank line separates paragraphs.
    let mut text = String::new();
    for line in doc.iter().map(|line| line.trim()) {
        if line.is_empty() {
            text.push_str("\n\n");
        } else {
            if !text.is_empty() && !text.ends_with('\n') {
                text.push(' ');
            }
            text.push_str(line);
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    // "[`X`](path)" -> "`X`"; "[`X`]" -> "`X`".
    while let Some(start) = rest.find("[`") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find("`]") {
            Some(end) => {
                out.push_str(&after[..end + 1]);
                rest = &after[end + 2..];
                if rest.starts_with('(')
                    && let Some(close) = rest.find(')')
                {
                    rest = &rest[close + 1..];
                }
            }
            None => {
                out.push('[');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out.trim().to_owned()
}

/// Builds the schema of a model: used by `model!`.
#[doc(hidden)]
pub struct ObjectSchema {
    mode: SchemaMode,
    description: String,
    properties: Map<String, Value>,
    required: Vec<Value>,
    /// Constraints on keys that may come under another name (see [`ObjectSchema::field`]).
    alternatives: Vec<Value>,
    forbid_unknown: bool,
    /// The wire keys the model writes; the other fields are read but never written.
    written: &'static [&'static str],
}

impl ObjectSchema {
    pub fn new(
        generator: &SchemaGenerator,
        doc: &[&str],
        tag: Option<&str>,
        forbid_unknown: bool,
        written: &'static [&'static str],
    ) -> Self {
        let mode = SchemaMode::of(generator);
        let mut this = Self {
            mode,
            description: description(doc),
            properties: Map::new(),
            required: Vec::new(),
            alternatives: Vec::new(),
            forbid_unknown,
            written,
        };
        if let Some(tag) = tag {
            let mut schema =
                json!({ "type": "string", "const": tag, "description": "The message type tag." });
            match mode {
                // Every Python message declares its tag with a default, so a model on its own
                // (nested in another) validates without it; a union requires it (see
                // `union_schema`).
                SchemaMode::Validation => {
                    schema["default"] = json!(tag);
                }
                SchemaMode::Serialization => this.required.push(json!("type")),
            }
            this.properties.insert("type".into(), schema);
        }
        this
    }

    pub fn field<T: JsonSchema>(
        &mut self,
        generator: &mut SchemaGenerator,
        wire: &str,
        also_read_as: &[&str],
        doc: &[&str],
        default: Option<Value>,
    ) {
        let mut schema = generator.subschema_for::<T>();
        let object = schema.ensure_object();
        if self.mode == SchemaMode::Validation {
            // pydantic reads a `set` from an array with duplicates (and drops them); it writes
            // each element once.
            object.remove("uniqueItems");
            object.values_mut().for_each(drop_unique_items);
        }
        let text = description(doc);
        if !text.is_empty() {
            object.insert("description".into(), Value::String(text));
        }
        if self.mode == SchemaMode::Serialization {
            // Written with every field present, under its wire key only; a field Python
            // excludes from the dump is never written.
            if self.written.contains(&wire) {
                self.required.push(Value::String(wire.to_owned()));
                self.properties.insert(wire.to_owned(), schema.into());
            }
            return;
        }
        let required = default.is_none();
        if let Some(default) = default {
            object.insert("default".into(), default);
        }
        if also_read_as.is_empty() {
            if required {
                self.required.push(Value::String(wire.to_owned()));
            }
            self.properties.insert(wire.to_owned(), schema.into());
            return;
        }
        // pydantic reads such a field under its alias (the wire key) or under its Python name.
        // When both keys come, the alias wins: a model that forbids unknown keys then refuses the
        // name as an unknown key; a model that ignores unknown keys ignores it, whatever it holds.
        for alias in also_read_as {
            let description = format!("`{wire}`, under the name Python senders may use.");
            let alias_schema = if self.forbid_unknown {
                let mut alias_schema = schema.clone();
                alias_schema.insert("description".into(), Value::String(description));
                alias_schema.into()
            } else {
                json!({ "description": format!("{description} Ignored when `{wire}` is present.") })
            };
            self.properties.insert((*alias).to_owned(), alias_schema);
        }
        let keys = || std::iter::once(wire).chain(also_read_as.iter().copied());
        if self.forbid_unknown {
            if required {
                let one_each: Vec<Value> = keys().map(|key| json!({ "required": [key] })).collect();
                self.alternatives.push(json!({ "oneOf": one_each }));
            } else {
                let pairs: Vec<Value> = keys().map(Value::from).collect();
                self.alternatives
                    .push(json!({ "not": { "required": pairs } }));
            }
        } else {
            let mut one_each = vec![json!({ "required": [wire] })];
            for alias in also_read_as {
                let mut branch = json!({ "properties": { *alias: schema.clone() } });
                if required {
                    branch["required"] = json!([alias]);
                }
                one_each.push(branch);
            }
            self.alternatives.push(json!({ "anyOf": one_each }));
        }
        self.properties.insert(wire.to_owned(), schema.into());
    }

    pub fn into_schema(self) -> Schema {
        let mut schema = json_schema!({ "type": "object", "properties": self.properties, "required": self.required });
        if !self.description.is_empty() {
            schema.insert("description".into(), Value::String(self.description));
        }
        if self.forbid_unknown {
            schema.insert("additionalProperties".into(), Value::Bool(false));
        }
        if !self.alternatives.is_empty() {
            schema.insert("allOf".into(), Value::Array(self.alternatives));
        }
        schema
    }
}

/// Removes `uniqueItems` from a field's inline schema (its `$ref`s are left alone).
fn drop_unique_items(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            map.remove("uniqueItems");
            map.values_mut().for_each(drop_unique_items);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_unique_items),
        _ => {}
    }
}

/// Makes the schema of one union member (its `$ref`).
#[doc(hidden)]
pub type MemberSchema = fn(&mut SchemaGenerator) -> Schema;

/// The schema of a tagged union: `oneOf` its members, with a discriminator on `type`.
#[doc(hidden)]
pub fn union_schema(
    generator: &mut SchemaGenerator,
    doc: &[&str],
    members: &[(&str, MemberSchema)],
) -> Schema {
    let mut one_of = Vec::new();
    let mut mapping = Map::new();
    for (tag, subschema) in members {
        let schema = subschema(generator);
        if let Some(reference) = schema.get("$ref") {
            mapping.insert((*tag).to_owned(), reference.clone());
        }
        one_of.push(Value::from(schema));
    }
    // The tag picks the member: the union requires it even where a member, on its own, defaults
    // it (pydantic's discriminated union refuses a message without it).
    let mut schema = json_schema!({
        "oneOf": one_of,
        "discriminator": { "propertyName": "type", "mapping": mapping },
        "required": ["type"],
    });
    let text = description(doc);
    if !text.is_empty() {
        schema.insert("description".into(), Value::String(text));
    }
    schema
}

/// Implements `JsonSchema` for a value type with a fixed, inlined schema.
macro_rules! inline_schema {
    ($($ty:ty => $schema:expr;)*) => {$(
        impl JsonSchema for $ty {
            fn inline_schema() -> bool {
                true
            }
            fn schema_name() -> Cow<'static, str> {
                stringify!($ty).into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                $schema
            }
        }
    )*};
}

inline_schema! {
    JsonValue => json_schema!({ "description": "Any JSON value." });
    // The JSON form of an `Any` value is any JSON value.
    AnyValue => json_schema!({ "description": "Any JSON value." });
    AnyDict => json_schema!({
        "type": "object",
        "additionalProperties": { "description": "Any JSON value." },
    });
    AwareDateTime => json_schema!({ "type": "string", "format": "date-time" });
    UtcDateTime => json_schema!({ "type": "string", "format": "date-time" });
    NaiveOrAwareDateTime => json_schema!({
        "type": "string",
        "description": "An ISO 8601 date-time; the UTC offset may be absent (a naive date-time).",
        "pattern": r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}([.,]\d+)?)?([Zz]|[+-]\d{2}(:?\d{2})?)?$",
    });
    // pydantic's ISO 8601 durations, which may be negative and have a fraction of a second
    // ("-PT1.5S"): more than the `duration` format (RFC 3339) allows. No look-arounds, so that
    // every regex engine (pydantic's Rust one included) takes the pattern.
    TimeDelta => json_schema!({
        "type": "string",
        "description": "An ISO 8601 duration, as pydantic writes it (PT30S, P1DT2H, -PT1.5S).",
        "pattern": r"^[-+]?P((\d+Y(\d+M)?(\d+W)?(\d+D)?|\d+M(\d+W)?(\d+D)?|\d+W(\d+D)?|\d+D)(T(\d+H(\d+M)?(\d+(\.\d+)?S)?|\d+M(\d+(\.\d+)?S)?|\d+(\.\d+)?S))?|T(\d+H(\d+M)?(\d+(\.\d+)?S)?|\d+M(\d+(\.\d+)?S)?|\d+(\.\d+)?S))$",
    });
    PosixPath => json_schema!({ "type": "string" });
    TaskRef => json_schema!({
        "anyOf": [
            { "type": "string", "description": "A task id." },
            {
                "type": "array",
                "description": "A task id and a map index.",
                "prefixItems": [{ "type": "string" }, { "type": "integer" }],
                "minItems": 2,
                "maxItems": 2,
            },
        ],
    });
    JsonMapOrString => json_schema!({ "anyOf": [{ "type": "object" }, { "type": "string" }] });
    AnyMapOrString => json_schema!({ "anyOf": [{ "type": "object" }, { "type": "string" }] });
    TriggerEvent => json_schema!({
        "oneOf": [
            {
                "type": "object",
                "description": "Resumes the deferred task with the payload.",
                "properties": { "payload": {} },
                "required": ["payload"],
                "not": { "required": ["task_instance_state"] },
            },
            {
                "type": "object",
                "description": "Ends the task in the given state.",
                "properties": {
                    "task_instance_state": { "enum": ["success", "failed", "skipped"] },
                    "xcoms": {},
                },
                "required": ["task_instance_state"],
                "not": { "required": ["payload"] },
            },
        ],
    });
}

impl<T: JsonSchema> JsonSchema for NonEmptyVec<T> {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        format!("NonEmptyVec_{}", T::schema_name()).into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "array", "items": generator.subschema_for::<T>(), "minItems": 1 })
    }
}

impl JsonSchema for TriggerEventEntry {
    fn schema_name() -> Cow<'static, str> {
        "TriggerEventEntry".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "array",
            "description": "A fired trigger event: [trigger_id, event, persist_seq].",
            "prefixItems": [
                { "type": "integer" },
                generator.subschema_for::<TriggerEvent>(),
                { "type": ["integer", "null"] },
            ],
            "minItems": 3,
            "maxItems": 3,
        })
    }
}
