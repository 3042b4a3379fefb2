// A task runner is not the trigger runner.
use airflow_comms::client::Client;
use airflow_comms::{TaskToSupervisor, TriggerStateChanges};
use std::os::unix::net::UnixStream;

fn main() {
    let (stream, _) = UnixStream::pair().unwrap();
    let mut client = Client::<TaskToSupervisor, _>::new(stream);
    let _ = client.send(TriggerStateChanges { events: None, failures: None, finished: None });
}
