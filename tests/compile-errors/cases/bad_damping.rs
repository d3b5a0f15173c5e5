use health_runtime::readiness;

#[readiness(failures = 0)]
async fn db() {}

#[readiness(successes = -2)]
async fn cache() {}

#[readiness(failures = "3", successes = 1.5)]
async fn search() {}

#[readiness(failures = 5000000000)]
async fn queue() {}

fn main() {}
