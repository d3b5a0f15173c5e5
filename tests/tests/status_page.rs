//! The status page in a real browser, on actix and on axum: Debian's Chromium driven by
//! Playwright (from PyPI, in a virtualenv made once per machine: `health_tests::python`) runs
//! `tests/browser/status_page.py`, which reports what the page showed; this test judges it.
//! Every check is rendered, a check flipped to failing shows as failing within 2 s without a
//! reload, nothing is asked of another origin, no console error (a CSP violation is one), and
//! axe-core finds no serious or critical violation, at 1280 and at 360 px wide. The screenshots
//! are left in the test's target directory (the README shows one). And, without a browser, the
//! page's links to its files resolve, as a browser resolves them, under a scope or a nest.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use actix_web::{HttpResponse, web};
use health_runtime::{Check, Details, Group, Health, Probe};
use health_tests::axum::serve_axum;
use health_tests::{get, serve};

/// Every check the page must show, by name.
const CHECKS: [&str; 6] = ["alive", "db", "payments", "cache", "migrations", "search"];

/// A service with a check of every kind the page shows (passing, warning, failing in a group
/// only), and `payments`, which `down` fails.
fn health(down: &Arc<AtomicBool>) -> Health {
    let down = Arc::clone(down);
    let payments = Check::new("payments", move || {
        let down = down.load(Ordering::SeqCst);
        async move {
            if down {
                Err("payments API answered 502 <Bad Gateway>")
            } else {
                Ok(())
            }
        }
    });
    Health::default()
        .only_checks(|_, _| false)
        .check(Probe::Liveness, Check::new("alive", || async {}))
        .check(
            Probe::Readiness,
            Check::new("db", || async { true }).group("deep"),
        )
        .check(Probe::Readiness, payments)
        .check(
            Probe::Readiness,
            Check::new("cache", || async { Err::<(), _>("cold: 0 of 1000 keys") }).critical(false),
        )
        .check(Probe::Startup, Check::new("migrations", || async { true }))
        .group(
            Group::new("deep")
                .details(Details::full())
                .check(Check::new("search", || async {
                    Err::<(), _>("cluster is red")
                })),
        )
        .status_page("/status")
}

#[actix_web::test]
async fn the_status_page_in_chromium_on_actix_and_axum() {
    let python = python_with_playwright();
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));

    let down = Arc::new(AtomicBool::new(false));
    let actix = serve({
        let (health, down) = (health(&down), Arc::clone(&down));
        move |config| {
            let down = Arc::clone(&down);
            config.service(health.clone()).route(
                "/test/flip",
                web::post().to(move || {
                    down.store(true, Ordering::SeqCst);
                    async { HttpResponse::NoContent().finish() }
                }),
            );
        }
    });
    let down = Arc::new(AtomicBool::new(false));
    let axum = serve_axum({
        let (health, down) = (health(&down), Arc::clone(&down));
        move || {
            let flip = axum::routing::post(move || {
                down.store(true, Ordering::SeqCst);
                async { axum::http::StatusCode::NO_CONTENT }
            });
            health.router().route("/test/flip", flip)
        }
    });
    let seen = browse(&python, &shots, &[("actix", &actix), ("axum", &axum)]).await;
    for server in ["actix", "axum"] {
        judge(server, &seen[server]);
    }
}

/// What the browser saw of the page of each server, by label, as the script reports it.
async fn browse(python: &Path, shots: &Path, servers: &[(&str, &str)]) -> serde_json::Value {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/browser/status_page.py");
    let mut command = Command::new(python);
    command.arg(script).arg(shots);
    command.args(
        servers
            .iter()
            .map(|(label, base)| format!("{label}={base}")),
    );
    // The servers answer on this test's runtime and threads: the browser runs beside them.
    let output = actix_web::rt::task::spawn_blocking(move || command.output())
        .await
        .expect("the browser's thread")
        .expect("run the browser script");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    assert!(
        output.status.success(),
        "the browser script failed:\n{stderr}\n{stdout}"
    );
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

fn judge(server: &str, seen: &serde_json::Value) {
    let texts = |key: &str| -> Vec<String> {
        let values = seen[key]
            .as_array()
            .unwrap_or_else(|| panic!("{key} in {seen}"));
        values
            .iter()
            .map(|v| v.as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let shown = texts("checks");
    for name in CHECKS {
        assert!(
            shown.iter().any(|check| check.starts_with(name)),
            "{server}: {name} not shown: {shown:?}"
        );
    }
    assert_eq!(
        texts("sections"),
        [
            "Switches",
            "Liveness passing",
            "Readiness passing",
            "Startup passing",
            "Group deep failing"
        ],
        "{server}"
    );
    assert_eq!(
        seen["refresh_says"], "Refreshes every second.",
        "{server}: the script ran"
    );
    assert_eq!(seen["payments_before"], "OK", "{server}");
    assert_eq!(seen["payments_after"], "FAIL", "{server}");
    assert_eq!(
        seen["payments_reason"], "payments API answered 502 <Bad Gateway>",
        "{server}"
    );
    let after = seen["shown_failing_after_ms"].as_u64().unwrap();
    eprintln!("{server}: shown failing {after} ms after the flip");
    assert!(
        after <= 2000,
        "{server}: shown failing {after} ms after the flip"
    );
    assert_eq!(
        seen["not_reloaded"], true,
        "{server}: shown without a reload"
    );
    assert!(
        seen["summary"].as_str().unwrap().contains("Readiness"),
        "{server}: {seen}"
    );
    assert_eq!(seen["other_origins"], serde_json::json!([]), "{server}");
    assert_eq!(seen["console_errors"], serde_json::json!([]), "{server}");
    // The minor and moderate ones are told, not failed on.
    eprintln!("{server}: axe-core's findings: {}", seen["violations"]);
    let serious: Vec<&serde_json::Value> = seen["violations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
        .collect();
    assert!(serious.is_empty(), "{server}: axe-core: {serious:?}");
    let width = seen["width_at_360"].as_u64().unwrap();
    assert!(width <= 360, "{server}: {width} px wide at 360");
    // The same checks, in the same places, read without JavaScript (statuses may have moved).
    let name = |text: &String| {
        text.split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    let plain: Vec<String> = texts("checks_without_script").iter().map(name).collect();
    let scripted: Vec<String> = shown.iter().map(name).collect();
    assert_eq!(plain, scripted, "{server}: without JavaScript");
}

/// A Python with Playwright and axe-core's Playwright binding, pinned: a virtualenv of the
/// tests' own, made once per machine. Playwright drives the machine's Chromium (`/usr/bin/chromium`, Debian's package,
/// which `cargo xtask test` installs): it downloads no browser of its own.
fn python_with_playwright() -> PathBuf {
    let packages = ["playwright==1.65.3", "axe-playwright-python==0.1.8"];
    let check = "import playwright, axe_playwright_python";
    let python = health_tests::python::venv("playwright-venv", check, &packages);
    assert!(
        Path::new("/usr/bin/chromium").exists(),
        "no /usr/bin/chromium: `cargo xtask test` installs Debian's package `chromium`"
    );
    python
}

/// The page's style and script, fetched as a browser resolves the page's links: beside the
/// page's directory (RFC 3986's merge), from the page's URL as asked for.
async fn page_files_resolve(page: &str) {
    let answer = get(page).await;
    assert_eq!(answer.status, 200, "{page}: {}", answer.body);
    for (attribute, file) in [("href", "page.css"), ("src", "page.js")] {
        let written = format!("{attribute}=\"");
        let link = answer
            .body
            .split(&written)
            .map(|rest| rest.split('"').next().unwrap_or_default())
            .find(|link| link.ends_with(file))
            .unwrap_or_else(|| panic!("{page} links no {file}: {}", answer.body));
        let resolved = format!("{}{link}", &page[..=page.rfind('/').unwrap()]);
        let fetched = get(&resolved).await;
        assert_eq!(
            fetched.status, 200,
            "{page} links {file} as {link}: {resolved}"
        );
    }
}

#[actix_web::test]
async fn the_page_finds_its_files_at_a_scope_s_root_a_nest_s_root_and_under_either() {
    let page = |path| {
        let down = Arc::new(AtomicBool::new(false));
        health(&down).status_page(path)
    };
    let actix = serve(move |config| {
        config
            .service(web::scope("/ops").service(page("/")))
            .service(web::scope("/admin").service(page("/status")));
    });
    page_files_resolve(&format!("{actix}/ops/")).await;
    page_files_resolve(&format!("{actix}/admin/status")).await;
    let axum = serve_axum(move || {
        axum::Router::new()
            .nest("/ops", page("/").router())
            .nest("/admin", page("/status").router())
    });
    page_files_resolve(&format!("{axum}/ops")).await;
    page_files_resolve(&format!("{axum}/admin/status")).await;
}

/// The script waits for a view as long as the slowest check may take (a hung check answers at
/// its timeout), never less than 5 s: a check of 10 s is not cut off as "unreachable".
#[actix_web::test]
async fn the_page_tells_its_script_to_wait_for_the_slowest_check() {
    let down = Arc::new(AtomicBool::new(false));
    let quick = serve_axum(move || health(&down).router());
    let down = Arc::new(AtomicBool::new(false));
    let slow = serve_axum(move || {
        let audit = Check::new("audit", || async {}).timeout(std::time::Duration::from_secs(10));
        health(&down)
            .group(Group::new("slow").check(audit))
            .router()
    });
    for (base, wait) in [(quick, "5000"), (slow, "11000")] {
        let page = get(&format!("{base}/status")).await.body;
        let said = format!("<html lang=\"en\" data-wait-ms=\"{wait}\">");
        assert!(page.contains(&said), "{said} in {page}");
    }
}

/// A check that keeps 1,000 runs shows its last 20 on the page: the page stays small enough to
/// fetch each second, whatever the checks keep (`?history` has them all).
#[actix_web::test]
async fn the_page_shows_the_last_20_runs_of_a_check_that_keeps_1000() {
    let base = serve_axum(move || {
        let failing = Check::new("flaky", || async { Err::<(), _>("refused") }).recent_runs(1000);
        Health::default()
            .only_checks(|_, _| false)
            .details(Details::full())
            .check(Probe::Readiness, failing)
            .status_page("/status")
            .router()
    });
    for _ in 0..50 {
        get(&format!("{base}/readyz")).await;
    }
    let history = get(&format!("{base}/readyz?history")).await;
    // The 50 runs and this request's own.
    assert_eq!(history.check("flaky")["runs"].as_array().unwrap().len(), 51);
    let page = get(&format!("{base}/status")).await.body;
    assert!(page.contains("Last 20 runs, oldest first:"), "{page}");
    assert_eq!(page.matches("<li class=\"run fail\"").count(), 20, "{page}");
}

/// While startup holds readiness back, a view runs the startup checks once (readiness's gate),
/// and shows that run in the startup section; the view in which they pass shows the run the
/// service started with.
#[actix_web::test]
async fn a_view_during_startup_runs_the_startup_checks_once() {
    let runs = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let warm = Arc::new(AtomicBool::new(false));
    let base = serve_axum({
        let (runs, warm) = (Arc::clone(&runs), Arc::clone(&warm));
        move || {
            let warmed = Check::new("cache_warmed", move || {
                runs.fetch_add(1, Ordering::SeqCst);
                let warm = warm.load(Ordering::SeqCst);
                async move { if warm { Ok(()) } else { Err("0 of 1000 keys") } }
            });
            Health::default()
                .only_checks(|_, _| false)
                .details(Details::full())
                .check(Probe::Readiness, Check::new("db", || async {}))
                .check(Probe::Startup, warmed)
                .status_page("/status")
                .router()
        }
    });
    let startup_section = |page: &str| {
        let at = page.find(">Startup <").expect("a startup section");
        page[at..].split("</section>").next().unwrap().to_owned()
    };
    let page = get(&format!("{base}/status")).await.body;
    assert_eq!(runs.load(Ordering::SeqCst), 1, "one run a view");
    let startup = startup_section(&page);
    assert!(
        startup.contains("cache_warmed") && startup.contains("0 of 1000 keys"),
        "{startup}"
    );
    assert!(page.contains("the service is starting"), "{page}");
    assert!(startup.contains("Last run:"), "{startup}");

    warm.store(true, Ordering::SeqCst);
    let page = get(&format!("{base}/status")).await.body;
    assert_eq!(runs.load(Ordering::SeqCst), 2, "one run a view");
    let startup = startup_section(&page);
    assert!(startup.contains("badge ok\">passing"), "{startup}");
    assert!(!page.contains("the service is starting"), "{page}");
    // Started: the checks do not run again.
    get(&format!("{base}/status")).await;
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

/// 40 checks failing with 4 KiB reasons, each keeping 1,000 runs: the page, fetched each second
/// by every open tab, stays under half a MiB (each run's reason in the strip is cut; the
/// check's whole reason is shown once), and every check is on it.
#[actix_web::test]
async fn a_page_of_many_checks_with_long_reasons_stays_small() {
    let base = serve_axum(|| {
        let mut group = Group::new("many").details(Details::full());
        for i in 0..40 {
            let runs = Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let check = Check::new(format!("check-{i:02}"), move || {
                let run = runs.fetch_add(1, Ordering::SeqCst);
                async move { Err::<(), _>(format!("run {run}: {}", "refused ".repeat(600))) }
            });
            group = group.check(check.recent_runs(1000));
        }
        Health::default()
            .only_checks(|_, _| false)
            .error_limit(4096)
            .group(group)
            .status_page("/status")
            .router()
    });
    for _ in 0..25 {
        get(&format!("{base}/health/group/many")).await;
    }
    let page = get(&format!("{base}/status")).await.body;
    assert!(page.len() < 512 * 1024, "{} bytes", page.len());
    for i in 0..40 {
        assert!(page.contains(&format!("check-{i:02}")), "check-{i:02}");
    }
    assert_eq!(page.matches("Last 20 runs, oldest first:").count(), 40);
}

/// The page's facts, each as the page says it: off until asked for (404); a switch that refuses
/// traffic, with its reason under full details; a damped failure's runs marked `!` (warned) and
/// its failures in a row counted.
#[actix_web::test]
async fn the_page_says_the_switches_damped_runs_and_failures_in_a_row() {
    let off = serve_axum(|| Health::default().only_checks(|_, _| false).router());
    assert_eq!(get(&format!("{off}/status")).await.status, 404);
    // Passes once, then fails: damping holds back the failures of a check that has passed.
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let damped = Check::new("flaky", move || {
        let call = calls.fetch_add(1, Ordering::SeqCst);
        async move { if call == 0 { Ok(()) } else { Err("refused") } }
    })
    .failures(5);
    let health = Health::default()
        .only_checks(|_, _| false)
        .details(Details::full())
        .check(Probe::Readiness, damped)
        .status_page("/status");
    let availability = health.availability();
    let base = serve_axum(move || health.router());
    for _ in 0..2 {
        get(&format!("{base}/readyz")).await;
    }
    availability.refuse_traffic("maintenance window");
    let page = get(&format!("{base}/status")).await.body;
    assert!(
        page.contains("<dt>Traffic</dt><dd>refused: maintenance window</dd>"),
        "{page}"
    );
    // A pass, a failed probe and this view's run: two failures in a row, held back by damping.
    assert!(
        page.contains("<dt>Failures in a row</dt><dd>2</dd>"),
        "{page}"
    );
    assert_eq!(page.matches("<li class=\"run ok\"").count(), 1, "{page}");
    assert_eq!(page.matches("<li class=\"run warn\"").count(), 2, "{page}");
    assert_eq!(page.matches(">!</span>").count(), 2, "{page}");
    availability.accept_traffic();
    let page = get(&format!("{base}/status")).await.body;
    assert!(page.contains("<dt>Traffic</dt><dd>accepted</dd>"), "{page}");
}
