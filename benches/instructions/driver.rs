//! The program that `benches/instructions/run.py` counts instructions in: `N` probes of
//! `/healthz` through actix's test service (in process, no network), answered either by the
//! framework, with the liveness check `alive` of the load benchmark, or by a hand-written handler
//! that returns the framework's body as a constant.
//!
//! Usage: `probe_instructions framework|handwritten N`.

use actix_web::{App, test, web};
use health_runtime::{Health, liveness};

#[path = "../load/handwritten.rs"]
mod handwritten;

#[liveness]
async fn alive() {}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (framework, n) = match &args[..] {
        [_, mode, n] if mode == "framework" || mode == "handwritten" => (
            mode == "framework",
            n.parse::<usize>().expect("N is a number"),
        ),
        _ => panic!("usage: probe_instructions framework|handwritten N"),
    };
    let routes = move |config: &mut web::ServiceConfig| {
        if framework {
            config.service(Health::default());
        } else {
            config.route("/healthz", web::get().to(handwritten::healthz));
        }
    };
    actix_web::rt::System::new().block_on(async move {
        let app = test::init_service(App::new().configure(routes)).await;
        for _ in 0..n {
            let request = test::TestRequest::get().uri("/healthz").to_request();
            let response = test::call_service(&app, request).await;
            assert!(response.status().is_success());
        }
    });
}
