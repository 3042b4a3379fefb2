// A supervisor's handler must answer every request its channel permits: MaskSecret is missing.
use airflow_comms::dispatch::Handle;
use airflow_comms::frame::RequestFrame;
use airflow_comms::request::{ConnectionReply, VariableReply};
use airflow_comms::*;

struct Handler;

impl Handle<GetConnection> for Handler {
    fn handle(&mut self, _: GetConnection) -> Result<ConnectionReply, ErrorResponse> {
        unimplemented!()
    }
}
impl Handle<GetVariable> for Handler {
    fn handle(&mut self, _: GetVariable) -> Result<VariableReply, ErrorResponse> {
        unimplemented!()
    }
}
impl Handle<GetVariableKeys> for Handler {
    fn handle(&mut self, _: GetVariableKeys) -> Result<VariableKeysResult, ErrorResponse> {
        unimplemented!()
    }
}

fn main() {
    let request = RequestFrame::<CallbackToSupervisor>::new(0, GetVariable { key: "k".into() });
    let _ = CallbackToSupervisor::dispatch(request, &mut Handler, &mut Vec::new());
}
