//! Every request is paired with the reply Airflow's supervisors really answer it with.
//!
//! `tests/corpus/replies.json` was produced by `tools/conformance/generate_replies.py`, which sends
//! every request type of every channel through the real supervisor code of the pinned packages
//! (a real API client over a mocked Execution API), with the API answering 200, 404, 403 and 409.

use std::collections::BTreeSet;

use airflow_comms::ChannelName;
use airflow_comms::request::reply_types;

mod common;

#[test]
fn every_reply_the_supervisors_send_is_one_the_request_type_allows() {
    let facts = common::read_json("tests/corpus/replies.json");
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut seen = BTreeSet::new();
    for row in facts["rows"].as_array().unwrap() {
        let request = row["request"].as_str().unwrap();
        let label = format!(
            "{} {request} ({})",
            row["channel"].as_str().unwrap(),
            row["scenario"].as_str().unwrap()
        );
        seen.insert((
            row["channel"].as_str().unwrap().to_owned(),
            request.to_owned(),
        ));
        let Some(allowed) = reply_types(request) else {
            failures.push(format!("{label}: no reply type in the crate"));
            continue;
        };
        match row["slot"].as_str().unwrap() {
            "body" => {
                let reply = row["reply"].as_str().unwrap();
                if !allowed.contains(&reply) {
                    failures.push(format!("{label}: the supervisor answers {reply}, the crate expects one of {allowed:?}"));
                }
            }
            // An empty reply: a request answered with `()`, or `ResendLoggingFD` where the
            // platform cannot pass descriptors.
            "empty" if allowed.is_empty() || allowed == ["SentFDs"] => {}
            "empty" => failures.push(format!(
                "{label}: the supervisor answers with an empty reply, the crate expects {allowed:?}"
            )),
            // Any request may fail; the typed client turns the error slot into an error.
            "error" => {}
            other => failures.push(format!("{label}: unexpected slot {other}")),
        }
        checked += 1;
    }
    // Every request of every request channel was driven through its supervisor.
    for channel in ChannelName::ALL.iter().filter(|c| c.is_request_channel()) {
        for request in channel.permitted_types() {
            if !seen.contains(&(channel.short_name().to_owned(), request.to_string())) {
                failures.push(format!(
                    "{channel} {request}: not driven through the supervisor"
                ));
            }
        }
    }
    eprintln!("{checked} supervisor replies checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked > 300);
}
