//! Peak memory while decoding a 16 MiB SetXCom frame, counted by a global allocator that tracks
//! the bytes live on the heap, and how often a decode resizes an allocation. The decoder keeps
//! the value as JSON text (transcoded once from msgpack, into a buffer reserved by estimate), so
//! the peak stays within a small multiple of the frame and the text is resized a few times.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use airflow_comms::frame::{decode_request, encode_request};
use airflow_comms::*;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static REALLOCS: AtomicUsize = AtomicUsize::new(0);
/// One measurement at a time: the counters are process-wide.
static MEASURING: Mutex<()> = Mutex::new(());

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        REALLOCS.fetch_add(1, Ordering::Relaxed);
        if new_size > layout.size() {
            let live = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size
                - layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Bytes allocated at the peak of `f`, above what was live before it.
fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let out = f();
    (out, PEAK.load(Ordering::Relaxed) - before)
}

/// How many times `f` resized an allocation.
fn reallocs_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = REALLOCS.load(Ordering::Relaxed);
    let out = f();
    (out, REALLOCS.load(Ordering::Relaxed) - before)
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
