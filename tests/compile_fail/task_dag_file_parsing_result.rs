// A task runner does not parse DAG files.
use airflow_comms::client::Client;
use airflow_comms::{DagFileParsingResult, TaskToSupervisor};
use std::os::unix::net::UnixStream;

fn main() {
    let (stream, _) = UnixStream::pair().unwrap();
    let mut client = Client::<TaskToSupervisor, _>::new(stream);
    let _ = client.send(DagFileParsingResult {
        fileloc: "dags/etl.py".into(),
        serialized_dags: vec![],
        warnings: None,
        import_errors: None,
    });
}
