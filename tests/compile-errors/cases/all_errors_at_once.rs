// One build reports every mistake of the attribute and of the signature, and the fn is kept:
// `main` calling it produces no further error.
use health_runtime::readiness;

#[readiness(name = "bad name", timeout = "soon", critical = 1, colour = "red")]
fn db(_pool: u32) -> bool {
    true
}

fn main() {
    let _ = db(1);
}
