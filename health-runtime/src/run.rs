//! Runs the checks of one probe: all at once, each under its timeout, each isolated from panics,
//! so that one bad check can neither hang the probe nor take the server down.

use std::any::Any;
use std::borrow::Cow;
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use actix_web::rt::time;
use actix_web::HttpRequest;
use futures_util::future::join_all;
use futures_util::FutureExt;

use crate::outcome::Outcome;
use crate::redact;
use crate::registry::Check;

/// One check's result within a report.
#[derive(Debug, Clone)]
pub(crate) struct CheckResult {
    pub name: Cow<'static, str>,
    pub critical: bool,
    pub outcome: Outcome,
    pub duration: Duration,
}

/// Runs `checks` concurrently; the time taken is that of the slowest, bounded by its timeout.
pub(crate) async fn run_all<'a>(
    checks: impl Iterator<Item = &'a Check>,
    request: &HttpRequest,
    default_timeout: Duration,
) -> Vec<CheckResult> {
    join_all(checks.map(|check| run_one(check, request, default_timeout))).await
}

async fn run_one(check: &Check, request: &HttpRequest, default_timeout: Duration) -> CheckResult {
    let started = Instant::now();
    let timeout = check.timeout.unwrap_or(default_timeout);
    // A runtime-added check runs user code when it is called, not only when it is polled.
    let outcome = match std::panic::catch_unwind(AssertUnwindSafe(|| (check.run)(request))) {
        Err(payload) => panicked(&check.name, payload),
        Ok(future) => match time::timeout(timeout, AssertUnwindSafe(future).catch_unwind()).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(payload)) => panicked(&check.name, payload),
            Err(_) => Outcome::unhealthy(format!("timed out after {timeout:?}")),
        },
    };
    CheckResult {
        name: check.name.clone(),
        critical: check.critical,
        outcome,
        duration: started.elapsed(),
    }
}

/// The payload may hold anything the code had at hand, so it goes to the log, not to the body.
fn panicked(name: &str, payload: Box<dyn Any + Send>) -> Outcome {
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(non-string payload)");
    let message = redact::userinfo(message);
    log::error!("health check `{name}` panicked: {message}");
    Outcome::unhealthy("panicked (the message is in the service's log)")
}
