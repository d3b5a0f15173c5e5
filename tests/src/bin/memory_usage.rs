//! Prints the memory check's outcome as JSON (`{"error":..,"data":..}`), its `max_fraction` the
//! first argument: run by `tests/dependencies.rs` in a cgroup with a memory limit of its own.

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let max_fraction: f64 = std::env::args()
        .nth(1)
        .and_then(|fraction| fraction.parse().ok())
        .expect("usage: memory_usage <max fraction>");
    let outcome = health_runtime::checks::memory::usage(max_fraction, u64::MAX).await;
    let shown = serde_json::json!({ "error": outcome.error(), "data": outcome.data() });
    println!("{shown}");
}
