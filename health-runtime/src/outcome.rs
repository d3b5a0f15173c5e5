//! What one run of a check produced, and the conversion from everything a check fn may return.

use std::fmt::Display;

use serde::Serialize;

use crate::redact;

/// The result of one run of a check: healthy or not, why not, and optional data to show.
///
/// Checks usually return `()`, `bool` or `Result<T, E>`; return an `Outcome` to build the result
/// by hand:
///
/// ```
/// use health_runtime::{readiness, Outcome};
///
/// #[readiness]
/// async fn queue() -> Outcome {
///     let depth = 12;
///     if depth < 100 {
///         Outcome::healthy().with_data(serde_json::json!({ "depth": depth }))
///     } else {
///         Outcome::unhealthy(format!("queue depth {depth} is over 100"))
///     }
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome(
    /// `None` exactly when there is neither an error nor data: one word, and nothing to allocate
    /// or free, for the common passing result, as every probe moves and drops its outcomes.
    Option<Box<Details>>,
);

#[derive(Debug, Clone, PartialEq, Default)]
struct Details {
    error: Option<String>,
    data: Option<serde_json::Value>,
}

impl Outcome {
    /// A passing result.
    ///
    /// ```
    /// assert!(health_runtime::Outcome::healthy().is_healthy());
    /// ```
    #[must_use]
    pub fn healthy() -> Outcome {
        Outcome(None)
    }

    /// A failing result; `reason` is shown to operators in the response body. The credentials
    /// of any URL in it (`mysql://user:password@host`) are replaced by `***`; keep other secrets
    /// out of it.
    ///
    /// ```
    /// use health_runtime::Outcome;
    ///
    /// let outcome = Outcome::unhealthy("cannot reach mysql://app:hunter2@db:3306/app");
    /// assert_eq!(outcome.error(), Some("cannot reach mysql://***@db:3306/app"));
    /// ```
    #[must_use]
    pub fn unhealthy(reason: impl Display) -> Outcome {
        let reason = reason.to_string();
        Outcome(Some(Box::new(Details {
            error: Some(redact::userinfo(&reason).into_owned()),
            data: None,
        })))
    }

    /// Attaches `data`, shown as the check's `data` in the JSON body. Data that cannot be
    /// serialized to JSON turns the outcome into a failure that says so.
    ///
    /// ```
    /// use health_runtime::Outcome;
    ///
    /// let outcome = Outcome::healthy().with_data(serde_json::json!({ "connections": 4 }));
    /// assert_eq!(outcome.data(), Some(&serde_json::json!({ "connections": 4 })));
    /// ```
    #[must_use]
    pub fn with_data(self, data: impl Serialize) -> Outcome {
        let mut details = self.0.map(|details| *details).unwrap_or_default();
        details.data = match serde_json::to_value(data) {
            Ok(serde_json::Value::Null) => None,
            Ok(value) => Some(value),
            Err(error) => {
                details.error = Some(format!("check data cannot be shown as JSON: {error}"));
                None
            }
        };
        let plain = details.error.is_none() && details.data.is_none();
        Outcome((!plain).then(|| Box::new(details)))
    }

    /// Whether the check passed.
    pub fn is_healthy(&self) -> bool {
        self.error().is_none()
    }

    /// Why the check failed, if it did.
    pub fn error(&self) -> Option<&str> {
        self.0.as_ref()?.error.as_deref()
    }

    /// The data the check attached, if any.
    pub fn data(&self) -> Option<&serde_json::Value> {
        self.0.as_ref()?.data.as_ref()
    }
}

/// What a check fn may return. Implemented for `()` (always healthy), `bool`, `Result<T, E>`
/// (`T: Serialize` becomes the check's `data`, `E: Display` the error) and [`Outcome`].
///
/// ```
/// use health_runtime::IntoOutcome;
///
/// let failed = Err::<(), _>("disk full").into_outcome();
/// assert_eq!(failed.error(), Some("disk full"));
/// assert_eq!(false.into_outcome().error(), Some("returned false"));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a health check",
    label = "unsupported return type for a health check",
    note = "a health check returns `()`, `bool`, `Result<T, E>` with `T: serde::Serialize` and `E: std::fmt::Display`, or `health_runtime::Outcome`"
)]
pub trait IntoOutcome {
    /// Converts the check fn's return value.
    fn into_outcome(self) -> Outcome;
}

impl IntoOutcome for Outcome {
    fn into_outcome(self) -> Outcome {
        self
    }
}

impl IntoOutcome for () {
    fn into_outcome(self) -> Outcome {
        Outcome::healthy()
    }
}

impl IntoOutcome for bool {
    fn into_outcome(self) -> Outcome {
        if self {
            Outcome::healthy()
        } else {
            Outcome::unhealthy("returned false")
        }
    }
}

impl<T: Serialize, E: Display> IntoOutcome for Result<T, E> {
    fn into_outcome(self) -> Outcome {
        match self {
            Ok(data) => Outcome::healthy().with_data(data),
            Err(error) => Outcome::unhealthy(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_values_become_outcomes() {
        assert!(().into_outcome().is_healthy());
        assert!(true.into_outcome().is_healthy());
        assert_eq!(false.into_outcome().error(), Some("returned false"));
        assert_eq!(Ok::<(), String>(()).into_outcome(), Outcome::healthy());
        let failed = Err::<(), _>("disk full").into_outcome();
        assert_eq!(failed.error(), Some("disk full"));
        let with_data = Ok::<_, String>(serde_json::json!({"workers": 4})).into_outcome();
        assert_eq!(with_data.data(), Some(&serde_json::json!({"workers": 4})));
    }

    #[test]
    fn data_that_is_not_json_fails_with_a_reason() {
        let map = std::collections::HashMap::from([((1, 2), "tuple keys")]);
        let outcome = Outcome::healthy().with_data(map);
        assert!(outcome
            .error()
            .unwrap()
            .starts_with("check data cannot be shown as JSON"));
        assert_eq!(outcome.data(), None);
    }
}
