//! A throwaway HAProxy in front of some backends, as a load balancer in front of a Service's pods:
//! it health-checks each on `/ready` and sends requests only to those that pass.

use std::process::Command;

use super::free_port;
use super::server::{ServerProcess, binary};

/// A running HAProxy; stopped when dropped.
pub struct HaProxy {
    pub base: String,
    _process: ServerProcess,
    _dir: tempfile::TempDir,
}

impl HaProxy {
    /// Balances over `backends` (`host:port`), checking `GET /ready` every 300 ms: one failed
    /// check takes a backend out, two passing ones put it back. A request is not retried on
    /// another backend (`retries 0`), so a refused connection is an error to the client.
    pub fn start(backends: &[&str]) -> HaProxy {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let servers: String = backends
            .iter()
            .enumerate()
            .map(|(i, address)| {
                format!("    server app{i} {address} check inter 300ms fall 1 rise 2\n")
            })
            .collect();
        let config = format!(
            "global\n    maxconn 2000\n\
             defaults\n    mode http\n    retries 0\n    timeout connect 1s\n    \
             timeout client 10s\n    timeout server 10s\n\
             frontend app\n    bind 127.0.0.1:{port}\n    default_backend pods\n\
             backend pods\n    option httpchk GET /ready\n    http-check expect status 200\n\
             {servers}"
        );
        let path = dir.path().join("haproxy.cfg");
        std::fs::write(&path, config).expect("write the HAProxy config");
        let mut command = Command::new(binary("haproxy", "haproxy"));
        command.arg("-db").arg("-f").arg(&path);
        let process = ServerProcess::spawn(command, port, &dir.path().join("haproxy.log"));
        HaProxy {
            base: format!("http://127.0.0.1:{port}"),
            _process: process,
            _dir: dir,
        }
    }
}
