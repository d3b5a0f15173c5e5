//! Hostile sizes and routes, and reasons that keep their causes: a check with a huge `data` or
//! reason makes a small body, a query of thousands of unknown names a short list of warnings; the
//! app's routes under a probe path stay the app's; an error shows the errors that caused it.

use std::fmt;
use std::time::Instant;

use actix_web::{HttpResponse, web};
use anyhow::Context;
use health_runtime::{Check, DEFAULT_TIMEOUT, Health, Outcome, Probe, liveness, readiness};
use health_tests::{get, serve, serve_health};

/// What the kubelet reads of a body.
const KUBELET_READS: usize = 10 * 1024;

#[readiness]
async fn huge() -> Result<serde_json::Value, String> {
    Ok(serde_json::json!({ "rows": vec!["row"; 200_000] }))
}

#[readiness]
async fn long_reason() -> Result<(), String> {
    Err(format!("refused: {}", "é".repeat(50_000)))
}

// Reasons of the shapes that overflowed the stack (one recursion per `Bearer`) and made the
// redaction quadratic (seconds per probe, on the worker that serves it).
#[readiness]
async fn bearer_storm() -> Result<(), String> {
    Err("Bearer  ".repeat(100_000))
}

#[readiness]
async fn link_storm() -> Result<(), String> {
    // The secret within the first 4 KiB, which are kept and redacted.
    let (before, after) = ("a://b ".repeat(500), "a://b ".repeat(100_000));
    Err(format!("{before}password=S3CR3T {after}"))
}

#[readiness]
async fn dsn_storm() -> Result<(), String> {
    Err("a@/".repeat(400_000))
}

async fn read_config() -> anyhow::Result<()> {
    std::fs::read_to_string("/nonexistent/health.toml").context("reading the config")?;
    Ok(())
}

#[liveness]
async fn configured() -> anyhow::Result<()> {
    read_config().await
}

#[derive(Debug)]
struct Saving(std::io::Error);

impl fmt::Display for Saving {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("saving the cache")
    }
}

impl std::error::Error for Saving {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

async fn save_cache() -> Result<(), Saving> {
    Err(Saving(std::io::Error::other("disk full")))
}

#[liveness]
async fn saving() -> Result<(), Saving> {
    save_cache().await
}

/// The same error, boxed as `?` boxes it: its causes show all the same.
#[liveness]
async fn saving_boxed() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    Ok(save_cache().await?)
}

#[liveness]
async fn saving_boxed_send() -> Result<(), Box<dyn std::error::Error + Send>> {
    save_cache().await.map_err(|error| Box::new(error) as _)
}

/// 500 failing checks (a 586 KB body before, its summary alone 265 KB) make a body under the
/// kubelet's 10 KiB in every format, on both servers: the summary, the checks that fit, and how
/// many were left out.
#[actix_web::test]
async fn five_hundred_failing_checks_make_a_body_the_kubelet_reads_whole() {
    let many = || {
        (0..500).fold(Health::default(), |health, i| {
            let check = Check::new(format!("dependency-{i:03}"), move || async move {
                Err::<(), _>(format!(
                    "dependency {i} refused the connection: {}",
                    "x".repeat(300)
                ))
            });
            health.check(Probe::Liveness, check)
        })
    };
    let on_actix = serve_health(many());
    let on_axum = health_tests::axum::serve_axum(move || many().router());
    for base in [on_actix, on_axum] {
        for query in [
            "",
            "?format=microprofile",
            "?format=health-json",
            "?verbose",
        ] {
            let answer = get(&format!("{base}/livez{query}")).await;
            assert_eq!(answer.status, 503, "{query}");
            assert!(
                answer.body.len() <= KUBELET_READS,
                "{query}: {} bytes",
                answer.body.len()
            );
            assert!(
                answer.body.contains("more checks left out"),
                "{query}: {}",
                answer.body
            );
            if query != "?verbose" {
                let json = answer.json();
                assert!(json["status"].is_string(), "{query}");
            }
        }
    }
}

#[actix_web::test]
async fn a_huge_check_makes_a_small_body() {
    let base = serve_health(Health::default());
    let answer = get(&format!("{base}/readyz")).await;
    assert_eq!(answer.status, 503);
    assert!(
        answer.body.len() < KUBELET_READS,
        "{} bytes",
        answer.body.len()
    );
    // The failed checks fill the body first; one check's path shows the passing one.
    let huge = get(&format!("{base}/readyz/huge")).await;
    let data = huge.check("huge")["data"].as_str().unwrap().to_owned();
    assert!(data.starts_with("{\"rows\":[\"row\",\"row\""), "{data}");
    assert!(
        data.ends_with("… (cut: 1200010 bytes of JSON in all)"),
        "{data}"
    );
    let error = answer.check("long_reason")["error"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(error.len() <= 512, "{} bytes", error.len());
    assert!(error.starts_with("refused: éé"), "{error}");
    assert!(error.ends_with("… (cut: 100009 bytes in all)"), "{error}");

    // The limits are the builder's to set, the body's too.
    let base = serve(|config| {
        let health = Health::default()
            .data_limit(100_000)
            .error_limit(64)
            .body_limit(1 << 20);
        config.service(health);
    });
    let answer = get(&format!("{base}/readyz")).await;
    let data = answer.check("huge")["data"].as_str().unwrap().len();
    assert!((99_000..=100_000).contains(&data), "{data} bytes");
    let error = answer.check("long_reason")["error"].as_str().unwrap().len();
    assert!(error <= 64, "{error} bytes");
}

/// A reason of any size and shape is redacted within the check's time, and the server lives.
#[actix_web::test]
async fn hostile_reasons_neither_crash_nor_stall_the_worker() {
    let base = serve_health(Health::default());
    for _ in 0..3 {
        let began = Instant::now();
        let answer = get(&format!("{base}/readyz")).await;
        assert!(
            began.elapsed() < DEFAULT_TIMEOUT,
            "answered after {:?}",
            began.elapsed()
        );
        assert_eq!(answer.status, 503);
        for name in ["bearer_storm", "link_storm", "dsn_storm"] {
            let error = answer.check(name)["error"].as_str().unwrap().to_owned();
            assert!(error.len() <= 512, "{name}: {} bytes", error.len());
        }
    }
    // The secret lies past what a body shows by default: a larger error limit shows it hidden.
    let base = serve(|config| {
        config.service(Health::default().error_limit(1 << 20));
    });
    let answer = get(&format!("{base}/readyz/link_storm")).await;
    let error = answer.check("link_storm")["error"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        error.contains("password=*** a://b"),
        "the secret was shown, hidden"
    );
    assert!(!error.contains("S3CR3T"));
}

#[actix_web::test]
async fn unknown_excludes_are_named_once_and_only_the_first_few() {
    let base = serve_health(Health::default());
    // 64 KB of names, each twice.
    let names: Vec<String> = (0..3000)
        .map(|i| format!("exclude=unknown-{}", i % 1500))
        .collect();
    let answer = get(&format!("{base}/livez?{}", names.join("&"))).await;
    assert!(
        answer.body.len() < KUBELET_READS,
        "{} bytes",
        answer.body.len()
    );
    let warnings = answer.json()["warnings"].as_array().unwrap().clone();
    assert_eq!(warnings.len(), 11, "{warnings:?}");
    assert_eq!(
        warnings[0],
        "some health checks cannot be excluded: no matches for \"unknown-0\""
    );
    assert_eq!(
        warnings[10],
        "and 1490 more names in `?exclude=` that match no check"
    );
    let answer = get(&format!(
        "{base}/livez?verbose&exclude={}",
        "x".repeat(5000)
    ))
    .await;
    let warning = answer
        .body
        .lines()
        .find(|line| line.starts_with("warn: "))
        .unwrap();
    assert!(warning.len() < 200, "{warning}");
}

#[actix_web::test]
async fn the_apps_routes_under_a_probe_path_stay_the_apps() {
    let base = serve(|config| {
        config.service(Health::default()).route(
            "/healthz/info",
            web::get().to(|| async { HttpResponse::Ok().body("info") }),
        );
    });
    let answer = get(&format!("{base}/healthz/info")).await;
    assert_eq!((answer.status, answer.body.as_str()), (200, "info"));
    assert_eq!(get(&format!("{base}/healthz/saving")).await.status, 503);
    assert_eq!(get(&format!("{base}/healthz/nope")).await.status, 404);
}

#[actix_web::test]
async fn a_probe_served_at_the_root_serves_the_root_only() {
    let base = serve(|config| {
        config
            .service(Health::default().paths(Probe::Liveness, ["/"]))
            .route(
                "/other",
                web::get().to(|| async { HttpResponse::Ok().body("other") }),
            );
    });
    let answer = get(&format!("{base}/")).await;
    assert_eq!(answer.status, 503);
    assert_eq!(
        answer.check_names(),
        ["configured", "saving", "saving_boxed", "saving_boxed_send"]
    );
    assert_eq!(get(&format!("{base}/other")).await.body, "other");
    assert_eq!(get(&format!("{base}/saving")).await.status, 404);
    assert_eq!(get(&format!("{base}/livez")).await.status, 404);
}

#[actix_web::test]
async fn an_error_shows_the_errors_that_caused_it() {
    let base = serve(|config| {
        let health = Health::default()
            .check(Probe::Liveness, Check::new("configured_built", read_config))
            .check(Probe::Liveness, Check::new("saving_built", save_cache))
            .check(
                Probe::Liveness,
                Check::new("saving_from_error", || async {
                    match save_cache().await {
                        Ok(()) => Outcome::healthy(),
                        Err(error) => Outcome::from_error(&error),
                    }
                }),
            );
        config.service(health);
    });
    let answer = get(&format!("{base}/livez")).await;
    let chain = "reading the config: No such file or directory (os error 2)";
    assert_eq!(answer.check("configured")["error"], chain);
    for boxed in ["saving", "saving_boxed", "saving_boxed_send"] {
        assert_eq!(answer.check(boxed)["error"], "saving the cache: disk full");
    }
    // A builder's check shows `{:#}`: anyhow's whole chain, a plain error's own text, and the
    // `source()` chain when it returns `Outcome::from_error`.
    assert_eq!(answer.check("configured_built")["error"], chain);
    assert_eq!(answer.check("saving_built")["error"], "saving the cache");
    assert_eq!(
        answer.check("saving_from_error")["error"],
        "saving the cache: disk full"
    );
}
