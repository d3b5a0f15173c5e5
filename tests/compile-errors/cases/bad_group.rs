use health_runtime::{check, readiness};

// A check in groups only must name one: a check for a probe is #[readiness] and the like.
#[check]
async fn tls_expiry() {}

// Group names follow the check name rule: they are paths and gRPC service names.
#[readiness(group = "deep/er")]
async fn db() {}

// A list of names, each once.
#[readiness(group = ["deep", "deep"])]
async fn cache() {}

#[readiness(group = [])]
async fn queue() {}

#[readiness(group = deep)]
async fn search() {}

// Only a liveness check restarts a pod.
#[check(group = "deep", restart_on_dependency = true)]
async fn sidecar() {}

// A `#[check]` whose group is bad is told that alone, not that it has none.
#[check(group = "deep checks")]
async fn disk() {}

// At most 1000 recent runs are kept.
#[readiness(recent_runs = 5000)]
async fn chatty() {}

fn main() {}
