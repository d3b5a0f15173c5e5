use health_runtime::readiness;

#[readiness(name = "db", interval = "5s")]
async fn db() {}

#[readiness(crate = "health_runtime")]
async fn crate_as_string() {}

fn main() {}
