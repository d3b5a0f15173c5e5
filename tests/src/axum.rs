//! A real axum server on a free loopback port, beside the actix one of `serve`.

use std::net::SocketAddr;

/// Serves the router that `router` builds with `axum::serve`, on a runtime of its own thread
/// (where the router is built, so that its background loops run there), and returns its base
/// URL. The peer's address is known to the handlers (`ConnectInfo`).
pub fn serve_axum(router: impl FnOnce() -> axum::Router + Send + 'static) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free loopback port");
    let address = listener.local_addr().expect("local address");
    listener
        .set_nonblocking(true)
        .expect("a non-blocking listener");
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for the axum server");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
            let app = router().into_make_service_with_connect_info::<SocketAddr>();
            axum::serve(listener, app).await.expect("serve with axum");
        });
    });
    format!("http://{address}")
}
