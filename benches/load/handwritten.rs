//! The hand-written handlers that the benchmarks measure the framework against, on actix and on
//! axum, shared by the load benchmark's server and the instruction counter so that both compare
//! with the same code.

use actix_web::HttpResponse;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};

/// What the framework answers on `/healthz` for the check `alive`, byte for byte but for the
/// duration and the time since when it passes.
pub const BODY: &str = r#"{"status":"OK","checks":[{"name":"alive","status":"OK","duration_ms":0.001,"since":"2026-12-05T12:00:00.000Z"}]}"#;

/// `BODY` as a constant, with the framework's headers.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .insert_header((CONTENT_TYPE, HeaderValue::from_static("application/json")))
        .body(BODY)
}

/// The same handler on axum.
pub mod axum_app {
    use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderName, HeaderValue};

    use super::BODY;

    /// A router that answers `BODY` on `/healthz`, with the framework's headers.
    pub fn router() -> axum::Router {
        axum::Router::new().route("/healthz", axum::routing::get(healthz))
    }

    async fn healthz() -> ([(HeaderName, HeaderValue); 2], &'static str) {
        let headers = [
            (CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (CONTENT_TYPE, HeaderValue::from_static("application/json")),
        ];
        (headers, BODY)
    }
}
