//! Services with strict crate lints can declare checks: the generated code adds no unsafe code,
//! no undocumented public items and no warnings of its own, not even for a `#[deprecated]` check
//! (its registration is no use of it), nor clippy's pedantic `unused_async` for a check with
//! nothing to await. (Clippy's view of generated code is checked by `cargo clippy --all-targets
//! -D warnings` over these tests.)
#![forbid(unsafe_code)]
#![deny(missing_docs, warnings)]
#![warn(clippy::pedantic)]

use health_runtime::{Health, liveness, readiness};
use health_tests::{get, serve_health};

/// Documented, as this crate demands.
#[liveness]
pub async fn alive() {}

#[readiness(timeout = "1s")]
async fn ready() -> bool {
    true
}

/// Kept for old dashboards.
#[deprecated(note = "probe `ready`")]
#[readiness(name = "legacy")]
pub async fn legacy() {}

#[actix_web::test]
async fn checks_of_a_strict_crate_are_served() {
    let base = serve_health(Health::default());
    assert_eq!(get(&format!("{base}/livez")).await.check_names(), ["alive"]);
    assert_eq!(
        get(&format!("{base}/readyz")).await.check_names(),
        ["legacy", "ready"]
    );
}
