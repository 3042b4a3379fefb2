#!/usr/bin/env bash
# Runs the rust_demo DAG once in a whole Airflow 3.3.2: api-server (REST and Execution API),
# scheduler with the LocalExecutor, dag-processor, SQLite, the simple auth manager. The Rust tasks
# run from an executable bundle through [sdk] coordinators / queue_to_coordinator.
#
#   bash tools/e2e/whole_airflow.sh
#   AIRFLOW_E2E_SUPERVISOR=target/debug/airflow-supervisor bash tools/e2e/whole_airflow.sh
#
# The second form is the native mode: the scheduler's executor is tools/e2e/native_executor.py's
# NativeSupervisorExecutor, a LocalExecutor whose workers run every workload with that
# airflow-supervisor binary (the args a KubernetesExecutor pod gets), and the python_demo DAG
# runs beside rust_demo. Each invocation is recorded, and the checks require every task instance
# to have been run by it.
#
# Environment:
#   AIRFLOW_E2E_SUPERVISOR  the airflow-supervisor binary: native mode (default: unset, Airflow's
#                      own LocalExecutor and supervisor). Not built by this script.
#   AIRFLOW_E2E_DAGS   the DAGs to run, space-separated, from rust_demo and python_demo (default
#                      "rust_demo", and "rust_demo python_demo" in native mode)
#   AIRFLOW_E2E_VENV   venv with tools/requirements.txt (made and filled when missing;
#                      default .venv-airflow in the repository)
#   PYTHON             Python 3.11 for a new venv (default python3.11; see tools/venv.sh)
#   CARGO_TARGET_DIR   where cargo builds (default target/)
#   AIRFLOW_E2E_KEEP=1 keep the throwaway directory (AIRFLOW_HOME, component logs) afterwards
#   AIRFLOW_E2E_TIMEOUT seconds to wait for the DAG to be parsed and for the run (default 300 each)
#
# Exit 0 when every check holds; prints the time each phase took.
set -euo pipefail
# A relative AIRFLOW_E2E_SUPERVISOR is relative to where the script was started.
SUPERVISOR=
if [ -n "${AIRFLOW_E2E_SUPERVISOR:-}" ]; then
  SUPERVISOR=$(realpath -e -- "$AIRFLOW_E2E_SUPERVISOR") || {
    echo "AIRFLOW_E2E_SUPERVISOR=$AIRFLOW_E2E_SUPERVISOR: no such file" >&2
    exit 1
  }
  if [ ! -x "$SUPERVISOR" ]; then
    echo "AIRFLOW_E2E_SUPERVISOR=$AIRFLOW_E2E_SUPERVISOR is not executable" >&2
    exit 1
  fi
fi
cd "$(dirname "$0")/../.."
ROOT=$PWD

VENV=${AIRFLOW_E2E_VENV:-"$ROOT/.venv-airflow"}
TARGET=${CARGO_TARGET_DIR:-"$ROOT/target"}
TIMEOUT=${AIRFLOW_E2E_TIMEOUT:-300}
DAG_ID=rust_demo
QUEUE=rust
if [ -n "$SUPERVISOR" ]; then
  DAGS=${AIRFLOW_E2E_DAGS:-"rust_demo python_demo"}
else
  DAGS=${AIRFLOW_E2E_DAGS:-rust_demo}
fi
for dag in $DAGS; do
  case $dag in
    rust_demo | python_demo) ;;
    *)
      echo "AIRFLOW_E2E_DAGS: unknown DAG $dag (rust_demo, python_demo)" >&2
      exit 1
      ;;
  esac
done
NUMBERS=1000 # what tools/e2e/dags/rust_demo.py's numbers task returns: 1..=1000

WORK=$(mktemp -d "${TMPDIR:-/tmp}/whole-airflow.XXXXXX")
PIDS=()
PHASES=()
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
t_phase=$(now_ms)
t_start=$t_phase

seconds() { printf '%d.%d' $(($1 / 1000)) $((($1 % 1000) / 100)); }

phase_done() {
  local now
  now=$(now_ms)
  PHASES+=("$(printf '%-44s %7s s' "$1" "$(seconds $((now - t_phase)))")")
  t_phase=$now
}

print_timings() {
  echo "== timings"
  local line
  for line in "${PHASES[@]}"; do echo "  $line"; done
  printf '  %-44s %7s s\n' "total" "$(seconds $(($(now_ms) - t_start)))"
}

# Each component runs in its own process group (setsid). A component is asked to stop with
# SIGTERM to its main process, which stops its own children (LocalExecutor workers, uvicorn); what
# of its group is still there $STOP_GRACE seconds later is killed, and nothing outside it.
#
# The scheduler sometimes never stops by itself: Airflow 3.3.2's LocalExecutor.end()
# (airflow/executors/local_executor.py:261-268) puts one poison pill on the shared queue for each
# worker that is alive when the loop reaches it, but any idle worker takes any pill; a worker that
# took an earlier worker's pill and exited before its own turn gets none counted, so another
# worker waits in queue.get() (local_executor.py:81) for a pill that never comes, and join() waits
# for it without a timeout. That is Airflow's, not the tasks'; it is reported and the group killed.
STOP_GRACE=15
NAMES=()
stop_components() {
  local i pid alive
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for _ in $(seq 1 $((STOP_GRACE * 5))); do
    alive=0
    for pid in "${PIDS[@]}"; do kill -0 -- "-$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.2
  done
  for i in "${!PIDS[@]}"; do
    kill -0 -- "-${PIDS[$i]}" 2>/dev/null || continue
    echo "${NAMES[$i]} did not stop within ${STOP_GRACE} s of SIGTERM; killing its process group:"
    ps -o pid,ppid,stat,etime,args --no-headers -g "${PIDS[$i]}"
    # (NativeSupervisorExecutor's workers take the same title, and its end() is the LocalExecutor's.)
    if [ "${NAMES[$i]}" = scheduler ] && ps -o args= -g "${PIDS[$i]}" | grep -q 'LocalExecutor: <idle>'; then
      echo "  (an idle LocalExecutor worker never got its poison pill: the LocalExecutor.end() race above)"
    fi
    kill -KILL -- "-${PIDS[$i]}" 2>/dev/null
  done
  PIDS=()
  NAMES=()
}

cleanup() {
  local rc=$?
  set +e
  stop_components
  [ "$rc" = 0 ] && phase_done "stop components"
  print_timings
  if [ "$rc" != 0 ]; then
    echo "== FAILED (exit $rc); the last lines of each component's log:"
    for f in "$WORK"/logs/*.log; do
      [ -f "$f" ] || continue
      echo "-- $f"
      tail -n 40 "$f"
    done
  fi
  if [ "${AIRFLOW_E2E_KEEP:-0}" = 1 ]; then
    echo "kept $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== build the demo runtime and the CLI, pack the bundle"
cargo build --locked -q -p airflow-comms-runtime --example demo_tasks -p airflow-comms-cli --bin airflow-comms
EXECUTABLES=$WORK/executables
mkdir -p "$EXECUTABLES"
"$TARGET/debug/airflow-comms" bundle pack "$TARGET/debug/examples/demo_tasks" \
  --source runtime/examples/demo_tasks.rs --out "$EXECUTABLES/$DAG_ID"
ls -l "$EXECUTABLES/$DAG_ID"
phase_done "build and pack"

echo "== venv with the pinned Airflow packages ($VENV)"
bash tools/venv.sh "$VENV" tools/requirements.txt
AIRFLOW=$VENV/bin/airflow
phase_done "venv"

echo "== AIRFLOW_HOME $WORK/airflow-home"
PORT=$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE_URL=http://127.0.0.1:$PORT
E2E_USER=e2e
PASSWORDS=$WORK/simple-auth-passwords.json
"$VENV/bin/python" - "$PASSWORDS" "$E2E_USER" <<'EOF'
import json, secrets, sys
with open(sys.argv[1], "w") as f:
    json.dump({sys.argv[2]: secrets.token_urlsafe(16)}, f)
EOF
export AIRFLOW_HOME=$WORK/airflow-home
mkdir -p "$AIRFLOW_HOME/dags" "$WORK/logs"
for dag in $DAGS; do cp "tools/e2e/dags/$dag.py" "$AIRFLOW_HOME/dags/"; done
secret() { "$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(64))'; }
export AIRFLOW__CORE__EXECUTOR=LocalExecutor
if [ -n "$SUPERVISOR" ]; then
  # The executor module is imported by name from PYTHONPATH ([core] executor takes a module path).
  # Every component and CLI call gets it, as they all load the configured executor's class.
  mkdir -p "$WORK/pythonpath"
  cp tools/e2e/native_executor.py "$WORK/pythonpath/"
  export PYTHONPATH=$WORK/pythonpath${PYTHONPATH:+:$PYTHONPATH}
  export AIRFLOW__CORE__EXECUTOR=native_executor.NativeSupervisorExecutor
  export AIRFLOW_SUPERVISOR_BIN=$SUPERVISOR
  # Under $WORK/logs, so that the password check below covers what the supervisors printed.
  INVOCATIONS=$WORK/logs/supervisor-invocations.jsonl
  export AIRFLOW_SUPERVISOR_INVOCATIONS=$INVOCATIONS
  : >"$INVOCATIONS"
  echo "native mode: every workload is run by $SUPERVISOR ($("$SUPERVISOR" --version))"
fi
export AIRFLOW__CORE__PARALLELISM=8
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=sqlite:///$AIRFLOW_HOME/airflow.db
export AIRFLOW__CORE__DAGS_FOLDER=$AIRFLOW_HOME/dags
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__FERNET_KEY
AIRFLOW__CORE__FERNET_KEY=$("$VENV/bin/python" -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')
export AIRFLOW__API_AUTH__JWT_SECRET
AIRFLOW__API_AUTH__JWT_SECRET=$(secret)
export AIRFLOW__API__SECRET_KEY
AIRFLOW__API__SECRET_KEY=$(secret)
export AIRFLOW__API__HOST=127.0.0.1
export AIRFLOW__API__PORT=$PORT
export AIRFLOW__API__BASE_URL=$BASE_URL
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL=$BASE_URL/execution/
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS=$E2E_USER:admin
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE=$PASSWORDS
# The worker side: tasks on queue rust go to the ExecutableCoordinator over $EXECUTABLES.
export AIRFLOW__SDK__COORDINATORS="{\"$QUEUE\": {\"classpath\": \"airflow.sdk.coordinators.executable.ExecutableCoordinator\", \"kwargs\": {\"executables_root\": [\"$EXECUTABLES\"]}}}"
export AIRFLOW__SDK__QUEUE_TO_COORDINATOR="{\"$QUEUE\": \"$QUEUE\"}"
# A supervisor notices a finished task within this many seconds (default 5).
export AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL=1

"$AIRFLOW" db migrate >"$WORK/logs/db-migrate.log" 2>&1
GREETING_NAME="Ferris the Crab"
CONN_HOST=warehouse.example.internal
CONN_PORT=5439
CONN_LOGIN=etl_user
CONN_PASSWORD=pw-$(secret)
"$AIRFLOW" variables set greeting_name "$GREETING_NAME" >/dev/null
"$AIRFLOW" connections add warehouse --conn-type postgres --conn-host "$CONN_HOST" \
  --conn-port "$CONN_PORT" --conn-login "$CONN_LOGIN" --conn-password "$CONN_PASSWORD" >/dev/null
phase_done "AIRFLOW_HOME, db migrate, variable, connection"

echo "== start api-server ($BASE_URL), scheduler ($AIRFLOW__CORE__EXECUTOR), dag-processor"
for component in api-server scheduler dag-processor; do
  setsid "$AIRFLOW" "$component" >"$WORK/logs/$component.log" 2>&1 &
  PIDS+=("$!")
  NAMES+=("$component")
done
api() {
  "$VENV/bin/python" tools/e2e/airflow_api.py --base-url "$BASE_URL" --user "$E2E_USER" \
    --password-file "$PASSWORDS" --timeout "$TIMEOUT" "$@"
}
for dag in $DAGS; do api wait-dag "$dag"; done
phase_done "start components, DAG parsed"

echo "== unpause and trigger from the CLI"
RUN_ID=e2e__$(date -u +%Y%m%dT%H%M%S)
for dag in $DAGS; do
  "$AIRFLOW" dags unpause "$dag" >/dev/null
  "$AIRFLOW" dags trigger "$dag" --run-id "$RUN_ID"
done
phase_done "unpause, trigger"

for dag in $DAGS; do api wait-run "$dag" "$RUN_ID"; done
phase_done "DAG run"

echo "== checks through the REST API"
export AIRFLOW_E2E_CONN_PASSWORD=$CONN_PASSWORD
conn_args=(--conn-host "$CONN_HOST" --conn-port "$CONN_PORT" --conn-login "$CONN_LOGIN")
# Every check runs, and the script fails at the end if one did not hold.
checks_failed=0
for dag in $DAGS; do
  echo "-- $dag"
  case $dag in
    rust_demo)
      api check "$DAG_ID" "$RUN_ID" --queue "$QUEUE" --name "$GREETING_NAME" --numbers "$NUMBERS" \
        "${conn_args[@]}" || checks_failed=1
      ;;
    python_demo)
      api check-python python_demo "$RUN_ID" --name "$GREETING_NAME" "${conn_args[@]}" || checks_failed=1
      ;;
  esac
done
if [ -n "$SUPERVISOR" ]; then
  echo "-- every task instance was run by airflow-supervisor"
  runs=()
  for dag in $DAGS; do runs+=("$dag" "$RUN_ID"); done
  api check-native --invocations "$INVOCATIONS" --supervisor "$SUPERVISOR" \
    --python "$VENV/bin/python" "${runs[@]}" || checks_failed=1
fi
unset AIRFLOW_E2E_CONN_PASSWORD
# Nothing Airflow wrote (task logs, the components' own output, task output the LocalExecutor
# copies to the scheduler's stdout; in native mode also what each airflow-supervisor printed)
# holds the password in clear.
#
# One exception, Airflow's own: under the LocalExecutor, the task's lines that its supervisor
# copies to the worker's stdout (subprocess_logs_to_stdout: the scheduler's output) are not
# reliably masked, while the task's file is. The task process sends its log lines unmasked (the
# supervisor masks them, airflow/sdk/log.py: mask_secrets = not sending_to_supervisor), and the
# copy goes through the scheduler's own logging. Seen: read_config's printed line in clear in
# each run, its logger line in clear in some. So in the default mode, with python_demo, those two
# read_config lines are allowed in scheduler.log, and nothing else. In a pod, Airflow's own
# execute_workload masks what it copies to stdout (its configure_logging), and airflow-supervisor
# masks its stdout as it masks the file: no exception in native mode.
airflow_stdout_leak() {
  [ -z "$SUPERVISOR" ] && [[ " $DAGS " == *" python_demo "* ]] && [ "$1" = "$WORK/logs/scheduler.log" ] || return 1
  ! grep -F -- "$CONN_PASSWORD" "$1" |
    grep -v -F -e "python_demo stdout: password $CONN_PASSWORD [task.stdout]" \
      -e "python_demo connecting to $CONN_HOST:$CONN_PORT as $CONN_LOGIN with password $CONN_PASSWORD [python_demo]" |
    grep -q .
}
clear_password=0
while IFS= read -r file; do
  if airflow_stdout_leak "$file"; then
    echo "  note $file has the password in clear on read_config's lines only (Airflow's LocalExecutor, above):"
    grep -F -- "$CONN_PASSWORD" "$file" | sed "s/$CONN_PASSWORD/<password>/g; s/^/         /" | cut -c1-200
  else
    echo "  FAIL $file has the connection password in clear"
    clear_password=1
  fi
done < <(grep -r -l -F -- "$CONN_PASSWORD" "$AIRFLOW_HOME/logs" "$WORK/logs" || true)
if [ "$clear_password" != 0 ]; then
  echo "FAIL: the connection password is in clear in the files above"
  exit 1
fi
echo "  ok   the password is in no log file under AIRFLOW_HOME/logs nor in the components' output"
if [ "$checks_failed" != 0 ]; then
  echo "FAIL: some checks above did not hold"
  exit 1
fi
phase_done "checks"
echo "== stop"
