//! The workloads `execute_workload` accepts.
