//! Ready-made checks: [`Heartbeat`] for background loops, and `sqlx::ping` for databases behind
//! the cargo features of the databases.

mod heartbeat;

pub use heartbeat::Heartbeat;

#[cfg(any(feature = "mysql", feature = "postgres", feature = "sqlite"))]
#[cfg_attr(
    docsrs,
    doc(cfg(any(feature = "mysql", feature = "postgres", feature = "sqlite")))
)]
pub mod sqlx;
