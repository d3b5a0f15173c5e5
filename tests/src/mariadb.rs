//! A throwaway MariaDB server: its own data dir under a temp dir and its own loopback port.

use std::path::PathBuf;
use std::process::Command;

use super::free_port;
use super::server::{PASSWORD, ServerProcess, TestServer, binary, output};

pub struct MariaDb {
    dir: tempfile::TempDir,
    port: u16,
    process: ServerProcess,
}

impl MariaDb {
    /// Creates a data dir with an `app` database and user, and starts the server (about a second).
    pub fn start() -> MariaDb {
        let dir = tempfile::tempdir().expect("temp dir");
        output(
            Command::new(binary("mariadb-install-db", "mariadb-server"))
                .arg("--no-defaults")
                .arg(format!("--datadir={}", dir.path().join("data").display()))
                // Concurrent installs that share /tmp collide on their temporary tables.
                .arg(format!("--tmpdir={}", dir.path().display()))
                .args(["--user=root", "--auth-root-authentication-method=normal"])
                .args(["--skip-test-db", "--skip-name-resolve"]),
        );
        let port = free_port();
        let process = launch(&dir, port);
        let server = MariaDb { dir, port, process };
        server.sql(&format!(
            "CREATE USER 'app'@'%' IDENTIFIED BY '{PASSWORD}'; CREATE DATABASE app; \
             GRANT ALL ON app.* TO 'app'@'%';"
        ));
        server
    }

    /// Runs SQL as root over the server's socket; returns the output without column names.
    fn sql(&self, sql: &str) -> String {
        output(
            Command::new(binary("mariadb", "mariadb-client"))
                .arg("--no-defaults")
                .arg(format!("--socket={}", self.socket().display()))
                .args(["--user=root", "--batch", "--skip-column-names", "-e", sql]),
        )
    }

    fn socket(&self) -> PathBuf {
        self.dir.path().join("mariadb.sock")
    }
}

fn launch(dir: &tempfile::TempDir, port: u16) -> ServerProcess {
    let mut command = Command::new(binary("mariadbd", "mariadb-server"));
    command
        .arg("--no-defaults")
        .arg(format!("--datadir={}", dir.path().join("data").display()))
        .arg(format!(
            "--socket={}",
            dir.path().join("mariadb.sock").display()
        ))
        .arg(format!(
            "--pid-file={}",
            dir.path().join("mariadb.pid").display()
        ))
        .arg(format!("--port={port}"))
        .args([
            "--bind-address=127.0.0.1",
            "--user=root",
            "--skip-name-resolve",
        ])
        .args(["--skip-log-bin", "--innodb-buffer-pool-size=16M"]);
    ServerProcess::spawn(command, port, &dir.path().join("mariadb.log"))
}

impl TestServer for MariaDb {
    fn url_with_password(&self, password: &str) -> String {
        format!("mysql://app:{password}@127.0.0.1:{}/app", self.port)
    }

    fn connections(&self) -> usize {
        let count =
            self.sql("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'app'");
        count.trim().parse().expect("a count")
    }

    fn restart(&mut self) {
        self.process = launch(&self.dir, self.port);
    }

    fn process(&mut self) -> &mut ServerProcess {
        &mut self.process
    }
}
