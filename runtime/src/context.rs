//! What a running task sees: its task instance and DAG run, and the supervisor's services.

use std::io::{Read, Write};

use airflow_comms::Permits;
use airflow_comms::client::Client;
use airflow_comms::decode::decode_xcom_value;
use airflow_comms::request::{ConnectionReply, Request, VariableReply};
use airflow_comms::{
    AwareDateTime, ConnectionResult, DagRun, ErrorType, GetConnection, GetVariable, GetXCom,
    JsonValue, MaskSecret, Message, ReadRequests, SetXCom, StartupDetails, TIRunContext,
    TaskInstance, TaskToSupervisor, WriteRequests,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::cancel::Cancellation;
use crate::error::CommsError;
use crate::logs::TaskLog;

/// The XCom key of a task's return value.
pub const RETURN_VALUE: &str = "return_value";

/// A byte stream to the supervisor: the comms socket.
pub(crate) trait Stream: Read + Write + Send {}
impl<T: Read + Write + Send> Stream for T {}

/// The running task's view of Airflow: who it is ([`ti`](Self::ti), [`dag_run`](Self::dag_run),
/// ...), and what the supervisor serves: connections, variables, XComs, secret masking, and every
/// other read or write the task channel permits ([`read`](Self::read), [`write`](Self::write)).
///
/// Each call is one request to the supervisor and waits for its answer. "Not found" is `Ok(None)`;
/// an `Err` is a real failure (the supervisor refused, or the connection broke).
pub struct TaskContext {
    client: Client<TaskToSupervisor, Box<dyn Stream>>,
    startup: StartupDetails,
    log: TaskLog,
    cancellation: Cancellation,
}

impl std::fmt::Debug for TaskContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskContext")
            .field("ti", &self.startup.ti)
            .field("cancellation", &self.cancellation)
            .finish_non_exhaustive()
    }
}

impl TaskContext {
    pub(crate) fn new(
        client: Client<TaskToSupervisor, Box<dyn Stream>>,
        startup: StartupDetails,
        log: TaskLog,
        cancellation: Cancellation,
    ) -> Self {
        Self {
            client,
            startup,
            log,
            cancellation,
        }
    }

    /// Everything the supervisor said at startup.
    pub fn startup(&self) -> &StartupDetails {
        &self.startup
    }

    /// The task instance: ids, `try_number`, `map_index`, queue, ...
    pub fn ti(&self) -> &TaskInstance {
        &self.startup.ti
    }

    /// The DAG run: ids, dates, `conf`, run type and state, ...
    pub fn dag_run(&self) -> &DagRun {
        &self.startup.ti_context.dag_run
    }

    /// The run context (`max_tries`, `should_retry`, the DAG run, ...).
    pub fn run_context(&self) -> &TIRunContext {
        &self.startup.ti_context
    }

    /// The DAG id.
    pub fn dag_id(&self) -> &str {
        &self.startup.ti.dag_id
    }

    /// The task id.
    pub fn task_id(&self) -> &str {
        &self.startup.ti.task_id
    }

    /// The DAG run id.
    pub fn run_id(&self) -> &str {
        &self.startup.ti.run_id
    }

    /// Which try this is, from 1.
    pub fn try_number(&self) -> i64 {
        self.startup.ti.try_number
    }

    /// The map index of a mapped task instance; `None` for an unmapped task (Airflow's -1).
    pub fn map_index(&self) -> Option<i64> {
        self.startup.ti.map_index.filter(|&index| index >= 0)
    }

    /// The run's logical date, if it has one.
    pub fn logical_date(&self) -> Option<&AwareDateTime> {
        self.dag_run().logical_date.as_ref()
    }

    /// Whether a failure now is retried (Airflow decides from `retries` and the try number).
    pub fn should_retry(&self) -> bool {
        self.startup.ti_context.should_retry.unwrap_or(false)
    }

    /// The signal raised when the supervisor asks the process to stop.
    pub fn cancellation(&self) -> &Cancellation {
        &self.cancellation
    }

    /// A variable's value; `None` when it does not exist.
    pub fn variable(&mut self, key: &str) -> Result<Option<String>, CommsError> {
        match self.read(GetVariable { key: key.into() })? {
            VariableReply::VariableResult(result) => Ok(result.value),
            VariableReply::ErrorResponse(error) if error.error == ErrorType::VariableNotFound => {
                Ok(None)
            }
            VariableReply::ErrorResponse(error) => Err(CommsError::Refused {
                request: GetVariable::TYPE,
                error: Box::new(error),
            }),
        }
    }

    /// A connection; `None` when it does not exist. Its password and extra are masked in the
    /// task log by the supervisor, which masks every connection it serves.
    pub fn connection(&mut self, conn_id: &str) -> Result<Option<ConnectionResult>, CommsError> {
        match self.read(GetConnection {
            conn_id: conn_id.into(),
        })? {
            ConnectionReply::ConnectionResult(connection) => Ok(Some(connection)),
            ConnectionReply::ErrorResponse(error)
                if error.error == ErrorType::ConnectionNotFound =>
            {
                Ok(None)
            }
            ConnectionReply::ErrorResponse(error) => Err(CommsError::Refused {
                request: GetConnection::TYPE,
                error: Box::new(error),
            }),
        }
    }

    /// The XCom `key` of task `task_id` in this DAG run (the unmapped task instance), read as a
    /// `T` straight from the supervisor's reply; `None` when there is none (or it is `null`).
    pub fn xcom_pull<T: DeserializeOwned>(
        &mut self,
        task_id: &str,
        key: &str,
    ) -> Result<Option<T>, CommsError> {
        let request = GetXCom {
            key: key.into(),
            dag_id: self.startup.ti.dag_id.clone(),
            run_id: self.startup.ti.run_id.clone(),
            task_id: task_id.into(),
            map_index: None,
            include_prior_dates: false,
        };
        // Read straight from the frame into `T`, without the JSON text `XComResult` keeps.
        self.client
            .send_with(request, decode_xcom_value::<T>)
            .map_err(|source| CommsError::Client {
                request: GetXCom::TYPE,
                source: Box::new(source),
            })
    }

    /// The return value of task `task_id` in this DAG run, read as a `T`.
    pub fn xcom_pull_return<T: DeserializeOwned>(
        &mut self,
        task_id: &str,
    ) -> Result<Option<T>, CommsError> {
        self.xcom_pull(task_id, RETURN_VALUE)
    }

    /// Pushes `value` as this task instance's XCom `key`. The value must serialize to JSON
    /// (Airflow stores XComs as JSON).
    pub fn xcom_push<T: Serialize + ?Sized>(
        &mut self,
        key: &str,
        value: &T,
    ) -> Result<(), CommsError> {
        let value = JsonValue::from_serialize(value).map_err(|source| CommsError::Json {
            request: SetXCom::TYPE,
            what: format!("XCom {key:?}"),
            source,
        })?;
        self.write(SetXCom {
            key: key.into(),
            value,
            dag_id: self.startup.ti.dag_id.clone(),
            run_id: self.startup.ti.run_id.clone(),
            task_id: self.startup.ti.task_id.clone(),
            map_index: self.startup.ti.map_index,
            dag_result: false,
            mapped_length: None,
        })
    }

    /// Asks the supervisor to mask `secret` in the task log from now on (and masks it in this
    /// process's own log lines). Secrets shorter than five characters are not masked, as in
    /// Airflow.
    pub fn mask_secret(&mut self, secret: &str) -> Result<(), CommsError> {
        self.log.add_secret(secret);
        // No name: Airflow masks a named secret only when the name looks sensitive.
        let value = JsonValue::from_serialize(secret).map_err(|source| CommsError::Json {
            request: MaskSecret::TYPE,
            what: "the secret".into(),
            source,
        })?;
        self.request(MaskSecret { value, name: None })
    }

    /// Sends a read request the task channel permits, and returns its typed reply.
    ///
    /// ```no_run
    /// # fn f(ctx: &mut airflow_comms_runtime::TaskContext) -> Result<(), airflow_comms_runtime::CommsError> {
    /// use airflow_comms::GetDagRunState;
    /// let state = ctx.read(GetDagRunState { dag_id: "etl".into(), run_id: "manual_1".into() })?;
    /// println!("{:?}", state.state);
    /// # Ok(()) }
    /// ```
    pub fn read<M>(&mut self, request: M) -> Result<M::Response, CommsError>
    where
        M: Request,
        ReadRequests: Permits<M>,
        TaskToSupervisor: Permits<M>,
    {
        self.request(request)
    }

    /// Sends a write request the task channel permits (XComs, variables, state stores), and
    /// returns its typed reply.
    pub fn write<M>(&mut self, request: M) -> Result<M::Response, CommsError>
    where
        M: Request,
        WriteRequests: Permits<M>,
        TaskToSupervisor: Permits<M>,
    {
        self.request(request)
    }

    pub(crate) fn request<M>(&mut self, request: M) -> Result<M::Response, CommsError>
    where
        M: Request,
        TaskToSupervisor: Permits<M>,
    {
        self.client
            .send(request)
            .map_err(|source| CommsError::Client {
                request: M::TYPE,
                source: Box::new(source),
            })
    }
}
