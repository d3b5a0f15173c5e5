//! A Python of a test's own: a virtualenv made once under the test's target directory, with the
//! packages from PyPI that a client written by others needs (grpcio, Playwright).

use std::path::{Path, PathBuf};
use std::process::Command;

/// The `python` of the virtualenv at `venv`, made (or brought up to date) with `packages` unless
/// `check`, a line of Python, already runs there.
pub fn venv(venv: &Path, check: &str, packages: &[&str]) -> PathBuf {
    let python = venv.join("bin/python");
    let ready = Command::new(&python)
        .args(["-c", check])
        .status()
        .is_ok_and(|status| status.success());
    if !ready {
        run(Command::new("python3").args(["-m", "venv"]).arg(venv));
        run(Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", "--upgrade"])
            .args(packages));
    }
    python
}

fn run(command: &mut Command) {
    let status = command
        .status()
        .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(status.success(), "{command:?} failed");
}
