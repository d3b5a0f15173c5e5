//! Reachability of a TCP service (feature `tcp`): a connection opened, and closed at once.
//!
//! ```
//! use health_runtime::{checks, readiness};
//!
//! #[readiness(timeout = "300ms")]
//! async fn ledger() -> std::io::Result<()> {
//!     checks::tcp::connect("ledger.internal:7000").await
//! }
//! ```

use std::io;

/// Opens a TCP connection to `address` (`host:port`, the host a name or an IP address) and closes
/// it. A refused connection fails at once with the system's reason (`cannot connect to
/// ledger.internal:7000: Connection refused (os error 111)`); a host that does not answer, at the
/// check's timeout. Each address the name resolves to is tried in turn.
pub async fn connect(address: &str) -> io::Result<()> {
    crate::running::dependency("checks::tcp");
    match tokio::net::TcpStream::connect(address).await {
        Ok(_connection) => Ok(()),
        Err(error) => Err(io::Error::new(
            error.kind(),
            format!("cannot connect to {address}: {error}"),
        )),
    }
}
