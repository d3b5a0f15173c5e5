use health_runtime::Check;

fn main() {
    let _ = Check::new("cache", || Ok::<_, String>(()));
}
