//! A library that declares checks, as a shared crate of a company's services would.

use health_runtime::{liveness, readiness};

#[readiness]
async fn library_ready() -> bool {
    true
}

#[liveness(name = "library.alive")]
async fn alive() -> Result<serde_json::Value, String> {
    Ok(serde_json::json!({ "crate": "library-checks" }))
}
