//! What one run of a check produced, and the conversion from everything a check fn may return.

use std::borrow::Cow;
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
/// async fn queue_depth() -> Outcome {
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
    /// The bytes of the reason as the check gave it, which may be more than `error` keeps.
    error_len: usize,
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

    /// A failing result; `reason` is shown to operators in the response body. Credentials in it
    /// are replaced by `***`: those of URLs (`mysql://user:password@host`), Go and Oracle DSNs,
    /// values of keys such as `password=`, `token=`, `api_key:` or `accessToken`, `Bearer` and
    /// `Basic` credentials, cookies, JSON Web Tokens, AWS access key ids and PEM private keys. Keep
    /// other secrets out of it. Only its first 4 KiB are kept (and a body shows less: see
    /// [`Health::error_limit`](crate::Health::error_limit)).
    ///
    /// ```
    /// use health_runtime::Outcome;
    ///
    /// let outcome = Outcome::unhealthy("cannot reach mysql://app:hunter2@db:3306/app");
    /// assert_eq!(outcome.error(), Some("cannot reach mysql://***@db:3306/app"));
    /// ```
    #[must_use]
    pub fn unhealthy(reason: impl Display) -> Outcome {
        let (mut reason, total) = redact::window(&reason);
        let redacted = redact::read_secrets(&reason, total > reason.len());
        let error_len = if total > redact::MAX_TEXT {
            total
        } else {
            redacted.len()
        };
        let error = match redacted {
            Cow::Borrowed(kept) => {
                let kept = kept.len();
                reason.truncate(kept);
                reason
            }
            Cow::Owned(redacted) => redacted,
        };
        Outcome(Some(Box::new(Details {
            error: Some(error),
            error_len,
            data: None,
        })))
    }

    /// A failing result whose reason is `error` and the errors of its `source()` chain, on one
    /// line, as an attribute's check shows a `std::error::Error` it returns. For a check built
    /// with [`Check::new`](crate::Check::new), whose `Err` shows only its own text (or, for an
    /// `anyhow::Error`, its whole chain).
    ///
    /// ```
    /// use health_runtime::Outcome;
    ///
    /// #[derive(Debug)]
    /// struct Saving(std::io::Error);
    /// impl std::fmt::Display for Saving {
    ///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    ///         f.write_str("saving the cache")
    ///     }
    /// }
    /// impl std::error::Error for Saving {
    ///     fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
    ///         Some(&self.0)
    ///     }
    /// }
    ///
    /// let error = Saving(std::io::Error::other("disk full"));
    /// assert_eq!(Outcome::from_error(&error).error(), Some("saving the cache: disk full"));
    /// ```
    #[must_use]
    pub fn from_error(error: &dyn std::error::Error) -> Outcome {
        Outcome::unhealthy(with_sources(error))
    }

    /// Attaches `data`, shown as the check's `data` in the JSON body. Data that cannot be
    /// serialized to JSON turns the outcome into a failure that says so. Its strings are
    /// redacted as reasons are, and the values of keys such as `password` or `token` hidden.
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
            Ok(mut value) => {
                redact::json(&mut value);
                Some(value)
            }
            Err(error) => {
                let error = format!("check data cannot be shown as JSON: {error}");
                details.error_len = error.len();
                details.error = Some(error);
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

/// How much of a check's outcome a body shows: a check that returns a long reason or a large
/// `data` does not make every probe a large body (the kubelet reads 10 KiB of it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    /// Bytes of `error`.
    pub error: usize,
    /// Bytes of `data`, as JSON.
    pub data: usize,
}

impl Limits {
    /// Five checks that hit both limits still make a body under 10 KiB.
    pub(crate) const DEFAULT: Limits = Limits {
        error: 512,
        data: 1024,
    };
}

impl Outcome {
    /// The outcome, with an `error` or `data` over `limits` cut on a character boundary and
    /// marked as cut; `data` that is cut becomes the start of its JSON, as a string.
    pub(crate) fn within(self, limits: Limits) -> Outcome {
        let Some(mut details) = self.0 else {
            return self;
        };
        if let Some(error) = &details.error {
            if let Some(cut) = cut(error, limits.error, details.error_len, "") {
                details.error = Some(cut);
            }
        }
        if let Some(data) = &details.data {
            let json = data.to_string();
            if let Some(cut) = cut(&json, limits.data, json.len(), " of JSON") {
                details.data = Some(serde_json::Value::String(cut));
            }
        }
        Outcome(Some(details))
    }
}

impl Outcome {
    /// Appends `note` to a failing outcome's reason, as it is: the note holds no secret.
    pub(crate) fn note(&mut self, note: &str) {
        if let Some(Details {
            error: Some(error),
            error_len,
            ..
        }) = self.0.as_deref_mut()
        {
            error.push_str(note);
            *error_len += note.len();
        }
    }
}

/// `error` and its causes on one line, as `anyhow` shows them with `{:#}`: `reading the config:
/// No such file or directory`. A cause already in the text of the error it caused is not repeated.
pub(crate) fn with_sources(error: &dyn std::error::Error) -> String {
    let mut line = error.to_string();
    let mut cause = error.source();
    while let Some(error) = cause {
        let text = error.to_string();
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        cause = error.source();
    }
    line
}

/// `text`, the start of something `total` bytes long, cut to at most `max` bytes and marked as
/// cut, if `total` is more than `max` or `text` lacks some of it already.
pub(crate) fn cut(text: &str, max: usize, total: usize, what: &str) -> Option<String> {
    if total <= max && text.len() >= total {
        return None;
    }
    let mark = format!("… (cut: {total} bytes{what} in all)");
    let kept = redact::prefix(text, max.saturating_sub(mark.len()));
    Some(format!("{kept}{mark}"))
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
            // `{:#}`: the whole chain of an `anyhow::Error` ("reading the config: No such file").
            Err(error) => Outcome::unhealthy(format_args!("{error:#}")),
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
    fn long_errors_and_large_data_are_cut_on_a_character_boundary() {
        let limits = Limits {
            error: 40,
            data: 60,
        };
        let outcome = Outcome::unhealthy("é".repeat(100)).within(limits);
        let error = outcome.error().unwrap();
        assert!(error.len() <= 40, "{error}");
        assert!(error.ends_with("… (cut: 200 bytes in all)"), "{error}");
        assert!(error.starts_with("éé"));

        let outcome = Outcome::healthy()
            .with_data(serde_json::json!({ "items": vec![1; 1000] }))
            .within(limits);
        let data = outcome.data().unwrap().as_str().unwrap();
        assert!(data.len() <= 60, "{data}");
        assert!(data.starts_with("{\"items\":[1,1,"), "{data}");
        assert!(
            data.ends_with("… (cut: 2011 bytes of JSON in all)"),
            "{data}"
        );
        assert!(outcome.is_healthy());

        let small = Outcome::unhealthy("short").with_data(1);
        assert_eq!(small.clone().within(limits), small);

        // A reason too long to redact whole is kept in part, and its mark counts all of it.
        let huge = Outcome::unhealthy("x".repeat(1 << 20));
        assert_eq!(huge.error().unwrap().len(), redact::MAX_TEXT);
        let error = huge.within(limits).error().unwrap().to_owned();
        assert!(error.ends_with("… (cut: 1048576 bytes in all)"), "{error}");
        let roomy = Limits {
            error: 1 << 21,
            data: 60,
        };
        let error = Outcome::unhealthy("x".repeat(1 << 20)).within(roomy);
        assert!(
            error
                .error()
                .unwrap()
                .ends_with("(cut: 1048576 bytes in all)")
        );
    }

    #[test]
    fn an_error_shows_its_causes_once() {
        #[derive(Debug)]
        struct Saving(std::io::Error);
        impl std::fmt::Display for Saving {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("saving the cache")
            }
        }
        impl std::error::Error for Saving {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let error = Saving(std::io::Error::other("disk full"));
        assert_eq!(with_sources(&error), "saving the cache: disk full");
        // A cause that the error's text already holds is not repeated.
        let io = std::io::Error::other("disk full");
        assert_eq!(with_sources(&io), "disk full");
    }

    #[test]
    fn data_that_is_not_json_fails_with_a_reason() {
        let map = std::collections::HashMap::from([((1, 2), "tuple keys")]);
        let outcome = Outcome::healthy().with_data(map);
        assert!(
            outcome
                .error()
                .unwrap()
                .starts_with("check data cannot be shown as JSON")
        );
        assert_eq!(outcome.data(), None);
    }
}
