//! What the compiler refuses: sending a message the channel does not permit, and a supervisor
//! handler that leaves a permitted request unanswered. The compiler's messages are snapshotted in
//! `tests/compile_fail/*.stderr` so that they stay readable.

#[test]
fn forbidden_messages_do_not_compile() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/compile_fail/*.rs");
}
