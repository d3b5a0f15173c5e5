use health_runtime::readiness;

#[readiness(name = "db", groups = "db")]
async fn db() {}

#[readiness(crate = "health_runtime")]
async fn crate_as_string() {}

fn main() {}
