use health_runtime::{liveness, readiness, startup};

#[readiness(timeout = "3 parsecs")]
async fn malformed() {}

#[liveness(timeout = "0s")]
async fn zero() {}

#[startup(timeout = 500)]
async fn not_a_string() {}

// Beyond what a probe can mean, and below tokio's timers.
#[readiness(timeout = "10m")]
async fn too_long() {}

#[readiness(interval = "18446744073709551615s")]
async fn forever() {}

#[readiness(timeout = "1ns")]
async fn too_short() {}

#[readiness(cache = "2days")]
async fn stale() {}

fn main() {}
