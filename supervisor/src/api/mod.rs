//! The Execution API client.

pub mod models;
