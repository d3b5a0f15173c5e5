use health_runtime::readiness;

#[readiness(name = "db", interval = "5s")]
async fn db() {}

fn main() {}
