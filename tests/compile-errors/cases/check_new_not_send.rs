// A `Check::new` closure whose future holds an `Rc` across an `.await`.
use std::rc::Rc;

use health_runtime::Check;

async fn ping() {}

fn main() {
    let _ = Check::new("replica", || async {
        let counter = Rc::new(1);
        ping().await;
        *counter == 1
    });
}
