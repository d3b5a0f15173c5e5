//! Ready-made checks: [`Heartbeat`] for background loops, and, each behind the cargo feature
//! named after what it checks, the dependencies a service has: `sqlx::ping` for databases
//! (`mysql`, `postgres`, `sqlite`), `redis::ping`, `http::Upstream`, `tcp::connect`,
//! `dns::resolve`, `disk::free_space`, `memory::usage` and `certificate::expiry`. Each fails as
//! `sqlx::ping` does: at once with the driver's reason when refused, at the check's timeout when
//! the other side is frozen, never showing a credential.

#[cfg(any(feature = "certificate", feature = "disk", feature = "dns"))]
mod blocking;
mod heartbeat;

pub use heartbeat::Heartbeat;

#[cfg(feature = "certificate")]
#[cfg_attr(docsrs, doc(cfg(feature = "certificate")))]
pub mod certificate;
#[cfg(feature = "disk")]
#[cfg_attr(docsrs, doc(cfg(feature = "disk")))]
pub mod disk;
#[cfg(feature = "dns")]
#[cfg_attr(docsrs, doc(cfg(feature = "dns")))]
pub mod dns;
#[cfg(feature = "http-upstream")]
#[cfg_attr(docsrs, doc(cfg(feature = "http-upstream")))]
pub mod http;
#[cfg(feature = "memory")]
#[cfg_attr(docsrs, doc(cfg(feature = "memory")))]
pub mod memory;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub mod redis;
#[cfg(feature = "tcp")]
#[cfg_attr(docsrs, doc(cfg(feature = "tcp")))]
pub mod tcp;

#[cfg(any(feature = "mysql", feature = "postgres", feature = "sqlite"))]
#[cfg_attr(
    docsrs,
    doc(cfg(any(feature = "mysql", feature = "postgres", feature = "sqlite")))
)]
pub mod sqlx;

/// Bytes as an operator reads them: `9.0 GiB`, `512 B`.
#[cfg(any(feature = "disk", feature = "memory"))]
fn bytes(count: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = count as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    match unit {
        0 => format!("{count} B"),
        _ => format!("{value:.1} {}", UNITS[unit]),
    }
}
