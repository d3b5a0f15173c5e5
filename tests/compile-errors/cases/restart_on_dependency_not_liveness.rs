use health_runtime::{liveness, readiness};

// Only a liveness check restarts a pod: elsewhere the argument means nothing.
#[readiness(restart_on_dependency = true)]
async fn db() {}

// A flag takes `true` or `false`.
#[liveness(restart_on_dependency = "yes")]
async fn sidecar() {}

fn main() {}
