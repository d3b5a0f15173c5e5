//! What the end-to-end tests share: a real actix-web server on a free loopback port (an axum one
//! in `axum`), a real HTTP client to probe it, throwaway MariaDB and PostgreSQL servers
//! (`mariadb`, `postgres`, `server`), the outage scenarios every database goes through
//! (`outage`), a runner for the example services (`example`) and what the quickstart does on any
//! server (`quickstart`), and a throwaway HAProxy in front of them (`haproxy`) for a rollout
//! under load (`rollout`), the log records of a test binary (`log`), the examples' manifests
//! read as text (`manifest`), and a Python virtualenv for clients written by others (`python`).

/// The README's example service compiles as written.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeExamples;

pub mod axum;
pub mod example;
pub mod haproxy;
pub mod log;
pub mod manifest;
pub mod mariadb;
pub mod outage;
pub mod postgres;
pub mod python;
pub mod quickstart;
pub mod rollout;
pub mod server;

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpServer, web};

/// Starts a server whose app is configured by `configure`, and returns its base URL.
pub fn serve(configure: impl Fn(&mut web::ServiceConfig) + Send + Sync + 'static) -> String {
    serve_on_workers(1, configure)
}

/// `serve` with `workers` actix workers (threads), each with its own `App`.
pub fn serve_on_workers(
    workers: usize,
    configure: impl Fn(&mut web::ServiceConfig) + Send + Sync + 'static,
) -> String {
    serve_stoppable(workers, configure).0
}

/// `serve_on_workers`, with the handle that stops the server.
pub fn serve_stoppable(
    workers: usize,
    configure: impl Fn(&mut web::ServiceConfig) + Send + Sync + 'static,
) -> (String, ServerHandle) {
    start_server(workers, Arc::new(configure))
}

/// The server itself, built here once rather than in every test binary for every closure: a
/// generic `HttpServer` costs each test binary seconds of compilation.
fn start_server(workers: usize, configure: Configure) -> (String, ServerHandle) {
    let server = HttpServer::new(move || {
        let configure = configure.clone();
        App::new().configure(move |config| configure(config))
    })
    .workers(workers)
    .bind(("127.0.0.1", 0))
    .expect("bind a free loopback port");
    let address = server.addrs()[0];
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    (format!("http://{address}"), handle)
}

/// How a test configures its app.
type Configure = Arc<dyn Fn(&mut web::ServiceConfig) + Send + Sync>;

/// The port a test's service binary serves on: `PORT`, as `Example` gives it, or 8080.
pub fn port_from_env() -> u16 {
    std::env::var("PORT")
        .ok()
        .and_then(|port| port.parse().ok())
        .unwrap_or(8080)
}

/// A loopback port that was free a moment ago, for a process that binds it itself.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free loopback port");
    listener.local_addr().expect("local address").port()
}

/// Starts a server with `health` and no app data.
pub fn serve_health(health: health_runtime::Health) -> String {
    serve(move |config| {
        config.service(health.clone());
    })
}

/// One answer, read in full.
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub cache_control: String,
    pub allow: String,
    pub body: String,
    pub elapsed: Duration,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.body))
    }

    /// The entry of `checks` named `name`.
    pub fn check(&self, name: &str) -> serde_json::Value {
        let json = self.json();
        let checks = json["checks"].as_array().expect("checks is an array");
        checks
            .iter()
            .find(|check| check["name"] == name)
            .unwrap_or_else(|| panic!("no check {name} in {}", self.body))
            .clone()
    }

    pub fn check_names(&self) -> Vec<String> {
        self.checks_as(|check| check["name"].as_str().unwrap().to_owned())
    }

    /// Each entry of `checks` as `name STATUS`.
    pub fn check_statuses(&self) -> Vec<String> {
        self.checks_as(|check| {
            let (name, status) = (check["name"].as_str(), check["status"].as_str());
            format!("{} {}", name.unwrap(), status.unwrap())
        })
    }

    fn checks_as(&self, each: impl Fn(&serde_json::Value) -> String) -> Vec<String> {
        let json = self.json();
        let checks = json["checks"].as_array().expect("checks is an array");
        checks.iter().map(each).collect()
    }
}

pub async fn get(url: &str) -> Answer {
    request(awc::http::Method::GET, url).await
}

pub async fn request(method: awc::http::Method, url: &str) -> Answer {
    send(client().request(method, url)).await
}

/// The client of `get` and `request`, whose requests give up after 10 s: for a request that needs
/// more than a method and a URL, sent with [`send`].
pub fn client() -> awc::Client {
    awc::Client::builder()
        .timeout(Duration::from_secs(10))
        .finish()
}

/// Sends `request` and reads its answer in full.
pub async fn send(request: awc::ClientRequest) -> Answer {
    let url = request.get_uri().to_string();
    let started = Instant::now();
    let mut response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("request to {url} failed: {e}"));
    let body = response.body().await.expect("read body");
    let header = |name| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    Answer {
        status: response.status().as_u16(),
        content_type: header(awc::http::header::CONTENT_TYPE),
        cache_control: header(awc::http::header::CACHE_CONTROL),
        allow: header(awc::http::header::ALLOW),
        body: String::from_utf8(body.to_vec()).expect("UTF-8 body"),
        elapsed: started.elapsed(),
    }
}

/// The value of the sample of `metric` whose labels hold each of `labels`, in a scrape in the
/// Prometheus text format.
pub fn metric_sample(scrape: &str, metric: &str, labels: &[&str]) -> Option<f64> {
    scrape
        .lines()
        .filter(|line| line.starts_with(&format!("{metric}{{")))
        .find(|line| labels.iter().all(|label| line.contains(label)))
        .and_then(|line| line.rsplit(' ').next()?.parse().ok())
}

/// Sends `request` as raw bytes over a new connection and returns everything the server sent
/// back before closing it: for what an HTTP client hides, such as a body sent with HEAD.
pub fn raw(base: &str, request: &str) -> String {
    String::from_utf8(raw_bytes(base, request.as_bytes())).expect("a UTF-8 response")
}

/// `raw` for any bytes, sent and read as far as the server lets: it may answer a bad request
/// (400, 431) and close before reading all of it.
pub fn raw_bytes(base: &str, request: &[u8]) -> Vec<u8> {
    use std::io::{Read, Write};
    let address = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("read timeout");
    let _ = stream.write_all(request);
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    response
}
