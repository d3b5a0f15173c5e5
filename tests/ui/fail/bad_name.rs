use health_runtime::readiness;

#[readiness(name = "")]
async fn empty() {}

#[readiness(name = "my db/primary")]
async fn slash() {}

#[readiness]
async fn données() {}

fn main() {}
