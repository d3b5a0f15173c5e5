use health_runtime::readiness;

struct NotDisplay;

#[readiness]
async fn status_code() -> u16 {
    200
}

#[readiness]
async fn error_without_display() -> Result<(), NotDisplay> {
    Ok(())
}

fn main() {}
