use actix_web::{web, HttpRequest};
use health_runtime::readiness;

struct Pool;

#[readiness]
async fn request(_request: HttpRequest) {}

#[readiness]
async fn by_reference(_pool: &web::Data<Pool>) {}

#[readiness]
async fn plain(_pool: Pool) {}

fn main() {}
