// Return types that would mislead: `Ok(false)` would pass, and an `impl Trait` cannot be named
// by the generated code.
use health_runtime::{IntoOutcome, readiness};

#[readiness]
async fn flag() -> Result<bool, String> {
    Ok(false)
}

#[readiness]
async fn io_flag() -> std::io::Result<bool> {
    Ok(false)
}

#[readiness]
async fn opaque() -> impl IntoOutcome {
    true
}

#[readiness]
async fn opaque_error() -> Result<(), impl std::fmt::Display> {
    Err::<(), _>("down")
}

fn main() {}
