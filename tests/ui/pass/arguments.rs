// Every argument, in any order, and every spelling of a `web::Data<T>` parameter.
extern crate health_runtime as renamed;

use actix_web::web::{self, Data};
use renamed::{liveness, readiness, startup, Outcome};

struct Pool;
struct Config;

#[readiness(timeout = "1m 30s", critical = false, name = "db.primary-1", crate = renamed)]
async fn primary(_pool: web::Data<Pool>, _config: actix_web::web::Data<Config>) -> Outcome {
    Outcome::healthy()
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

fn main() {
    let _ = (primary, started, r#type, background, nested::in_a_module);
}
