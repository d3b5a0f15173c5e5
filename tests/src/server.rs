//! What the throwaway servers (databases, HAProxy) share: finding their binaries (or saying what
//! to install), running them in their own process group so that a signal reaches every process of the server,
//! and waiting for their port.

use std::net::TcpStream;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The password of the tests' database user: distinctive, so that a test can prove it never
/// reaches a response body or a log.
pub const PASSWORD: &str = "pw-Zebra-7391-Quokka";

/// Another distinctive password, for connections that must be refused.
pub const WRONG_PASSWORD: &str = "pw-Wrong-5820-Narwhal";

/// What a fault-injection test needs from a database server.
pub trait TestServer {
    /// A URL for the tests' user, with `password`.
    fn url_with_password(&self, password: &str) -> String;
    /// Connections of the tests' user, as the server counts them.
    fn connections(&self) -> usize;
    /// Starts the server again on the same port and data after `kill`.
    fn restart(&mut self);
    fn process(&mut self) -> &mut ServerProcess;

    fn url(&self) -> String {
        self.url_with_password(PASSWORD)
    }
}

/// A server process in its own process group; killed when dropped.
pub struct ServerProcess {
    child: Option<Child>,
}

impl ServerProcess {
    /// Spawns `command` in a new process group and waits until `port` accepts connections.
    pub fn spawn(mut command: Command, port: u16, log: &Path) -> ServerProcess {
        let log = std::fs::File::create(log).expect("create server log");
        command
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log);
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("start {command:?}: {e}"));
        let mut process = ServerProcess { child: Some(child) };
        process.wait_for_port(port);
        process
    }

    fn wait_for_port(&mut self, port: u16) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            let child = self.child.as_mut().expect("server is running");
            if let Ok(Some(status)) = child.try_wait() {
                panic!("server exited with {status} before listening; see its log");
            }
            assert!(Instant::now() < deadline, "server did not listen on {port}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The server's process id.
    pub fn id(&self) -> u32 {
        self.child.as_ref().expect("server is running").id()
    }

    /// SIGKILL to every process of the server, as when a node or container dies.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            signal_group(&child, "KILL");
            let _ = child.wait();
        }
    }

    /// SIGSTOP: the server keeps its sockets but answers nothing, as when it hangs. Returns once
    /// every thread of the server's processes has stopped.
    pub fn freeze(&self) {
        let child = self.child.as_ref().expect("server is running");
        signal_group(child, "STOP");
        // A child forked just before the server stopped may have missed the signal.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let mut running = children(child.id());
            running.push(child.id());
            running.retain(|&pid| !stopped(pid));
            if running.is_empty() {
                return;
            }
            assert!(Instant::now() < deadline, "the server did not stop");
            let _ = Command::new("kill")
                .arg("-STOP")
                .args(running.iter().map(u32::to_string))
                .stderr(Stdio::null())
                .status();
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    pub fn thaw(&self) {
        signal_group(self.child.as_ref().expect("server is running"), "CONT");
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Some(child) = &self.child {
            signal_group(child, "CONT");
        }
        self.kill();
    }
}

/// Signals the server's process group and its direct children: PostgreSQL backends make
/// themselves group leaders, so the group alone would miss them.
fn signal_group(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .args([
            format!("-{signal}"),
            "--".into(),
            format!("-{}", child.id()),
        ])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -{signal} failed");
    // A child may have exited since it was listed: that one is not an error.
    let _ = Command::new("kill")
        .arg(format!("-{signal}"))
        .args(children(child.id()).iter().map(u32::to_string))
        .stderr(Stdio::null())
        .status();
}

/// Whether every thread of `pid` is stopped, or dead (a zombie that its stopped parent cannot reap).
fn stopped(pid: u32) -> bool {
    let Ok(threads) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return true;
    };
    threads.flatten().all(|thread| {
        std::fs::read_to_string(thread.path().join("stat"))
            .ok()
            .and_then(|stat| {
                stat.rsplit(')')
                    .next()?
                    .split_whitespace()
                    .next()
                    .map(str::to_owned)
            })
            .is_none_or(|state| matches!(state.as_str(), "T" | "t" | "Z" | "X"))
    })
}

/// The pids whose parent is `parent`, from /proc.
fn children(parent: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            // `pid (comm) state ppid ...`; comm may hold spaces, so read after the last ')'.
            let ppid: u32 = stat
                .rsplit(')')
                .next()?
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()?;
            (ppid == parent).then_some(pid)
        })
        .collect()
}

/// The path of `name`, or a failure that says what to install. `.ci/run` installs them.
pub fn binary(name: &str, package: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    dirs.extend(["/usr/sbin", "/usr/local/sbin", "/usr/bin"].map(PathBuf::from));
    // Debian keeps the PostgreSQL server binaries off PATH, one folder per major version.
    if let Ok(versions) = std::fs::read_dir("/usr/lib/postgresql") {
        let mut versions: Vec<PathBuf> = versions.flatten().map(|v| v.path().join("bin")).collect();
        versions.sort();
        dirs.extend(versions.into_iter().rev());
    }
    dirs.into_iter()
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!("`{name}` not found: install it with `sudo apt-get install {package}` (or run `cargo xtask test`, which does)")
        })
}

/// Runs a client command to completion and returns its stdout; fails the test with its stderr.
pub fn output(command: &mut Command) -> String {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("run {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// PostgreSQL refuses to run as root, so servers run as the `postgres` user when tests are root.
pub fn running_as_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}
