//! The load benchmark's axum modes: the framework's router, the hand-written axum handler of
//! `handwritten.rs`, or a hand-written handler that does what `timed` does.

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderName, HeaderValue};
use health_runtime::Health;

use super::handwritten;

/// What answers `/healthz`.
pub enum Answer<'a> {
    /// The framework's router, on the database at `url`.
    Framework { url: &'a str },
    /// The body as a constant.
    HandWritten,
    /// The check run and timed, and the body formatted, by hand.
    Timed,
}

/// Serves `answer` on one runtime thread.
pub fn serve(port: u16, answer: Answer<'_>) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let app = match answer {
            Answer::Framework { url } => Health::default()
                .app_data(actix_web::web::Data::new(super::pool(url)?))
                .router(),
            Answer::HandWritten => handwritten::axum_app::router(),
            Answer::Timed => axum::Router::new().route("/healthz", axum::routing::get(timed)),
        };
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        axum::serve(listener, app).await
    })
}

async fn timed() -> ([(HeaderName, HeaderValue); 2], String) {
    let headers = [
        (CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (CONTENT_TYPE, HeaderValue::from_static("application/json")),
    ];
    (headers, super::timed_body().await)
}
