//! One `Health` served on actix-web and on axum answers alike: every path and alias, methods,
//! query options, formats, the detail policy and MicroProfile's preset (durations and times
//! aside). And the axum router merges into an app's router, or nests under a prefix, leaving the
//! app's own routes under a probe path to the app.

use awc::http::Method;
use axum::routing::get as route_get;
use health_runtime::{Data, Details, Health, liveness, readiness, startup};
use health_tests::axum::serve_axum;
use health_tests::{Answer, client, send, serve_health};

#[liveness]
async fn alive() {}

#[readiness(name = "db")]
async fn database() -> Result<(), String> {
    Err("refused by the server".into())
}

#[readiness(critical = false)]
async fn search() -> bool {
    false
}

struct Queue {
    depth: u32,
}

#[readiness]
async fn queue(queue: Data<Queue>) -> Result<u32, String> {
    Ok(queue.depth)
}

#[startup]
async fn warm() -> bool {
    true
}

fn health() -> Health {
    Health::default().data(Data::new(Queue { depth: 3 }))
}

/// The two servers of one `Health`: actix's base URL, axum's base URL.
fn served_on_both(health: impl Fn() -> Health + Send + 'static) -> (String, String) {
    let actix = serve_health(health());
    let axum = serve_axum(move || health().router());
    (actix, axum)
}

/// A request: method, path and query, and headers.
type Asked<'a> = (Method, &'a str, &'a [(&'a str, &'a str)]);

async fn ask(base: &str, (method, path, headers): &Asked<'_>) -> Answer {
    let mut request = client().request(method.clone(), format!("{base}{path}"));
    for &header in *headers {
        request = request.insert_header(header);
    }
    send(request).await
}

/// What must be the same on both servers: status, headers and body, its durations and times
/// made equal, and its counts of failed runs in a row (each request is one more run).
fn comparable(answer: &Answer) -> String {
    let body = match serde_json::from_str::<serde_json::Value>(&answer.body) {
        Ok(mut json) => {
            without_timings(&mut json);
            json.to_string()
        }
        Err(_) => answer.body.clone(),
    };
    format!(
        "{} type={:?} cache={:?} allow={:?}\n{body}",
        answer.status, answer.content_type, answer.cache_control, answer.allow
    )
}

fn without_timings(json: &mut serde_json::Value) {
    match json {
        serde_json::Value::Object(object) => {
            for (key, value) in object.iter_mut() {
                if matches!(key.as_str(), "duration_ms" | "time") {
                    *value = serde_json::Value::Null;
                } else if matches!(key.as_str(), "consecutive_failures" | "consecutiveFailures") {
                    assert!(value.as_u64().is_some_and(|runs| runs > 0), "{value}");
                    *value = serde_json::Value::Null;
                } else {
                    without_timings(value);
                }
            }
        }
        serde_json::Value::Array(values) => values.iter_mut().for_each(without_timings),
        _ => {}
    }
}

async fn assert_alike(actix: &str, axum: &str, asked: &[Asked<'_>]) {
    for request in asked {
        let (on_actix, on_axum) = (ask(actix, request).await, ask(axum, request).await);
        let (method, path, headers) = request;
        assert_eq!(
            comparable(&on_actix),
            comparable(&on_axum),
            "{method} {path} {headers:?}: actix, then axum"
        );
    }
}

const HEALTH_JSON: &[(&str, &str)] = &[("accept", "application/health+json")];

#[actix_web::test]
async fn every_path_method_and_option_is_answered_alike() {
    let (actix, axum) = served_on_both(health);
    let get = |path| (Method::GET, path, &[][..]);
    let asked = [
        get("/healthz"),
        get("/livez"),
        get("/ready"),
        get("/readyz"),
        get("/startupz"),
        get("/healthz/alive"),
        get("/readyz/db"),
        get("/ready/queue"),
        get("/startupz/warm"),
        get("/readyz/nothing-of-that-name"),
        get("/readyz/"),
        // A path is matched as it is written.
        get("/read%79"),
        get("/readyz/d%62"),
        get("/%72eadyz?verbose"),
        get("/readyz?verbose"),
        get("/livez?verbose"),
        get("/readyz?exclude=db"),
        get("/readyz?exclude=db&exclude=search&verbose"),
        get("/readyz?exclude=nothing&verbose"),
        get("/readyz?format=health-json"),
        get("/readyz?format=microprofile"),
        get("/readyz?format=json"),
        get("/readyz?format=xml"),
        (Method::GET, "/readyz", HEALTH_JSON),
        (Method::GET, "/readyz", &[("accept", "*/*")]),
        (Method::HEAD, "/readyz", &[]),
        (Method::HEAD, "/livez", &[]),
        (Method::POST, "/readyz", &[]),
        (Method::DELETE, "/healthz/alive", &[]),
    ];
    assert_alike(&actix, &axum, &asked).await;
    // Not one blank: the answers compared are the probes'.
    let ready = ask(&axum, &asked[3]).await;
    assert_eq!(ready.status, 503, "{}", ready.body);
    assert_eq!(
        ready.check_statuses(),
        ["db FAIL", "queue OK", "search WARN"]
    );
    assert_eq!(ready.check("queue")["data"], 3);
    assert_eq!(ask(&axum, &asked[27]).await.allow, "GET, HEAD");
}

#[actix_web::test]
async fn the_microprofile_preset_is_answered_alike() {
    let (actix, axum) = served_on_both(|| {
        health()
            .paths(health_runtime::Probe::Readiness, ["health/ready/"])
            .all_probes_paths(["/health"])
            .format(health_runtime::Format::MicroProfile)
    });
    let get = |path| (Method::GET, path, &[][..]);
    let asked = [
        get("/health"),
        get("/health/ready"),
        get("/health/ready/db"),
        get("/health?verbose"),
        get("/livez"),
    ];
    assert_alike(&actix, &axum, &asked).await;
    let (actix, axum) =
        served_on_both(|| Health::microprofile().data(Data::new(Queue { depth: 3 })));
    let asked = [
        get("/health"),
        get("/health/live"),
        get("/health/ready"),
        get("/health/started"),
        get("/health/ready/queue"),
        get("/readyz"),
        (Method::GET, "/health", HEALTH_JSON),
    ];
    assert_alike(&actix, &axum, &asked).await;
    let all = ask(&axum, &asked[0]).await;
    assert_eq!(
        (all.status, all.json()["status"].as_str()),
        (503, Some("DOWN"))
    );
}

#[actix_web::test]
async fn the_detail_policy_sees_the_same_request_on_both() {
    let by_token = || {
        health().details(Details::when_request(|request| {
            request.header("x-ops-token") == Some("s3")
                && request.path().starts_with("/ready")
                && request
                    .peer_addr()
                    .is_some_and(|peer| peer.ip().is_loopback())
        }))
    };
    let (actix, axum) = served_on_both(by_token);
    let token: &[(&str, &str)] = &[("x-ops-token", "s3")];
    let asked = [
        (Method::GET, "/readyz", token),
        (Method::GET, "/readyz", &[]),
        (Method::GET, "/readyz?verbose", token),
        (Method::GET, "/readyz?verbose", &[]),
        (Method::GET, "/livez", token),
    ];
    assert_alike(&actix, &axum, &asked).await;
    let full = ask(&axum, &asked[0]).await;
    assert_eq!(full.check("db")["error"], "refused by the server");
    let withheld = ask(&axum, &asked[1]).await;
    assert_eq!(withheld.check("db").get("error"), None, "{}", withheld.body);

    // actix's own predicate has no actix request to see on axum: statuses only.
    let axum = serve_axum(|| health().details(Details::when(|_| true)).router());
    let answer = ask(&axum, &asked[0]).await;
    assert_eq!(answer.check("db").get("error"), None, "{}", answer.body);
}

#[actix_web::test]
async fn the_router_merges_and_nests_and_the_apps_routes_stay_the_apps() {
    let merged = serve_axum(|| {
        axum::Router::new()
            .route("/readyz/orders", route_get(|| async { "the app's" }))
            .route("/orders", route_get(|| async { "[]" }))
            .merge(health().router())
    });
    let get = |base: &str, path: &str| {
        let url = format!("{base}{path}");
        async move { health_tests::get(&url).await }
    };
    assert_eq!(get(&merged, "/readyz/orders").await.body, "the app's");
    assert_eq!(get(&merged, "/orders").await.body, "[]");
    assert_eq!(
        get(&merged, "/readyz/queue").await.json()["status"],
        "READY"
    );
    assert_eq!(get(&merged, "/readyz").await.status, 503);

    let nested = serve_axum(|| axum::Router::new().nest("/ops", health().router()));
    assert_eq!(get(&nested, "/ops/livez").await.json()["status"], "OK");
    assert_eq!(get(&nested, "/ops/readyz/queue").await.status, 200);
    assert_eq!(get(&nested, "/livez").await.status, 404);

    // A detail policy sees the path the client asked for, the nest's prefix in it, as actix's
    // scope gives it.
    let nested = serve_axum(|| {
        let policy = Details::when_request(|request| request.path() == "/ops/readyz");
        axum::Router::new().nest("/ops", health().details(policy).router())
    });
    let answer = get(&nested, "/ops/readyz").await;
    assert_eq!(answer.check("db")["error"], "refused by the server");
}

/// A router built where no runtime is (before `main`'s runtime starts, say) starts its `interval`
/// loops with the first probe that reaches them.
#[actix_web::test]
async fn a_router_built_off_a_runtime_starts_its_loops_with_the_first_probe() {
    use health_runtime::{Check, Probe};
    let built = std::thread::spawn(|| {
        let ticking = Check::new("ticking", || async { Ok::<_, String>(7) })
            .interval(std::time::Duration::from_secs(60));
        health().check(Probe::Liveness, ticking).router()
    });
    let router = built.join().expect("a router, with no runtime in sight");
    let base = serve_axum(move || router);
    let answer = health_tests::get(&format!("{base}/livez/ticking")).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.check("ticking")["data"], 7);
}
