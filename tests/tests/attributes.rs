//! Every argument of the attributes, in any order, every spelling of a `web::Data<T>` parameter,
//! and a renamed runtime (`crate = ...`): each check compiles, and is served as declared.
extern crate health_runtime as renamed;

use actix_web::web::{self, Data};
use health_tests::{get, serve};
use renamed::{Health, Outcome, liveness, readiness, startup};

struct Pool;
struct Config;

#[readiness(timeout = "1m 30s", critical = false, name = "db.primary-1", crate = renamed)]
async fn primary(_pool: web::Data<Pool>, _config: actix_web::web::Data<Config>) -> Outcome {
    Outcome::unhealthy("replica lag")
}

#[startup(crate = ::renamed, timeout = "250ms")]
async fn started(_: Data<Config>) -> Result<u32, Box<dyn std::error::Error>> {
    Ok(1)
}

#[liveness(name = "r-type", cache = "1s")]
async fn r#type() {}

#[readiness(interval = "5s", name = "background", timeout = "2s")]
async fn background() -> bool {
    true
}

mod nested {
    #[health_runtime::liveness]
    pub async fn in_a_module(mut _pool: actix_web::web::Data<super::Pool>) {}
}

#[actix_web::test]
async fn every_check_is_served_as_declared() {
    let base = serve(|config| {
        config
            .app_data(web::Data::new(Pool))
            .app_data(web::Data::new(Config))
            .service(Health::default());
    });
    let answer = get(&format!("{base}/startupz")).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.check("started")["data"], 1);

    let answer = get(&format!("{base}/readyz")).await;
    assert_eq!(answer.check_names(), ["background", "db.primary-1"]);
    // `critical = false`: the failure is a warning, and the probe passes.
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.check("db.primary-1")["status"], "WARN");
    assert_eq!(answer.check("db.primary-1")["error"], "replica lag");

    let answer = get(&format!("{base}/livez")).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.check_names(), ["in_a_module", "r-type"]);
    // `cache = "1s"`: the second probe reuses the first one's result.
    let answer = get(&format!("{base}/livez/r-type")).await;
    assert!(
        answer.check("r-type")["age_ms"].is_number(),
        "{}",
        answer.body
    );
}

#[actix_web::test]
async fn an_annotated_fn_stays_an_ordinary_fn() {
    assert!(background().await);
    let outcome = primary(web::Data::new(Pool), web::Data::new(Config)).await;
    assert_eq!(outcome.error(), Some("replica lag"));
}
