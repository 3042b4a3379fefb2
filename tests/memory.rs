//! Peak memory while decoding a 16 MiB SetXCom frame, counted by a global allocator that tracks
//! the bytes live on the heap, and how often a decode resizes an allocation. The decoder keeps
//! the value as JSON text (transcoded once from msgpack, into a buffer reserved by estimate), so
//! the peak stays within a small multiple of the frame and the text is resized a few times.
//!
//! Only the measuring thread's allocations are counted: libtest runs other tests and prints their
//! output on threads of its own, and those allocations are not the decoder's.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Mutex;
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};

use airflow_comms::frame::{decode_request, encode_request};
use airflow_comms::*;

struct Counting;

/// Bytes the measuring thread has allocated and not freed since its measurement began (negative
/// when it frees what was allocated before).
static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);
static REALLOCS: AtomicUsize = AtomicUsize::new(0);
/// One measurement at a time: the counters are process-wide.
static MEASURING: Mutex<()> = Mutex::new(());

thread_local! {
    /// Whether this thread is the one being measured. A `const` thread-local of a type without
    /// `Drop` never allocates, so reading it from the allocator cannot recurse into it.
    static COUNTED: Cell<bool> = const { Cell::new(false) };
}

fn counted() -> bool {
    // During thread teardown the slot may be gone: such a thread is not measuring.
    COUNTED.try_with(Cell::get).unwrap_or(false)
}

/// Adds `delta` bytes to the measuring thread's live total and raises the peak.
fn grow(delta: usize) {
    let delta = delta as isize;
    let live = LIVE.fetch_add(delta, Ordering::Relaxed) + delta;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

fn shrink(delta: usize) {
    LIVE.fetch_sub(delta as isize, Ordering::Relaxed);
}

// SAFETY: every method forwards its arguments unchanged to the system allocator, which upholds
// `GlobalAlloc`'s contract; the counting around the calls only touches atomics and a `const`
// thread-local, so it neither allocates nor unwinds.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if counted() {
            grow(layout.size());
        }
        // SAFETY: the caller upholds `GlobalAlloc`'s contract for these arguments, forwarded unchanged to
        // the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if counted() {
            shrink(layout.size());
        }
        // SAFETY: the caller upholds `GlobalAlloc`'s contract for these arguments, forwarded unchanged to
        // the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if counted() {
            REALLOCS.fetch_add(1, Ordering::Relaxed);
            if new_size > layout.size() {
                grow(new_size - layout.size());
            } else {
                shrink(layout.size() - new_size);
            }
        }
        // SAFETY: the caller upholds `GlobalAlloc`'s contract for these arguments, forwarded unchanged to
        // the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` with this thread's allocations counted from zero.
fn counting<T>(f: impl FnOnce() -> T) -> T {
    LIVE.store(0, Ordering::Relaxed);
    PEAK.store(0, Ordering::Relaxed);
    REALLOCS.store(0, Ordering::Relaxed);
    COUNTED.set(true);
    let out = f();
    COUNTED.set(false);
    out
}

/// Bytes `f` had allocated on this thread at its peak.
fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let out = counting(f);
    (out, PEAK.load(Ordering::Relaxed).max(0) as usize)
}

/// How many times `f` resized an allocation on this thread.
fn reallocs_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let out = counting(f);
    (out, REALLOCS.load(Ordering::Relaxed))
}

/// A SetXCom frame whose value is about `size` bytes of rows (objects of strings and numbers).
fn set_xcom_frame(size: usize) -> Vec<u8> {
    let row = r#"{"id":123456,"name":"customer ünïcödé","score":0.875,"tags":["a","b"]}"#;
    let rows = vec![row; size / row.len()].join(",");
    let value = JsonValue::from_json_text(format!("[{rows}]")).unwrap();
    let message = SetXCom {
        key: "return_value".into(),
        value,
        dag_id: "etl".into(),
        run_id: "manual".into(),
        task_id: "extract".into(),
        map_index: None,
        dag_result: false,
        mapped_length: None,
    };
    let mut frame = Vec::new();
    encode_request(
        &RequestFrame::<TaskToSupervisor>::new(1, message),
        &mut frame,
    )
    .unwrap();
    frame
}

#[test]
fn decoding_a_16_mib_set_xcom_frame_peaks_under_three_times_its_size() {
    let _one_at_a_time = MEASURING.lock().unwrap();
    let frame = set_xcom_frame(16 << 20);
    let (decoded, peak) =
        peak_during(|| decode_request::<TaskToSupervisor>(&frame[4..]).map(|f| f.body));
    let message = decoded.unwrap();
    let TaskToSupervisor::SetXCom(set) = &message else {
        panic!("decoded {}", message.type_tag())
    };
    let kept = set.value.as_json_text().len();
    let ratio = peak as f64 / frame.len() as f64;
    eprintln!(
        "16 MiB SetXCom: frame {} bytes, value kept as {kept} bytes of JSON, peak {peak} bytes \
         allocated while decoding ({ratio:.2}x the frame)",
        frame.len()
    );
    assert!(ratio <= 3.0, "peak {ratio:.2}x the frame size");
}

/// The value's text is reserved by estimate, not doubled nor grown item by item near its end:
/// a value of any size is resized a handful of times (the first estimate, the final fit, and
/// the decoder's small stacks), not once per item or per doubling.
#[test]
fn decoding_a_set_xcom_frame_resizes_its_text_a_few_times_at_any_size() {
    let _one_at_a_time = MEASURING.lock().unwrap();
    for size in [2 << 10, 10 << 10, 100 << 10, 1 << 20, 8 << 20] {
        let frame = set_xcom_frame(size);
        let (decoded, reallocs) =
            reallocs_during(|| decode_request::<TaskToSupervisor>(&frame[4..]).map(|f| f.body));
        decoded.unwrap();
        assert!(
            reallocs <= 4,
            "{reallocs} reallocations for a value of {size} bytes"
        );
    }
}
