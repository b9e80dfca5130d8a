//! The style plugin's mask through the ABI against the policy linked in
//! (see `common`). Run with `cargo bench -p ananke-runtime --bench
//! plugin_style` (part of `cargo xtask bench`).

mod common;

fn main() {
    common::run::<ananke_plugin_style::Style>("style");
}
