// Services with strict crate lints can declare checks: the generated code adds no unsafe code,
// no undocumented public items and no warnings of its own. (Clippy's view of generated code is
// checked by `cargo clippy --all-targets -D warnings` over the integration tests.)
#![forbid(unsafe_code)]
#![deny(missing_docs, warnings)]
//! A strict service.

use health_runtime::{liveness, readiness};

/// Documented, as this crate demands.
#[liveness]
pub async fn alive() {}

#[readiness(timeout = "1s")]
async fn ready() -> bool {
    true
}

fn main() {
    let _ = ready;
}
