//! What the end-to-end tests share: a real actix-web server on a free loopback port, a real HTTP
//! client to probe it, throwaway MariaDB and PostgreSQL servers (`mariadb`, `postgres`, `server`),
//! the outage scenarios every database goes through (`outage`), a runner for the example
//! services (`example`), and a throwaway HAProxy in front of them (`haproxy`).

/// The README's example service compiles as written.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeExamples;

pub mod example;
pub mod haproxy;
pub mod mariadb;
pub mod outage;
pub mod postgres;
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

/// A loopback port that was free a moment ago, for a process that binds it itself.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free loopback port");
    listener.local_addr().expect("local address").port()
}

/// Starts a server with `Health::default()` and no app data.
pub fn serve_health() -> String {
    serve(|config| {
        config.service(health_runtime::Health::default());
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
        let json = self.json();
        let checks = json["checks"].as_array().expect("checks is an array");
        checks
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_owned())
            .collect()
    }
}

pub async fn get(url: &str) -> Answer {
    request(awc::http::Method::GET, url).await
}

pub async fn request(method: awc::http::Method, url: &str) -> Answer {
    let started = Instant::now();
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(10))
        .finish();
    let mut response = client
        .request(method, url)
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

/// Sends `request` as raw bytes over a new connection and returns everything the server sent
/// back before closing it: for what an HTTP client hides, such as a body sent with HEAD.
pub fn raw(base: &str, request: &str) -> String {
    use std::io::{Read, Write};
    let address = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("read timeout");
    stream.write_all(request.as_bytes()).expect("send request");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read response");
    response
}
