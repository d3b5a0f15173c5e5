//! A throwaway PostgreSQL server: its own data dir under a temp dir and its own loopback port.

use std::process::Command;

use super::free_port;
use super::server::{PASSWORD, ServerProcess, TestServer, binary, output, running_as_root};

pub struct Postgres {
    dir: tempfile::TempDir,
    port: u16,
    process: ServerProcess,
}

impl Postgres {
    /// Creates a cluster with an `app` database and a password-authenticated `app` user over TCP,
    /// and starts the server.
    pub fn start() -> Postgres {
        let dir = tempfile::tempdir().expect("temp dir");
        if running_as_root() {
            output(Command::new("chown").arg("postgres:").arg(dir.path()));
        }
        output(
            as_server_user(&binary("initdb", "postgresql").display().to_string())
                .arg("--pgdata")
                .arg(dir.path().join("data"))
                .args([
                    "--username=postgres",
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                ])
                .args(["--encoding=UTF8", "--no-sync"]),
        );
        let port = free_port();
        let process = launch(&dir, port);
        let server = Postgres { dir, port, process };
        server.sql(&format!("CREATE ROLE app LOGIN PASSWORD '{PASSWORD}'"));
        server.sql("CREATE DATABASE app OWNER app");
        server
    }

    /// Runs SQL as the superuser over the server's socket; returns unaligned output.
    fn sql(&self, sql: &str) -> String {
        output(
            Command::new(binary("psql", "postgresql-client"))
                .arg("--host")
                .arg(self.dir.path())
                .args(["--port", &self.port.to_string(), "--username=postgres"])
                .args([
                    "--dbname=postgres",
                    "--no-psqlrc",
                    "--tuples-only",
                    "--no-align",
                ])
                .args(["--set=ON_ERROR_STOP=1", "--command", sql]),
        )
    }
}

fn as_server_user(program: &str) -> Command {
    if running_as_root() {
        let mut command = Command::new("setpriv");
        command.args([
            "--reuid=postgres",
            "--regid=postgres",
            "--init-groups",
            program,
        ]);
        command
    } else {
        Command::new(program)
    }
}

fn launch(dir: &tempfile::TempDir, port: u16) -> ServerProcess {
    let mut command = as_server_user(&binary("postgres", "postgresql").display().to_string());
    command
        .arg("-D")
        .arg(dir.path().join("data"))
        .args(["-p", &port.to_string()])
        .arg("-k")
        .arg(dir.path())
        .args(["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]);
    ServerProcess::spawn(command, port, &dir.path().join("postgres.log"))
}

impl TestServer for Postgres {
    fn url_with_password(&self, password: &str) -> String {
        format!("postgres://app:{password}@127.0.0.1:{}/app", self.port)
    }

    fn connections(&self) -> usize {
        let count = self.sql("SELECT count(*) FROM pg_stat_activity WHERE usename = 'app'");
        count.trim().parse().expect("a count")
    }

    fn restart(&mut self) {
        // A killed postmaster leaves its pid file; PostgreSQL checks that the pid is gone.
        self.process = launch(&self.dir, self.port);
    }

    fn process(&mut self) -> &mut ServerProcess {
        &mut self.process
    }
}
