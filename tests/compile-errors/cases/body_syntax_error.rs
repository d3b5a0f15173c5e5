// A syntax error inside the body is reported once, by rustc, not also by the attribute.
use health_runtime::readiness;

#[readiness]
async fn database() -> bool {
    let ready = ;
    ready
}

fn main() {}
