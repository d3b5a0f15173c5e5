// actix's `web::Data<T>` in a build without the feature `actix` (an axum or gRPC service): the
// error says which feature it needs, and what to take instead.
use health_runtime::readiness;

// Stands for `actix_web::web`, which these cases do not build.
mod web {
    pub struct Data<T>(pub T);
}

struct Pool;

#[readiness]
async fn database(_pool: web::Data<Pool>) {}

fn main() {}
