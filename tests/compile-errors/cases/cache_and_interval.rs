use health_runtime::{liveness, readiness};

#[readiness(cache = "1s", interval = "5s")]
async fn both() {}

#[liveness(interval = "0ms")]
async fn zero() {}

#[liveness(cache = 5)]
async fn not_a_string() {}

fn main() {}
