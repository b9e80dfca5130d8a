//! Types for typed Python (work in progress).

pub mod check;
pub mod stubs;
pub mod types;
pub mod world;

pub use check::{Diagnostic, ParseFailure, check_source};
