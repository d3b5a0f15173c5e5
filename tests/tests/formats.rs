//! The body formats and the detail policy over HTTP, and the assertions of MicroProfile Health's
//! conformance suite against `Health::microprofile()`, one test each (the startup one is in
//! `microprofile_started.rs`, as the startup latch belongs to the process). This binary declares no checks:
//! each test serves the checks it builds.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use awc::http::header::ACCEPT;
use health_runtime::{Check, Details, Format, Health, Outcome, Probe};
use health_tests::{Answer, client, get, send, serve_health};

fn passing(name: &'static str) -> Check {
    Check::new(name, || async {})
}

fn failing(name: &'static str) -> Check {
    Check::new(name, || async { Err::<(), _>("refused by the server") })
}

/// `GET url` with `Accept: accept`.
async fn get_accepting(url: &str, accept: &str) -> Answer {
    send(client().get(url).insert_header((ACCEPT, accept))).await
}

fn one_failing() -> Health {
    Health::default()
        .check(Probe::Readiness, failing("db"))
        .check(Probe::Readiness, passing("flag"))
}

#[actix_web::test]
async fn a_request_picks_its_format_and_the_status_code_stays() {
    let base = serve_health(one_failing());
    let url = format!("{base}/readyz");

    let json = get(&url).await;
    assert_eq!(
        (json.status, json.content_type.as_str()),
        (503, "application/json")
    );
    assert_eq!(json.json()["status"], "FAIL");

    let health_json = get(&format!("{url}?format=health-json")).await;
    assert_eq!(health_json.status, 503);
    assert_eq!(health_json.content_type, "application/health+json");
    assert_eq!(health_json.json()["status"], "fail");
    assert_eq!(
        health_json.json()["checks"]["db"][0]["output"],
        "refused by the server"
    );

    let accepted = get_accepting(&url, "application/health+json").await;
    assert_eq!(accepted.content_type, "application/health+json");
    assert_eq!(accepted.status, 503);
    // The kubelet's `Accept: */*` gets the configured default.
    assert_eq!(get_accepting(&url, "*/*").await.json()["status"], "FAIL");
    // Media types without regard to case; a `q` of 0 refuses a type.
    let upper = get_accepting(&url, "Application/Health+JSON").await;
    assert_eq!(upper.content_type, "application/health+json");
    let refused = get_accepting(&url, "application/health+json;q=0, */*").await;
    assert_eq!(refused.content_type, "application/json");

    let microprofile = get(&format!("{url}?format=microprofile")).await;
    assert_eq!(microprofile.status, 503);
    assert_eq!(microprofile.json()["status"], "DOWN");

    let verbose = get(&format!("{url}?format=microprofile&verbose")).await;
    assert!(
        verbose
            .body
            .starts_with("[-]db failed: refused by the server\n"),
        "{}",
        verbose.body
    );

    let unknown = get(&format!("{url}?format=xml")).await;
    assert_eq!(unknown.status, 400);
    assert_eq!(
        unknown.json()["error"],
        "unknown format \"xml\": use json, microprofile or health-json"
    );

    // A passing probe is 200 in every format (`seed` is `json`'s name before 0.1).
    for format in ["json", "seed", "microprofile", "health-json"] {
        let answer = get(&format!("{base}/readyz/flag?format={format}")).await;
        assert_eq!(answer.status, 200, "{format}");
    }
}

#[actix_web::test]
async fn the_builder_sets_the_default_format() {
    let base = serve_health(one_failing().format(Format::HealthJson));
    let answer = get(&format!("{base}/readyz")).await;
    assert_eq!(answer.content_type, "application/health+json");
    assert_eq!(answer.json()["status"], "fail");
    assert_eq!(
        get(&format!("{base}/readyz?format=json")).await.json()["status"],
        "FAIL"
    );
    // The kubelet's `Accept: */*` gets the configured default.
    let kubelet = get_accepting(&format!("{base}/readyz"), "*/*").await;
    assert_eq!(kubelet.content_type, "application/health+json");
    assert_eq!(kubelet.status, 503);
}

#[actix_web::test]
async fn status_only_withholds_reasons_in_every_format_with_the_same_status() {
    let base = serve_health(one_failing().details(Details::status_only()));
    let url = format!("{base}/readyz");
    for format in ["json", "microprofile", "health-json"] {
        let answer = get(&format!("{url}?format={format}")).await;
        assert_eq!(answer.status, 503, "{format}");
        assert!(
            !answer.body.contains("refused"),
            "{format}: {}",
            answer.body
        );
        assert!(
            answer.body.contains("\"db\""),
            "names stay: {}",
            answer.body
        );
    }
    let answer = get(&url).await;
    assert_eq!(
        answer.json(),
        serde_json::json!({"status": "FAIL", "checks": [
            {"name": "db", "status": "FAIL"}, {"name": "flag", "status": "OK"}
        ]})
    );
    let verbose = get(&format!("{url}?verbose")).await;
    assert_eq!(
        verbose.body,
        "[-]db failed: reason withheld\n[+]flag ok\nreadiness check failed\n"
    );
}

#[actix_web::test]
async fn a_predicate_chooses_who_sees_the_details() {
    // On every server: the request's peer, headers and path.
    let loopback = Details::when_request(|request| {
        request
            .peer_addr()
            .is_some_and(|peer| peer.ip().is_loopback())
    });
    let base = serve_health(one_failing().details(loopback));
    let answer = get(&format!("{base}/readyz")).await;
    assert_eq!(answer.json()["error"], "db failed: refused by the server");

    // On actix: the `HttpRequest` itself.
    let by_token = Details::when(|request| request.headers().contains_key("x-ops-token"));
    let base = serve_health(one_failing().details(by_token));
    let answer = get(&format!("{base}/readyz")).await;
    assert_eq!(answer.status, 503);
    assert!(answer.json().get("error").is_none(), "{}", answer.body);
    // Those it does not accept get statuses only, in every format, with the same status code.
    for format in ["microprofile", "health-json"] {
        let answer = get(&format!("{base}/readyz?format={format}")).await;
        assert_eq!(answer.status, 503, "{format}");
        assert!(
            !answer.body.contains("refused"),
            "{format}: {}",
            answer.body
        );
    }
    let verbose = get(&format!("{base}/readyz?verbose")).await.body;
    assert!(
        verbose.starts_with("[-]db failed: reason withheld\n"),
        "{verbose}"
    );
}

// MicroProfile Health's conformance assertions, against `Health::microprofile()`.

#[actix_web::test]
async fn microprofile_1_no_checks_at_all_is_up_with_an_empty_list() {
    let base = serve_health(Health::microprofile());
    for path in [
        "/health",
        "/health/live",
        "/health/ready",
        "/health/started",
    ] {
        let answer = get(&format!("{base}{path}")).await;
        assert_eq!(answer.status, 200, "{path}");
        assert_eq!(
            answer.json(),
            serde_json::json!({"status": "UP", "checks": []}),
            "{path}"
        );
    }
}

#[actix_web::test]
async fn microprofile_2_one_failing_readiness_check_of_three_is_down_and_all_are_listed() {
    let health = Health::microprofile()
        .check(Probe::Readiness, passing("first"))
        .check(Probe::Readiness, failing("second"))
        .check(Probe::Readiness, passing("third"));
    let base = serve_health(health);
    let answer = get(&format!("{base}/health/ready")).await;
    assert_eq!(answer.status, 503);
    assert_eq!(answer.json()["status"], "DOWN");
    assert_eq!(
        answer.check_statuses(),
        ["first UP", "second DOWN", "third UP"]
    );
}

#[actix_web::test]
async fn microprofile_3_each_probe_lists_only_its_own_checks() {
    let health = Health::microprofile()
        .check(Probe::Liveness, passing("live-check"))
        .check(Probe::Readiness, passing("ready-check"));
    let base = serve_health(health);
    let ready = get(&format!("{base}/health/ready")).await;
    assert_eq!(ready.check_names(), ["ready-check"]);
    let live = get(&format!("{base}/health/live")).await;
    assert_eq!(live.check_names(), ["live-check"]);
    let all = get(&format!("{base}/health")).await;
    assert_eq!(all.check_names(), ["live-check", "ready-check"]);
}

#[actix_web::test]
async fn microprofile_5_data_holds_strings_numbers_and_booleans_and_the_root_two_keys() {
    let nested = Check::new("nested", || async {
        Outcome::healthy().with_data(serde_json::json!({
            "pool": {"size": 4, "idle": true}, "hosts": ["a", "b"], "region": "eu", "none": null
        }))
    });
    let base = serve_health(Health::microprofile().check(Probe::Readiness, nested));
    let answer = get(&format!("{base}/health")).await;
    let json = answer.json();
    let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["checks", "status"]);
    let data = json["checks"][0]["data"].as_object().unwrap().clone();
    assert!(
        data.values()
            .all(|value| value.is_string() || value.is_number() || value.is_boolean()),
        "{data:?}"
    );
    assert_eq!(data["pool.size"], 4);
    assert_eq!(data["hosts"], "[\"a\",\"b\"]");
}

#[actix_web::test]
async fn microprofile_6_a_check_that_throws_is_down_under_its_name() {
    async fn throw() -> bool {
        panic!("an exception")
    }
    let throws = Check::new("throws", throw);
    let base = serve_health(Health::microprofile().check(Probe::Liveness, throws));
    let answer = get(&format!("{base}/health/live")).await;
    assert_eq!(answer.status, 503);
    assert_eq!(answer.json()["status"], "DOWN");
    assert_eq!(answer.check("throws")["status"], "DOWN");
}

#[actix_web::test]
async fn microprofile_7_every_check_runs_and_the_status_is_their_and() {
    let runs = Arc::new(AtomicUsize::new(0));
    let counted = |name: &'static str, passes: bool| {
        let runs = runs.clone();
        Check::new(name, move || {
            runs.fetch_add(1, Ordering::SeqCst);
            async move { passes }
        })
    };
    let health = Health::microprofile()
        .check(Probe::Liveness, counted("a", true))
        .check(Probe::Readiness, counted("b", false))
        .check(Probe::Readiness, counted("c", true));
    let base = serve_health(health);
    let answer = get(&format!("{base}/health")).await;
    assert_eq!(runs.load(Ordering::SeqCst), 3, "every check ran");
    assert_eq!(answer.status, 503);
    assert_eq!(answer.json()["status"], "DOWN");
    assert_eq!(
        get(&format!("{base}/health/live")).await.json()["status"],
        "UP"
    );
}
