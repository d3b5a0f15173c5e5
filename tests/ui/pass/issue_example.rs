// The example from the README, exactly as a user writes it.
use actix_web::{web, App, HttpServer};
use health_runtime::{liveness, readiness, startup, Health};

struct AppState;

impl AppState {
    fn check(&self) -> Result<(), String> {
        Ok(())
    }
    fn is_warm(&self) -> bool {
        true
    }
}

#[liveness]
async fn alive() {}

#[readiness(name = "flag", timeout = "300ms")]
async fn flag(state: web::Data<AppState>) -> Result<(), String> {
    state.check()
}

#[readiness(critical = false)]
async fn optional_cache() -> bool {
    false
}

#[startup]
async fn warmed_up(state: web::Data<AppState>) -> bool {
    state.is_warm()
}

#[readiness]
#[liveness]
async fn both() -> Result<serde_json::Value, std::io::Error> {
    Ok(serde_json::json!({"workers": 4}))
}

fn main() {
    let state = web::Data::new(AppState);
    let _server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .service(Health::default())
    });
    // The annotated fns stay callable as written.
    let _ = (alive(), optional_cache(), both());
}
