//! Placeholder replaced by the syntax benchmarks.
fn main() {}
