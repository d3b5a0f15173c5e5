//! What a Kubernetes manifest must say of this service's probes, from the checks it declares:
//! the probe blocks to paste into a pod template ([`Probes`]' `Display`), and, with the feature
//! `kubernetes`, the findings of a manifest written by hand (`Probes::verify`).

mod needs;
mod yaml;

#[cfg(feature = "kubernetes")]
mod findings;
#[cfg(feature = "kubernetes")]
mod manifest;
#[cfg(feature = "kubernetes")]
mod verify;

use std::borrow::Cow;
use std::time::Duration;

use crate::Health;

#[cfg(feature = "kubernetes")]
pub use findings::{Finding, Findings};
#[cfg(feature = "kubernetes")]
pub use manifest::{Manifest, ManifestError, PodContainer};

/// actix-web's own bound on its graceful stop (`HttpServer::shutdown_timeout`), unless
/// [`Served::server_shutdown`] says otherwise.
pub const DEFAULT_SERVER_SHUTDOWN: Duration = Duration::from_secs(30);

/// Where the service's container serves the `Health`: its HTTP port (by number, and by name
/// where the container names it), its gRPC port, the container's name, the prefix its paths are
/// under, and how long its server takes to stop.
///
/// ```
/// use health_runtime::kubernetes::Served;
///
/// let served = Served::http(8080).port_name("http").grpc(50051).container("orders");
/// ```
#[derive(Debug, Clone)]
pub struct Served {
    pub(crate) http: Option<u16>,
    pub(crate) port_name: Option<Cow<'static, str>>,
    pub(crate) https: bool,
    pub(crate) grpc: Option<u16>,
    pub(crate) container: Option<Cow<'static, str>>,
    pub(crate) server_shutdown: Duration,
    /// `/ops`: with its leading slash, without a trailing one; `None` at the root.
    pub(crate) path_prefix: Option<Cow<'static, str>>,
}

impl Served {
    /// Served over HTTP (actix or axum) on `port`.
    #[must_use]
    pub fn http(port: u16) -> Served {
        Served::nowhere().and_http(port)
    }

    /// Served as gRPC health (`Health::grpc_service`) on `port`, and nothing else.
    #[must_use]
    pub fn grpc_only(port: u16) -> Served {
        Served::nowhere().grpc(port)
    }

    fn nowhere() -> Served {
        Served {
            http: None,
            port_name: None,
            https: false,
            grpc: None,
            container: None,
            server_shutdown: DEFAULT_SERVER_SHUTDOWN,
            path_prefix: None,
        }
    }

    /// Also served over HTTP on `port`.
    #[must_use]
    pub fn and_http(mut self, port: u16) -> Served {
        self.http = Some(port);
        self
    }

    /// The name the container's `ports` give the HTTP port: the probes name it rather than its
    /// number.
    #[must_use]
    pub fn port_name(mut self, name: impl Into<Cow<'static, str>>) -> Served {
        self.port_name = Some(name.into());
        self
    }

    /// The HTTP port speaks TLS (`scheme: HTTPS`).
    #[must_use]
    pub fn https(mut self) -> Served {
        self.https = true;
        self
    }

    /// Also served as gRPC health on `port`.
    #[must_use]
    pub fn grpc(mut self, port: u16) -> Served {
        self.grpc = Some(port);
        self
    }

    /// The service's container is the one of this name. Without it, a manifest's container is
    /// the service's when it declares, or its probes call, the HTTP or gRPC port.
    #[must_use]
    pub fn container(mut self, name: impl Into<Cow<'static, str>>) -> Served {
        self.container = Some(name.into());
        self
    }

    /// The path the app mounts the `Health` under: an actix `web::scope("/ops")`, an axum
    /// `Router::nest("/ops", ..)`. The printed probes then ask for `/ops/livez`, and `verify`
    /// reads a manifest's paths under it. `ops` and `/ops/` are read as `/ops`; `""` and `/`
    /// are the root, as without one.
    #[must_use]
    pub fn path_prefix(mut self, prefix: impl Into<Cow<'static, str>>) -> Served {
        let prefix = prefix.into();
        let trimmed = prefix.trim_end_matches('/');
        self.path_prefix = match trimmed {
            "" => None,
            _ if trimmed.len() == prefix.len() && prefix.starts_with('/') => Some(prefix),
            _ if trimmed.starts_with('/') => Some(Cow::Owned(trimmed.to_owned())),
            _ => Some(Cow::Owned(format!("/{trimmed}"))),
        };
        self
    }

    /// A path of the `Health`'s, as it mounts it, as a client asks for it: under the prefix.
    /// `""`, a scope's root, is the prefix itself, as actix serves it (`/ops`, not `/ops/`).
    pub(crate) fn prefixed(&self, path: &str) -> String {
        let prefix = self.path_prefix.as_deref().unwrap_or_default();
        match path {
            "" if !prefix.is_empty() => prefix.to_owned(),
            _ if path.starts_with('/') => format!("{prefix}{path}"),
            _ => format!("{prefix}/{path}"),
        }
    }

    /// A path a client asks for (with its leading slash) as the `Health` mounts it: without the
    /// prefix (`/ops` is the scope's root, `""`); `None` when it is not under it (`/opsx`).
    pub(crate) fn unprefixed<'p>(&self, path: &'p str) -> Option<&'p str> {
        let Some(prefix) = &self.path_prefix else {
            return Some(path);
        };
        let rest = path.strip_prefix(prefix.as_ref())?;
        (rest.is_empty() || rest.starts_with('/')).then_some(rest)
    }

    /// How long the server may take to stop once the drain is over: what the app gave actix's
    /// `HttpServer::shutdown_timeout` (30 s unless it set one: [`DEFAULT_SERVER_SHUTDOWN`]), or
    /// the bound it puts on axum's or tonic's graceful stop.
    #[must_use]
    pub fn server_shutdown(mut self, timeout: Duration) -> Served {
        self.server_shutdown = timeout;
        self
    }
}

/// The probes a service needs, from its `Health` and where it is [`Served`]: `Display` writes
/// them as YAML for a pod template, each number with a comment saying where it comes from.
///
/// ```
/// use health_runtime::kubernetes::Served;
/// use health_runtime::Health;
///
/// // In `main`, before serving: `orders --print-probes` prints what the manifest needs.
/// let health = Health::default();
/// if std::env::args().any(|arg| arg == "--print-probes") {
///     print!("{}", health.kubernetes(Served::http(8080).port_name("http")));
///     return;
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Probes<'h> {
    pub(crate) health: &'h Health,
    pub(crate) served: Served,
}

impl Health {
    /// The probes this service needs where it is `served`: print them (`Display`) into a pod
    /// template, or, with the feature `kubernetes`, check a manifest with `Probes::verify`.
    #[must_use]
    pub fn kubernetes(&self, served: Served) -> Probes<'_> {
        Probes {
            health: self,
            served,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Served;

    #[test]
    fn paths_are_read_under_the_prefix_as_actix_serves_them() {
        let under = |prefix: &'static str| Served::http(8080).path_prefix(prefix);
        for prefix in ["ops", "/ops", "/ops/"] {
            let served = under(prefix);
            assert_eq!(served.prefixed("/livez"), "/ops/livez");
            assert_eq!(served.prefixed("health/live"), "/ops/health/live");
            // A scope's root: `""` answers `/ops`, `/` answers `/ops/`.
            assert_eq!(served.prefixed(""), "/ops");
            assert_eq!(served.prefixed("/"), "/ops/");
            assert_eq!(served.unprefixed("/ops/livez"), Some("/livez"));
            assert_eq!(served.unprefixed("/ops"), Some(""));
            assert_eq!(served.unprefixed("/ops/"), Some("/"));
            assert_eq!(served.unprefixed("/opsx/livez"), None);
            assert_eq!(served.unprefixed("/livez"), None);
        }
        for root in [Served::http(8080), under(""), under("/")] {
            assert_eq!(root.prefixed("/livez"), "/livez");
            assert_eq!(root.prefixed(""), "/");
            assert_eq!(root.unprefixed("/livez"), Some("/livez"));
        }
    }
}
