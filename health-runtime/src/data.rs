//! Where a check's `web::Data<T>` parameters come from: the request of the probe that runs it
//! (the `App`'s data), or the values given to [`Health::app_data`](crate::Health::app_data), with
//! which a background loop starts before any request, as actix shows the `App`'s data only to
//! requests.

use std::any::{Any, TypeId};
use std::fmt;
use std::sync::Arc;

use actix_web::{HttpRequest, web};

use crate::outcome::Outcome;

/// The `web::Data<T>` values a `Health` was given, each with what registers it in an `App` of
/// the management server's, where the type is known no more.
#[derive(Clone, Default)]
pub struct AppData(Vec<Given>);

#[derive(Clone)]
struct Given {
    value: Arc<dyn Any + Send + Sync>,
    register: Arc<dyn Fn(&mut web::ServiceConfig) + Send + Sync>,
}

impl AppData {
    pub(crate) fn insert<T: Send + Sync + 'static>(&mut self, data: web::Data<T>) {
        self.0.retain(|given| !given.value.is::<web::Data<T>>());
        let registered = data.clone();
        self.0.push(Given {
            value: Arc::new(data),
            register: Arc::new(move |config| {
                config.app_data(registered.clone());
            }),
        });
    }

    fn get<T: 'static>(&self) -> Option<web::Data<T>> {
        self.0
            .iter()
            .find_map(|given| given.value.downcast_ref())
            .cloned()
    }

    /// Whether it holds a value of every type in `types`.
    pub(crate) fn holds_all(&self, types: &[fn() -> DataType]) -> bool {
        self.missing(types).next().is_none()
    }

    /// The names of the types in `types` that it holds no value of.
    pub(crate) fn missing<'a>(
        &'a self,
        types: &'a [fn() -> DataType],
    ) -> impl Iterator<Item = &'static str> + 'a {
        types
            .iter()
            .map(|data_type| data_type())
            .filter_map(|data_type| {
                let held = self
                    .0
                    .iter()
                    .any(|given| (*given.value).type_id() == data_type.id);
                (!held).then_some(data_type.name)
            })
    }

    /// Registers every value as the `App`'s data.
    pub(crate) fn register(&self, config: &mut web::ServiceConfig) {
        for given in &self.0 {
            (given.register)(config);
        }
    }
}

impl fmt::Debug for AppData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AppData({} values)", self.0.len())
    }
}

/// The type of a check fn's `web::Data<T>` parameter: what finds it, and its name for messages.
#[derive(Debug, Clone, Copy)]
pub struct DataType {
    id: TypeId,
    name: &'static str,
}

impl DataType {
    pub fn of<T: 'static>() -> DataType {
        DataType {
            id: TypeId::of::<web::Data<T>>(),
            name: std::any::type_name::<T>(),
        }
    }
}

/// Where one run of a check takes its `web::Data<T>` parameters from. Cheap to clone.
#[derive(Clone)]
pub enum DataSource {
    /// The request of the probe that runs the check.
    Request(HttpRequest),
    /// Values given to `Health`, for a loop that runs without a request.
    Given(AppData),
}

impl Default for DataSource {
    /// No data at all, for checks that take none.
    fn default() -> DataSource {
        DataSource::Given(AppData::default())
    }
}

impl DataSource {
    /// The `web::Data<T>` parameter written `web::Data<{written}>`, or a failed outcome that says
    /// how to register it.
    pub(crate) fn get<T: 'static>(&self, written: &str) -> Result<web::Data<T>, Outcome> {
        let missing = match self {
            DataSource::Request(request) => match request.app_data::<web::Data<T>>() {
                Some(data) => return Ok(data.clone()),
                None => format!(
                    "app data `web::Data<{written}>` is not registered; \
                     add `.app_data(web::Data::new(value))` with a `{written}` to the App"
                ),
            },
            DataSource::Given(data) => match data.get::<T>() {
                Some(data) => return Ok(data),
                None => format!(
                    "app data `web::Data<{written}>` was not given to this Health, and here (a \
                     management port, a background loop) no App's data is seen; give it with \
                     `Health::app_data(web::Data::new(value))`"
                ),
            },
        };
        Err(Outcome::unhealthy(missing))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Pool;
    struct Config;

    fn type_of<T: 'static>() -> DataType {
        DataType::of::<T>()
    }

    #[test]
    fn given_data_is_found_by_type() {
        let mut data = AppData::default();
        data.insert(web::Data::new(Pool));
        assert!(data.holds_all(&[]));
        assert!(data.holds_all(&[type_of::<Pool>]));
        assert!(!data.holds_all(&[type_of::<Pool>, type_of::<Config>]));
        let missing: Vec<&str> = data
            .missing(&[type_of::<Pool>, type_of::<Config>])
            .collect();
        assert_eq!(missing, ["health_runtime::data::tests::Config"]);

        let source = DataSource::Given(data);
        assert!(source.get::<Pool>("Pool").is_ok());
        let Err(missing) = source.get::<Config>("my::Config") else {
            panic!("no Config was given");
        };
        assert_eq!(
            missing.error(),
            Some(
                "app data `web::Data<my::Config>` was not given to this Health, and here (a \
                 management port, a background loop) no App's data is seen; give it with \
                 `Health::app_data(web::Data::new(value))`"
            )
        );
    }
}
