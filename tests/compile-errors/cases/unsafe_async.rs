// Qualifiers out of order: rustc's error alone, which says how to write them.
use health_runtime::readiness;

#[readiness]
unsafe async fn misordered() {}

fn main() {}
