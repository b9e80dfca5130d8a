//! The deny-calls plugin's mask through the ABI against the policy linked
//! in (see `common`). Run with `cargo bench -p ananke-runtime --bench
//! plugin_deny_calls` (part of `cargo xtask bench`).

mod common;

fn main() {
    common::run::<ananke_plugin_deny_calls::DenyCalls>("deny_calls");
}
