//! Shared by the runtime's tests (and the command's, which include this
//! file, so it uses nothing they lack): splitting a program into its
//! function's header and body, feeding a program token by token, and the
//! plugin libraries, built (once per test binary) into
//! `target/plugins`, a target directory of their own — a build with
//! another feature set in the main one would leave two copies of shared
//! crates side by side for the workspace's doctests.

// Each test binary uses a part of this module.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use ananke_runtime::{Ananke, RuntimeError, Session};

/// The code up to the `def` line of the function `entry` and the body
/// after it, when the function is the last thing in the module.
pub fn split_body(source: &str, entry: &str) -> Option<(String, String)> {
    let def = source.find(&format!("def {entry}("))?;
    let header_end = def + source[def..].find(":\n")? + 2;
    let body = &source[header_end..];
    // Anything at column 0 after the header (other than a comment or a
    // blank line) is code after the function: not a closed body.
    let trailing = body
        .lines()
        .any(|l| !l.is_empty() && !l.starts_with([' ', '\t', '#']));
    (!trailing).then(|| (source[..header_end].to_owned(), body.to_owned()))
}

/// Where the body is first rejected (its length for the end), and why.
pub fn first_body_rejection(ananke: &Ananke, header: &str, body: &str) -> Option<(usize, String)> {
    let session = || ananke.body_session(header).unwrap();
    first_rejected_in(session(), ananke, body).or_else(|| {
        let mut whole = session();
        whole.commit_many(&ananke.vocab().encode(body)).unwrap();
        (!whole.is_accepting().unwrap()).then(|| (body.len(), "the end of the sequence".into()))
    })
}

/// Feeds `source` token by token: the byte offset of the first rejected
/// token and the reasons, or `None` when every token is accepted (the end
/// of the sequence is not asked about).
pub fn first_rejected_token(ananke: &Ananke, source: &str) -> Option<(usize, String)> {
    first_rejected_in(ananke.session().unwrap(), ananke, source)
}

/// Like [`first_rejected_token`], from a session the caller started (a
/// body session, say).
pub fn first_rejected_in(
    mut session: Session,
    ananke: &Ananke,
    source: &str,
) -> Option<(usize, String)> {
    let vocab = ananke.vocab();
    let mut offset = 0;
    for token in vocab.encode(source) {
        match session.commit(token) {
            Ok(()) => {}
            Err(RuntimeError::Rejected { reasons, .. }) => {
                return Some((offset, format!("{reasons:?}")));
            }
            Err(other) => panic!("{other}"),
        }
        offset += vocab.decode(&[token]).len();
    }
    None
}

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
