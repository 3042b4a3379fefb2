// The trigger runner has no task state to report.
use airflow_comms::client::Client;
use airflow_comms::{TaskState, TaskStateOutcome, TriggerToSupervisor};
use std::os::unix::net::UnixStream;

fn main() {
    let (stream, _) = UnixStream::pair().unwrap();
    let mut client = Client::<TriggerToSupervisor, _>::new(stream);
    let _ = client.send(TaskState { state: TaskStateOutcome::Failed, end_date: None, rendered_map_index: None });
}
