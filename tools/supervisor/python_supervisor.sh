#!/bin/sh
# The reference supervisor behind the native supervisor's command line, for testing the
# differential harness against itself (differential.py --supervisor tools/supervisor/python_supervisor.sh).
#
# Accepts both forms the native airflow-supervisor accepts:
#   python_supervisor.sh (--json-string JSON | --json-path FILE)
#   python_supervisor.sh PYTHON -m airflow.sdk.execution_time.execute_workload (--json-string JSON | --json-path FILE)
# and execs Airflow's own `python -m airflow.sdk.execution_time.execute_workload` with the rest.
# The Python is $DIFFERENTIAL_PYTHON (the harness sets it to its own interpreter), else python3.
if [ "$#" -ge 3 ] && [ "$2" = "-m" ] && [ "$3" = "airflow.sdk.execution_time.execute_workload" ]; then
    shift 3
fi
exec "${DIFFERENTIAL_PYTHON:-python3}" -m airflow.sdk.execution_time.execute_workload "$@"
