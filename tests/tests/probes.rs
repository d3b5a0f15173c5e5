//! The probes over real HTTP: statuses, bodies, stacking, data parameters, query options,
//! per-check paths, methods, and checks added on the builder.

use std::sync::atomic::{AtomicBool, Ordering};

use actix_web::web;
use awc::http::Method;
use health_runtime::{Check, Health, Outcome, Probe, liveness, readiness};
use health_tests::{get, raw, request, serve, serve_health};

struct AppState {
    flag_up: AtomicBool,
}

impl AppState {
    fn shared(flag_up: bool) -> web::Data<AppState> {
        web::Data::new(AppState {
            flag_up: AtomicBool::new(flag_up),
        })
    }

    fn check(&self) -> Result<(), String> {
        if self.flag_up.load(Ordering::SeqCst) {
            Ok(())
        } else {
            Err("flag is down".into())
        }
    }
}

// The issue's own example, written exactly as a user would.
#[liveness]
async fn alive() {}

#[readiness(name = "flag", timeout = "300ms")]
async fn flag(state: web::Data<AppState>) -> Result<(), String> {
    state.check()
}

#[readiness(critical = false)]
async fn optional_cache() -> bool {
    false
}

#[readiness]
#[liveness]
async fn both() -> Result<serde_json::Value, std::io::Error> {
    Ok(serde_json::json!({"workers": 4}))
}

#[readiness(name = "hand-made")]
async fn outcome_check() -> Outcome {
    Outcome::healthy().with_data("by hand")
}

fn app(flag_up: bool) -> impl Fn(&mut web::ServiceConfig) + Send + Clone + 'static {
    let state = AppState::shared(flag_up);
    move |config| {
        config.app_data(state.clone()).service(Health::default());
    }
}

#[actix_web::test]
async fn liveness_answers_ok_with_its_checks() {
    let base = serve(app(true));
    for path in ["/healthz", "/livez"] {
        let answer = get(&format!("{base}{path}")).await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
        assert_eq!(answer.content_type, "application/json");
        assert_eq!(answer.cache_control, "no-store");
        let json = answer.json();
        assert_eq!(json["status"], "OK");
        assert_eq!(answer.check_names(), ["alive", "both"], "{path}");
        assert_eq!(answer.check("alive")["status"], "OK");
        assert!(answer.check("alive")["duration_ms"].is_number());
        assert!(json.get("error").is_none());
    }
}

#[actix_web::test]
async fn readiness_answers_ready_with_data_and_warnings() {
    let base = serve(app(true));
    for path in ["/ready", "/readyz"] {
        let answer = get(&format!("{base}{path}")).await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
        assert_eq!(answer.json()["status"], "READY");
        let mut names = answer.check_names();
        names.sort();
        assert_eq!(names, ["both", "flag", "hand-made", "optional_cache"]);
        assert_eq!(answer.check("flag")["status"], "OK");
        assert_eq!(
            answer.check("both")["data"],
            serde_json::json!({"workers": 4})
        );
        assert_eq!(answer.check("hand-made")["data"], "by hand");
        let cache = answer.check("optional_cache");
        assert_eq!(cache["status"], "WARN");
        assert_eq!(cache["error"], "returned false");
    }
}

#[actix_web::test]
async fn a_failed_critical_check_answers_503_naming_it() {
    let base = serve(app(false));
    let answer = get(&format!("{base}/ready")).await;
    assert_eq!(answer.status, 503);
    assert_eq!(answer.content_type, "application/json");
    assert_eq!(answer.cache_control, "no-store");
    let json = answer.json();
    assert_eq!(json["status"], "FAIL");
    assert_eq!(json["error"], "flag failed: flag is down");
    assert_eq!(answer.check("flag")["status"], "FAIL");
    assert_eq!(answer.check("flag")["error"], "flag is down");
    // Liveness does not depend on readiness checks.
    assert_eq!(get(&format!("{base}/healthz")).await.status, 200);
}

#[actix_web::test]
async fn missing_app_data_fails_the_check_and_names_the_type() {
    let base = serve_health(Health::default());
    let answer = get(&format!("{base}/ready")).await;
    assert_eq!(answer.status, 503);
    let error = answer.check("flag")["error"].as_str().unwrap().to_owned();
    assert_eq!(
        error,
        "app data `web::Data<AppState>` is not registered; \
         add `.app_data(web::Data::new(value))` with a `AppState` to the App"
    );
    assert!(
        answer.json()["error"]
            .as_str()
            .unwrap()
            .starts_with("flag failed: app data")
    );
    assert_eq!(get(&format!("{base}/healthz")).await.status, 200);
}

#[actix_web::test]
async fn verbose_answers_the_kube_apiserver_text_format() {
    let base = serve(app(false));
    let answer = get(&format!("{base}/readyz?verbose")).await;
    assert_eq!(answer.status, 503);
    assert_eq!(answer.content_type, "text/plain; charset=utf-8");
    assert_eq!(answer.cache_control, "no-store");
    let mut lines: Vec<&str> = answer.body.lines().collect();
    assert_eq!(lines.pop(), Some("readiness check failed"));
    lines.sort();
    assert_eq!(
        lines,
        [
            "[+]both ok",
            "[+]hand-made ok",
            "[+]optional_cache warn: returned false",
            "[-]flag failed: flag is down",
        ]
    );

    let answer = get(&format!("{base}/livez?verbose=true")).await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.body,
        "[+]alive ok\n[+]both ok\nliveness check passed\n"
    );

    let answer = get(&format!("{base}/livez?verbose=false")).await;
    assert_eq!(answer.content_type, "application/json");
}

#[actix_web::test]
async fn exclude_skips_checks_and_warns_about_unknown_names() {
    let base = serve(app(false));
    let answer = get(&format!("{base}/ready?exclude=flag&exclude=optional_cache")).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let json = answer.json();
    assert_eq!(
        json["excluded"],
        serde_json::json!(["flag", "optional_cache"])
    );
    let mut names = answer.check_names();
    names.sort();
    assert_eq!(names, ["both", "hand-made"]);

    let answer = get(&format!("{base}/livez?verbose&exclude=both&exclude=nope")).await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.body,
        "[+]alive ok\n[+]both excluded: ok\n\
         warn: some health checks cannot be excluded: no matches for \"nope\"\n\
         liveness check passed\n"
    );
    let answer = get(&format!("{base}/livez?exclude=nope")).await;
    assert_eq!(
        answer.json()["warnings"],
        serde_json::json!(["some health checks cannot be excluded: no matches for \"nope\""])
    );
}

#[actix_web::test]
async fn a_check_path_runs_that_check_alone() {
    let base = serve(app(false));
    let answer = get(&format!("{base}/readyz/both")).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.check_names(), ["both"]);
    let answer = get(&format!("{base}/ready/flag")).await;
    assert_eq!(answer.status, 503);
    assert_eq!(answer.json()["error"], "flag failed: flag is down");
    assert_eq!(get(&format!("{base}/healthz/alive")).await.status, 200);
    assert_eq!(get(&format!("{base}/livez/both")).await.status, 200);

    // A name of no check is not the probes' to answer: the app's own 404.
    let answer = get(&format!("{base}/readyz/nope")).await;
    assert_eq!(answer.status, 404);
    assert_eq!(answer.body, "");
    // A readiness check is not reachable under a liveness path.
    assert_eq!(get(&format!("{base}/livez/flag")).await.status, 404);
}

#[actix_web::test]
async fn head_answers_like_get_without_a_body_and_other_methods_get_405() {
    let base = serve(app(false));
    let answer = request(Method::HEAD, &format!("{base}/ready")).await;
    assert_eq!(answer.status, 503);
    let head = raw(
        &base,
        "HEAD /ready HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n",
    );
    assert!(head.starts_with("HTTP/1.1 503"), "{head}");
    assert!(
        head.ends_with("\r\n\r\n"),
        "HEAD must not send a body: {head}"
    );
    let answer = request(Method::HEAD, &format!("{base}/healthz")).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type, "application/json");
    assert_eq!(
        request(Method::HEAD, &format!("{base}/livez/alive"))
            .await
            .status,
        200
    );

    for method in [Method::POST, Method::PUT, Method::DELETE] {
        for path in ["/healthz", "/readyz", "/startupz", "/readyz/flag"] {
            let answer = request(method.clone(), &format!("{base}{path}")).await;
            assert_eq!(answer.status, 405, "{method} {path}");
            assert_eq!(answer.allow, "GET, HEAD");
        }
    }
}

#[actix_web::test]
async fn no_startup_checks_means_started() {
    let base = serve(app(true));
    let answer = get(&format!("{base}/startupz")).await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.json(),
        serde_json::json!({"status": "STARTED", "checks": []})
    );
}

#[actix_web::test]
async fn builder_adds_checks_and_moves_paths() {
    let base = serve(|config| {
        let health = Health::default()
            .paths(Probe::Liveness, ["/health/live"])
            .paths(Probe::Readiness, ["/health/ready"])
            .check(
                Probe::Readiness,
                Check::new("runtime", || async { Err::<(), _>("added at runtime") }),
            )
            .check(
                Probe::Liveness,
                Check::new("soft", || async { false }).critical(false),
            );
        config.app_data(AppState::shared(true));
        config.service(health);
    });
    let answer = get(&format!("{base}/health/ready")).await;
    assert_eq!(answer.status, 503);
    assert_eq!(answer.json()["error"], "runtime failed: added at runtime");
    let answer = get(&format!("{base}/health/live")).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.check("soft")["status"], "WARN");
    assert_eq!(
        get(&format!("{base}/health/ready/runtime")).await.status,
        503
    );
    assert_eq!(get(&format!("{base}/healthz")).await.status, 404);
    assert_eq!(get(&format!("{base}/ready")).await.status, 404);
    assert_eq!(get(&format!("{base}/startupz")).await.status, 200);
}

#[actix_web::test]
async fn mounted_in_a_scope_with_a_path_written_without_its_slash() {
    let base = serve(|config| {
        let health = Health::default().paths(Probe::Liveness, ["health/live"]);
        config.app_data(AppState::shared(true));
        config.service(web::scope("/ops").service(health));
    });
    let answer = get(&format!("{base}/ops/health/live")).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.check("alive")["status"], "OK");
    assert_eq!(
        get(&format!("{base}/ops/health/live/alive")).await.status,
        200
    );
    let answer = get(&format!("{base}/ops/ready/flag")).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(get(&format!("{base}/health/live")).await.status, 404);
    assert_eq!(get(&format!("{base}/ready")).await.status, 404);
}

#[actix_web::test]
async fn the_annotated_fns_stay_callable() {
    let state = AppState::shared(false);
    assert_eq!(flag(state).await, Err("flag is down".to_owned()));
    assert!(!optional_cache().await);
    alive().await;
}

#[actix_web::test]
async fn each_answer_shows_the_checks_as_they_are_now() {
    let state = AppState::shared(true);
    let base = serve({
        let state = state.clone();
        move |config| {
            config.app_data(state.clone()).service(Health::default());
        }
    });
    let url = format!("{base}/ready");
    // Twice each way: nothing of one answer may linger into the next.
    for (flag_up, status) in [
        (true, 200),
        (true, 200),
        (false, 503),
        (false, 503),
        (true, 200),
    ] {
        state.flag_up.store(flag_up, Ordering::SeqCst);
        let answer = get(&url).await;
        assert_eq!(answer.status, status, "{}", answer.body);
        let flag = answer.check("flag");
        if flag_up {
            assert_eq!(answer.json()["status"], "READY");
            assert!(flag.get("error").is_none(), "{}", answer.body);
        } else {
            assert_eq!(answer.json()["error"], "flag failed: flag is down");
            assert_eq!(flag["error"], "flag is down");
        }
    }
}
