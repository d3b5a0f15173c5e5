//! Where a check's parameters come from. A [`Data<T>`] parameter takes the value given to
//! [`Health::data`](crate::Health::data), on every server and in background loops. A
//! `web::Data<T>` parameter takes the `App`'s data, from the request of the probe that runs it,
//! or the value given to [`Health::app_data`](crate::Health::app_data) where no request is (a
//! management port, a background loop started with the server): actix shows the `App`'s data
//! only to requests.

use std::any::{Any, TypeId};
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

#[cfg(feature = "actix")]
use actix_web::{HttpRequest, web};

use crate::outcome::Outcome;

/// A value that checks take as a parameter, given once to the `Health` with
/// [`Health::data`](crate::Health::data): a database pool, a client, a configuration. An `Arc`
/// (cheap to clone), on every server.
///
/// ```
/// use health_runtime::{readiness, Data, Health};
///
/// struct Queue { depth: usize }
///
/// #[readiness]
/// async fn backlog(queue: Data<Queue>) -> Result<(), String> {
///     if queue.depth < 100 { Ok(()) } else { Err(format!("{} jobs waiting", queue.depth)) }
/// }
///
/// let health = Health::default().data(Data::new(Queue { depth: 3 }));
/// ```
#[derive(Debug)]
pub struct Data<T: ?Sized>(Arc<T>);

impl<T> Data<T> {
    pub fn new(value: T) -> Data<T> {
        Data(Arc::new(value))
    }
}

impl<T: ?Sized> Data<T> {
    /// The `Arc` it holds.
    pub fn into_inner(self) -> Arc<T> {
        self.0
    }
}

impl<T: ?Sized> Clone for Data<T> {
    fn clone(&self) -> Data<T> {
        Data(self.0.clone())
    }
}

impl<T: ?Sized> Deref for Data<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: ?Sized> From<Arc<T>> for Data<T> {
    fn from(value: Arc<T>) -> Data<T> {
        Data(value)
    }
}

/// A type that a check fn takes as a parameter: [`Data<T>`], or actix's `web::Data<T>` (feature
/// `actix`).
#[cfg_attr(
    feature = "actix",
    diagnostic::on_unimplemented(
        message = "`{Self}` cannot be a health check's parameter",
        label = "take `health_runtime::Data<T>` (given with `Health::data`) or `actix_web::web::Data<T>` (the App's data)",
        note = "the `T` of either is `Send + Sync`: checks run on any thread of the server's runtime"
    )
)]
// Without actix, its `web::Data<T>` is no parameter: the error says which feature it needs.
#[cfg_attr(
    not(feature = "actix"),
    diagnostic::on_unimplemented(
        message = "`{Self}` cannot be a health check's parameter",
        label = "take `health_runtime::Data<T>`, given with `Health::data(Data::new(value))`",
        note = "actix's `web::Data<T>` is a parameter only with health-runtime's feature `actix` (a default one); on axum or gRPC, take `Data<T>`",
        note = "the `T` of `Data<T>` is `Send + Sync`: checks run on any thread of the server's runtime"
    )
)]
pub trait CheckParam: Sized {
    /// The parameter written `{written}`, or a failed outcome that says how to give it.
    #[doc(hidden)]
    fn resolve(source: &DataSource<'_>, written: &str) -> Result<Self, Outcome>;

    /// What finds the parameter among given values, and its name for messages.
    #[doc(hidden)]
    fn data_type() -> DataType;
}

impl<T: ?Sized + Send + Sync + 'static> CheckParam for Data<T> {
    fn resolve(source: &DataSource<'_>, written: &str) -> Result<Data<T>, Outcome> {
        source.given.get().ok_or_else(|| {
            Outcome::unhealthy(format!(
                "check data `Data<{written}>` was not given to this Health; give it with \
                 `Health::data(Data::new(value))`"
            ))
        })
    }

    fn data_type() -> DataType {
        // Given to the `Health`: there is nothing more to copy.
        DataType::of::<Data<T>, T>("Data")
    }
}

#[cfg(feature = "actix")]
impl<T: ?Sized + Send + Sync + 'static> CheckParam for web::Data<T> {
    fn resolve(source: &DataSource<'_>, written: &str) -> Result<web::Data<T>, Outcome> {
        let missing = match source.request {
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
            copy: |request, data| {
                if let Some(value) = request.app_data::<web::Data<T>>() {
                    data.give(value.clone());
                }
            },
            ..DataType::of::<web::Data<T>, T>("web::Data")
        }
    }
}

/// The values a `Health` was given (`Data<T>` and `web::Data<T>`), each `web::Data<T>` with what
/// registers it in an `App` of the management server's, where the type is known no more. Cheap
/// to clone.
#[derive(Clone, Default)]
pub struct AppData(Arc<Vec<Given>>);

/// Registers a `web::Data<T>` value as an `App`'s data.
#[cfg(feature = "actix")]
type Register = Arc<dyn Fn(&mut web::ServiceConfig) + Send + Sync>;

#[derive(Clone)]
struct Given {
    value: Arc<dyn Any + Send + Sync>,
    #[cfg(feature = "actix")]
    register: Option<Register>,
}

impl AppData {
    /// Gives `value`, in place of any earlier one of its type.
    fn give<P: Send + Sync + 'static>(&mut self, value: P) -> &mut Given {
        let given = Arc::make_mut(&mut self.0);
        given.retain(|given| !given.value.is::<P>());
        given.push(Given {
            value: Arc::new(value),
            #[cfg(feature = "actix")]
            register: None,
        });
        given.last_mut().expect("just pushed")
    }

    pub(crate) fn insert<T: ?Sized + Send + Sync + 'static>(&mut self, data: Data<T>) {
        self.give(data);
    }

    #[cfg(feature = "actix")]
    pub(crate) fn insert_web<T: ?Sized + Send + Sync + 'static>(&mut self, data: web::Data<T>) {
        let registered = data.clone();
        let register = Arc::new(move |config: &mut web::ServiceConfig| {
            config.app_data(registered.clone());
        });
        self.give(data).register = Some(register);
    }

    fn get<P: Clone + 'static>(&self) -> Option<P> {
        self.0
            .iter()
            .find_map(|given| given.value.downcast_ref())
            .cloned()
    }

    /// Whether it holds a value of every type in `types`.
    pub(crate) fn holds_all(&self, types: &[fn() -> DataType]) -> bool {
        self.missing(types).next().is_none()
    }

    /// The types in `types` that it holds no value of.
    pub(crate) fn missing<'a>(
        &'a self,
        types: &'a [fn() -> DataType],
    ) -> impl Iterator<Item = DataType> + 'a {
        types
            .iter()
            .map(|data_type| data_type())
            .filter(|data_type| {
                !self
                    .0
                    .iter()
                    .any(|given| (*given.value).type_id() == data_type.id)
            })
    }

    /// Registers every `web::Data<T>` value as the `App`'s data.
    #[cfg(feature = "actix")]
    pub(crate) fn register(&self, config: &mut web::ServiceConfig) {
        for register in self.0.iter().filter_map(|given| given.register.as_ref()) {
            register(config);
        }
    }
}

impl fmt::Debug for AppData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AppData({} values)", self.0.len())
    }
}

/// The type of a check fn's parameter: what finds it, and its name for messages.
#[derive(Debug, Clone, Copy)]
pub struct DataType {
    id: TypeId,
    /// Copies the parameter's value from a probe's request, if the request holds one.
    #[cfg(feature = "actix")]
    copy: fn(&HttpRequest, &mut AppData),
    /// `Data` or `web::Data`.
    wrapper: &'static str,
    /// The type it wraps.
    inner: &'static str,
}

impl DataType {
    /// A parameter of type `P`, written `{wrapper}<T>`, that no request holds.
    fn of<P: 'static, T: ?Sized>(wrapper: &'static str) -> DataType {
        DataType {
            id: TypeId::of::<P>(),
            #[cfg(feature = "actix")]
            copy: |_, _| {},
            wrapper,
            inner: std::any::type_name::<T>(),
        }
    }

    /// Whether an `App` gives it: a `web::Data<T>`.
    pub(crate) fn is_app_data(&self) -> bool {
        self.wrapper == "web::Data"
    }
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}<{}>`", self.wrapper, self.inner)
    }
}

/// Where one run of a check takes its parameters from, borrowed for the call that starts it.
#[derive(Clone, Copy)]
pub struct DataSource<'a> {
    /// The request of the probe that runs the check, if one does: the `App`'s data.
    #[cfg(feature = "actix")]
    request: Option<&'a HttpRequest>,
    /// The values given to the `Health`.
    given: &'a AppData,
}

impl<'a> DataSource<'a> {
    /// A probe's request, with the values given to its `Health`.
    #[cfg(feature = "actix")]
    pub(crate) fn request(request: &'a HttpRequest, given: &'a AppData) -> DataSource<'a> {
        DataSource {
            request: Some(request),
            given,
        }
    }

    /// The values given to a `Health`, where no request is.
    pub(crate) fn given(given: &'a AppData) -> DataSource<'a> {
        DataSource {
            #[cfg(feature = "actix")]
            request: None,
            given,
        }
    }

    /// No data at all, for tests of checks that take none.
    #[cfg(test)]
    pub(crate) fn none() -> DataSource<'static> {
        static NONE: std::sync::LazyLock<AppData> = std::sync::LazyLock::new(AppData::default);
        DataSource::given(&NONE)
    }

    /// The values that parameters of `types` take here, held without the request, for a run
    /// that starts later or elsewhere (a cache refill, a background loop): `Send`, unlike the
    /// request.
    pub(crate) fn detached(
        &self,
        #[cfg_attr(not(feature = "actix"), expect(unused_variables))] types: &[fn() -> DataType],
    ) -> AppData {
        #[cfg_attr(not(feature = "actix"), expect(unused_mut))]
        let mut data = self.given.clone();
        #[cfg(feature = "actix")]
        if let Some(request) = self.request {
            for data_type in types.iter().map(|data_type| data_type()) {
                (data_type.copy)(request, &mut data);
            }
        }
        data
    }
}

// Their values are given as both forms.
#[cfg(all(test, feature = "actix"))]
mod tests {
    use super::*;

    struct Pool;
    struct Config;

    fn type_of<T: Send + Sync + 'static>() -> DataType {
        <web::Data<T> as CheckParam>::data_type()
    }

    #[test]
    fn given_data_is_found_by_type() {
        let mut data = AppData::default();
        data.insert_web(web::Data::new(Pool));
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
            ["`web::Data<health_runtime::data::tests::Config>`"]
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
        let source = DataSource::request(&request, &given);
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
