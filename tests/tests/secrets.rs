//! Credentials in the shapes that real errors print them (Rust's `Debug` of an `Option`, JSON in a
//! quoted string, a Ruby hash, URL signatures, a URL percent-encoded in a query, a command line,
//! full-width separators) never reach a body, whatever the server, format or path, nor the log;
//! a word that merely ends in "secret" hides nothing; characters that reorder or break lines
//! reach neither `?verbose` nor the log as they are.

use health_runtime::{Check, Health, Probe};
use health_tests::axum::serve_axum;
use health_tests::{get, serve_health};

const SECRET: &str = "S3CR3T";

/// Reasons that hold `SECRET`, each in a shape of its own.
fn reasons() -> Vec<String> {
    vec![
        format!(
            "connect: PgConnectOptions {{ host: \"db\", password: Some(\"{SECRET}\"), port: 5432 }}"
        ),
        format!("body: {:?}", format!(r#"{{"access_token":"{SECRET}"}}"#)),
        format!("rejected {{:password=>\"{SECRET}\"}}"),
        format!(
            "GET https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sig={SECRET}&se=1 answered 403"
        ),
        format!("GET https://bucket.s3/k?X-Amz-Signature={SECRET} answered 403"),
        format!("GET https://storage.googleapis.com/b/o?X-Goog-Signature={SECRET} answered 403"),
        format!("GET /login?next=https%3A%2F%2Fadmin%3A{SECRET}%40h answered 500"),
        format!("mysql -uapp -p{SECRET} exited 1"),
        format!("login pw={SECRET} refused"),
        format!("password\u{ff1d}{SECRET} refused"),
    ]
}

/// What a word ending in "secret" leaves of a reason: all of it.
const NOT_A_KEY: &str = "Sup3rSecret: error";

/// A reason that would reverse a line and start another.
const REORDERING: &str = "a\u{202e}b\u{2028}c";

fn health() -> Health {
    let mut health = Health::default();
    let mut reasons = reasons();
    reasons.push(NOT_A_KEY.to_owned());
    reasons.push(REORDERING.to_owned());
    for (i, reason) in reasons.into_iter().enumerate() {
        let check = Check::new(format!("shape_{i}"), move || {
            let reason = reason.clone();
            async move { Err::<(), _>(reason) }
        });
        health = health.check(Probe::Liveness, check);
    }
    health
}

#[actix_web::test]
async fn no_shape_of_a_credential_reaches_a_body_or_the_log() {
    let captured = health_tests::log::captured();
    let health = health();
    let on_actix = serve_health(health.clone());
    let on_axum = serve_axum(move || health.router());
    let checks = reasons().len() + 2;

    let mut bodies = 0;
    for base in [on_actix, on_axum] {
        let mut paths: Vec<String> = ["json", "microprofile", "health-json"]
            .iter()
            .map(|format| format!("/livez?format={format}"))
            .collect();
        paths.push("/livez?verbose".to_owned());
        paths.extend((0..checks).map(|i| format!("/livez/shape_{i}")));
        for path in paths {
            let answer = get(&format!("{base}{path}")).await;
            assert_eq!(answer.status, 503, "{path}: {}", answer.body);
            assert!(!answer.body.contains(SECRET), "{path}: {}", answer.body);
            bodies += 1;
        }
        let all = get(&format!("{base}/livez")).await;
        let shown = |i: usize| all.check(&format!("shape_{i}"))["error"].clone();
        assert_eq!(shown(checks - 2), NOT_A_KEY, "nothing hidden");
        for (i, hidden) in [
            "connect: PgConnectOptions { host: \"db\", password: Some(***), port: 5432 }",
            r#"body: "{\"access_token\":\"***\"}""#,
            "rejected {:password=>\"***\"}",
        ]
        .into_iter()
        .enumerate()
        {
            assert_eq!(shown(i), hidden);
        }
        let verbose = get(&format!("{base}/livez?verbose")).await.body;
        assert!(
            verbose.contains(&format!(
                "[-]shape_{} failed: a\\u{{202e}}b\\u{{2028}}c\n",
                checks - 1
            )),
            "{verbose}"
        );
        assert!(!verbose.contains(['\u{202e}', '\u{2028}']), "{verbose}");
    }
    assert_eq!(bodies, 2 * (4 + checks));

    let log = captured.lines();
    let failed: Vec<&String> = log.iter().filter(|line| line.contains("shape_")).collect();
    assert!(failed.len() >= checks, "{failed:#?}");
    for line in failed {
        assert!(!line.contains(SECRET), "{line}");
        assert!(!line.contains(['\u{202e}', '\u{2028}']), "{line}");
    }
}
