use health_runtime::liveness;

struct Worker;

impl Worker {
    #[liveness]
    async fn alive(&self) {}
}

fn main() {}
