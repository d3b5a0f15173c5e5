//! The three Kubernetes probes, by which a service's checks are grouped and served.

use std::fmt;
use std::str::FromStr;

/// The three Kubernetes probes, as [`Health::paths`](crate::Health::paths) and
/// [`Health::check`](crate::Health::check) name them.
///
/// ```
/// use health_runtime::{Health, Probe};
///
/// let health = Health::default().paths(Probe::Startup, ["/started"]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Probe {
    /// "Is the process able to work?" A failure makes Kubernetes restart the container.
    Liveness,
    /// "Should the pod receive traffic?" A failure removes it from its Service, without a restart.
    Readiness,
    /// "Has the process finished starting?" Holds readiness back until it has passed once.
    Startup,
}

impl Probe {
    pub(crate) const ALL: [Probe; 3] = [Probe::Liveness, Probe::Readiness, Probe::Startup];

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// Lower-case name, as used in messages: `liveness`, `readiness`, `startup`.
    ///
    /// ```
    /// assert_eq!(health_runtime::Probe::Readiness.as_str(), "readiness");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Probe::Liveness => "liveness",
            Probe::Readiness => "readiness",
            Probe::Startup => "startup",
        }
    }
}

impl fmt::Display for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Probe {
    type Err = UnknownProbe;

    /// The probe named as [`Probe::as_str`] names it: `liveness`, `readiness` or `startup`.
    ///
    /// ```
    /// use health_runtime::Probe;
    ///
    /// assert_eq!("readiness".parse::<Probe>(), Ok(Probe::Readiness));
    /// assert_eq!(
    ///     "ready".parse::<Probe>().unwrap_err().to_string(),
    ///     "unknown probe \"ready\": use liveness, readiness or startup"
    /// );
    /// ```
    fn from_str(name: &str) -> Result<Probe, UnknownProbe> {
        Probe::ALL
            .into_iter()
            .find(|probe| probe.as_str() == name)
            .ok_or_else(|| UnknownProbe(name.to_owned()))
    }
}

/// A name that is no probe's, from [`Probe::from_str`]: its message says which names are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownProbe(String);

impl fmt::Display for UnknownProbe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown probe {:?}: use liveness, readiness or startup",
            self.0
        )
    }
}

impl std::error::Error for UnknownProbe {}
