//! The quickstart as it would be written without health-runtime, for `benches/build/run.py`:
//! the same dependencies less the runtime, and one hand-written `/ready` that pings SQLite.

use actix_web::{App, HttpResponse, HttpServer, get, web};
use sqlx::Connection;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};

#[get("/ready")]
async fn ready(pool: web::Data<SqlitePool>) -> HttpResponse {
    let ping = async { pool.acquire().await?.ping().await };
    match ping.await {
        Ok(()) => HttpResponse::Ok()
            .content_type("application/json")
            .body(r#"{"status":"READY"}"#),
        Err(error) => {
            log::warn!("ready: {error}");
            HttpResponse::ServiceUnavailable()
                .content_type("application/json")
                .body(r#"{"status":"FAIL"}"#)
        }
    }
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    env_logger::init_from_env(env_logger::Env::default().default_filter_or("info"));
    let options: SqliteConnectOptions = "sqlite://plain.db"
        .parse()
        .map_err(|e| std::io::Error::other(format!("{e}")))?;
    let pool = SqlitePool::connect_lazy_with(options.create_if_missing(true));
    HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(pool.clone()))
            .service(ready)
    })
    .bind(("127.0.0.1", 8080))?
    .run()
    .await
}
