//! Airflow configuration, read as Airflow reads it.
