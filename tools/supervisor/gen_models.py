"""Writes supervisor/src/api/models.rs: Rust types for the Execution API, generated from the
checked-in OpenAPI document (supervisor/openapi/execution-api-2026-06-30.json, which
tools/supervisor/openapi.py fetches from the pinned api-server).

Plain python3, standard library only: it reads JSON and writes Rust text, already in rustfmt's
layout. Deterministic: schemas in the document's (sorted) order, the types a schema needs inline
right after it, operations by path then method; no timestamps.

    python3 tools/supervisor/gen_models.py           # (re)write models.rs
    python3 tools/supervisor/gen_models.py --check   # exit 1 if models.rs differs from what it would write

What becomes what (models.rs's header repeats it for the reader of the Rust):
- an object schema -> a struct with `Debug, Clone, PartialEq, Serialize, Deserialize` (and `Eq`
  when no float or free-form JSON is inside); unknown keys are ignored when reading;
- a string `enum` -> a fieldless enum (`Copy, Eq, Hash` too), variants named after the values
  (or `x-enum-varnames`);
- `oneOf`/`anyOf` with `null` -> `Option`; other `oneOf`/`anyOf` -> an untagged enum (variants
  whose object holds a single-valued `enum` property, that is a constant, are tried first);
  a `oneOf` of every JSON type, `{}` and free-form objects -> `JsonValue` / `JsonMap`;
- `date-time` -> `AwareDateTime` (an offset is required, kept as written: pydantic writes `Z` for
  UTC, as AwareDateTime does), `duration` -> `TimeDelta`, `uuid` -> `Uuid`, integers `i64`,
  numbers `f64`, `prefixItems` -> a tuple;
- required -> a plain field that must be present (`Option` if nullable: null is written);
  not required with a non-null default -> the default filled in when absent, always written;
  not required and nullable -> `Option`, absent reads as `None`, `None` is written as null
  (pydantic's model_dump writes it so, and the server reads null as its default, None);
  not required and not nullable -> `Option`, `None` is left out (the server would refuse null).
Anything else in the document stops the generator with an error naming the schema: a construct
it does not map is a construct it must learn, not one to guess at.
"""

from __future__ import annotations

import argparse
import json
import keyword
import pathlib
import re
import sys

REPO = pathlib.Path(__file__).resolve().parents[2]
SPEC = REPO / "supervisor" / "openapi" / "execution-api-2026-06-30.json"
OUT = REPO / "supervisor" / "src" / "api" / "models.rs"

RUST_KEYWORDS = {
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
}
NOT_RAW = {"crate", "self", "Self", "super"}
JSON_TYPES = {"string", "number", "integer", "object", "array", "boolean", "null"}
METHODS = ["get", "head", "post", "put", "patch", "delete"]


class Unsupported(Exception):
    pass


def pascal(text: str) -> str:
    parts = [p for p in re.split(r"[^0-9A-Za-z]+", text) if p]
    out = "".join(p[:1].upper() + p[1:] for p in parts)
    if not out or out[0].isdigit():
        raise Unsupported(f"cannot make a Rust type or variant name from {text!r}")
    return out


def snake(text: str) -> str:
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", text)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    s = re.sub(r"[^0-9A-Za-z]+", "_", s).strip("_").lower()
    if not s or s[0].isdigit():
        s = "f_" + s
    return s


def doc_lines(text: str | None, indent: str) -> list[str]:
    """The first sentence of `text` as a `///` comment, with Markdown that rustdoc would read as
    links or HTML escaped."""
    if not text:
        return []
    first = text.strip().split("\n\n")[0].replace("\n", " ")
    first = re.sub(r"\s+", " ", first)
    match = re.match(r"(.+?[.!?])(\s|$)", first)
    if match:
        first = match.group(1)
    first = re.sub(r"([\[\]<>*_])", r"\\\1", first)
    return [f"{indent}/// {first}"]


def auto_title(name: str) -> str:
    """The title pydantic gives a field by default."""
    return name.replace("_", " ").title()


class Generator:
    def __init__(self, spec: dict):
        self.spec = spec
        self.schemas: dict = spec["components"]["schemas"]
        self.items: list[str] = []  # rendered items, in output order
        self.defined: dict[str, str] = {}  # type name -> kind ("struct", "enum", "alias", ...)
        self.float_or_json: dict[str, bool] = {}
        self.pending: list = []  # inline types waiting to be rendered after their owner
        self.uses: set[str] = set()
        self.default_fns: list[str] = []
        self.eq_deps: dict[str, set[str]] = {}
        self.inline_docs: dict[str, str] = {}  # inline type name -> its doc, where it has no own

    # --------------------------------------------------------------------------------------
    # Schemas to Rust types

    def ref_name(self, ref: str) -> str:
        prefix = "#/components/schemas/"
        if not ref.startswith(prefix) or ref[len(prefix):] not in self.schemas:
            raise Unsupported(f"unknown $ref {ref}")
        return ref[len(prefix):]

    def is_free_form(self, schema: dict) -> bool:
        """A schema any JSON value satisfies."""
        keys = set(schema) - {"title", "description", "default"}
        if not keys:
            return True
        if keys == {"oneOf"} or keys == {"anyOf"}:
            members = schema.get("oneOf") or schema.get("anyOf")
            types = {m.get("type") for m in members if set(m) == {"type"}}
            return len(types) == len(members) and types == JSON_TYPES
        return False

    def is_free_map(self, schema: dict) -> bool:
        if schema.get("type") != "object" or "properties" in schema:
            return False
        extra = schema.get("additionalProperties", True)
        if extra is True:
            return True
        if isinstance(extra, dict):
            if "$ref" in extra:
                return self.is_free_form(self.schemas[self.ref_name(extra["$ref"])])
            return self.is_free_form(extra)
        return False

    def split_null(self, schema: dict) -> tuple[list[dict] | None, bool]:
        members = schema.get("oneOf") or schema.get("anyOf")
        if members is None:
            return None, False
        non_null = [m for m in members if m != {"type": "null"}]
        return non_null, len(non_null) != len(members)

    def rust_type(self, schema: dict, ctx: str) -> tuple[str, bool]:
        """The Rust type for `schema` and whether null is allowed; `ctx` names an inline type."""
        if "discriminator" in schema:
            raise Unsupported(f"{ctx}: a discriminator; teach the generator tagged enums")
        if "$ref" in schema:
            name = self.ref_name(schema["$ref"])
            return name, False
        if self.is_free_form(schema):
            return "JsonValue", True
        non_null, nullable = self.split_null(schema)
        if non_null is not None:
            if len(non_null) == 1:
                inner, inner_nullable = self.rust_type(non_null[0], ctx)
                return inner, nullable or inner_nullable
            self.pending.append(("union", ctx, non_null, schema))
            self.defined[ctx] = "union"
            return ctx, nullable
        kind = schema.get("type")
        if isinstance(kind, list):
            raise Unsupported(f"{ctx}: a list of types {kind}")
        if kind == "string":
            if "enum" in schema:
                self.pending.append(("enum", ctx, schema))
                self.defined[ctx] = "enum"
                return ctx, False
            fmt = schema.get("format")
            if fmt == "date-time":
                self.uses.add("AwareDateTime")
                return "AwareDateTime", False
            if fmt == "duration":
                self.uses.add("TimeDelta")
                return "TimeDelta", False
            if fmt == "uuid":
                self.uses.add("Uuid")
                return "Uuid", False
            if fmt is not None:
                raise Unsupported(f"{ctx}: string format {fmt!r}")
            return "String", False
        if kind == "integer":
            return "i64", False
        if kind == "number":
            return "f64", False
        if kind == "boolean":
            return "bool", False
        if kind == "array":
            if "prefixItems" in schema:
                n = len(schema["prefixItems"])
                if schema.get("minItems") != n or schema.get("maxItems") != n or "items" in schema:
                    raise Unsupported(f"{ctx}: a tuple of variable length")
                parts = [self.rust_type(p, f"{ctx}{i}")[0] for i, p in enumerate(schema["prefixItems"])]
                return "(" + ", ".join(parts) + ")", False
            if "items" not in schema:
                raise Unsupported(f"{ctx}: an array without items")
            item, item_nullable = self.rust_type(schema["items"], ctx + "Item")
            if item_nullable and item != "JsonValue":
                item = f"Option<{item}>"
            return f"Vec<{item}>", False
        if kind == "object":
            if self.is_free_map(schema):
                self.uses.add("JsonMap")
                return "JsonMap", False
            if "properties" in schema:
                self.pending.append(("struct", ctx, schema))
                self.defined[ctx] = "struct"
                return ctx, False
            raise Unsupported(f"{ctx}: an object map of typed values")
        raise Unsupported(f"{ctx}: schema {json.dumps(schema, sort_keys=True)}")

    def has_float_or_json(self, rust: str) -> bool:
        """Whether a value of this Rust type may hold a float or free-form JSON (no `Eq`). Types
        defined later are looked at by `resolve_eq`, once every type is known."""
        words = re.findall(r"\w+", rust)
        return any(w in ("f64", "JsonValue", "JsonMap") or self.float_or_json.get(w, False) for w in words)

    def eq_marker(self, name: str, rusts: list[str]) -> str:
        """A placeholder for `, Eq` in `name`'s derive list, settled by `resolve_eq`."""
        self.eq_deps[name] = {w for rust in rusts for w in re.findall(r"\w+", rust)}
        return f"@EQ:{name}@"

    def resolve_eq(self, text: str) -> str:
        no_eq = {"f64", "JsonValue", "JsonMap"} | {n for n, v in self.float_or_json.items() if v}
        changed = True
        while changed:
            changed = False
            for name, deps in self.eq_deps.items():
                if name not in no_eq and deps & no_eq:
                    no_eq.add(name)
                    changed = True
        return re.sub(r"@EQ:(\w+)@", lambda m: "" if m.group(1) in no_eq else ", Eq", text)

    # --------------------------------------------------------------------------------------
    # Rendering

    def render_schema(self, name: str, schema: dict) -> None:
        title_doc = schema.get("description") or schema.get("title")
        if self.is_free_form(schema):
            self.float_or_json[name] = True
            self.items.append("\n".join(
                doc_lines(title_doc, "")
                + ["///", "/// Free-form JSON, kept as the exact text it was read from.",
                   f"pub type {name} = airflow_comms::JsonValue;"]))
            self.defined[name] = "alias"
            return
        kind = schema.get("type")
        if kind == "object" and "properties" in schema:
            self.render_struct(name, schema)
        elif kind == "object" and not self.is_free_map(schema):
            # An object without properties that is not a map: an empty struct, unknown keys ignored.
            self.render_struct(name, {**schema, "properties": {}})
        elif kind == "string" and "enum" in schema:
            self.render_enum(name, schema)
        else:
            # `$ref`, arrays, maps: a type alias.
            rust, nullable = self.rust_type({k: v for k, v in schema.items()
                                             if k not in ("title", "description")}, name + "Item")
            if nullable and rust != "JsonValue":
                rust = f"Option<{rust}>"
            self.float_or_json[name] = self.has_float_or_json(rust)
            self.eq_marker(name, [rust])
            self.items.append("\n".join(doc_lines(title_doc, "") + [f"pub type {name} = {rust};"]))
            self.defined[name] = "alias"
        self.flush_pending()

    def flush_pending(self) -> None:
        while self.pending:
            entry = self.pending.pop(0)
            if entry[0] == "enum":
                self.render_enum(entry[1], entry[2])
            elif entry[0] == "struct":
                self.render_struct(entry[1], entry[2])
            else:
                self.render_union(entry[1], entry[2], entry[3])

    def render_enum(self, name: str, schema: dict) -> None:
        values = schema["enum"]
        if not all(isinstance(v, str) for v in values):
            raise Unsupported(f"{name}: an enum of non-strings")
        varnames = schema.get("x-enum-varnames")
        variants = [pascal(v.lower() if varnames else v) for v in (varnames or values)]
        if len(set(variants)) != len(variants):
            raise Unsupported(f"{name}: enum values {values} give clashing variant names")
        default = schema.get("default")
        lines = self.type_doc(name, schema)
        if len(values) == 1:
            lines += ["///", f"/// The single value `{values[0]}`: the schema's constant."]
        derives = "Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize"
        if default is not None:
            derives += ", Default"
        lines += [f"#[derive({derives})]", f"pub enum {name} {{"]
        for value, variant in zip(values, variants):
            lines.append(f"    #[serde(rename = \"{value}\")]")
            if value == default:
                lines.append("    #[default]")
            lines.append(f"    {variant},")
        lines += ["}", "", f"impl {name} {{",
                  "    /// Every value, in the order of the schema.",
                  *self.array_lines(f"    pub const ALL: [Self; {len(values)}] = ",
                                    [f"Self::{v}" for v in variants], "    "),
                  "", "    /// The value as it is written in JSON.",
                  "    pub const fn as_str(self) -> &'static str {", "        match self {"]
        lines += [f"            Self::{variant} => \"{value}\"," for value, variant in zip(values, variants)]
        lines += ["        }", "    }", "}"]
        self.defined[name] = "enum"
        self.items.append("\n".join(lines))

    @staticmethod
    def array_lines(prefix: str, elements: list[str], indent: str) -> list[str]:
        """An array literal statement as rustfmt lays it out: on one line when the array is at
        most 60 characters wide (its `array_width`) and the line fits in 100, else one element a
        line."""
        inline = "[" + ", ".join(elements) + "]"
        if len(inline) <= 60 and len(prefix) + len(inline) + 1 <= 100:
            return [prefix + inline + ";"]
        return [prefix + "["] + [f"{indent}    {e}," for e in elements] + [indent + "];"]

    def type_doc(self, name: str, schema: dict) -> list[str]:
        """A type's doc: its schema's description, or title when that says more than the name,
        or what the type is part of when it is inline."""
        text = schema.get("description")
        if not text and schema.get("title") and pascal(schema["title"]) != name:
            text = schema["title"]
        if name in self.inline_docs:
            return [f"/// {self.inline_docs[name]}"] + (["///"] + doc_lines(text, "") if text else [])
        return doc_lines(text, "")

    def render_union(self, name: str, members: list[dict], schema: dict) -> None:
        variants = []
        for index, member in enumerate(members):
            rust, nullable = self.rust_type(member, f"{name}{index}")
            if nullable:
                raise Unsupported(f"{name}: a nullable member of a union")
            if "$ref" in member:
                label = rust
                constant = any(len(p.get("enum", [])) == 1 for p in
                               self.schemas[rust].get("properties", {}).values())
            else:
                constant = False
                label = {"String": "String", "i64": "Integer", "f64": "Number", "bool": "Boolean",
                         "JsonMap": "Map"}.get(rust)
                if label is None:
                    label = "Tuple" if rust.startswith("(") else "List" if rust.startswith("Vec<") else None
                if label is None:
                    raise Unsupported(f"{name}: no variant name for member {member}")
            variants.append((not constant, index, label, rust))
        variants.sort()
        variants = self.short_labels(variants)
        labels = [v[2] for v in variants]
        if len(set(labels)) != len(labels):
            raise Unsupported(f"{name}: clashing variant names {labels}")
        self.float_or_json[name] = any(self.has_float_or_json(v[3]) for v in variants)
        lines = self.type_doc(name, schema)
        if lines:
            lines.append("///")
        lines.append("/// One of several shapes: read by trying each variant in turn, in this order, on the")
        lines.append("/// JSON text of the value (so only from JSON); written as the variant's value.")
        eq = self.eq_marker(name, [v[3] for v in variants])
        lines += [f"#[derive(Debug, Clone, PartialEq{eq}, Serialize)]",
                  "#[serde(untagged)]", f"pub enum {name} {{"]
        lines += [f"    {label}({rust})," for _, _, label, rust in variants]
        lines.append("}")
        # Not serde's untagged derive: it buffers the value in its own form, from which
        # `airflow_comms::JsonValue` (raw JSON text) cannot be read.
        lines += ["", f"impl<'de> Deserialize<'de> for {name} {{",
                  "    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {",
                  "        let raw = Box::<serde_json::value::RawValue>::deserialize(deserializer)?;",
                  "        let mut errors = Vec::new();"]
        for i, (_, _, label, _) in enumerate(variants):
            call = f"try_variant(raw.get(), Self::{label}, \"{label}\", &mut errors)"
            if i == 0:
                lines.append(f"        {call}")
            else:
                lines.append(f"            .or_else(|| {call})")
        lines += ["            .ok_or_else(|| no_variant(\"" + name + "\", &errors))", "    }", "}"]
        self.uses.add("try_variant")
        self.items.append("\n".join(lines))
        self.flush_pending()

    @staticmethod
    def short_labels(variants: list[tuple]) -> list[tuple]:
        """Variant names without the words every variant's name starts or ends with
        (`TISuccessStatePayload`, `TIRetryStatePayload` -> `Success`, `Retry`)."""
        labels = [v[2] for v in variants]
        if len(labels) < 2:
            return variants
        words = [re.findall(r"[A-Z]+(?=[A-Z][a-z]|$)|[A-Z][a-z0-9]*", label) for label in labels]
        if any("".join(w) != label for w, label in zip(words, labels)):
            return variants
        head = 0
        while all(len(w) > head + 1 for w in words) and len({w[head] for w in words}) == 1:
            head += 1
        tail = 0
        while all(len(w) > head + tail + 1 for w in words) and len({w[-1 - tail] for w in words}) == 1:
            tail += 1
        short = ["".join(w[head:len(w) - tail]) for w in words]
        if len(set(short)) != len(short):
            return variants
        return [(v[0], v[1], label, v[3]) for v, label in zip(variants, short)]

    def render_struct(self, name: str, schema: dict) -> None:
        required = set(schema.get("required", []))
        props = schema.get("properties", {})
        unknown = required - set(props)
        if unknown:
            raise Unsupported(f"{name}: required fields without properties {sorted(unknown)}")
        fields = []
        for prop, pschema in props.items():
            ctx = name + pascal(prop)
            self.inline_docs[ctx] = f"The `{prop}` field of [`{name}`]."
            self.inline_docs[ctx + "Item"] = f"An item of the `{prop}` field of [`{name}`]."
            field_schema = {k: v for k, v in pschema.items() if k not in ("title", "description")}
            rust, nullable = self.rust_type(field_schema, ctx)
            default = pschema.get("default")
            has_default = "default" in pschema and default is not None
            attrs = []
            ident = prop
            if not re.fullmatch(r"[a-z_][a-z0-9_]*", prop) or prop in NOT_RAW:
                ident = snake(prop)
                if ident in RUST_KEYWORDS:
                    ident += "_"
                attrs.append(f"rename = \"{prop}\"")
            elif prop in RUST_KEYWORDS:
                ident = "r#" + prop
            option = nullable and rust != "JsonValue"
            if prop in required:
                ftype = f"Option<{rust}>" if option else rust
                if option:
                    # Present, possibly null: without this serde would read an absent field as None.
                    attrs.append("deserialize_with = \"Option::deserialize\"")
            elif has_default:
                ftype = f"Option<{rust}>" if option else rust
                fn = f"default_{snake(name)}_{snake(prop)}"
                value = self.default_value(rust, default, ctx)
                self.default_fns.append(
                    f"fn {fn}() -> {ftype} {{\n    {f'Some({value})' if option else value}\n}}")
                attrs.insert(0, f"default = \"{fn}\"")
            elif nullable:
                ftype = f"Option<{rust}>" if option else rust
                attrs.insert(0, "default")
            else:
                ftype = f"Option<{rust}>"
                attrs[:0] = ["default", "deserialize_with = \"non_null\"",
                             "skip_serializing_if = \"Option::is_none\""]
                self.uses.add("non_null")
            fields.append((prop, ident, ftype, attrs, pschema))
        self.float_or_json[name] = any(self.has_float_or_json(f[2]) for f in fields)
        lines = self.type_doc(name, schema)
        eq = self.eq_marker(name, [f[2] for f in fields])
        lines += [f"#[derive(Debug, Clone, PartialEq{eq}, Serialize, Deserialize)]", f"pub struct {name} {{"]
        for prop, ident, ftype, attrs, pschema in fields:
            if pschema.get("description"):
                lines += doc_lines(pschema["description"], "    ")
            elif pschema.get("title") and pschema["title"] != auto_title(prop):
                lines += doc_lines(pschema["title"], "    ")
            lines += self.field_fact_lines(prop, required, pschema, ftype)
            if attrs and len(", ".join(attrs)) <= 70:  # rustfmt's attr_fn_like_width
                lines.append(f"    #[serde({', '.join(attrs)})]")
            elif attrs:
                lines += ["    #[serde("] + [f"        {a}," for a in attrs[:-1]] + [f"        {attrs[-1]}", "    )]"]
            lines.append(f"    pub {ident}: {ftype},")
        lines.append("}")
        self.defined[name] = "struct"
        self.items.append("\n".join(lines))
        self.flush_pending()

    def field_fact_lines(self, prop, required, pschema, ftype) -> list[str]:
        """Facts of the schema the Rust type does not carry: the default, length limits."""
        facts = []
        if prop not in required and pschema.get("default") is not None:
            facts.append(f"Default `{json.dumps(pschema['default'])}`.")
        for source in [pschema] + (pschema.get("oneOf") or pschema.get("anyOf") or []):
            if "maxLength" in source:
                facts.append(f"At most {source['maxLength']} characters.")
            if source.get("type") == "array" and "prefixItems" not in source:
                for key, word in (("minItems", "At least"), ("maxItems", "At most")):
                    if key in source:
                        n = source[key]
                        facts.append(f"{word} {n} item{'s' if n != 1 else ''}.")
        return [f"    /// {fact}" for fact in facts]

    def default_value(self, rust: str, value, ctx: str) -> str:
        if isinstance(value, bool) and rust == "bool":
            return "true" if value else "false"
        if isinstance(value, int) and not isinstance(value, bool) and rust == "i64":
            return str(value)
        if isinstance(value, float) and rust == "f64":
            return repr(value)
        if isinstance(value, str) and rust == "String":
            return f"{json.dumps(value)}.to_owned()"
        if isinstance(value, str) and self.defined.get(rust) == "enum":
            return f"{rust}::{self.variant_of(rust, value)}"
        raise Unsupported(f"{ctx}: a default {value!r} for a {rust}")

    def variant_of(self, enum_name: str, value: str) -> str:
        schema = self.schemas.get(enum_name, {})
        varnames = schema.get("x-enum-varnames")
        if varnames:
            return pascal(varnames[schema["enum"].index(value)].lower())
        return pascal(value)

    # --------------------------------------------------------------------------------------
    # Operations

    def body_type(self, schema: dict, op_id: str) -> str:
        if "$ref" in schema:
            return self.ref_name(schema["$ref"])
        non_null, nullable = self.split_null(schema)
        if non_null is not None and len(non_null) > 1 and all("$ref" in m for m in non_null):
            name = pascal(schema.get("title") or op_id + "Body")
            self.inline_docs.setdefault(name, f"The body of [`{op_id.upper()}`].")
            if name not in self.defined:
                rust, _ = self.rust_type({"oneOf": non_null, "title": schema.get("title")}, name)
                self.flush_pending()
            return f"Option<{name}>" if nullable else name
        saved = len(self.pending)
        rust, nullable = self.rust_type(schema, pascal(op_id) + "Body")
        if len(self.pending) != saved:
            raise Unsupported(f"{op_id}: an inline body that needs its own type")
        return f"Option<{rust}>" if nullable and rust != "JsonValue" else rust

    def operations(self) -> list[dict]:
        ops = []
        for path in sorted(self.spec["paths"]):
            item = self.spec["paths"][path]
            for method in sorted(item, key=lambda m: METHODS.index(m) if m in METHODS else 99):
                if method not in METHODS:
                    raise Unsupported(f"{path}: method {method}")
                op = item[method]
                op_id = op["operationId"]
                body = None
                if "requestBody" in op:
                    content = op["requestBody"]["content"]
                    if list(content) != ["application/json"]:
                        raise Unsupported(f"{op_id}: a request body of {list(content)}")
                    body = self.body_type(content["application/json"]["schema"], op_id)
                success = []
                for code in sorted(op["responses"]):
                    if code.startswith("2"):
                        content = op["responses"][code].get("content", {})
                        schema = content.get("application/json", {}).get("schema")
                        shape = None
                        if schema is not None:
                            shape = "any JSON" if schema == {} else self.body_type(schema, op_id)
                        success.append((int(code), shape))
                errors = sorted(int(c) for c in op["responses"] if not c.startswith("2"))
                params = [(p["in"], p["name"], p.get("required", False),
                           self.param_type(p.get("schema", {}), op_id), p.get("schema", {}).get("default"))
                          for p in op.get("parameters", []) if p["name"] != "Airflow-API-Version"]
                ops.append({"path": path, "method": method, "id": op_id, "body": body,
                            "success": success, "errors": errors, "params": params,
                            "summary": op.get("summary")})
        names = [op["id"].upper() for op in ops]
        if len(set(names)) != len(names):
            raise Unsupported("operation ids that clash once upper-cased")
        return ops

    def param_type(self, schema: dict, op_id: str) -> str:
        saved = len(self.pending)
        rust, nullable = self.rust_type(schema, pascal(op_id) + "Param")
        if len(self.pending) != saved:
            raise Unsupported(f"{op_id}: a parameter that needs its own type")
        return f"Option<{rust}>" if nullable else rust

    def render_operations(self, ops: list[dict]) -> list[str]:
        out = []
        out.append("\n".join([
            "/// An HTTP method of an Execution API operation.",
            "#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]",
            "pub enum Method {",
            *[f"    /// `{m.upper()}`.\n    {m.capitalize()}," for m in METHODS],
            "}", "",
            "impl Method {",
            "    /// The method's name as HTTP writes it.",
            "    pub const fn as_str(self) -> &'static str {",
            "        match self {",
            *[f"            Self::{m.capitalize()} => \"{m.upper()}\"," for m in METHODS],
            "        }", "    }", "}", "",
            "impl From<Method> for reqwest::Method {",
            "    fn from(method: Method) -> Self {",
            "        match method {",
            *[f"            Method::{m.capitalize()} => reqwest::Method::{m.upper()}," for m in METHODS],
            "        }", "    }", "}",
        ]))
        out.append("\n".join([
            "/// One operation of the Execution API: where it is and what answers success.",
            "#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]",
            "pub struct Operation {",
            "    /// The HTTP method.",
            "    pub method: Method,",
            "    /// The path below the API's base URL (the document's server is `/execution`), with",
            "    /// `{name}` where a path parameter goes.",
            "    pub path_template: &'static str,",
            "    /// The document's `operationId`.",
            "    pub operation_id: &'static str,",
            "    /// The 2xx status codes the document lists for the operation.",
            "    pub success_statuses: &'static [u16],",
            "}",
        ]))
        for op in ops:
            lines = [f"/// `{op['method'].upper()} {op['path']}`" + (f": {op['summary']}." if op.get("summary") else ".")]
            lines.append("///")
            lines.append(f"/// - request body: {self.md_type(op['body']) if op['body'] else 'none'}")
            for code, shape in op["success"]:
                lines.append(f"/// - {code}: {self.md_type(shape) if shape else 'no body'}")
            for where, name, req, rust, default in op["params"]:
                facts = where + (", required" if req else "") + (
                    f", default `{json.dumps(default)}`" if default is not None else "")
                lines.append(f"/// - `{name}` ({facts}): `{rust}`")
            lines.append("/// - errors: " + ", ".join(str(c) for c in op["errors"]))
            method = op["method"].capitalize()
            codes = ", ".join(str(c) for c, _ in op["success"])
            lines += [f"pub const {op['id'].upper()}: Operation = Operation {{",
                      f"    method: Method::{method},",
                      f"    path_template: \"{op['path']}\",",
                      f"    operation_id: \"{op['id']}\",",
                      f"    success_statuses: &[{codes}],",
                      "};"]
            out.append("\n".join(lines))
        all_lines = ["/// Every operation of the document, by path then method.",
                     "pub const OPERATIONS: &[Operation] = &["]
        all_lines += [f"    {op['id'].upper()}," for op in ops]
        all_lines.append("];")
        out.append("\n".join(all_lines))
        return out

    def md_type(self, rust: str) -> str:
        if rust == "any JSON":
            return "any JSON (the document gives no schema)"
        words = re.findall(r"\w+", rust)
        linked = rust
        for word in sorted(set(words), key=len, reverse=True):
            if word in self.defined:
                linked = re.sub(rf"\b{word}\b", f"[{word}]", linked)
        return f"`{rust}`" if linked == rust else linked.replace("<", "\\<").replace(">", "\\>")

    # --------------------------------------------------------------------------------------

    def generate(self) -> str:
        for name, schema in self.schemas.items():
            self.render_schema(name, schema)
        ops = self.operations()
        op_items = self.render_operations(ops)
        version = self.spec["info"]["version"]
        title = self.spec["info"]["title"]
        imports = []
        if "JsonMap" in self.uses:
            imports.append("use airflow_comms::JsonMap;")
        times = sorted(t for t in ("AwareDateTime", "TimeDelta") if t in self.uses)
        if times:
            imports.append("use airflow_comms::time::{" + ", ".join(times) + "};" if len(times) > 1
                           else f"use airflow_comms::time::{times[0]};")
        imports.append("use serde::{Deserialize, Serialize};")
        if "Uuid" in self.uses:
            imports.append("use uuid::Uuid;")
        header = [
            f"//! Types of the {title}, version {version}, generated from its OpenAPI document.",
            "//!",
            "//! **Generated, do not edit.** `tools/supervisor/gen_models.py` writes this file from",
            f"//! `supervisor/openapi/execution-api-{version}.json`, which `tools/supervisor/openapi.py`",
            "//! takes from the pinned apache-airflow-core's api-server (in process, no network). From the",
            "//! repository root, with the pinned venv:",
            "//!",
            "//! ```text",
            "//! .venv/bin/python tools/supervisor/openapi.py     # the document",
            "//! python3 tools/supervisor/gen_models.py           # this file (standard library only)",
            "//! python3 tools/supervisor/gen_models.py --check   # exit 1 on drift",
            "//! ```",
            "//!",
            "//! One type per schema of `components/schemas`, under the schema's name, and the types",
            "//! a schema needs inline after it, named after their schema and field. Mapping:",
            "//!",
            "//! - objects are structs; keys they do not know are ignored when reading;",
            "//! - string enums are fieldless enums (`as_str`, `ALL`);",
            "//! - a union with `null` is an `Option`; other unions are untagged enums, variants with a",
            "//!   constant (a single-valued enum property) tried first;",
            "//! - free-form JSON is [`airflow_comms::JsonValue`], free-form objects [`JsonMap`]: both keep",
            "//!   the JSON text exactly as read;",
            "//! - `date-time` is [`AwareDateTime`] (an offset is required and kept; UTC is written `Z`,",
            "//!   as pydantic writes it), `duration` [`TimeDelta`], `uuid` [`Uuid`], integers `i64`,",
            "//!   numbers `f64`;",
            "//! - a required field must be present (if nullable, it is an `Option` written as null);",
            "//!   a field with a default gets it when absent and is always written; an optional nullable",
            "//!   field reads absent as `None` and writes `None` as null; an optional field that may",
            "//!   not be null is `None` only when absent (null is refused) and is left out when `None`.",
            "//!",
            "//! Length and item-count limits are not checked; the docs of the fields name them.",
            "//! [`OPERATIONS`] lists every endpoint, one [`Operation`] constant each.",
            "",
            *imports,
            "",
            "/// The API version these types describe, the `Airflow-API-Version` header to send.",
            f"pub const API_VERSION: &str = \"{version}\";",
        ]
        helpers = []
        if "try_variant" in self.uses:
            helpers.append("\n".join([
                "/// Reads `text` as a `T` and makes the variant with `make`; on failure notes why under",
                "/// `label` in `errors`.",
                "fn try_variant<T: serde::de::DeserializeOwned, U>(",
                "    text: &str,",
                "    make: fn(T) -> U,",
                "    label: &str,",
                "    errors: &mut Vec<String>,",
                ") -> Option<U> {",
                "    match serde_json::from_str(text) {",
                "        Ok(value) => Some(make(value)),",
                "        Err(err) => {",
                "            errors.push(format!(\"{label}: {err}\"));",
                "            None",
                "        }",
                "    }",
                "}",
                "",
                "/// The error of a value no variant of the union `name` reads.",
                "fn no_variant<E: serde::de::Error>(name: &str, errors: &[String]) -> E {",
                "    E::custom(format_args!(",
                "        \"no variant of {name} matches ({})\",",
                "        errors.join(\"; \")",
                "    ))",
                "}",
            ]))
        if "non_null" in self.uses:
            helpers.append("\n".join([
                "/// Reads a field that may be absent but is never null: `None` only when absent.",
                "fn non_null<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>",
                "where",
                "    D: serde::Deserializer<'de>,",
                "    T: Deserialize<'de>,",
                "{",
                "    T::deserialize(deserializer).map(Some)",
                "}",
            ]))
        body = self.items + sorted(self.default_fns) + helpers + op_items
        return self.resolve_eq("\n".join(header) + "\n\n" + "\n\n".join(body) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if models.rs differs from what the generator writes")
    args = parser.parse_args()
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    try:
        text = Generator(spec).generate()
    except Unsupported as exc:
        sys.exit(f"gen_models.py: unsupported construct: {exc}")
    if args.check:
        if OUT.read_text(encoding="utf-8") != text:
            print(f"gen_models.py: {OUT.relative_to(REPO)} is out of date; run tools/supervisor/gen_models.py",
                  file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
