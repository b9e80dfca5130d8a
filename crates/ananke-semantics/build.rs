//! Finds the libz3 that `cargo xtask z3` unpacks into `.cache/z3` and stops
//! the build with what to run when it is missing: without it the `z3`
//! crate would fail later with a bare linker error, or link an older
//! system libz3 it cannot use.
//!
//! The library is copied next to this crate's build output and that
//! directory is added to the link search path: cargo puts such directories
//! on the dynamic loader's path when it runs tests, examples and binaries,
//! so nothing needs `LD_LIBRARY_PATH`.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=Z3_LIBRARY_PATH_OVERRIDE");
    let dir = std::env::var_os("Z3_LIBRARY_PATH_OVERRIDE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"))
                .join("../../.cache/z3/lib")
        });
    let link = dir.join("libz3.so");
    println!("cargo:rerun-if-changed={}", link.display());
    let Ok(real) = std::fs::canonicalize(&link) else {
        eprintln!(
            "\nananke-semantics links Z3 5.4 from {}, which is missing.\n\
             Run `cargo xtask z3` once (it fetches the pinned z3-solver wheel with pip and \
             unpacks libz3 there); `cargo xtask test`, `demo` and `eval` do it for you.\n",
            dir.display()
        );
        std::process::exit(1);
    };
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it")).join("z3");
    std::fs::create_dir_all(&out).expect("creating OUT_DIR/z3");
    let name = real.file_name().expect("a library file has a name");
    let copy = out.join(name);
    let fresh = std::fs::metadata(&copy)
        .and_then(|c| Ok((c.len(), std::fs::metadata(&real)?.len())))
        .is_ok_and(|(a, b)| a == b);
    if !fresh {
        let _ = std::fs::remove_file(&copy);
        if std::fs::hard_link(&real, &copy).is_err() {
            std::fs::copy(&real, &copy).expect("copying libz3 into OUT_DIR");
        }
    }
    println!("cargo:rustc-link-search=native={}", out.display());
}
