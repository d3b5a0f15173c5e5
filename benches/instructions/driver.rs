//! The program that `benches/instructions/run.py` counts instructions in: `N` probes of
//! `/healthz` through actix's test service, or through an axum `Router` called as a tower service
//! (in process, no network), answered either by the framework, with the liveness check `alive` of
//! the load benchmark, or by a hand-written handler that returns the framework's body as a
//! constant.
//!
//! Usage: `probe_instructions framework|handwritten|axum-framework|axum-handwritten N`.

use actix_web::{App, test, web};
use health_runtime::{Health, liveness};

#[path = "../load/handwritten.rs"]
mod handwritten;

#[liveness]
async fn alive() {}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (mode, n) = match &args[..] {
        [_, mode, n] => (mode.as_str(), n.parse::<usize>().expect("N is a number")),
        _ => panic!(
            "usage: probe_instructions framework|handwritten|axum-framework|axum-handwritten N"
        ),
    };
    match mode {
        "framework" | "handwritten" => on_actix(mode == "framework", n),
        "axum-framework" => on_axum(Health::default().router(), n),
        "axum-handwritten" => on_axum(handwritten::axum_app::router(), n),
        _ => panic!("no mode {mode}"),
    }
}

/// `n` probes of the actix service.
fn on_actix(framework: bool, n: usize) {
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

/// `n` probes of the axum router, called as a tower service on a runtime of one thread.
fn on_axum(router: axum::Router, n: usize) {
    use tower_service::Service;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async move {
        let mut router = router;
        for _ in 0..n {
            let request = axum::http::Request::get("/healthz")
                .body(axum::body::Body::empty())
                .expect("a request");
            std::future::poll_fn(|cx| {
                Service::<axum::http::Request<axum::body::Body>>::poll_ready(&mut router, cx)
            })
            .await
            .expect("ready");
            let response = router.call(request).await.expect("a response");
            assert!(response.status().is_success());
        }
    });
}
