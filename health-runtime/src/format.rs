//! The body formats a probe answers in, by name.

use std::fmt;
use std::str::FromStr;

/// The body formats of a probe. The status code never depends on the format: 200 when the probe
/// passes, 503 when it fails. More may come: a `match` needs a `_` arm.
///
/// ```
/// use health_runtime::{Format, Health};
///
/// let health = Health::default().format(Format::HealthJson);
/// assert_eq!("microprofile".parse(), Ok(Format::MicroProfile));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Format {
    /// The Go service's JSON, the default: `{"status":"READY","checks":[...]}` or
    /// `{"status":"FAIL","error":"db failed: ...","checks":[...]}`, as `application/json`.
    #[default]
    Json,
    /// MicroProfile Health's: `{"status":"UP"|"DOWN","checks":[{"name":..,"status":"UP"|"DOWN",
    /// "data":{..}}]}`, as `application/json`. Quarkus, Open Liberty and Helidon serve it.
    MicroProfile,
    /// The IETF draft's "Health Check Response Format for HTTP APIs":
    /// `{"status":"pass"|"warn"|"fail","checks":{"db":[{"status":..,"time":..}]}}`, as
    /// `application/health+json`.
    HealthJson,
}

impl Format {
    /// The format `?format=` names: `json`, `microprofile` or `health-json` (and `seed`, the
    /// name `json` had before 0.1).
    pub fn from_name(name: &str) -> Option<Format> {
        match name {
            "json" | "seed" => Some(Format::Json),
            "microprofile" => Some(Format::MicroProfile),
            "health-json" => Some(Format::HealthJson),
            _ => None,
        }
    }
}

impl FromStr for Format {
    type Err = UnknownFormat;

    /// [`Format::from_name`], with an error that says which names there are.
    ///
    /// ```
    /// use health_runtime::Format;
    ///
    /// assert_eq!("health-json".parse(), Ok(Format::HealthJson));
    /// assert_eq!(
    ///     "xml".parse::<Format>().unwrap_err().to_string(),
    ///     "unknown format \"xml\": use json, microprofile or health-json"
    /// );
    /// ```
    fn from_str(name: &str) -> Result<Format, UnknownFormat> {
        Format::from_name(name).ok_or_else(|| UnknownFormat(name.to_owned()))
    }
}

/// A name that is no format's, from [`Format::from_str`] (and a `?format=`, which answers 400
/// with this message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownFormat(String);

impl fmt::Display for UnknownFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown format {:?}: use json, microprofile or health-json",
            self.0
        )
    }
}

impl std::error::Error for UnknownFormat {}
