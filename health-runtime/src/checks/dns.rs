//! Name resolution (feature `dns`): a name resolves to at least one address, through the system's
//! resolver (`/etc/resolv.conf`, `/etc/hosts`), as the service's own connections resolve it.
//!
//! ```
//! use std::net::IpAddr;
//! use health_runtime::{checks, readiness};
//!
//! #[readiness(timeout = "500ms")]
//! async fn resolver() -> std::io::Result<Vec<IpAddr>> {
//!     checks::dns::resolve("localhost").await
//! }
//! ```

use std::io;
use std::net::{IpAddr, ToSocketAddrs};

use super::blocking;

/// The addresses `name` resolves to, each once, in the resolver's order; shown as the check's
/// data when it is the check's result. A name that does not resolve fails with the resolver's
/// reason (`cannot resolve db.internal: failed to lookup address information: Name or service
/// not known`); a resolver that does not answer, at the check's timeout. The lookup runs on a
/// thread of its own, not in tokio's blocking pool, one at a time for one name (runs that ask
/// meanwhile share its result), and goes on until the resolver's own timeout: once it has been
/// under way for a second, later runs for the same name fail at once, saying so, and the app's
/// own lookups (`tokio::net::lookup_host`) are not kept waiting.
pub async fn resolve(name: &str) -> io::Result<Vec<IpAddr>> {
    crate::running::dependency("checks::dns");
    let what = format!("lookup of {name}");
    let asked = name.to_owned();
    let addresses = blocking::call(what, move || Ok(lookup(&asked)))
        .await
        .map_err(io::Error::other)?
        .map_err(|(kind, error)| io::Error::new(kind, format!("cannot resolve {name}: {error}")))?;
    if addresses.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("cannot resolve {name}: no address"),
        ));
    }
    Ok(addresses)
}

/// The addresses `name` resolves to, each once, or the resolver's error (its kind and text, which
/// the runs that share the lookup each get).
fn lookup(name: &str) -> Result<Vec<IpAddr>, (io::ErrorKind, String)> {
    let resolved = (name, 0)
        .to_socket_addrs()
        .map_err(|error| (error.kind(), error.to_string()))?;
    let mut addresses: Vec<IpAddr> = Vec::new();
    for address in resolved {
        if !addresses.contains(&address.ip()) {
            addresses.push(address.ip());
        }
    }
    Ok(addresses)
}
