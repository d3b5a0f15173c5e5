//! The load benchmark's axum modes: the framework's router, or the hand-written axum handler of
//! `handwritten.rs`.

use health_runtime::Health;

use super::handwritten;

/// Serves the framework's router on the database at `url`, or the hand-written handler without
/// one, on one runtime thread.
pub fn serve(port: u16, url: Option<&str>) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let app = match url {
            Some(url) => Health::default()
                .app_data(actix_web::web::Data::new(super::pool(url)?))
                .router(),
            None => handwritten::axum_app::router(),
        };
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        axum::serve(listener, app).await
    })
}
