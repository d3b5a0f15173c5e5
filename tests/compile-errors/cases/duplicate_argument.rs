use health_runtime::readiness;

#[readiness(timeout = "1s", name = "a", timeout = "2s")]
async fn db() {}

fn main() {}
