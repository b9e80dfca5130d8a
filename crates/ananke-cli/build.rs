//! Lets the `ananke` binary find libz3 when it is run directly
//! (`target/debug/ananke`), not only through cargo: its run path names the
//! directory `cargo xtask z3` unpacks libz3 into (the one
//! `.cargo/config.toml` points the `z3` crate at).

fn main() {
    println!("cargo:rerun-if-env-changed=Z3_LIBRARY_PATH_OVERRIDE");
    let dir = std::env::var_os("Z3_LIBRARY_PATH_OVERRIDE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"))
                .join("../../.cache/z3/lib")
        });
    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    println!("cargo:rustc-link-arg-bins=-Wl,-rpath,{}", dir.display());
}
