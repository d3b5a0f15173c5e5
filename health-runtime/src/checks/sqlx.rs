//! Database readiness for sqlx pools (features `mysql`, `postgres`, `sqlite`):
//!
//! ```toml
//! health-runtime = { path = "../health/health-runtime", features = ["mysql"] }
//! ```
//!
//! ```
//! # #[cfg(feature = "sqlite")] mod example {
//! use actix_web::web;
//! use health_runtime::{checks, readiness};
//! use sqlx::SqlitePool;
//!
//! #[readiness(name = "db", timeout = "500ms")]
//! async fn db(pool: web::Data<SqlitePool>) -> Result<(), sqlx::Error> {
//!     checks::sqlx::ping(&pool).await
//! }
//! # }
//! ```

use sqlx::pool::PoolConnection;
use sqlx::{Connection, Database, Pool};

/// Takes a connection from `pool` and pings the server with it.
///
/// Run as a check, it answers within the check's timeout whatever the pool's own settings are
/// (sqlx's `acquire_timeout` is 30 s by default, and a refused connection is retried until then):
/// the check's timeout cuts it off. A connection cut off in the middle of its ping is closed
/// rather than returned to the pool, so a probe never leaves a connection checked out, and a
/// frozen server cannot pile up pool connections stuck in sqlx's own release-time ping.
pub async fn ping<DB: Database>(pool: &Pool<DB>) -> Result<(), sqlx::Error> {
    let mut guard = CloseUnlessPinged {
        connection: pool.acquire().await?,
        pinged: false,
    };
    guard.connection.ping().await?;
    guard.pinged = true;
    Ok(())
}

/// A pooled connection that goes back to the pool only after a completed ping; cut off or
/// failed, it is closed instead.
struct CloseUnlessPinged<DB: Database> {
    connection: PoolConnection<DB>,
    pinged: bool,
}

impl<DB: Database> Drop for CloseUnlessPinged<DB> {
    fn drop(&mut self) {
        if !self.pinged {
            // sqlx closes it in a task, bounded by its own close timeout.
            self.connection.close_on_drop();
        }
    }
}
