//! Runs one of the repo's example services as its own process, the way a user runs it.

use std::process::{Child, Command, ExitStatus};
use std::time::{Duration, Instant};

use super::free_port;

/// A running example; killed when dropped.
pub struct Example {
    child: Child,
    pub base: String,
    log: tempfile::NamedTempFile,
}

impl Example {
    /// Starts the example's `binary` (`env!("CARGO_BIN_EXE_<name>")` in the example's own tests)
    /// on a free port with `env`, and waits until it answers.
    pub async fn start(binary: &str, env: &[(&str, &str)]) -> Example {
        let mut example = Example::spawn(binary, env);
        let deadline = Instant::now() + Duration::from_secs(20);
        let client = awc::Client::default();
        while client
            .get(format!("{}/livez", example.base))
            .send()
            .await
            .is_err()
        {
            if let Some(status) = example.child.try_wait().expect("wait for the example") {
                panic!("{binary} exited with {status}:\n{}", example.log());
            }
            assert!(
                Instant::now() < deadline,
                "{binary} did not start listening:\n{}",
                example.log()
            );
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
        example
    }

    /// Starts the example's `binary` on a free port with `env`, and does not wait.
    pub fn spawn(binary: &str, env: &[(&str, &str)]) -> Example {
        let port = free_port();
        let log = tempfile::NamedTempFile::new().expect("log file");
        let child = Command::new(binary)
            .env("PORT", port.to_string())
            .env("RUST_LOG", "debug")
            .envs(env.iter().copied())
            .stdout(log.reopen().expect("log file"))
            .stderr(log.reopen().expect("log file"))
            .spawn()
            .unwrap_or_else(|e| panic!("run {binary}: {e}"));
        Example {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
        }
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The address it serves, `127.0.0.1:port`.
    pub fn address(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    /// Sends it `signal` (`TERM`, `INT`) with kill(1).
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill(1)");
        assert!(status.success(), "kill -{signal} failed");
    }

    /// Waits up to `limit` for it to exit, and returns how, or `None` if it still runs.
    pub async fn exit_within(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("wait for the example") {
                return Some(status);
            }
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        }
        None
    }

    /// Everything the example wrote to stdout and stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).expect("read the example's log")
    }
}

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
