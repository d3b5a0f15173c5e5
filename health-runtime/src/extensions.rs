//! What a server's adapter keeps in a `Health`: its own settings (actix's worker watch, gRPC's
//! service names), by type, so that the `Health` names no server.

use std::any::Any;
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

/// Values by type, one of each; cheap to clone.
#[derive(Clone, Default)]
pub(crate) struct Extensions(Vec<Arc<dyn Any + Send + Sync>>);

impl Extensions {
    /// The value of type `T`, if one was set.
    pub(crate) fn get<T: 'static>(&self) -> Option<&T> {
        self.0.iter().find_map(|value| value.downcast_ref())
    }

    /// Sets `value`, in place of any earlier one of its type.
    pub(crate) fn set<T: Send + Sync + 'static>(&mut self, value: T) {
        self.0.retain(|earlier| !earlier.is::<T>());
        self.0.push(Arc::new(value));
    }
}

impl fmt::Debug for Extensions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Extensions({} values)", self.0.len())
    }
}

/// The service names given with `Health::grpc_alias`, each with the name of the probe or check it
/// answers as (`"readiness"`, `"readiness/db"`): set and served by the gRPC adapter, and read by
/// `Probes::verify`, which judges a manifest's `grpc` probes with or without the feature.
#[derive(Clone, Default)]
pub(crate) struct GrpcAliases(pub(crate) Vec<(Cow<'static, str>, String)>);
