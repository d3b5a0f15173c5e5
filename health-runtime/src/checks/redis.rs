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
pub async fn ping<C: ConnectionLike + Send>(connection: &mut C) -> Result<(), RedisError> {
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
