use health_runtime::readiness;

#[readiness]
fn not_async() -> bool {
    true
}

fn main() {}
