//! `airflow-supervisor`: see the crate documentation.

fn main() {
    std::process::exit(1);
}
