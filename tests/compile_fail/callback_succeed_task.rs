// A callback runtime cannot tell its supervisor that a task succeeded.
use airflow_comms::client::Client;
use airflow_comms::{CallbackToSupervisor, SucceedTask};
use std::os::unix::net::UnixStream;

fn main() {
    let (stream, _) = UnixStream::pair().unwrap();
    let mut client = Client::<CallbackToSupervisor, _>::new(stream);
    let _ = client.send(SucceedTask {
        state: Default::default(),
        end_date: "2026-11-22T10:00:00Z".parse().unwrap(),
        task_outlets: None,
        outlet_events: None,
        rendered_map_index: None,
    });
}
