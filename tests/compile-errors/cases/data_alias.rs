// `Data` reached through an alias: a parameter is known by the name `Data<..>`.
use health_runtime::{Data as D, readiness};

struct Pool;

type PoolData = health_runtime::Data<Pool>;

#[readiness]
async fn renamed(_pool: D<Pool>) {}

#[readiness]
async fn aliased(_pool: PoolData) {}

fn main() {}
