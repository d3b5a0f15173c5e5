//! A Python of the tests' own: a virtualenv made once per machine, with the packages from PyPI
//! that a client written by others needs (grpcio, Playwright), kept in `~/.cache/health-tests/`
//! (or `$HEALTH_TESTS_CACHE`) as the machine's packages are: `cargo clean` does not make the
//! next run download them again.

use std::path::PathBuf;
use std::process::Command;

/// The `python` of the virtualenv `name`, made (or brought up to date) with `packages` unless
/// `check`, a line of Python, already runs there.
pub fn venv(name: &str, check: &str, packages: &[&str]) -> PathBuf {
    let venv = cache().join(name);
    let python = venv.join("bin/python");
    let ready = Command::new(&python)
        .args(["-c", check])
        .status()
        .is_ok_and(|status| status.success());
    if !ready {
        run(Command::new("python3").args(["-m", "venv"]).arg(&venv));
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

/// Where the virtualenvs are: `$HEALTH_TESTS_CACHE`, else `~/.cache/health-tests`, else the
/// system's temporary directory.
fn cache() -> PathBuf {
    if let Some(dir) = std::env::var_os("HEALTH_TESTS_CACHE") {
        return PathBuf::from(dir);
    }
    match std::env::var_os("HOME") {
        Some(home) => PathBuf::from(home).join(".cache/health-tests"),
        None => std::env::temp_dir().join("health-tests"),
    }
}
