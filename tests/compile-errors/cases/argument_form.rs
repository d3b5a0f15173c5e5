// Arguments written as they are not: a bare name, a missing comma, a count too large.
use health_runtime::readiness;

#[readiness("db")]
async fn bare_name() {}

#[readiness(timeout = "1s" critical = false)]
async fn missing_comma() {}

#[readiness(failures = 99999999999)]
async fn too_many() {}

fn main() {}
