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

use std::future::pending;
use std::pin::pin;

use futures_util::future::{Either, select};
use sqlx::pool::PoolConnection;
use sqlx::{ConnectOptions, Connection, Database, Pool};

/// Takes a connection from `pool` and pings the server with it.
///
/// Run as a check, it answers within the check's timeout whatever the pool's own settings are
/// (sqlx's `acquire_timeout` is 30 s by default): the check's timeout cuts it off when the server
/// is frozen. A server that refuses connections, rejects the login, or a file that cannot be
/// opened fails it at once, with the driver's reason (`Connection refused`), where sqlx's pool
/// would retry a refused connection until its own timeout. A connection cut off in the middle of
/// its ping is closed rather than returned to the pool, so a probe never leaves a connection
/// checked out, and a frozen server cannot pile up pool connections stuck in sqlx's own
/// release-time ping.
///
/// An idle connection that the server closed (a restart, a proxy's idle timeout) is not an
/// outage: when its ping fails, whatever the error (a closed socket, PostgreSQL's `terminating
/// connection due to unexpected postmaster exit`), the ping is made again on a connection the pool
/// hands out as it does to the app, which decides: with sqlx's `test_before_acquire` (on by
/// default) the pool tests its idle connections first and opens a new one for those it closes,
/// and waits for a server that is still starting. With `test_before_acquire(false)`, the pool may
/// hand out another connection to the server that is gone, and the run fails with it.
pub async fn ping<DB: Database>(pool: &Pool<DB>) -> Result<(), sqlx::Error> {
    crate::running::dependency("checks::sqlx");
    if let Some(idle) = pool.try_acquire() {
        if ping_on(idle).await.is_ok() {
            return Ok(());
        }
    }
    ping_on(acquire_unless_refused(pool).await?).await
}

/// Pings the server on `connection`, which goes back to the pool only if the ping completes.
async fn ping_on<DB: Database>(connection: PoolConnection<DB>) -> Result<(), sqlx::Error> {
    let mut guard = CloseUnlessPinged {
        connection,
        pinged: false,
    };
    guard.connection.ping().await?;
    guard.pinged = true;
    Ok(())
}

/// A new connection from `pool`, or at once the I/O error of a connection attempt of its own:
/// the pool takes a refused connection for a server starting up and retries it until its
/// `acquire_timeout`; one attempt does not. The pool is left to deal with anything else: an
/// attempt that succeeds is closed, and an error of the database (a login refused, a server
/// still starting up) is the pool's to fail at once or to retry.
async fn acquire_unless_refused<DB: Database>(
    pool: &Pool<DB>,
) -> Result<PoolConnection<DB>, sqlx::Error> {
    let options = pool.connect_options();
    let refused = async {
        match options.connect().await {
            Err(error @ sqlx::Error::Io(_)) => error,
            Ok(accepted) => {
                let _ = accepted.close().await;
                pending().await
            }
            Err(_) => pending().await,
        }
    };
    let (acquire, refused) = (pin!(pool.acquire()), pin!(refused));
    match select(acquire, refused).await {
        Either::Left((acquired, _)) => acquired,
        Either::Right((error, _)) => Err(error),
    }
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
