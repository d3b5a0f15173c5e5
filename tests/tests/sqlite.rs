//! The embedded default: a readiness check on a `SqlitePool` over a temp file, under a storm of
//! concurrent probes.

use actix_web::web;
use futures_util::future::join_all;
use health_runtime::{Health, checks, readiness};
use health_tests::{get, serve};
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

#[readiness(name = "sqlite", timeout = "500ms")]
async fn database(pool: web::Data<SqlitePool>) -> Result<(), sqlx::Error> {
    checks::sqlx::ping(&pool).await
}

#[actix_web::test]
async fn sqlite_answers_a_storm_of_probes_within_its_pool() {
    let dir = tempfile::tempdir().unwrap();
    let options = SqliteConnectOptions::new()
        .filename(dir.path().join("health.db"))
        .create_if_missing(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_lazy_with(options);
    let base = serve({
        let pool = web::Data::new(pool.clone());
        move |config| {
            config.app_data(pool.clone()).service(Health::default());
        }
    });

    let url = format!("{base}/readyz");
    for _ in 0..10 {
        let answers = join_all((0..50).map(|_| get(&url))).await;
        for answer in answers {
            assert_eq!(answer.status, 200, "{}", answer.body);
            assert_eq!(answer.check("sqlite")["status"], "OK");
        }
    }
    assert!(pool.size() <= 4, "{} connections", pool.size());
    assert!(dir.path().join("health.db").exists());
}
