//! The real `airflow-supervisor` binary against hostile surroundings: a bad workload, a bad
//! configuration, an Execution API that is down, fails or goes away, a child that sends garbage,
//! floods its stdout, ignores its end or is signalled, and a bundle that is missing or corrupt.
//!
//! Each test runs the binary in a temp `AIRFLOW_HOME` against a fake Execution API on 127.0.0.1
//! (`hostile_support::FakeApi`, which records every request), with the task routed by
//! `[sdk] coordinators` / `[sdk] queue_to_coordinator` to the scripted child
//! (`examples/scripted_child.rs`) packed as an executable bundle. Every run is bounded in time:
//! one that overruns is killed, with its child, and the test fails with its output.

mod hostile_support;

use std::time::Duration;

use hostile_support::{
    FakeApi, Output, Recorded, Reply, Setup, alive, closed_port_url, healthy, heavy, kill,
    proc_status, workload,
};
use serde_json::{Value, json};

/// The bound on a run that should end promptly: generous, for a loaded 2-core machine.
const LIMIT: Duration = Duration::from_secs(60);

/// The supervisor's own error line (`logger` `airflow_supervisor`, level `error`), which every
/// refusal before the run ends with.
fn own_error(finished: &hostile_support::Finished) -> String {
    finished
        .json_lines()
        .into_iter()
        .rev()
        .filter(|l| l["level"] == "error" && l["logger"] == "airflow_supervisor")
        .find_map(|l| l["event"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("no error line from the supervisor\n{}", finished.output()))
}

/// How many requests matched `method` and `suffix`.
fn count(requests: &[Recorded], method: &str, suffix: &str) -> usize {
    requests.iter().filter(|r| r.is(method, suffix)).count()
}

/// The `state` of each `PATCH …/state`, in order.
fn states(api: &FakeApi) -> Vec<String> {
    api.calls("PATCH", "/state")
        .iter()
        .map(|r| r.body["state"].as_str().unwrap_or("?").to_owned())
        .collect()
}

// --- 1. malformed workload ------------------------------------------------------------------

#[test]
fn a_malformed_workload_is_refused_naming_the_field_before_any_api_call() {
    let api = FakeApi::start(|r, _| healthy(r));
    let mut no_id = workload();
    no_id["ti"].as_object_mut().expect("ti").remove("id");
    let mut bad_try = workload();
    bad_try["ti"]["try_number"] = json!("three");
    let cases = [
        (
            "invalid JSON",
            r#"{"type": "ExecuteTask", "ti": {"#.to_owned(),
            "Failed to parse input JSON string: invalid JSON: ",
        ),
        (
            "missing ti.id",
            no_id.to_string(),
            "Failed to parse input JSON string: ti.id: missing: the field is required",
        ),
        (
            "wrong type of ti.try_number",
            bad_try.to_string(),
            "Failed to parse input JSON string: ti.try_number: \"three\" is not an integer",
        ),
    ];
    for (name, text, expected) in cases {
        let setup = Setup::new(&api.url(), "succeed")
            .with_bundle()
            .args(&["--json-string", &text]);
        let finished = setup.run(LIMIT);
        assert_eq!(finished.code, Some(1), "{name}\n{}", finished.output());
        let error = own_error(&finished);
        assert!(error.starts_with(expected), "{name}: {error}");
        assert!(setup.child_report().is_empty(), "{name}: the child ran");
    }

    // The same from a file: the message names the file and the field.
    let setup = Setup::new(&api.url(), "succeed").with_bundle();
    let file = setup.home.path().join("workload.json");
    std::fs::write(&file, bad_try.to_string()).expect("write the workload");
    let setup = setup.args(&["--json-path", &file.display().to_string()]);
    let finished = setup.run(LIMIT);
    assert_eq!(finished.code, Some(1), "{}", finished.output());
    let error = own_error(&finished);
    assert!(
        error.starts_with(&format!(
            "Failed to read file {}: ti.try_number: ",
            file.display()
        )),
        "{error}"
    );

    assert_eq!(api.summary(), Vec::<String>::new(), "no API call at all");
}

// --- 2. bad configuration -------------------------------------------------------------------

#[test]
fn a_bad_configuration_is_refused_naming_the_option_before_any_api_call() {
    let api = FakeApi::start(|r, _| healthy(r));
    let port = api.url();
    let ftp = port.replacen("http://", "ftp://", 1);

    let heartbeat = Setup::new(&api.url(), "succeed")
        .with_bundle()
        .env("AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL", "abc");
    let finished = heartbeat.run(LIMIT);
    assert_eq!(finished.code, Some(1), "{}", finished.output());
    assert_eq!(
        own_error(&finished),
        r#"configuration: [workers] min_heartbeat_interval: "abc" is not an integer"#
    );

    let url = Setup::new(&api.url(), "succeed")
        .with_bundle()
        .env("AIRFLOW__CORE__EXECUTION_API_SERVER_URL", &ftp);
    let finished = url.run(LIMIT);
    assert_eq!(finished.code, Some(1), "{}", finished.output());
    let error = own_error(&finished);
    assert!(
        error.starts_with(&format!(
            "configuration: [core] execution_api_server_url: {ftp:?} is not a valid Execution API URL"
        )) && error.contains("http:// or https://"),
        "{error}"
    );

    // From airflow.cfg in AIRFLOW_HOME, when no variable overrides it.
    let file = Setup::new(&api.url(), "succeed").with_bundle();
    std::fs::write(
        file.home.path().join("airflow.cfg"),
        "[workers]\nexecution_api_timeout = soon\n",
    )
    .expect("write airflow.cfg");
    let finished = file.run(LIMIT);
    assert_eq!(finished.code, Some(1), "{}", finished.output());
    assert_eq!(
        own_error(&finished),
        r#"configuration: [workers] execution_api_timeout: "soon" is not a number"#
    );

    for setup in [&heartbeat, &url, &file] {
        assert!(setup.child_report().is_empty(), "the child ran");
    }
    assert_eq!(api.summary(), Vec::<String>::new(), "no API call at all");
}

// --- 3. API down at start -------------------------------------------------------------------

#[test]
fn an_api_down_at_start_ends_the_run_and_kills_the_child() {
    let setup = Setup::new(&closed_port_url(), "sleep").with_bundle();
    let finished = setup.run(LIMIT);
    assert_eq!(finished.code, Some(1), "{}", finished.output());
    let error = own_error(&finished);
    assert!(
        error.starts_with("the server refused to start the task: PATCH /task-instances/")
            && error.contains("/run"),
        "{error}"
    );
    // The child was started and connected (so the run was under way), never told what to run,
    // and is gone now: killed and reaped before the supervisor exited.
    let pid = setup.child_pid().expect("the child started");
    assert!(
        setup.child_event("startup").is_none(),
        "{:?}",
        setup.child_report()
    );
    assert!(!alive(pid), "the child {pid} outlived the supervisor");
    // Two attempts at most 0.2 s apart against a closed port, then the kill: quick.
    assert!(
        finished.elapsed < Duration::from_secs(20),
        "{:?}",
        finished.elapsed
    );
}

// --- 4. API down mid-task -------------------------------------------------------------------

/// Answers the first heartbeat, then `then` to the second (and the server's mode to all later).
fn heartbeat_then(then: Reply) -> impl Fn(&Recorded, &[Recorded]) -> Reply + Send + Sync {
    move |request, before| {
        if request.is("PUT", "/heartbeat") && count(before, "PUT", "/heartbeat") >= 1 {
            return then.clone();
        }
        healthy(request)
    }
}

#[test]
fn an_api_that_goes_down_mid_task_gets_the_child_killed_and_the_run_ended() {
    let api = FakeApi::start(heartbeat_then(Reply::Down));
    let setup = Setup::new(&api.url(), "sleep")
        .with_bundle()
        .env("AIRFLOW__WORKERS__MAX_FAILED_HEARTBEATS", "2");
    let finished = setup.run(LIMIT);

    // The heartbeats failed twice in a row, the child was killed, and the final state could
    // not be reported to a server that is gone: the run could not be carried through.
    let failures = finished.events("Failed to send heartbeat. Will be retried");
    assert_eq!(
        failures
            .iter()
            .map(|f| f["failed_heartbeats"].as_u64())
            .collect::<Vec<_>>(),
        [Some(1), Some(2)],
        "{}",
        finished.output()
    );
    assert_eq!(
        finished
            .events("Too many failed heartbeats; terminating process")
            .len(),
        1
    );
    assert_eq!(finished.code, Some(1), "{}", finished.output());
    assert!(
        own_error(&finished).starts_with("the final state failed could not be reported"),
        "{}",
        finished.output()
    );
    let pid = setup.child_pid().expect("the child started");
    assert!(setup.child_event("sleeping").is_some());
    assert!(
        setup.child_event("woke").is_none(),
        "the child slept its full time"
    );
    assert!(!alive(pid), "the child {pid} outlived the supervisor");
    // What reached the server before it went: the start and two heartbeats (the second one
    // took it down, unanswered).
    assert_eq!(
        api.summary(),
        [
            format!(
                "PATCH /execution/task-instances/{}/run",
                hostile_support::TI_ID
            ),
            format!(
                "PUT /execution/task-instances/{}/heartbeat",
                hostile_support::TI_ID
            ),
            format!(
                "PUT /execution/task-instances/{}/heartbeat",
                hostile_support::TI_ID
            ),
        ]
    );
    assert!(
        finished.elapsed < Duration::from_secs(30),
        "{:?}",
        finished.elapsed
    );
}

#[test]
fn an_api_that_falls_silent_mid_task_gets_the_child_killed_and_the_run_ended() {
    let api = FakeApi::start(heartbeat_then(Reply::Silent));
    let setup = Setup::new(&api.url(), "sleep")
        .with_bundle()
        .env("AIRFLOW__WORKERS__MAX_FAILED_HEARTBEATS", "2")
        .env("AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT", "1");
    let finished = setup.run(LIMIT);

    // Each heartbeat now stalls for the 1 s timeout, twice (two attempts): two failures, then
    // the kill; the final state's report stalls the same way.
    let failures = finished.events("Failed to send heartbeat. Will be retried");
    assert_eq!(failures.len(), 2, "{}", finished.output());
    assert!(
        failures.iter().all(|f| f["error"]
            .as_str()
            .unwrap_or("")
            .contains("nothing moved for 1 s")),
        "{failures:?}"
    );
    assert_eq!(finished.code, Some(1), "{}", finished.output());
    let pid = setup.child_pid().expect("the child started");
    assert!(!alive(pid), "the child {pid} outlived the supervisor");
    // The supervisor did try to report the failure (the silent server read it).
    assert_eq!(states(&api).first().map(String::as_str), Some("failed"));
    assert!(
        finished.elapsed < Duration::from_secs(40),
        "{:?}",
        finished.elapsed
    );
}

// --- 5. 5xx storm ---------------------------------------------------------------------------

#[test]
fn a_5xx_storm_on_the_state_call_is_retried_until_the_state_is_delivered() {
    const STORM: usize = 3;
    let api = FakeApi::start(|request, before| {
        if request.is("PATCH", "/state") && count(before, "PATCH", "/state") < STORM {
            return Reply::Json(500, json!({"detail": "storm"}));
        }
        healthy(request)
    });
    let setup = Setup::new(&api.url(), "succeed")
        .with_bundle()
        .env("AIRFLOW__WORKERS__EXECUTION_API_RETRIES", "5");
    let finished = setup.run(LIMIT);
    assert_eq!(finished.code, Some(0), "{}", finished.output());

    // Three refusals, then the same report once more, accepted.
    let calls = api.calls("PATCH", "/state");
    assert_eq!(calls.len(), STORM + 1, "{:?}", api.summary());
    assert!(calls.iter().all(|c| c.body == calls[0].body), "{calls:?}");
    assert_eq!(calls[0].body["state"], "success");
    // The child's SucceedTask was answered (without an error) once the report went through.
    assert!(
        setup.child_event("succeeded").is_some(),
        "{:?}",
        setup.child_report()
    );
    let done = finished.events("Workload finished");
    assert_eq!(done.len(), 1, "{}", finished.output());
    assert_eq!(done[0]["final_state"], "success");
    assert_eq!(done[0]["exit_code"], 0);
}

// --- 6. garbage frames ----------------------------------------------------------------------

#[test]
fn garbage_frames_are_each_refused_by_id_and_the_stream_goes_on() {
    let api = FakeApi::start(|r, _| healthy(r));
    let setup = Setup::new(&api.url(), "garbage-then-succeed").with_bundle();
    let finished = setup.run(LIMIT);
    assert_eq!(finished.code, Some(0), "{}", finished.output());

    let answers: Vec<Value> = setup
        .child_report()
        .into_iter()
        .filter(|e| e["event"] == "answer")
        .collect();
    let answer = |frame: &str| {
        answers
            .iter()
            .find(|a| a["frame"] == frame)
            .cloned()
            .unwrap_or_else(|| panic!("no answer to {frame}: {:?}", setup.child_report()))
    };
    // Each broken frame got exactly its own id back, with the error slot set and no body.
    for (frame, id, error, mentions) in [
        ("not-msgpack", 1, "GENERIC_ERROR", "frame 1"),
        ("unknown-type", 2, "GENERIC_ERROR", "NoSuchRequest"),
        (
            "not-permitted",
            3,
            "PERMISSION_DENIED",
            "DagFileParsingResult",
        ),
    ] {
        let a = answer(frame);
        assert_eq!(a["id"], id, "{frame}: {a}");
        assert_eq!(a["has_body"], false, "{frame}: {a}");
        assert_eq!(a["error"]["error"], error, "{frame}: {a}");
        let message = a["error"]["detail"]["message"].as_str().unwrap_or("");
        assert!(message.contains(mentions), "{frame}: {a}");
    }
    assert_eq!(answers.len(), 3, "{answers:?}");
    // The frame with no readable id could not be answered; the next request still was.
    assert_eq!(
        setup.child_event("variable").expect("GetVariable answered")["reply"],
        json!({"value": "value-of-region"})
    );
    assert!(setup.child_event("succeeded").is_some());
    assert_eq!(
        finished.events("Unable to decode message").len(),
        4,
        "{}",
        finished.output()
    );
    assert_eq!(api.calls("GET", "/variables/region").len(), 1);
    assert_eq!(states(&api), ["success"]);
}

// --- 7. 100 MB to stdout --------------------------------------------------------------------

/// The supervisor's peak resident memory may not pass this, whatever the child prints.
///
/// What the supervisor holds for the child's output is bounded by design: a 64 KiB read buffer
/// per stream, one line (these are at most 1 MiB), at most 1024 records and 32 MiB of lines
/// queued for the writer (`logs::BUDGET_KIB`), and the line being rendered. On top comes the
/// debug build itself (about 25 MiB resident with the async runtime and the HTTP client).
/// Measured peaks: about 28 MiB with short lines, about 75 MiB with 1 MiB lines (the 32 MiB
/// queue full). 150 MiB leaves twice that for allocator slack, and is still far below what a
/// supervisor keeping the 100 MB of output (or a copy of it) would need.
const PEAK_RSS_KIB: u64 = 150 * 1024;

/// Runs the `print` script for `lines` lines of `len` bytes, and checks the memory, the task
/// log and the mirror on stdout.
fn prints(lines: usize, len: usize) {
    let _heavy = heavy();
    let api = FakeApi::start(|r, _| healthy(r));
    let setup = Setup::new(&api.url(), "print")
        .with_bundle()
        .env("SCRIPTED_CHILD_LINES", &lines.to_string())
        .env("SCRIPTED_CHILD_LINE_LEN", &len.to_string());
    let mut running = setup.spawn(Output::CountTaskStdout);
    let pid = running.pid;
    // VmHWM is the peak so far; sampled until the process is gone, the last value is the run's
    // peak but for the last few milliseconds, when nothing is being read any more.
    let mut peak_kib = 0u64;
    let limit = Duration::from_secs(240);
    while running.is_running() && running.started.elapsed() < limit {
        if let Some(hwm) = proc_status(pid, "VmHWM") {
            let kib = hwm.trim_end_matches("kB").trim().parse().unwrap_or(0);
            peak_kib = peak_kib.max(kib);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let finished = running.wait(limit);
    assert_eq!(finished.code, Some(0), "{}", finished.output());
    assert!(peak_kib > 0, "VmHWM was never read");
    assert!(
        peak_kib < PEAK_RSS_KIB,
        "peak RSS {} MiB for {} MB of output",
        peak_kib / 1024,
        lines * len / 1_000_000
    );

    // Every line is in the task log, whole and in order, and mirrored on stdout. The event is
    // found by its place in the line (`{"timestamp":…,"level":"info","event":"…","logger":…}`,
    // the order the supervisor writes); every 1000th line is also parsed whole.
    let file = std::fs::File::open(setup.task_log()).expect("the task log");
    let mut seen = 0usize;
    for line in std::io::BufRead::lines(std::io::BufReader::new(file)) {
        let line = line.expect("a task log line");
        if !line.ends_with(r#"","logger":"task.stdout"}"#) {
            continue;
        }
        let start = line
            .find(r#","level":"info","event":""#)
            .expect("level, then event")
            + 25;
        let event = &line[start..line.len() - 25];
        assert_eq!(event.len(), len - 1, "line {seen} is cut");
        assert_eq!(
            &event[..9],
            format!("{seen:09}"),
            "line {seen} is out of order"
        );
        if seen.is_multiple_of(1000) {
            let record: Value = serde_json::from_str(&line).expect("a JSON line");
            assert_eq!(record["event"], event, "line {seen}");
            assert_eq!(record["level"], "info");
        }
        seen += 1;
    }
    assert_eq!(seen, lines, "lines in the task log");
    assert_eq!(
        finished.task_stdout_lines, lines,
        "lines mirrored on stdout"
    );
    assert!(setup.child_event("succeeded").is_some());
    assert_eq!(states(&api), ["success"]);
    eprintln!(
        "{lines} lines of {len} bytes: {:?}, peak RSS {} MiB",
        finished.elapsed,
        peak_kib / 1024
    );
}

#[test]
fn a_hundred_megabytes_of_short_lines_keep_memory_bounded_and_reach_the_log_whole() {
    prints(500_000, 200);
}

#[test]
fn a_hundred_megabytes_of_one_megabyte_lines_keep_memory_bounded_and_reach_the_log_whole() {
    prints(100, 1 << 20);
}

// --- 8. SIGTERM to the supervisor -----------------------------------------------------------

#[test]
fn sigterm_to_the_supervisor_is_forwarded_and_the_final_state_reported() {
    let api = FakeApi::start(|r, _| healthy(r));
    let setup = Setup::new(&api.url(), "sleep-until-sigterm").with_bundle();
    let running = setup.spawn(Output::Keep);
    assert!(
        setup.wait_for_child("sleeping", LIMIT),
        "the child never slept: {:?}",
        setup.child_report()
    );
    // The supervisor catches SIGTERM once its run loop is set up; before that the signal would
    // kill it outright. Wait for the handler (SigCgt bit 15) rather than for a fixed time.
    let sigterm_bit = 1u64 << (15 - 1);
    let caught = || {
        proc_status(running.pid, "SigCgt")
            .and_then(|mask| u64::from_str_radix(&mask, 16).ok())
            .is_some_and(|mask| mask & sigterm_bit != 0)
    };
    let deadline = std::time::Instant::now() + LIMIT;
    while !caught() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(caught(), "the supervisor never caught SIGTERM");
    kill(running.pid, rustix::process::Signal::TERM);
    let finished = running.wait(LIMIT);

    // The child got the signal and exited 143; the supervisor reported the failure it caused
    // and exited as a workload that ran does.
    assert_eq!(
        setup.child_event("signal").map(|e| e["signal"].clone()),
        Some(json!("SIGTERM")),
        "{:?}",
        setup.child_report()
    );
    let forwarded = finished.events("Received signal, forwarding to task subprocess");
    assert_eq!(forwarded.len(), 1, "{}", finished.output());
    assert_eq!(forwarded[0]["signal"], "SIGTERM");
    assert_eq!(
        Some(forwarded[0]["pid"].clone()),
        setup.child_pid().map(|p| json!(p))
    );
    assert_eq!(states(&api), ["failed"]);
    let abnormal: Vec<Value> = setup
        .task_log_lines()
        .into_iter()
        .filter(|l| l["event"] == "Process exited abnormally")
        .collect();
    assert_eq!(abnormal.len(), 1);
    assert_eq!(abnormal[0]["exit_code"], 143);
    assert_eq!(finished.code, Some(0), "{}", finished.output());
    let done = finished.events("Workload finished");
    assert_eq!(done[0]["final_state"], "failed");
    assert_eq!(done[0]["exit_code"], 143);
}

// --- 9. bundle missing or corrupt -----------------------------------------------------------

#[test]
fn a_missing_bundle_is_refused_naming_the_dag_before_the_run_starts() {
    let api = FakeApi::start(|r, _| healthy(r));
    let setup = Setup::new(&api.url(), "succeed");
    // A bundle for another DAG only (never run: it is not the one asked for).
    let dags = [(
        "other_dag".to_owned(),
        airflow_comms::bundle::Dag::default(),
    )]
    .into();
    let manifest = airflow_comms::bundle::Manifest::new(
        airflow_comms::bundle::Sdk::rust("0.1.0"),
        "other.rs",
        dags,
    );
    let other = airflow_comms::bundle::pack(b"\x7fELF-not-run", b"", &manifest).expect("packs");
    hostile_support::write_executable(&setup.bundles().join("other"), &other);
    let finished = setup.run(LIMIT);
    assert_eq!(finished.code, Some(1), "{}", finished.output());
    let roots = std::fs::canonicalize(setup.bundles()).expect("the bundle root");
    assert_eq!(
        own_error(&finished),
        format!(
            "cannot find executable bundle containing dag_id=\"hostile\" in {}",
            roots.display()
        )
    );
    assert!(setup.child_report().is_empty(), "a child ran");
    assert_eq!(api.summary(), Vec::<String>::new(), "no API call at all");
}

#[test]
fn a_corrupt_bundle_is_refused_naming_the_dag_and_the_problem_before_the_run_starts() {
    let api = FakeApi::start(|r, _| healthy(r));
    let setup = Setup::new(&api.url(), "succeed");
    let corrupt = setup.bundles().join("scripted_child");
    std::fs::copy(hostile_support::packed_bundle(), &corrupt).expect("copy the bundle");
    // One bit flipped inside the executable region, whose SHA-256 the trailer records.
    {
        use std::os::unix::fs::FileExt;
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&corrupt)
            .expect("open the copy");
        let mut byte = [0u8];
        file.read_exact_at(&mut byte, 4096).expect("read");
        byte[0] ^= 1;
        file.write_all_at(&byte, 4096).expect("write");
    }
    let finished = setup.run(LIMIT);
    assert_eq!(finished.code, Some(1), "{}", finished.output());
    let error = own_error(&finished);
    assert!(
        error.starts_with("cannot find executable bundle containing dag_id=\"hostile\" in "),
        "{error}"
    );
    assert!(
        error.contains(&format!("{}: ", corrupt.display()))
            && error.contains("binary_sha256 mismatch"),
        "{error}"
    );
    assert!(setup.child_report().is_empty(), "the corrupt bundle ran");
    assert_eq!(api.summary(), Vec::<String>::new(), "no API call at all");
}

// --- 10. heartbeat 409 ----------------------------------------------------------------------

#[test]
fn a_409_to_a_heartbeat_kills_the_child_and_reports_nothing() {
    let api = FakeApi::start(heartbeat_then(Reply::Json(
        409,
        json!({"detail": {"reason": "not_running", "message": "TI is no longer in the running state"}}),
    )));
    let setup = Setup::new(&api.url(), "sleep").with_bundle();
    let finished = setup.run(LIMIT);
    assert_eq!(finished.code, Some(0), "{}", finished.output());

    let pid = setup.child_pid().expect("the child started");
    assert!(setup.child_event("sleeping").is_some());
    assert!(
        setup.child_event("woke").is_none(),
        "the child slept its full time"
    );
    assert!(!alive(pid), "the child {pid} outlived the supervisor");
    // The server owns the state now: no state call, and no heartbeat after the 409.
    assert_eq!(states(&api), Vec::<String>::new());
    assert_eq!(
        api.calls("PUT", "/heartbeat").len(),
        2,
        "{:?}",
        api.summary()
    );
    let told = finished.events("Server indicated the task shouldn't be running anymore");
    assert_eq!(told.len(), 1, "{}", finished.output());
    assert_eq!(told[0]["status_code"], 409);
    assert_eq!(told[0]["detail"]["reason"], "not_running");
    let log: Vec<String> = setup
        .task_log_lines()
        .iter()
        .filter_map(|l| l["event"].as_str().map(str::to_owned))
        .collect();
    assert!(
        log.contains(
            &"Server indicated the task shouldn't be running anymore. Terminating process"
                .to_owned()
        ) && log.contains(&"Task killed!".to_owned()),
        "{log:?}"
    );
    let done = finished.events("Workload finished");
    assert_eq!(done[0]["final_state"], "SERVER_TERMINATED");
    assert_eq!(done[0]["exit_code"], -15);
}

/// A child that ignores the SIGTERM of a kill gets SIGKILL `kill_escalation` (5 s, Airflow's,
/// not configurable) later.
#[test]
fn a_child_that_ignores_the_sigterm_of_a_kill_gets_sigkill() {
    let setup = Setup::new("http://127.0.0.1:9/unused/", "sleep-ignoring-sigterm").with_bundle();
    // The 409 waits until the child sleeps, its SIGTERM handler in place (a SIGTERM before that
    // would kill it outright, which is the other test's case).
    let report = setup.child_out();
    let api = FakeApi::start(move |request, before| {
        let sleeping = std::fs::read_to_string(&report)
            .unwrap_or_default()
            .contains(r#""event":"sleeping""#);
        if request.is("PUT", "/heartbeat") && count(before, "PUT", "/heartbeat") >= 1 && sleeping {
            return Reply::Json(
                409,
                json!({"detail": {"reason": "not_running", "message": "TI is no longer in the running state"}}),
            );
        }
        healthy(request)
    });
    let setup = setup.env("AIRFLOW__CORE__EXECUTION_API_SERVER_URL", &api.url());
    let finished = setup.run(LIMIT);
    assert_eq!(finished.code, Some(0), "{}", finished.output());

    let pid = setup.child_pid().expect("the child started");
    let signals = setup
        .child_report()
        .into_iter()
        .filter(|e| e["event"] == "signal")
        .count();
    assert_eq!(signals, 1, "{:?}", setup.child_report());
    assert!(
        setup.child_event("woke").is_none(),
        "the child slept its full time"
    );
    assert!(!alive(pid), "the child {pid} outlived the supervisor");
    let escalated = finished.events("Process did not terminate in time; escalating");
    assert_eq!(escalated.len(), 1, "{}", finished.output());
    assert_eq!(escalated[0]["signal"], "SIGTERM");
    let done = finished.events("Workload finished");
    assert_eq!(done[0]["final_state"], "SERVER_TERMINATED");
    assert_eq!(done[0]["exit_code"], -9);
    assert_eq!(states(&api), Vec::<String>::new());
    // The SIGKILL came 5 s after the SIGTERM, which followed the 409 (the last heartbeat).
    let conflict = api
        .calls("PUT", "/heartbeat")
        .last()
        .expect("heartbeats")
        .at;
    let after = finished.ended - conflict;
    assert!(
        after >= Duration::from_secs(5) && after < Duration::from_secs(20),
        "ended {after:?} after the 409"
    );
}

// --- 11. overtime ---------------------------------------------------------------------------

#[test]
fn a_child_that_hangs_after_succeeding_is_killed_after_the_overtime() {
    let api = FakeApi::start(|r, _| healthy(r));
    let setup = Setup::new(&api.url(), "succeed-then-hang")
        .with_bundle()
        .env("AIRFLOW__CORE__TASK_SUCCESS_OVERTIME", "1");
    let finished = setup.run(LIMIT);
    assert_eq!(finished.code, Some(0), "{}", finished.output());

    let pid = setup.child_pid().expect("the child started");
    assert!(setup.child_event("succeeded").is_some());
    assert!(
        setup.child_event("woke").is_none(),
        "the child slept its full time"
    );
    assert!(!alive(pid), "the child {pid} outlived the supervisor");
    assert_eq!(
        finished
            .events("Task success overtime reached; terminating process. Modify `task_success_overtime` setting in [core] section of Airflow configuration to change this limit.")
            .len(),
        1,
        "{}",
        finished.output()
    );
    // `success` was reported once, when the child said so. The SIGTERM that ended the overtime
    // then makes the exit a failure, which Airflow's supervisor reports too (`final_state` of
    // a non-zero exit without a retry is `failed`, sent after the exit).
    assert_eq!(states(&api), ["success", "failed"]);
    let success = &api.calls("PATCH", "/state")[0];
    let end = finished.elapsed;
    let since_success = finished.ended - success.at;
    // The overtime counts from when the supervisor took the SucceedTask, a moment before the
    // report reached the server: the run ended about 1 s after the report (the 100 ms tick, the
    // kill and the final report on top), never much before, and well within the few seconds a
    // loaded machine may add.
    assert!(
        since_success >= Duration::from_millis(900) && since_success < Duration::from_secs(10),
        "the child ended {since_success:?} after its success (run: {end:?})"
    );
}

/// The overtime counts from the terminal message itself, whether or not its report went through,
/// and no heartbeat follows it. (Airflow's supervisor records the terminal state only once
/// `PATCH …/state` succeeded, so there a child that hangs after a refused report runs on, with
/// heartbeats: the native supervisor is deliberately stricter.)
#[test]
fn a_child_that_hangs_after_a_refused_success_is_still_killed_after_the_overtime() {
    // Every state report fails: 500 to each of the two attempts.
    let api = FakeApi::start(|request, _| {
        if request.is("PATCH", "/state") {
            return Reply::Json(500, json!({"detail": "down for maintenance"}));
        }
        healthy(request)
    });
    let setup = Setup::new(&api.url(), "succeed-then-hang")
        .with_bundle()
        .env("AIRFLOW__CORE__TASK_SUCCESS_OVERTIME", "1");
    // The child would sleep 60 s: a run that outlasts 20 s was not ended by the overtime.
    let finished = setup.run(Duration::from_secs(20));

    let pid = setup.child_pid().expect("the child started");
    assert!(
        setup.child_event("succeed-refused").is_some(),
        "{:?}",
        setup.child_report()
    );
    assert!(
        setup.child_event("woke").is_none(),
        "the child slept its full time"
    );
    assert!(!alive(pid), "the child {pid} outlived the supervisor");
    assert_eq!(
        finished
            .events("Task success overtime reached; terminating process. Modify `task_success_overtime` setting in [core] section of Airflow configuration to change this limit.")
            .len(),
        1,
        "{}",
        finished.output()
    );
    // No heartbeat after the task said it was done.
    let requests = api.requests();
    let first_state = requests
        .iter()
        .position(|r| r.is("PATCH", "/state"))
        .expect("a state report");
    assert_eq!(
        count(&requests[first_state..], "PUT", "/heartbeat"),
        0,
        "{:?}",
        api.summary()
    );
}

// --- remote logging ---------------------------------------------------------------------------

/// Remote logging to an S3 that cannot be reached: the task's outcome stands, the local log is
/// kept whole, and the supervisor says on stdout that the upload failed and where the log is.
#[test]
fn an_unreachable_s3_leaves_the_log_in_place_and_says_so() {
    let api = FakeApi::start(|r, _| healthy(r));
    let endpoint = closed_port_url().trim_end_matches("/execution/").to_owned();
    let connection = json!({
        "conn_type": "aws", "login": "key-id", "password": "secret",
        "extra": {"endpoint_url": endpoint, "region_name": "us-east-1"},
    });
    let setup = Setup::new(&api.url(), "succeed")
        .with_bundle()
        .env("AIRFLOW__LOGGING__REMOTE_LOGGING", "True")
        .env(
            "AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER",
            "s3://logs/airflow",
        )
        .env("AIRFLOW__LOGGING__REMOTE_LOG_CONN_ID", "s3_logs")
        .env("AIRFLOW_CONN_S3_LOGS", &connection.to_string());
    let finished = setup.run(LIMIT);
    assert_eq!(finished.code, Some(0), "{}", finished.output());
    assert_eq!(states(&api), ["success"]);
    // The connection came from the environment: the API was not asked for it.
    assert_eq!(count(&api.requests(), "GET", "/connections/s3_logs"), 0);
    let error = own_error(&finished);
    assert!(
        error.starts_with("Failed to upload remote logs")
            && error.contains("s3://logs/airflow/")
            && error.contains(&setup.task_log().display().to_string()),
        "{error}"
    );
    let kept = setup.task_log_lines();
    assert!(!kept.is_empty(), "the local log lost its lines: {kept:?}");
}

/// Remote logging the supervisor cannot do as Airflow would is refused before any API call,
/// naming the setting.
#[test]
fn remote_logging_it_cannot_do_is_refused_naming_the_setting_before_any_api_call() {
    let api = FakeApi::start(|r, _| healthy(r));
    let cases: [(&[(&str, &str)], &str); 4] = [
        (
            &[(
                "AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER",
                "gs://bucket/logs",
            )],
            "[logging] remote_base_log_folder: gs://bucket/logs",
        ),
        (&[], "[logging] remote_base_log_folder: is empty"),
        (
            &[
                (
                    "AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER",
                    "s3://bucket/logs",
                ),
                (
                    "AIRFLOW__AWS__S3_TASK_HANDLER_ACL_POLICY",
                    "bucket-owner-full-control",
                ),
            ],
            "[aws] s3_task_handler_acl_policy: bucket-owner-full-control",
        ),
        (
            &[
                (
                    "AIRFLOW__LOGGING__REMOTE_BASE_LOG_FOLDER",
                    "s3://bucket/logs",
                ),
                (
                    "AIRFLOW__LOGGING__REMOTE_TASK_HANDLER_KWARGS",
                    r#"{"bucket": "x"}"#,
                ),
            ],
            "[logging] remote_task_handler_kwargs: bucket: not an argument",
        ),
    ];
    for (env, expected) in cases {
        let mut setup = Setup::new(&api.url(), "succeed")
            .with_bundle()
            .env("AIRFLOW__LOGGING__REMOTE_LOGGING", "True");
        for (key, value) in env {
            setup = setup.env(key, value);
        }
        let finished = setup.run(LIMIT);
        assert_eq!(finished.code, Some(1), "{expected}: {}", finished.output());
        let error = own_error(&finished);
        assert!(error.contains(expected), "{expected}: {error}");
    }
    assert!(api.requests().is_empty(), "{:?}", api.summary());
}
