//! Generated requests against a live server whose checks fail, panic and hang: paths,
//! percent-encodings, invalid UTF-8, query strings, formats asked for, methods and header sizes,
//! over raw TCP so that nothing is cleaned up on the way. Each answer has a status the probes may
//! answer with; a JSON body (of any format) parses and shows the strings the checks returned as
//! they were, without their secrets; a text body is verbose lines, without control characters;
//! and the server still answers a normal probe afterwards. A check returns, run after run, the
//! reasons that broke redaction and every way of writing a secret it knows. Seeded, so that a
//! failure can be replayed; bounded in time.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use health_runtime::{Check, Health, Probe, liveness, readiness, startup};
use health_tests::{get, raw_bytes, serve_on_workers};

/// The reason `failing` returns, as the bodies show it: its password redacted.
const REASON: &str = "refused by mysql://***@db:3306/app\nwith a second line \u{1F600}";

#[readiness]
async fn failing() -> Result<(), String> {
    Err("refused by mysql://app:hunter2@db:3306/app\nwith a second line \u{1F600}".into())
}

#[readiness]
async fn panicking() -> bool {
    panic!("password=hunter2 in a panic")
}

/// Reasons of the shapes that broke redaction (repetitions that recursed once per match or made
/// it quadratic) and secrets written every way it must know; each run returns the next shape.
#[readiness]
async fn hostile() -> Result<(), String> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let shapes: [fn() -> String; 17] = [
        || "Bearer  ".repeat(2_000) + "Bearer hunter2",
        || "a://b ".repeat(3_000) + "mysql://u:hunter2@h/d",
        || "a@/".repeat(5_000) + " app:hunter2@tcp(db)/x",
        || r#"{"accessToken":"hunter2","refreshToken":"hunter2","dbPass":"hunter2"}"#.into(),
        || r#"{"password":"a\"hunter2"} password='a\' hunter2'"#.into(),
        || "dial app:pa hunter2@tcp(db)/x".into(),
        || "SECRET_KEY=hunter2 privateKey=hunter2 secretKey: hunter2 passphrase=hunter2".into(),
        || "Cookie: a=1; session=hunter2\nnext".into(),
        || "Authorization: Basic hunter2, sent Basic hunter2".into(),
        || r#"{"authorization": "Basic hunter2"}"#.into(),
        || "password:\nhunter2 password\t=hunter2".into(),
        || "sqlplus scott/hunter2@orcl".into(),
        || "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.aHVudGVyMg".into(),
        || "key AKIAIOSFODNN7EXAMPLE".into(),
        || "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBhunter2\n-----END RSA PRIVATE KEY-----".into(),
        || "forged\n[+]db ok\u{1b}[2J\0".into(),
        || {
            "échec\u{a0}app/hunter2@db \u{3000}app:hunter2@tcp(db)/x \u{1F600}mysql://\u{e9}:hunter2@h".into()
        },
    ];
    Err(shapes[NEXT.fetch_add(1, Ordering::Relaxed) % shapes.len()]())
}

/// What no body may show: the secrets of the checks' reasons.
const SECRETS: [&str; 5] = [
    "hunter2",
    "token=abc",
    "aHVudGVyMg",
    "AKIAIOSFODNN7EXAMPLE",
    "MIIEpAIB",
];

#[readiness(timeout = "20ms")]
async fn hanging() {
    std::future::pending::<()>().await;
}

/// `alive`'s data: a key and strings that JSON must escape.
const QUOTED_KEY: &str = "quote\"key";
const LINE_BREAK: &str = "line\nbreak";
const CONTROLS: &str = "\t\u{7}";

#[liveness]
async fn alive() -> Result<serde_json::Value, String> {
    Ok(serde_json::json!({ QUOTED_KEY: LINE_BREAK, "tab": CONTROLS, "é": [1, 2.5, null] }))
}

#[startup]
async fn started() {}

/// How many requests, at least, and how long they may take in all.
const REQUESTS: usize = 10_000;
const TIME_LIMIT: Duration = Duration::from_secs(25);
const CLIENTS: usize = 8;
const SEED: u64 = 0x5eed_4ea1_7b0b_e5a1;

const STATUSES: [u16; 6] = [200, 400, 404, 405, 431, 503];

/// How many JSON bodies showed `failing`'s reason or `alive`'s data, each checked whole.
static STRINGS_CHECKED: AtomicUsize = AtomicUsize::new(0);

#[actix_web::test]
async fn generated_requests_get_well_formed_answers() {
    let added = Check::new("added.check", || async { Err::<(), _>("token=abc") });
    let base = serve_on_workers(2, move |config| {
        config.service(Health::default().check(Probe::Readiness, added.clone()));
    });
    let address = base.clone();
    let done = Arc::new(AtomicUsize::new(0));
    let seen: Arc<[AtomicUsize; STATUSES.len()]> = Arc::new(Default::default());
    let started = Instant::now();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (address, done, seen) = (address.clone(), done.clone(), seen.clone());
            std::thread::spawn(move || {
                let mut random = Random(SEED ^ (client as u64 + 1).wrapping_mul(0x9e37_79b9));
                while done.load(Ordering::Relaxed) < REQUESTS && started.elapsed() < TIME_LIMIT {
                    let request = random.request();
                    let answer = raw_bytes(&address, &request);
                    // The server stops reading a head it finds too large, answers 431 and closes;
                    // the kernel then resets the connection, and the answer may be lost.
                    let may_be_lost = request.len() > 32 * 1024 && answer.is_empty();
                    match check_answer(&answer) {
                        Ok(status) => {
                            let place = STATUSES.iter().position(|s| *s == status);
                            seen[place.expect("a checked status")].fetch_add(1, Ordering::Relaxed);
                        }
                        Err(_) if may_be_lost => {}
                        Err(problem) => panic!(
                            "{problem}\nrequest: {}\nanswer: {}",
                            start_of(&request),
                            start_of(&answer)
                        ),
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    // Joined off the test's runtime, which runs the server meanwhile.
    let joined = actix_web::rt::task::spawn_blocking(move || {
        clients
            .into_iter()
            .map(|client| client.join())
            .collect::<Vec<_>>()
    });
    for client in joined.await.expect("the clients are joined") {
        client.expect("a client found a bad answer");
    }
    let done = done.load(Ordering::Relaxed);
    assert!(
        done >= REQUESTS,
        "only {done} requests in {:?}",
        started.elapsed()
    );
    let seen: Vec<(u16, usize)> = STATUSES
        .iter()
        .zip(seen.iter())
        .map(|(status, count)| (*status, count.load(Ordering::Relaxed)))
        .collect();
    eprintln!("{done} requests in {:?}: {seen:?}", started.elapsed());
    // The generator reaches every kind of answer but the 431 that a reset may take away.
    for (status, count) in &seen {
        assert!(*status == 431 || *count > 0, "no {status} in {seen:?}");
    }
    let checked = STRINGS_CHECKED.load(Ordering::Relaxed);
    assert!(
        checked > 100,
        "the checks' strings were compared in {checked} bodies"
    );
    let answer = get(&format!("{base}/healthz")).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(!get(&format!("{base}/ready")).await.body.contains("hunter2"));
}

/// The first bytes of a request or an answer, for a message.
fn start_of(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    text.chars()
        .take(400)
        .collect::<String>()
        .escape_debug()
        .to_string()
}

/// The status of `answer`, or why it is not one the probes may give.
fn check_answer(answer: &[u8]) -> Result<u16, String> {
    let head_end = find(answer, b"\r\n\r\n").ok_or("no complete head")?;
    let head = std::str::from_utf8(&answer[..head_end]).map_err(|_| "a head that is not UTF-8")?;
    let body = &answer[head_end + 4..];
    let status: u16 = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or("no status code")?;
    if !STATUSES.contains(&status) {
        return Err(format!("status {status}"));
    }
    let content_type = head
        .lines()
        .find_map(|line| line.strip_prefix("content-type: "))
        .unwrap_or_default();
    if body.is_empty() {
        return Ok(status);
    }
    if content_type == "application/json" || content_type == "application/health+json" {
        let json: serde_json::Value =
            serde_json::from_slice(body).map_err(|e| format!("a body that is not JSON: {e}"))?;
        let text = String::from_utf8_lossy(body);
        if let Some(secret) = SECRETS.iter().find(|secret| text.contains(*secret)) {
            return Err(format!("a secret in the body: {secret}"));
        }
        let mut strings = Vec::new();
        strings_of(&json, &mut strings);
        return strings_arrive_whole(&strings).map(|()| status);
    }
    if content_type.starts_with("text/plain") {
        let text = std::str::from_utf8(body).map_err(|_| "a text body that is not UTF-8")?;
        if let Some(secret) = SECRETS.iter().find(|secret| text.contains(*secret)) {
            return Err(format!("a secret in the body: {secret}"));
        }
        if text.contains(|c: char| c.is_control() && c != '\n') {
            return Err("a control character in a verbose body".into());
        }
        let verbose_line = |line: &str| {
            [
                "[+]",
                "[-]",
                "warn: ",
                "liveness check",
                "readiness check",
                "startup check",
            ]
            .iter()
            .any(|start| line.starts_with(start))
        };
        if let Some(line) = text.lines().find(|line| !verbose_line(line)) {
            return Err(format!(
                "a line that is not of the verbose format: {line:?}"
            ));
        }
    }
    Ok(status)
}

/// Every string of `json`, keys included.
fn strings_of<'a>(json: &'a serde_json::Value, out: &mut Vec<&'a str>) {
    use serde_json::Value;
    match json {
        Value::String(text) => out.push(text),
        Value::Array(items) => items.iter().for_each(|item| strings_of(item, out)),
        Value::Object(entries) => entries.iter().for_each(|(key, value)| {
            out.push(key);
            strings_of(value, out);
        }),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// The strings of a body that come from `failing`'s reason and `alive`'s data are those the checks
/// returned (redacted), through the server's JSON writers and back: a reason whole, or on one line
/// where the body joins reasons; the data's key and values exactly. (Each is found by a part that
/// the generated names, made of letters, cannot hold.)
fn strings_arrive_whole(strings: &[&str]) -> Result<(), String> {
    let one_line = REASON.replace('\n', " ");
    let mut compared = false;
    for text in strings {
        let whole = if text.contains("second line") {
            text.contains(REASON) || text.contains(&one_line)
        } else if text.contains("quote\"") {
            *text == QUOTED_KEY
        } else if text.contains("\nbreak") {
            *text == LINE_BREAK
        } else if text.contains('\u{7}') {
            *text == CONTROLS
        } else {
            continue;
        };
        if !whole {
            return Err(format!("{text:?} is not what the check returned"));
        }
        compared = true;
    }
    if compared {
        STRINGS_CHECKED.fetch_add(1, Ordering::Relaxed);
    }
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// xorshift64*: a seeded generator, so that a failing run can be replayed.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[self.below(items.len())]
    }

    /// A piece of a URL: a name, an encoding, a stray byte, or noise.
    fn piece(&mut self, out: &mut Vec<u8>) {
        match self.below(16) {
            0..=6 => out.extend_from_slice(
                self.pick(&[
                    "failing",
                    "hostile",
                    "panicking",
                    "hanging",
                    "alive",
                    "started",
                    "added.check",
                ])
                .as_bytes(),
            ),
            7 => out.extend_from_slice(
                self.pick(&["%00", "%ff", "%2F", "%zz", "%", "%e2%82"])
                    .as_bytes(),
            ),
            8 => out.push(0x80 + self.below(0x80) as u8),
            9 => out.extend_from_slice(self.pick(&["..", ".", "//", "~", "%2e%2e"]).as_bytes()),
            10 => {
                let length = [1, 10, 300, 3000][self.below(4)];
                out.extend((0..length).map(|_| b'a' + self.below(26) as u8));
            }
            11 => out.extend_from_slice("é\u{1F600}".as_bytes()),
            12 => out.extend_from_slice(
                self.pick(&["seed", "microprofile", "health-json", "Seed", "json"])
                    .as_bytes(),
            ),
            _ => out.extend_from_slice(
                self.pick(&["nope", "db", "a-b_c.d", "NAME", "0"])
                    .as_bytes(),
            ),
        }
    }

    fn request(&mut self) -> Vec<u8> {
        let mut request = Vec::new();
        let method = self.pick(&[
            "GET", "GET", "GET", "GET", "GET", "HEAD", "HEAD", "POST", "PUT", "DELETE", "OPTIONS",
            "G\u{e9}T",
        ]);
        request.extend_from_slice(method.as_bytes());
        request.push(b' ');
        let path = self.pick(&[
            "/healthz",
            "/livez",
            "/ready",
            "/readyz",
            "/startupz",
            "/",
            "",
        ]);
        request.extend_from_slice(path.as_bytes());
        for _ in 0..self.below(3) {
            request.push(b'/');
            self.piece(&mut request);
        }
        if self.below(2) == 0 {
            request.push(b'?');
            for i in 0..self.below(6) {
                if i > 0 {
                    request.push(b'&');
                }
                let key = self.pick(&["verbose", "exclude", "exclude", "format", "x", ""]);
                request.extend_from_slice(key.as_bytes());
                if self.below(3) > 0 {
                    request.push(b'=');
                    self.piece(&mut request);
                }
            }
        }
        request.extend_from_slice(b" HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n");
        if self.below(3) == 0 {
            let accept = self.pick(&[
                "*/*",
                "application/health+json",
                "application/json, application/health+json;q=0.9",
                "text/html",
                "\u{e9}\u{1F600}",
                "",
            ]);
            request.extend_from_slice(b"Accept: ");
            request.extend_from_slice(accept.as_bytes());
            request.extend_from_slice(b"\r\n");
        }
        // A few headers of up to 40 KB, now and then one of 300 KB, or 120 small ones (actix
        // takes 96). Large heads are rare: parsing them is most of the fuzzer's time.
        let headers = [0, 0, 1, 1, 2, 120][self.below(6)];
        for _ in 0..headers {
            let size = match (headers, self.below(100)) {
                (120, _) => 10,
                (_, 0) => 300_000,
                (_, roll) => [1, 100, 4000, 40_000][roll % 4],
            };
            request.extend_from_slice(b"X-Fuzz: ");
            request.extend((0..size).map(|_| b'a' + self.below(26) as u8));
            request.extend_from_slice(b"\r\n");
        }
        request.extend_from_slice(b"Content-Length: 0\r\n\r\n");
        request
    }
}
