//! Groups, each check's recent runs, and the status page over real HTTP, on actix and axum: a
//! group is served like a probe, but its failing check never fails a probe.

use std::sync::atomic::{AtomicBool, Ordering};

use health_runtime::{Check, Details, Group, Health, Probe, check, readiness};
use health_tests::axum::serve_axum;
use health_tests::{get, serve_health};

/// Whether the search cluster, which only the deep group checks, is down.
static SEARCH_DOWN: AtomicBool = AtomicBool::new(false);

#[readiness(group = ["deep", "ops"], recent_runs = 3)]
async fn db() -> bool {
    true
}

#[check(group = "deep", timeout = "300ms")]
async fn search_cluster() -> Result<(), String> {
    if SEARCH_DOWN.load(Ordering::SeqCst) {
        Err("search cluster unreachable: connection refused".to_owned())
    } else {
        Ok(())
    }
}

/// The probes show statuses only; the deep group, for operators, its reasons.
fn health() -> Health {
    Health::default()
        .details(Details::status_only())
        .group(Group::new("deep").paths(["/deep"]).details(Details::full()))
        .group(
            Group::new("platform")
                .checks(["db"])
                .check(Check::new("queue", || async { true })),
        )
        .status_page("/status")
}

#[actix_web::test]
async fn a_failing_check_in_a_group_fails_the_group_and_no_probe() {
    let captured = health_tests::log::captured();
    let base = serve_health(health());
    for path in [
        "/health/group/deep",
        "/deep",
        "/health/group/ops",
        "/ready",
        "/healthz",
    ] {
        let answer = get(&format!("{base}{path}")).await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
    }
    let deep = get(&format!("{base}/deep")).await;
    assert_eq!(deep.check_names(), ["db", "search_cluster"]);
    assert_eq!(
        get(&format!("{base}/health/group/platform"))
            .await
            .check_names(),
        ["db", "queue"],
        "checks joined by name and added in no probe"
    );

    SEARCH_DOWN.store(true, Ordering::SeqCst);
    let deep = get(&format!("{base}/health/group/deep")).await;
    assert_eq!(deep.status, 503, "{}", deep.body);
    assert_eq!(deep.check_statuses(), ["db OK", "search_cluster FAIL"]);
    assert_eq!(
        deep.check("search_cluster")["error"],
        "search cluster unreachable: connection refused",
        "the group's own detail policy"
    );
    for path in ["/ready", "/readyz", "/healthz", "/startupz"] {
        let answer = get(&format!("{base}{path}")).await;
        assert_eq!(
            answer.status, 200,
            "{path} is fed by no group: {}",
            answer.body
        );
        assert!(!answer.body.contains("search_cluster"), "{}", answer.body);
    }
    let ready = get(&format!("{base}/ready")).await;
    assert!(
        ready.check("db").get("duration_ms").is_none(),
        "status only"
    );

    // One check, every format, ?verbose, ?exclude.
    assert_eq!(
        get(&format!("{base}/deep/search_cluster")).await.status,
        503
    );
    assert_eq!(
        get(&format!("{base}/health/group/deep/db")).await.status,
        200
    );
    let excluded = get(&format!("{base}/deep?exclude=search_cluster")).await;
    assert_eq!(excluded.status, 200, "{}", excluded.body);
    assert_eq!(
        excluded.json()["excluded"],
        serde_json::json!(["search_cluster"])
    );
    let verbose = get(&format!("{base}/deep?verbose")).await;
    assert!(
        verbose.body.contains("[-]search_cluster failed"),
        "{}",
        verbose.body
    );
    assert!(
        verbose.body.contains("deep check failed"),
        "{}",
        verbose.body
    );
    let health_json = get(&format!("{base}/deep?format=health-json")).await;
    assert_eq!(health_json.json()["status"], "fail");
    let microprofile = get(&format!("{base}/deep?format=microprofile")).await;
    assert_eq!(microprofile.json()["status"], "DOWN");

    // The log says which groups the failing check is in.
    let logged = captured.lines().into_iter().find(|line| {
        line.contains("search_cluster") && line.contains("FAIL") && line.contains("groups=\"deep\"")
    });
    assert!(logged.is_some(), "{:?}", captured.lines());

    // An unknown group lists those there are.
    let unknown = get(&format!("{base}/health/group/nope")).await;
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    assert_eq!(
        unknown.json()["error"],
        "no group named \"nope\"; the groups are: deep, platform, ops"
    );
    SEARCH_DOWN.store(false, Ordering::SeqCst);
    assert_eq!(get(&format!("{base}/deep")).await.status, 200);
}

#[actix_web::test]
async fn recent_runs_are_shown_with_history_where_details_are() {
    let base = serve_health(
        Health::default()
            .only_checks(|_, _| false)
            .recent_runs(3)
            .group(Group::new("flaky").check(Check::new("flips", {
                let calls = std::sync::atomic::AtomicUsize::new(0);
                let calls = std::sync::Arc::new(calls);
                move || {
                    let call = calls.fetch_add(1, Ordering::SeqCst);
                    async move {
                        if call % 2 == 1 {
                            Err(format!("run {call} failed, token=hunter2"))
                        } else {
                            Ok(())
                        }
                    }
                }
            }))),
    );
    for _ in 0..5 {
        get(&format!("{base}/health/group/flaky")).await;
    }
    let answer = get(&format!("{base}/health/group/flaky?history")).await;
    let runs = answer.check("flips")["runs"].clone();
    let statuses: Vec<&str> = runs
        .as_array()
        .expect("runs")
        .iter()
        .map(|run| run["status"].as_str().unwrap())
        .collect();
    // Runs 3, 4 and 5 (0-based): the last three of six, oldest first.
    assert_eq!(statuses, ["FAIL", "OK", "FAIL"], "{}", answer.body);
    let failed = &runs[0];
    assert_eq!(failed["error"], "run 3 failed, token=***");
    assert!(failed["start"].as_str().unwrap().ends_with('Z'));
    assert!(failed["duration_ms"].as_f64().is_some());
    let health_json = get(&format!(
        "{base}/health/group/flaky?history&format=health-json"
    ))
    .await;
    assert!(
        health_json.body.contains("\"runs\":[{\"start\""),
        "{}",
        health_json.body
    );
    let microprofile = get(&format!(
        "{base}/health/group/flaky?history&format=microprofile"
    ))
    .await;
    let flips = &microprofile.json()["checks"][0]["data"];
    assert_eq!(
        flips["recentRuns"], "fail pass fail",
        "{}",
        microprofile.body
    );
    let without = get(&format!("{base}/health/group/flaky")).await;
    assert!(
        without.check("flips").get("runs").is_none(),
        "only when asked"
    );
}

#[actix_web::test]
async fn each_check_shows_its_own_runs_and_none_are_kept_when_asked() {
    let base = serve_health(
        Health::default()
            .only_checks(|_, _| false)
            .all_probes_paths(["/health"])
            .check(Probe::Liveness, Check::new("db", || async { true }))
            .check(
                Probe::Readiness,
                Check::new("db", || async { Err::<(), _>("refused") }),
            )
            .check(
                Probe::Readiness,
                Check::new("quiet", || async { true }).recent_runs(0),
            ),
    );
    get(&format!("{base}/healthz")).await;
    let all = get(&format!("{base}/health?history")).await;
    let checks = all.json()["checks"].clone();
    let runs_of = |i: usize| -> Vec<String> {
        let runs = checks[i]["runs"].as_array().cloned().unwrap_or_default();
        runs.iter()
            .map(|run| run["status"].as_str().unwrap().to_owned())
            .collect()
    };
    // Liveness's `db` ran twice (/healthz, /health), passing; readiness's once, failing.
    assert_eq!(checks[0]["name"], "db");
    assert_eq!(runs_of(0), ["OK", "OK"], "{}", all.body);
    assert_eq!(checks[1]["name"], "db");
    assert_eq!(runs_of(1), ["FAIL"], "{}", all.body);
    assert_eq!(checks[2]["name"], "quiet");
    assert_eq!(
        checks[2]["runs"],
        serde_json::json!([]),
        "recent_runs(0) keeps none"
    );
}

#[actix_web::test]
async fn a_declared_check_keeps_the_runs_its_attribute_asks() {
    let base = serve_health(health());
    for _ in 0..12 {
        get(&format!("{base}/health/group/deep")).await;
    }
    let deep = get(&format!("{base}/health/group/deep?history")).await;
    let runs = deep.check("db")["runs"].as_array().unwrap().len();
    assert_eq!(runs, 3, "`recent_runs = 3`: {}", deep.body);
    let search = deep.check("search_cluster")["runs"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(search, 10, "10 by default: {}", deep.body);
}

/// On every server, and on the page that runs every group: a hung group check answers at its
/// timeout, and no probe waits for it.
#[actix_web::test]
async fn a_hung_check_in_a_group_answers_within_its_timeout_and_holds_up_no_probe() {
    let health = || {
        let hung = Check::new("nfs", std::future::pending::<()>)
            .timeout(std::time::Duration::from_millis(200));
        Health::default()
            .only_checks(|_, _| false)
            .check(Probe::Readiness, Check::new("fast", || async {}))
            .group(Group::new("storage").check(hung))
            .status_page("/status")
    };
    let actix = serve_health(health());
    let axum = serve_axum(move || health().router());
    for base in [actix, axum] {
        let began = std::time::Instant::now();
        let storage = get(&format!("{base}/health/group/storage")).await;
        assert_eq!(storage.status, 503, "{}", storage.body);
        assert_eq!(storage.check("nfs")["error"], "timed out after 200ms");
        let page = get(&format!("{base}/status")).await;
        assert!(page.body.contains("timed out after 200ms"), "{}", page.body);
        assert!(
            began.elapsed() < std::time::Duration::from_secs(2),
            "{base}: {:?}",
            began.elapsed()
        );
        let ready = get(&format!("{base}/ready")).await;
        assert_eq!(ready.status, 200, "{}", ready.body);
        assert!(!ready.body.contains("nfs"), "{}", ready.body);
    }
}

/// More clients than workers, each run of a check of uneven length recorded at once: the ring
/// keeps exactly the runs it is asked to keep, each whole.
#[actix_web::test]
async fn recent_runs_stay_whole_under_more_clients_than_workers() {
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let uneven = Check::new("uneven", move || {
        let call = calls.fetch_add(1, Ordering::SeqCst);
        async move {
            let pause = std::time::Duration::from_millis(call % 7 * 3);
            actix_web::rt::time::sleep(pause).await;
            if call.is_multiple_of(3) {
                Err(format!("run {call} refused"))
            } else {
                Ok(())
            }
        }
    });
    let base = serve_health(
        Health::default()
            .only_checks(|_, _| false)
            .details(Details::full())
            .group(Group::new("busy").check(uneven.recent_runs(50))),
    );
    let clients = (0..16).map(|_| {
        let url = format!("{base}/health/group/busy");
        async move {
            for _ in 0..20 {
                get(&url).await;
            }
        }
    });
    futures_util::future::join_all(clients).await;
    let answer = get(&format!("{base}/health/group/busy?history")).await;
    let runs = answer.check("uneven")["runs"].as_array().unwrap().clone();
    assert_eq!(runs.len(), 50, "{}", answer.body);
    for run in &runs {
        let status = run["status"].as_str().unwrap();
        let start = run["start"].as_str().unwrap();
        assert!(start.ends_with('Z'), "{run}");
        match status {
            "OK" => assert!(run.get("error").is_none(), "{run}"),
            "FAIL" => assert!(run["error"].as_str().unwrap().ends_with("refused"), "{run}"),
            _ => panic!("{run}"),
        }
    }
}

#[actix_web::test]
async fn hostile_names_and_a_history_of_any_size_make_short_bounded_bodies() {
    let mut group = Group::new("many");
    for i in 0..40 {
        let reason = format!("{i}: {}", "refused ".repeat(500));
        let check = Check::new(format!("check-{i:02}"), move || {
            let reason = reason.clone();
            async move { Err::<(), _>(reason) }
        });
        group = group.check(check.recent_runs(1000));
    }
    let base = serve_health(
        Health::default()
            .only_checks(|_, _| false)
            .error_limit(4096)
            .group(group),
    );
    for _ in 0..30 {
        get(&format!("{base}/health/group/many")).await;
    }
    for format in ["json", "health-json", "microprofile"] {
        let answer = get(&format!("{base}/health/group/many?history&format={format}")).await;
        assert_eq!(answer.status, 503);
        assert!(
            answer.body.len() <= 10 * 1024,
            "{format}: {} bytes",
            answer.body.len()
        );
        answer.json();
    }
    let long = "x".repeat(16 * 1024);
    let unknown = get(&format!("{base}/health/group/{long}")).await;
    assert_eq!(unknown.status, 404);
    assert!(unknown.body.len() < 300, "{} bytes", unknown.body.len());
}

/// A body over its limit keeps failures first: on `/health`, two probes' checks of one name,
/// reordered, each keep their own runs (they were matched by position and swapped).
#[actix_web::test]
async fn a_body_cut_to_its_limit_keeps_each_check_s_own_runs() {
    let base = serve_health(
        Health::default()
            .only_checks(|_, _| false)
            .all_probes_paths(["/health"])
            .body_limit(900)
            .check(Probe::Liveness, Check::new("db", || async {}))
            .check(
                Probe::Readiness,
                Check::new("db", || async { Err::<(), _>("replica refused") }),
            ),
    );
    for _ in 0..3 {
        get(&format!("{base}/health")).await;
    }
    let answer = get(&format!("{base}/health?history")).await;
    let checks = answer.json()["checks"].as_array().unwrap().clone();
    assert!(!checks.is_empty(), "{}", answer.body);
    for check in &checks {
        let own = check["status"].as_str().unwrap();
        let runs = check["runs"].as_array().unwrap();
        assert!(!runs.is_empty(), "{}", answer.body);
        for run in runs {
            let run_status = run["status"].as_str().unwrap();
            assert_eq!(run_status, own, "{}", answer.body);
        }
    }
    assert!(
        answer.body.contains("left out"),
        "the body is cut to its limit: {}",
        answer.body
    );
}

#[actix_web::test]
async fn a_cached_answer_is_no_run_and_each_run_of_a_loop_is_one() {
    let base = serve_health(
        Health::default()
            .only_checks(|_, _| false)
            .check(
                Probe::Readiness,
                Check::new("cached", || async { true }).cache(std::time::Duration::from_secs(60)),
            )
            .check(
                Probe::Readiness,
                Check::new("looped", || async { true })
                    .interval(std::time::Duration::from_millis(50)),
            ),
    );
    for _ in 0..5 {
        get(&format!("{base}/readyz")).await;
    }
    actix_web::rt::time::sleep(std::time::Duration::from_millis(400)).await;
    let answer = get(&format!("{base}/readyz?history")).await;
    let runs = |name: &str| answer.check(name)["runs"].as_array().unwrap().len();
    assert_eq!(runs("cached"), 1, "six probes, one run: {}", answer.body);
    assert!(runs("looped") >= 5, "a run each 50 ms: {}", answer.body);
    assert!(runs("looped") <= 10, "at most the 10 kept: {}", answer.body);
}

#[actix_web::test]
async fn history_is_hidden_by_a_status_only_policy() {
    let base = serve_health(
        Health::default()
            .only_checks(|_, _| false)
            .only_group_checks(|_| false)
            .details(Details::status_only())
            .group(Group::new("g").check(Check::new("c", || async { true }))),
    );
    let answer = get(&format!("{base}/health/group/g?history")).await;
    assert_eq!(
        answer.json()["checks"][0],
        serde_json::json!({"name": "c", "status": "OK"})
    );
    // `#[check]`'s `search_cluster` was dropped: no group `deep` is served.
    let unknown = get(&format!("{base}/health/group/deep")).await;
    assert_eq!(
        unknown.json()["error"],
        "no group named \"deep\"; the groups are: g"
    );
}

#[actix_web::test]
async fn the_status_page_is_rendered_by_the_server_under_a_strict_policy() {
    let vault = Check::new("vault", || async {
        Err::<(), _>("login to postgres://app:hunter2@db/app failed <script>")
    });
    let health = health().group(Group::new("secrets").details(Details::full()).check(vault));
    health
        .availability()
        .refuse_traffic("leader election <lost>");
    let base = serve_health(health);
    let page = get(&format!("{base}/status")).await;
    // The probes show statuses only: a switch's reason too.
    assert!(page.body.contains("<dd>refused</dd>"), "{}", page.body);
    assert!(
        page.body.contains("Held back by an availability switch"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("leader election"), "{}", page.body);
    // Details only where the policy shows them: the `deep` group's two checks, `secrets`' one.
    assert_eq!(
        page.body.matches("<dt>Since</dt>").count(),
        3,
        "{}",
        page.body
    );
    // A reason is redacted and escaped, in the check and in its runs' strip.
    assert!(
        !page.body.contains("hunter2") && !page.body.contains("<script>"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("postgres://***@db/app failed &lt;script&gt;"),
        "{}",
        page.body
    );
    assert_eq!(page.status, 200);
    assert_eq!(page.content_type, "text/html; charset=utf-8");
    for name in [
        "Liveness",
        "Readiness",
        "Startup",
        "Group deep",
        "search_cluster",
        "queue",
    ] {
        assert!(page.body.contains(name), "{name} in {}", page.body);
    }
    assert!(
        page.body.contains("href=\"status/page.css\""),
        "{}",
        page.body
    );
    let css = get(&format!("{base}/status/page.css")).await;
    assert_eq!(
        (css.status, css.content_type.as_str()),
        (200, "text/css; charset=utf-8")
    );
    let script = get(&format!("{base}/status/page.js")).await;
    assert_eq!(script.content_type, "text/javascript; charset=utf-8");

    let raw = health_tests::raw(
        &base,
        "GET /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    let policy = raw
        .lines()
        .find(|line| {
            line.to_ascii_lowercase()
                .starts_with("content-security-policy:")
        })
        .unwrap_or_else(|| panic!("no policy in {raw}"));
    assert!(
        policy.contains("default-src 'none'; script-src 'self'"),
        "{policy}"
    );
}

#[actix_web::test]
async fn the_management_port_serves_the_groups_and_the_page() {
    let port = health_tests::free_port();
    let management = health()
        .management_server(("127.0.0.1", port))
        .expect("bind the management port");
    actix_web::rt::spawn(management);
    let base = format!("http://127.0.0.1:{port}");
    // Bound as `management_server` returns: it answers at once.
    let deep = get(&format!("{base}/health/group/deep")).await;
    assert_eq!(
        deep.check_names(),
        ["db", "search_cluster"],
        "{}",
        deep.body
    );
    assert_eq!(
        get(&format!("{base}/health/group/platform/queue"))
            .await
            .status,
        200
    );
    let page = get(&format!("{base}/status")).await;
    assert!(page.body.contains("Group platform"), "{}", page.body);
}

#[actix_web::test]
async fn a_page_view_runs_a_check_in_a_probe_and_a_group_once() {
    let runs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = Check::new("counted", {
        let runs = runs.clone();
        move || {
            runs.fetch_add(1, Ordering::SeqCst);
            async { Err::<(), _>("down") }
        }
    });
    let base = serve_health(
        Health::default()
            .only_checks(|_, _| false)
            .only_group_checks(|_| false)
            .check(Probe::Readiness, counted.group("deep"))
            .group(Group::new("deep").check(Check::new("own", || async {})))
            .status_page("/status"),
    );
    let page = get(&format!("{base}/status")).await;
    assert_eq!(runs.load(Ordering::SeqCst), 1, "one run for both sections");
    // Shown failing in both, the group's own check beside it, in name order.
    let deep = &page.body[page.body.find("Group deep").expect("the group's section")..];
    let (counted_at, own_at) = (deep.find(">counted <"), deep.find(">own <"));
    assert!(
        counted_at.is_some_and(|c| own_at.is_some_and(|o| c < o)),
        "{deep}"
    );
    assert!(
        deep.contains("Group deep <span class=\"badge fail\">failing"),
        "{deep}"
    );
    assert!(deep.contains("<p class=\"reason\">down</p>"), "{deep}");
    assert_eq!(page.body.matches("<p class=\"reason\">down</p>").count(), 2);
}

#[actix_web::test]
async fn one_health_serves_its_groups_and_page_on_actix_and_axum_at_once() {
    let health = health().group(
        Group::new("both")
            .details(Details::full())
            .check(Check::new("one_ring", || async {})),
    );
    let actix = serve_health(health.clone());
    let axum = serve_axum(move || health.router());
    for base in [&actix, &axum] {
        let deep = get(&format!("{base}/health/group/deep")).await;
        assert_eq!(deep.check_names(), ["db", "search_cluster"]);
        assert_eq!(get(&format!("{base}/deep/db")).await.status, 200);
        assert_eq!(get(&format!("{base}/health/group/nope")).await.status, 404);
        let page = get(&format!("{base}/status")).await;
        assert!(page.body.contains("search_cluster"), "{}", page.body);
    }
    // One check, one history, whichever server ran it: the two pages' views above, two runs on
    // actix, then axum's own.
    for _ in 0..2 {
        get(&format!("{actix}/health/group/both")).await;
    }
    let both = get(&format!("{axum}/health/group/both?history")).await;
    let runs = both.check("one_ring")["runs"].as_array().unwrap().len();
    assert_eq!(runs, 5, "{}", both.body);
}

#[test]
#[should_panic(
    expected = "Group::new(\"ops2\").checks([\"nope\"]): no check of this Health is named \"nope\""
)]
fn a_group_naming_no_check_is_refused_where_the_health_is_built() {
    let _ = Health::default().group(Group::new("ops2").checks(["nope"]));
}

#[test]
#[should_panic(expected = "Group::new(\"bad/name\"): invalid character '/' in group name")]
fn a_group_name_follows_the_check_name_rule() {
    let _ = Group::new("bad/name");
}

/// What a reason holds (a credential a driver put in its error) is in no `Debug` of the types
/// an app holds, after the check has failed with it: not the `Health`, a `Group`, the gRPC
/// service.
#[actix_web::test]
async fn no_debug_shows_a_credential_a_failing_check_said() {
    let leaky = || {
        Check::new("vault", || async {
            Err::<(), _>("connect failed: password=hunter2 token=s3cr3t")
        })
    };
    let group = Group::new("secrets").check(leaky());
    let health = Health::default()
        .only_checks(|_, _| false)
        .group(group.clone())
        .check(Probe::Readiness, leaky());
    let base = serve_health(health.clone());
    assert_eq!(
        get(&format!("{base}/health/group/secrets")).await.status,
        503
    );
    assert_eq!(get(&format!("{base}/ready")).await.status, 503);
    let shown = [
        format!("{health:?}"),
        format!("{group:?}"),
        format!("{:?}", health.grpc_service()),
        format!("{:?}", leaky()),
    ];
    for debug in shown {
        assert!(
            !debug.contains("hunter2") && !debug.contains("s3cr3t"),
            "{debug}"
        );
    }
}

#[test]
#[should_panic(expected = "recent_runs(1001): a check keeps at most 1000 recent runs")]
fn more_runs_than_a_check_can_keep_are_refused_at_the_call() {
    let _ = Check::new("greedy", || async {}).recent_runs(1001);
}
