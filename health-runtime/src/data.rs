//! App data given to [`Health::app_data`](crate::Health::app_data), so that a background check
//! that takes `web::Data<T>` can start with the server: actix shows the `App`'s own data only to
//! requests. A loop started that way runs with the data in a task-local, where the generated code
//! looks when it has no request.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::sync::Arc;

use actix_web::web;

/// The `web::Data<T>` values a `Health` was given.
#[derive(Clone, Default)]
pub struct AppData(Vec<Arc<dyn Any + Send + Sync>>);

impl AppData {
    pub(crate) fn insert<T: Send + Sync + 'static>(&mut self, data: web::Data<T>) {
        self.0.retain(|held| !held.is::<web::Data<T>>());
        self.0.push(Arc::new(data));
    }

    /// Whether it holds a `web::Data<T>`.
    pub fn has<T: 'static>(&self) -> bool {
        self.get::<T>().is_some()
    }

    fn get<T: 'static>(&self) -> Option<&web::Data<T>> {
        self.0.iter().find_map(|held| held.downcast_ref())
    }
}

impl fmt::Debug for AppData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AppData({} values)", self.0.len())
    }
}

tokio::task_local! {
    static LOOP_DATA: AppData;
}

/// Runs a background loop with `data` at hand for its checks.
pub(crate) fn scope<F: Future>(data: AppData, run: F) -> impl Future<Output = F::Output> {
    LOOP_DATA.scope(data, run)
}

/// The `web::Data<T>` of the loop this runs in, if it was given one.
pub(crate) fn in_loop<T: 'static>() -> Option<web::Data<T>> {
    LOOP_DATA
        .try_with(|data| data.get::<T>().cloned())
        .ok()
        .flatten()
}
