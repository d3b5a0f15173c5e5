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
    /// `value`, to give a `Health` with [`Health::data`](crate::Health::data): shared by every
    /// check that takes a `Data<T>` of its type, on every server and in background loops.
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
/// `actix`). Sealed: these are the parameter types, and the trait's methods are the runtime's
/// to change; a value of any other type is given as a `Data<T>`.
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
pub trait CheckParam: Sized + sealed::Sealed {
    /// The parameter written `{written}`, or a failed outcome that says how to give it.
    #[doc(hidden)]
    fn resolve(source: &DataSource<'_>, written: &str) -> Result<Self, Outcome>;

    /// What finds the parameter among given values, and its name for messages.
    #[doc(hidden)]
    fn data_type() -> DataType;
}

/// What no crate but this one implements.
pub(crate) mod sealed {
    // Public in a private module: a bound of a public trait that no other crate can name.
    #[allow(unreachable_pub)]
    pub trait Sealed {}
}

impl<T: ?Sized> sealed::Sealed for Data<T> {}

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

/// The values a `Health` was given (`Data<T>`, and a server's own kinds of data: actix's
/// `web::Data<T>`), by type. Cheap to clone.
#[derive(Clone, Default)]
pub(crate) struct AppData(Arc<Vec<Arc<dyn Any + Send + Sync>>>);

impl AppData {
    /// Gives `value`, in place of any earlier one of its type.
    pub(crate) fn give<P: Send + Sync + 'static>(&mut self, value: P) {
        let given = Arc::make_mut(&mut self.0);
        given.retain(|given| !given.is::<P>());
        given.push(Arc::new(value));
    }

    pub(crate) fn insert<T: ?Sized + Send + Sync + 'static>(&mut self, data: Data<T>) {
        self.give(data);
    }

    /// The value of type `P`, if it was given.
    pub(crate) fn get<P: Clone + 'static>(&self) -> Option<P> {
        self.0
            .iter()
            .find_map(|given| given.downcast_ref())
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
                    .any(|given| (**given).type_id() == data_type.id)
            })
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
    pub(crate) id: TypeId,
    /// Copies the parameter's value from a probe's request (a server's own, seen as `Any`), if
    /// the request holds one.
    pub(crate) copy: fn(&dyn Any, &mut AppData),
    /// `Data` or `web::Data`.
    pub(crate) wrapper: &'static str,
    /// The type it wraps.
    pub(crate) inner: &'static str,
}

impl DataType {
    /// A parameter of type `P`, written `{wrapper}<T>`, that no request holds.
    pub(crate) fn of<P: 'static, T: ?Sized>(wrapper: &'static str) -> DataType {
        DataType {
            id: TypeId::of::<P>(),
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
    /// The request of the probe that runs the check, if one does, as its server's own type:
    /// actix's holds the `App`'s data.
    pub(crate) request: Option<&'a dyn Any>,
    /// The values given to the `Health`.
    pub(crate) given: &'a AppData,
}

impl fmt::Debug for DataSource<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataSource")
            .field("request", &self.request.is_some())
            .field("given", &self.given)
            .finish()
    }
}

impl<'a> DataSource<'a> {
    /// The values given to a `Health`, where no request is.
    pub(crate) fn given(given: &'a AppData) -> DataSource<'a> {
        DataSource {
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
    pub(crate) fn detached(&self, types: &[fn() -> DataType]) -> AppData {
        let mut data = self.given.clone();
        if let Some(request) = self.request {
            for data_type in types.iter().map(|data_type| data_type()) {
                (data_type.copy)(request, &mut data);
            }
        }
        data
    }
}
