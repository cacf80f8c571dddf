//! Helpers shared by the end-to-end tests of the `repm` binary (`mod common;` in each test
//! file): the reference plant path, running the binary, a temporary directory, stderr text.
#![allow(dead_code)] // each test binary uses a subset

use std::path::PathBuf;
use std::process::{Command, Output};

/// The reference plant file (examples/plants/ndfeb-2000tpa.toml).
pub(crate) const REFERENCE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/plants/ndfeb-2000tpa.toml"
);

/// Runs the `repm` binary with `args` (without `RUST_LOG`, so stderr holds only its own
/// messages).
pub(crate) fn repm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_repm"))
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .expect("runs the binary")
}

/// The path `name` in a temporary directory of this test process (one per process id, so
/// test binaries running at the same time do not share files).
pub(crate) fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("repm-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// The stderr of a run as text.
pub(crate) fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
