//! `web::Data<T>` parameters, several to a check, resolved from the app's data at every run.

use std::sync::atomic::{AtomicU32, Ordering};

use actix_web::web;
use health_runtime::{Health, readiness};
use health_tests::{get, serve};

struct Pool {
    in_use: AtomicU32,
}

struct Limits {
    max: u32,
}

#[readiness]
async fn capacity(
    pool: web::Data<Pool>,
    limits: actix_web::web::Data<Limits>,
) -> Result<serde_json::Value, String> {
    let in_use = pool.in_use.load(Ordering::SeqCst);
    if in_use <= limits.max {
        Ok(serde_json::json!({ "in_use": in_use, "max": limits.max }))
    } else {
        Err(format!(
            "{in_use} connections in use, over the limit of {}",
            limits.max
        ))
    }
}

#[actix_web::test]
async fn every_parameter_is_resolved_at_each_run() {
    let pool = web::Data::new(Pool {
        in_use: AtomicU32::new(3),
    });
    let base = serve({
        let pool = pool.clone();
        move |config| {
            config
                .app_data(pool.clone())
                .app_data(web::Data::new(Limits { max: 4 }))
                .service(Health::default());
        }
    });
    let answer = get(&format!("{base}/ready")).await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.check("capacity")["data"],
        serde_json::json!({"in_use": 3, "max": 4})
    );

    pool.in_use.store(5, Ordering::SeqCst);
    let answer = get(&format!("{base}/ready")).await;
    assert_eq!(answer.status, 503);
    assert_eq!(
        answer.json()["error"],
        "capacity failed: 5 connections in use, over the limit of 4"
    );
}

#[actix_web::test]
async fn a_missing_second_parameter_is_named() {
    let base = serve(|config| {
        config
            .app_data(web::Data::new(Pool {
                in_use: AtomicU32::new(0),
            }))
            .service(Health::default());
    });
    let answer = get(&format!("{base}/ready")).await;
    assert_eq!(answer.status, 503);
    let error = answer.check("capacity")["error"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        error.starts_with("app data `web::Data<Limits>` is not registered"),
        "{error}"
    );
}
