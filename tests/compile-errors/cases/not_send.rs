// A check fn whose future holds an `Rc` across an `.await` cannot run on a multi-threaded server:
// the error is on the fn's name, and says what to keep out of the await points.
use std::rc::Rc;

use health_runtime::readiness;

async fn ping() {}

#[readiness]
async fn replica() -> bool {
    let counter = Rc::new(1);
    ping().await;
    *counter == 1
}

fn main() {}
