//! Checks that take data behind a trait object: `Data<dyn Trait>`, given from an `Arc<dyn
//! Trait>`, and actix's `web::Data<dyn Trait>`, the App's.

use std::sync::Arc;

use actix_web::web;
use health_runtime::{Data, Health, readiness};
use health_tests::{get, serve};

trait Ledger: Send + Sync {
    fn open(&self) -> bool;
}

struct Books(bool);

impl Ledger for Books {
    fn open(&self) -> bool {
        self.0
    }
}

#[readiness]
async fn ledger(ledger: Data<dyn Ledger>) -> bool {
    ledger.open()
}

#[readiness]
async fn app_ledger(ledger: web::Data<dyn Ledger>) -> bool {
    ledger.open()
}

#[actix_web::test]
async fn data_behind_a_trait_object_is_given_and_taken() {
    let given: Arc<dyn Ledger> = Arc::new(Books(true));
    let apps: Arc<dyn Ledger> = Arc::new(Books(false));
    let health = Health::default().data(Data::from(given));
    let base = serve(move |config| {
        config
            .app_data(web::Data::from(apps.clone()))
            .service(health.clone());
    });
    let answer = get(&format!("{base}/readyz")).await;
    assert_eq!(answer.check_statuses(), ["app_ledger FAIL", "ledger OK"]);
}
