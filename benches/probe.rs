//! The cost of one probe, in process (no network): routing, running N trivial checks
//! concurrently under their timeouts, aggregating and rendering the JSON body.
//! Run with `cargo bench --bench probe`; results are recorded in BENCHMARKS.md.

use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use actix_web::{App, HttpResponse, test, web};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use health_runtime::{Check, Health, Probe};

fn health_with(checks: usize) -> Health {
    (0..checks).fold(Health::default(), |health, i| {
        health.check(
            Probe::Liveness,
            Check::new(format!("check-{i}"), || async {}),
        )
    })
}

/// What a hand-written handler costs, for comparison: the same body, no checks run.
async fn handwritten() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .insert_header((CONTENT_TYPE, HeaderValue::from_static("application/json")))
        .body(
            r#"{"status":"OK","checks":[{"name":"check-0","status":"OK","duration_ms":0.001,"since":"2026-12-05T12:00:00.000Z"}]}"#,
        )
}

fn probe(c: &mut Criterion) {
    let system = actix_web::rt::System::new();
    let mut group = c.benchmark_group("probe");
    let app = system.block_on(test::init_service(
        App::new().route("/livez", web::get().to(handwritten)),
    ));
    group.bench_function("handwritten", |b| {
        b.iter(|| {
            system.block_on(async {
                let request = test::TestRequest::get().uri("/livez").to_request();
                let response = test::call_service(&app, request).await;
                assert!(response.status().is_success());
            })
        })
    });
    for checks in [1, 10, 100] {
        let app = system.block_on(test::init_service(App::new().service(health_with(checks))));
        group.bench_with_input(BenchmarkId::new("livez", checks), &checks, |b, _| {
            b.iter(|| {
                system.block_on(async {
                    let request = test::TestRequest::get().uri("/livez").to_request();
                    let response = test::call_service(&app, request).await;
                    assert!(response.status().is_success());
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, probe);
criterion_main!(benches);
