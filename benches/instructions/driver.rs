//! The program that `benches/instructions/run.py` counts instructions in: `N` probes of
//! `/healthz` through actix's test service (in process, no network), answered either by the
//! framework, with the liveness check `alive` of the load benchmark, or by a hand-written handler
//! that returns the framework's body as a constant.
//!
//! Usage: `probe_instructions framework|handwritten N`.

use actix_web::http::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{test, web, App, HttpResponse};
use health_runtime::{liveness, Health};

#[liveness]
async fn alive() {}

/// What the framework answers on `/healthz`, byte for byte but for the duration.
const BODY: &str =
    r#"{"status":"OK","checks":[{"name":"alive","status":"OK","duration_ms":0.001}]}"#;

async fn handwritten() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .insert_header((CONTENT_TYPE, HeaderValue::from_static("application/json")))
        .body(BODY)
}

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
            config.route("/healthz", web::get().to(handwritten));
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
