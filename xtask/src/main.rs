//! `cargo xtask test [ARGS]`: the whole test suite, as CI runs it. The tests start throwaway
//! servers of their own from the machine's binaries (MariaDB, PostgreSQL, Redis, HAProxy), a Python
//! gRPC client and Playwright (driving Debian's Chromium) in virtualenvs of their own; what is missing is installed first (Debian and Ubuntu: `apt-get`, as root or through `sudo`), then
//! `cargo test --workspace ARGS` runs. Elsewhere it says what to install.

use std::process::{Command, ExitCode};

/// A program the tests run, and the Debian packages that provide it.
struct Need {
    what: &'static str,
    installed: fn() -> bool,
    packages: &'static [&'static str],
}

const NEEDS: &[Need] = &[
    Need {
        what: "a MariaDB server (mariadbd)",
        installed: || on_path("mariadbd"),
        packages: &["mariadb-server", "mariadb-client"],
    },
    Need {
        what: "a PostgreSQL server (initdb, postgres)",
        installed: postgres_installed,
        packages: &["postgresql"],
    },
    Need {
        what: "a Redis server (redis-server), for the Redis check's test",
        installed: || on_path("redis-server"),
        packages: &["redis-server"],
    },
    Need {
        what: "HAProxy, the load balancer of the drain test",
        installed: || on_path("haproxy"),
        packages: &["haproxy"],
    },
    Need {
        what: "Python 3 with venv, for the gRPC test's client (grpcio-health-checking, from PyPI)",
        installed: python_venv_installed,
        packages: &["python3", "python3-venv"],
    },
    Need {
        what: "Chromium and a font, for the status page's browser test (Playwright, from PyPI, \
               drives it)",
        installed: || on_path("chromium") && std::path::Path::new("/usr/share/fonts").is_dir(),
        packages: &["chromium", "fonts-dejavu-core"],
    },
    Need {
        what: "kill(1), to signal the test servers",
        installed: || on_path("kill"),
        packages: &["procps"],
    },
    Need {
        what: "setpriv(1), to run PostgreSQL as its own user when the tests run as root",
        installed: || on_path("setpriv"),
        packages: &["util-linux"],
    },
];

/// Installs `packages` without starting their services (the tests run their own servers).
const APT_INSTALL: &str = r#"set -e
export DEBIAN_FRONTEND=noninteractive
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy"
    trap 'rm -f "$policy"' EXIT
fi
apt-get update -q
apt-get install -y -q --no-install-recommends "$@"
"#;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.split_first() {
        Some((task, rest)) if task == "test" => match install_missing() {
            Ok(()) => test(rest),
            Err(message) => {
                eprintln!("xtask: {message}");
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!("usage: cargo xtask test [ARGS for cargo test]");
            ExitCode::FAILURE
        }
    }
}

fn install_missing() -> Result<(), String> {
    let missing: Vec<&Need> = NEEDS.iter().filter(|need| !(need.installed)()).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let packages: Vec<&str> = missing
        .iter()
        .flat_map(|need| need.packages)
        .copied()
        .collect();
    let list = missing
        .iter()
        .map(|need| need.what)
        .collect::<Vec<_>>()
        .join("; ");
    if !on_path("apt-get") {
        return Err(format!(
            "the tests need {list}; install them (Debian packages: {})",
            packages.join(" ")
        ));
    }
    let mut install = if is_root() {
        Command::new("sh")
    } else if Command::new("sudo")
        .args(["-n", "true"])
        .status()
        .is_ok_and(|s| s.success())
    {
        let mut sudo = Command::new("sudo");
        sudo.args(["-n", "sh"]);
        sudo
    } else {
        return Err(format!(
            "the tests need {list}; run as root, or install them: \
             sudo apt-get install {}",
            packages.join(" ")
        ));
    };
    eprintln!("xtask: installing {}", packages.join(" "));
    let status = install
        .args(["-c", APT_INSTALL, "apt-install"])
        .args(&packages)
        .status()
        .map_err(|e| format!("cannot run sh: {e}"))?;
    if !status.success() {
        return Err(format!(
            "installing {} failed ({status})",
            packages.join(" ")
        ));
    }
    match missing.iter().find(|need| !(need.installed)()) {
        Some(need) => Err(format!("{} is still missing after the install", need.what)),
        None => Ok(()),
    }
}

fn test(args: &[String]) -> ExitCode {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    // A first run, CI's and a newcomer's, builds everything once: incremental compilation's
    // caches cost it time (about 7 s of 300) and save nothing. One set by the caller wins.
    if std::env::var_os("CARGO_INCREMENTAL").is_none() {
        command.env("CARGO_INCREMENTAL", "0");
    }
    let status = command.args(["test", "--workspace"]).args(args).status();
    match status {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("xtask: cannot run cargo: {e}");
            ExitCode::FAILURE
        }
    }
}

fn on_path(program: &str) -> bool {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/sbin".into()])
        .any(|dir| dir.join(program).is_file())
}

fn postgres_installed() -> bool {
    std::fs::read_dir("/usr/lib/postgresql")
        .map(|versions| {
            versions
                .flatten()
                .any(|version| version.path().join("bin/initdb").is_file())
        })
        .unwrap_or(false)
        || on_path("initdb")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| output.stdout.trim_ascii() == b"0")
}

/// Whether `python3` can make a virtualenv with pip in it (Debian splits `ensurepip` out).
fn python_venv_installed() -> bool {
    Command::new("python3")
        .args(["-c", "import ensurepip, venv"])
        .status()
        .is_ok_and(|status| status.success())
}
