//! Redis (feature `redis`): `PING` over the connection the service already holds: the `redis`
//! crate's async `ConnectionManager`, a `deadpool-redis` connection, or, of `bb8-redis`, the
//! connection inside its pooled one (`&mut *pooled`).
//!
//! ```no_run
//! use health_runtime::{checks, readiness, Data};
//! use redis::aio::ConnectionManager;
//!
//! #[readiness(timeout = "300ms")]
//! async fn redis(connection: Data<ConnectionManager>) -> redis::RedisResult<()> {
//!     // A clone of a `ConnectionManager` shares its connection.
//!     checks::redis::ping(&mut (*connection).clone()).await
//! }
//! ```

use redis::aio::ConnectionLike;
use redis::{ErrorKind, RedisError};

/// Sends `PING` and expects `PONG`. A server that is gone fails it at once with the driver's
/// reason (`Connection refused (os error 111)`, `broken pipe`); a frozen one at the check's
/// timeout (or the connection's own response timeout, 500 ms for a `ConnectionManager`, if that
/// comes first); a refused password with Redis's `WRONGPASS` or `NOAUTH`. Redis's errors do not
/// carry the URL, and a reason that did would be redacted.
///
/// A `PING` that fails on the connection itself (closed, refused) is sent once more: a
/// `ConnectionManager` reconnects as a command finds its connection lost, and the second `PING`
/// goes over the new one, so that a server restarted between two runs passes at once.
///
/// Behind a `ConnectionManager` built with its default retries, a killed server fails the check
/// at its timeout, not at once: each command waits for the manager's reconnection, which retries
/// with backoff (6 times, about 6 s) before it gives up. For failures at once, give the check a
/// manager of its own without retries (the app's keeps its own):
///
/// ```no_run
/// # async fn manager() -> redis::RedisResult<()> {
/// use redis::aio::ConnectionManagerConfig;
///
/// let client = redis::Client::open("redis://cache:6379/")?;
/// let no_retries = ConnectionManagerConfig::new().set_number_of_retries(0);
/// let for_the_check = client.get_connection_manager_with_config(no_retries).await?;
/// # Ok(()) }
/// ```
pub async fn ping<C: ConnectionLike + Send>(connection: &mut C) -> Result<(), RedisError> {
    crate::running::dependency("checks::redis");
    match ping_once(connection).await {
        // A frozen server's timeout is an I/O error too: it is not sent again.
        Err(error) if lost(&error) && !error.is_timeout() => ping_once(connection).await,
        pinged => pinged,
    }
}

/// Whether `error` is the connection's own: closed, dropped or refused.
fn lost(error: &RedisError) -> bool {
    error.is_io_error() || error.is_connection_dropped() || error.is_connection_refusal()
}

async fn ping_once<C: ConnectionLike + Send>(connection: &mut C) -> Result<(), RedisError> {
    let reply: String = redis::cmd("PING").query_async(connection).await?;
    if reply != "PONG" {
        return Err(RedisError::from((
            ErrorKind::UnexpectedReturnType,
            "PING answered",
            reply,
        )));
    }
    Ok(())
}
