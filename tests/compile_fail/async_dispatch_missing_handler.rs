// An async handler must answer every request its channel permits too: MaskSecret is missing.
use airflow_comms::dispatch::AsyncHandle;
use airflow_comms::frame::RequestFrame;
use airflow_comms::request::{ConnectionReply, VariableReply};
use airflow_comms::*;

struct Handler;

impl AsyncHandle<GetConnection> for Handler {
    async fn handle(&mut self, _: GetConnection) -> Result<ConnectionReply, ErrorResponse> {
        unimplemented!()
    }
}
impl AsyncHandle<GetVariable> for Handler {
    async fn handle(&mut self, _: GetVariable) -> Result<VariableReply, ErrorResponse> {
        unimplemented!()
    }
}
impl AsyncHandle<GetVariableKeys> for Handler {
    async fn handle(&mut self, _: GetVariableKeys) -> Result<VariableKeysResult, ErrorResponse> {
        unimplemented!()
    }
}

fn main() {
    let request = RequestFrame::<CallbackToSupervisor>::new(0, GetVariable { key: "k".into() });
    let _ = CallbackToSupervisor::dispatch_async(request, &mut Handler, &mut Vec::new());
}
