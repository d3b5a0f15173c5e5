use health_runtime::readiness;

#[readiness(critical = "no")]
async fn db() {}

#[readiness(critical)]
async fn cache() {}

fn main() {}
