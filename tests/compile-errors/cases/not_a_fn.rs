use health_runtime::readiness;

#[readiness]
struct Database;

fn main() {}
