// One fn stacked twice into the same probe under the same name: its `/readyz/<name>` and
// `?exclude=` would reach both, so it does not compile. Into two probes, it does.
use health_runtime::{liveness, readiness};

#[readiness]
#[readiness(timeout = "1s")]
async fn database() {}

#[readiness(name = "queue")]
#[readiness(name = "queue")]
async fn queue() {}

#[readiness]
#[liveness]
async fn both() {}

fn main() {}
