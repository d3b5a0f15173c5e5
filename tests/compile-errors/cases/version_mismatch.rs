// What an attribute from another health-macros version expands to, against this runtime: its
// registration is replaced by one error that names both versions, and nothing else fails.
use health_runtime::readiness;

#[readiness]
async fn database() {}

health_runtime::__private::registration!("0.2.0",
    const _: () = { this_is_never_compiled() };
);

fn main() {
    let _ = database;
}
