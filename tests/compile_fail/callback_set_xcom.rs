// A callback runtime cannot write XComs.
use airflow_comms::client::Client;
use airflow_comms::{CallbackToSupervisor, JsonValue, SetXCom};
use std::os::unix::net::UnixStream;

fn main() {
    let (stream, _) = UnixStream::pair().unwrap();
    let mut client = Client::<CallbackToSupervisor, _>::new(stream);
    let _ = client.send(SetXCom {
        key: "k".into(),
        value: JsonValue::null(),
        dag_id: "d".into(),
        run_id: "r".into(),
        task_id: "t".into(),
        map_index: None,
        dag_result: false,
        mapped_length: None,
    });
}
