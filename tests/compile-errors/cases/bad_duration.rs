use health_runtime::{liveness, readiness, startup};

#[readiness(timeout = "3 parsecs")]
async fn malformed() {}

#[liveness(timeout = "0s")]
async fn zero() {}

#[startup(timeout = 500)]
async fn not_a_string() {}

fn main() {}
