//! Execution API bodies, generated from the OpenAPI document.
