//! libFuzzer entry point. The target's logic and invariants are `targets::frame_decode` in
//! `fuzz/targets.rs`, shared with the stable regression test `tests/fuzz_regressions.rs`.
#![no_main]

// Each binary runs one of the shared targets; the others' helpers are unused here.
#[allow(dead_code)]
#[path = "../targets.rs"]
mod targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| targets::frame_decode(data));
