//! actix's `web::Data<T>` as a check's parameter: the `App`'s data, from the request of the probe
//! that runs the check, or the value given with `Health::app_data` where no request is (a
//! management port, a background loop started with the server).

use std::any::Any;

use actix_web::{HttpRequest, web};

use crate::data::{AppData, CheckParam, DataSource, DataType, sealed};
use crate::health::Health;
use crate::outcome::Outcome;

impl<T: ?Sized> sealed::Sealed for web::Data<T> {}

impl<T: ?Sized + Send + Sync + 'static> CheckParam for web::Data<T> {
    fn resolve(source: &DataSource<'_>, written: &str) -> Result<web::Data<T>, Outcome> {
        let request = source
            .request
            .and_then(<dyn Any>::downcast_ref::<HttpRequest>);
        let missing = match request {
            Some(request) => match request.app_data::<web::Data<T>>() {
                Some(data) => return Ok(data.clone()),
                None => format!(
                    "app data `web::Data<{written}>` is not registered; \
                     add `.app_data(web::Data::new(value))` with a `{written}` to the App"
                ),
            },
            None => match source.given.get() {
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

    fn data_type() -> DataType {
        DataType {
            copy: copy_from_request::<T>,
            ..DataType::of::<web::Data<T>, T>("web::Data")
        }
    }
}

/// Copies the `App`'s `web::Data<T>` from a probe's request, if it holds one.
fn copy_from_request<T: ?Sized + Send + Sync + 'static>(request: &dyn Any, data: &mut AppData) {
    let request = request.downcast_ref::<HttpRequest>();
    if let Some(value) = request.and_then(HttpRequest::app_data::<web::Data<T>>) {
        data.give(value.clone());
    }
}

impl Health {
    /// Gives the `interval` checks that take `web::Data<T>` their data without a request, so that
    /// their loops start with the server rather than with the first probe. Give it the same
    /// `web::Data` as the `App`: the checks that run on probes (those without an `interval`) and
    /// loops that a probe starts take theirs from the request.
    ///
    /// ```
    /// use actix_web::{web, App};
    /// use health_runtime::{readiness, Health};
    ///
    /// struct Pool;
    ///
    /// #[readiness(interval = "5s")]
    /// async fn database(_pool: web::Data<Pool>) -> bool { true }
    ///
    /// let pool = web::Data::new(Pool);
    /// let app = App::new()
    ///     .app_data(pool.clone())
    ///     .service(Health::default().app_data(pool));
    /// ```
    ///
    /// A loop starts with the server when this holds every `web::Data` its check takes. Where no
    /// `App`'s data is seen (axum, gRPC, a subscriber, a management port), a check's
    /// `web::Data<T>` must be given here.
    #[must_use]
    pub fn app_data<T: ?Sized + Send + Sync + 'static>(mut self, data: web::Data<T>) -> Health {
        self.data.give(data);
        self.changed()
    }
}

// Their values are given as both forms.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Data;

    struct Pool;
    struct Config;

    fn type_of<T: Send + Sync + 'static>() -> DataType {
        <web::Data<T> as CheckParam>::data_type()
    }

    #[test]
    fn given_data_is_found_by_type() {
        let mut data = AppData::default();
        data.give(web::Data::new(Pool));
        data.insert(Data::new(Config));
        assert!(data.holds_all(&[]));
        assert!(data.holds_all(&[type_of::<Pool>, <Data<Config> as CheckParam>::data_type]));
        assert!(!data.holds_all(&[type_of::<Pool>, type_of::<Config>]));
        let missing: Vec<String> = data
            .missing(&[type_of::<Pool>, type_of::<Config>])
            .map(|missing| missing.to_string())
            .collect();
        assert_eq!(
            missing,
            ["`web::Data<health_runtime::actix::data::tests::Config>`"]
        );

        let source = DataSource::given(&data);
        assert!(web::Data::<Pool>::resolve(&source, "Pool").is_ok());
        assert!(Data::<Config>::resolve(&source, "Config").is_ok());
        let Err(missing) = web::Data::<Config>::resolve(&source, "my::Config") else {
            panic!("no web::Data<Config> was given");
        };
        assert_eq!(
            missing.error(),
            Some(
                "app data `web::Data<my::Config>` was not given to this Health, and here (a \
                 management port, a background loop) no App's data is seen; give it with \
                 `Health::app_data(web::Data::new(value))`"
            )
        );
        let Err(missing) = Data::<Pool>::resolve(&source, "Pool") else {
            panic!("no Data<Pool> was given");
        };
        assert_eq!(
            missing.error(),
            Some(
                "check data `Data<Pool>` was not given to this Health; give it with \
                 `Health::data(Data::new(value))`"
            )
        );
    }

    #[test]
    fn detached_data_holds_the_requests_values_without_the_request() {
        let mut given = AppData::default();
        given.insert(Data::new(Config));
        let request = actix_web::test::TestRequest::default()
            .app_data(web::Data::new(Pool))
            .to_http_request();
        let source = DataSource {
            request: Some(&request),
            given: &given,
        };
        let types = [type_of::<Pool>, <Data<Config> as CheckParam>::data_type];
        let detached = source.detached(&types);
        let detached = DataSource::given(&detached);
        assert!(web::Data::<Pool>::resolve(&detached, "Pool").is_ok());
        assert!(Data::<Config>::resolve(&detached, "Config").is_ok());
        // Only what the check takes is copied.
        let detached = source.detached(&[]);
        let detached = DataSource::given(&detached);
        assert!(web::Data::<Pool>::resolve(&detached, "Pool").is_err());
    }
}
