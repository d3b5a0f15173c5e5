use health_runtime::readiness;

#[readiness(name = "")]
async fn empty() {}

#[readiness(name = "my db/primary")]
async fn slash() {}

#[readiness]
async fn données() {}

#[readiness(name = db)]
async fn not_a_string() {}

#[readiness(name = "..")]
async fn dots() {}

// The availability switches show in bodies as a check of that name.
#[readiness(name = "availability")]
async fn reserved() {}

#[readiness]
async fn availability() {}

fn main() {}
