//! Bounds on what the decoders accept from a peer ([`Limits`]).

/// Bounds on what the decoders accept from a peer.
///
/// A supervisor reads bytes written by user code, so every decoder in this crate works within a
/// [`Limits`]: how long a frame may be, how deeply arrays and maps may nest, and (optionally) how
/// long one string or collection may be. The free functions ([`decode_json`](crate::decode_json),
/// [`frame::decode_request`](crate::codec::frame::decode_request), ...) use [`Limits::DEFAULT`]; the
/// methods of the same names on [`Limits`] and [`FrameReader::with_limits`](crate::FrameReader)
/// take a configured one.
///
/// ```
/// use airflow_comms::{Limits, TaskToSupervisor};
///
/// let strict = Limits::DEFAULT.with_max_depth(8).with_max_string_len(1 << 20);
/// let deep = r#"{"key":"k","value":[[[[[[[[[1]]]]]]]]],"dag_id":"d","run_id":"r","task_id":"t","type":"SetXCom"}"#;
/// assert!(Limits::DEFAULT.decode_json::<TaskToSupervisor>(deep).is_ok());
/// let err = strict.decode_json::<TaskToSupervisor>(deep).unwrap_err();
/// assert!(err.to_string().contains("nested more than 8 levels"), "{err}");
/// ```
///
/// Every bound is checked before the memory it guards is allocated, or while input is walked
/// without recursion, so a hostile peer gets a clean error instead of an allocation failure or a
/// stack overflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limits {
    max_frame_len: u32,
    max_depth: usize,
    max_frame_depth: usize,
    max_value_depth: usize,
    max_string_len: usize,
    max_collection_len: usize,
    lax: bool,
}

impl Limits {
    /// The largest depth [`Limits::with_max_depth`] accepts: the decoders recurse once per
    /// level, and 512 levels stay well within a 2 MiB thread stack even in debug builds.
    pub const MAX_DEPTH_CEILING: usize = 512;

    /// The defaults:
    /// - frames up to 256 MiB ([`DEFAULT_MAX_FRAME_LEN`](crate::codec::frame::DEFAULT_MAX_FRAME_LEN));
    /// - in JSON text, values inside at most 200 arrays and objects, the body included: exactly
    ///   what pydantic's JSON parser accepts;
    /// - in msgpack, free-form values (`JsonValue`, each value of a `JsonMap`) with at most 254
    ///   arrays and maps inside them wherever they sit in the message: exactly what pydantic's
    ///   recursion guard accepts on the frame path (255 nested validations of a `JsonValue`, the
    ///   value's own included); and anything in a body inside at most
    ///   [`MAX_DEPTH_CEILING`](Self::MAX_DEPTH_CEILING) arrays and maps;
    /// - strings and collections bounded only by the frame (memory stays linear in the input).
    pub const DEFAULT: Self = Self {
        max_frame_len: crate::codec::frame::DEFAULT_MAX_FRAME_LEN,
        max_depth: 200,
        max_frame_depth: Self::MAX_DEPTH_CEILING,
        max_value_depth: 254,
        max_string_len: usize::MAX,
        max_collection_len: usize::MAX,
        lax: false,
    };

    /// [`DEFAULT`](Self::DEFAULT) in pydantic's lax mode: see [`with_lax`](Self::with_lax).
    pub const LAX: Self = Self::DEFAULT.with_lax(true);

    /// The largest frame payload accepted (the length prefix excluded). A longer announced
    /// length is refused before anything is allocated for it.
    pub const fn max_frame_len(&self) -> u32 {
        self.max_frame_len
    }

    /// In JSON text, the most arrays and objects that may enclose a value, the body itself
    /// included: a field of the body is at depth 1. An empty array or object adds no level, as
    /// in pydantic's JSON parser.
    pub const fn max_depth(&self) -> usize {
        self.max_depth
    }

    /// In msgpack, the most arrays and maps that may enclose a value, the body itself included
    /// (counted as [`max_depth`](Self::max_depth) counts in JSON). pydantic's frame path has no
    /// such bound of its own (msgspec stops at Python's recursion limit); this one keeps the
    /// decoders' recursion within a thread's stack.
    pub const fn max_frame_depth(&self) -> usize {
        self.max_frame_depth
    }

    /// In msgpack, the most arrays and maps that may enclose any part of one free-form value
    /// (a `JsonValue`, each value of a `JsonMap`), counted from the value itself, whatever
    /// encloses the value in the message: `[[1]]` has 2. This is how pydantic bounds them on the
    /// frame path (its recursion guard), where the message's own nesting does not count.
    pub const fn max_value_depth(&self) -> usize {
        self.max_value_depth
    }

    /// The longest string (in bytes) accepted anywhere in a body, keys included.
    pub const fn max_string_len(&self) -> usize {
        self.max_string_len
    }

    /// The most items (array elements or map entries) accepted in one array or map.
    pub const fn max_collection_len(&self) -> usize {
        self.max_collection_len
    }

    /// Whether bodies are decoded in pydantic's lax mode; see [`with_lax`](Self::with_lax).
    pub const fn lax(&self) -> bool {
        self.lax
    }

    /// Decodes bodies in pydantic's lax mode (`true`) or strictly (`false`, the default).
    ///
    /// Strict decoding accepts what the SDK writes, and refuses the other forms pydantic's
    /// lax mode coerces (README.md, "Deliberate differences", lists them): a hand-written
    /// client sending `"3"` for an integer is told so. Lax decoding accepts those forms too,
    /// with pydantic's result, as a drop-in replacement for the Python supervisor must:
    /// numbers and booleans from text and from each other, unix timestamps and plain dates for
    /// date-times, `"01:00:00"` for durations, msgpack bin holding text, a trigger event entry
    /// as an object, and duplicate keys where an earlier value is invalid (a model's in JSON,
    /// any map's on a frame).
    /// What pydantic refuses is refused in both modes. Limits apply the same way.
    ///
    /// ```
    /// use airflow_comms::{Limits, TaskToSupervisor};
    ///
    /// let text = r#"{"ti_id": "01970000-0000-7000-8000-155e15b91600", "try_number": "2",
    ///                "type": "GetTaskRescheduleStartDate"}"#;
    /// assert!(Limits::DEFAULT.decode_json::<TaskToSupervisor>(text).is_err());
    /// let TaskToSupervisor::GetTaskRescheduleStartDate(message) =
    ///     Limits::LAX.decode_json::<TaskToSupervisor>(text).unwrap()
    /// else {
    ///     unreachable!()
    /// };
    /// assert_eq!(message.try_number, 2);
    /// ```
    #[must_use]
    pub const fn with_lax(mut self, lax: bool) -> Self {
        self.lax = lax;
        self
    }

    /// Sets [`max_frame_len`](Self::max_frame_len).
    #[must_use]
    pub const fn with_max_frame_len(mut self, max: u32) -> Self {
        self.max_frame_len = max;
        self
    }

    /// Sets [`max_depth`](Self::max_depth) and [`max_frame_depth`](Self::max_frame_depth): one
    /// bound for both wire formats, at least 1 and at most
    /// [`MAX_DEPTH_CEILING`](Self::MAX_DEPTH_CEILING) (values outside are clamped).
    #[must_use]
    pub const fn with_max_depth(mut self, max: usize) -> Self {
        self.max_depth = if max == 0 {
            1
        } else if max > Self::MAX_DEPTH_CEILING {
            Self::MAX_DEPTH_CEILING
        } else {
            max
        };
        self.max_frame_depth = self.max_depth;
        self
    }

    /// Sets [`max_value_depth`](Self::max_value_depth), at most
    /// [`MAX_DEPTH_CEILING`](Self::MAX_DEPTH_CEILING) (a larger value is clamped).
    #[must_use]
    pub const fn with_max_value_depth(mut self, max: usize) -> Self {
        self.max_value_depth = if max > Self::MAX_DEPTH_CEILING {
            Self::MAX_DEPTH_CEILING
        } else {
            max
        };
        self
    }

    /// Sets [`max_string_len`](Self::max_string_len).
    #[must_use]
    pub const fn with_max_string_len(mut self, max: usize) -> Self {
        self.max_string_len = max;
        self
    }

    /// Sets [`max_collection_len`](Self::max_collection_len).
    #[must_use]
    pub const fn with_max_collection_len(mut self, max: usize) -> Self {
        self.max_collection_len = max;
        self
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}
