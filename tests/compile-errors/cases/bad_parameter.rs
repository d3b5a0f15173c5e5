use health_runtime::readiness;

// As actix names them, without actix in the cases' build: the macro judges the parameters' form.
struct HttpRequest;
mod web {
    pub struct Data<T>(pub T);
}
struct Pool;

#[readiness]
async fn request(_request: HttpRequest) {}

#[readiness]
async fn by_reference(_pool: &web::Data<Pool>) {}

#[readiness]
async fn plain(_pool: Pool) {}

fn main() {}
