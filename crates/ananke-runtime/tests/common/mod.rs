//! Shared by the tests that load plugins: builds the plugin libraries (once
//! per test binary) into `target/plugins`, a target directory of their own
//! — a build with another feature set in the main one would leave two
//! copies of shared crates side by side for the workspace's doctests.

// Each test binary uses a part of this module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The plugin crates under `plugins/`.
const PLUGINS: &[&str] = &["deny-calls", "style", "fixture"];

fn plugin_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map_or_else(|| root.join("target"), PathBuf::from)
            .join("plugins");
        let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cargo
            .current_dir(&root)
            .arg("build")
            .arg("--target-dir")
            .arg(&target);
        for plugin in PLUGINS {
            cargo.args(["-p", &format!("ananke-plugin-{plugin}")]);
        }
        let status = cargo.status().expect("cargo runs");
        assert!(status.success(), "building the plugins failed");
        target.join("debug")
    })
}

/// The fixture plugin built against a changed interface layout (the
/// ABI crate's `layout-probe` feature), in a target directory of its own.
pub fn fixture_with_another_layout() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), PathBuf::from)
        .join("plugins-probe");
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(&root)
        .arg("build")
        .arg("--target-dir")
        .arg(&target)
        .args([
            "-p",
            "ananke-plugin-fixture",
            "--features",
            "ananke-plugin-abi/layout-probe",
        ])
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building the probe plugin failed");
    target.join("debug").join(format!(
        "{}ananke_plugin_fixture{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ))
}

/// The library of plugin `name` (`deny_calls`, `style`, `fixture`), built
/// from source: nothing prebuilt is committed.
pub fn library(name: &str) -> PathBuf {
    plugin_dir().join(format!(
        "{}ananke_plugin_{name}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ))
}
