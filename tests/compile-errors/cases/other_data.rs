// A parameter written `Data<T>` that is not actix's `web::Data<T>`: the error is on the parameter.
use health_runtime::readiness;

mod my {
    pub struct Data<T>(pub T);
}

#[readiness]
async fn counter(_count: my::Data<u32>) {}

fn main() {}
