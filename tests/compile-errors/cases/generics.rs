use health_runtime::readiness;

#[readiness]
async fn generic<T: Default>() {}

#[readiness]
async fn with_where() where u8: Copy {}

fn main() {}
