//! The target of `python3 benches/long_reason/run.py`: `/readyz` of one readiness check whose
//! reason is `PIECE` repeated `REPEAT` times, on axum, on one thread. What a long reason costs a
//! probe, beside a short one.

use std::sync::LazyLock;

use health_runtime::{Health, readiness};

static REASON: LazyLock<String> = LazyLock::new(|| {
    let piece = std::env::var("PIECE").unwrap_or_else(|_| "Bearer x ".into());
    let repeat = std::env::var("REPEAT")
        .ok()
        .and_then(|repeat| repeat.parse().ok());
    piece.repeat(repeat.unwrap_or(12_000))
});

#[readiness]
async fn long_reason() -> Result<(), &'static str> {
    Err(REASON.as_str())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let port = std::env::args().nth(1).unwrap_or_else(|| "8111".into());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    axum::serve(listener, Health::default().router::<()>()).await
}
