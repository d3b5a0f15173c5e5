//! What a probe request asks for beyond its path: the query (`?verbose`, `?history`, repeated
//! `?exclude=<name>`, `?format=<name>`) and, for the body's format, `Accept`.

use crate::format::{Format, UnknownFormat};
use crate::report::Body;

/// The query options of a probe.
#[derive(Default)]
pub(super) struct Query {
    pub verbose: bool,
    /// `?history`: each check's recent runs, where the details are shown.
    pub history: bool,
    pub exclude: Vec<String>,
    pub format: Option<String>,
}

impl Query {
    /// Parses a URL query string; other keys are ignored.
    pub(super) fn parse(query: &str) -> Query {
        let mut parsed = Query::default();
        if query.is_empty() {
            return parsed;
        }
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            match &*key {
                "verbose" => parsed.verbose = !matches!(&*value, "false" | "0"),
                "history" => parsed.history = !matches!(&*value, "false" | "0"),
                "exclude" => parsed.exclude.push(value.into_owned()),
                "format" => parsed.format = Some(value.into_owned()),
                _ => {}
            }
        }
        parsed
    }

    /// The body asked for: `?verbose`, else `?format=`, else `Accept: application/health+json`,
    /// else `default`.
    pub(super) fn body(
        &self,
        accept: Option<&str>,
        default: Format,
    ) -> Result<Body, UnknownFormat> {
        if self.verbose {
            return Ok(Body::Verbose);
        }
        if let Some(name) = &self.format {
            return name.parse().map(Body::Format);
        }
        let accepted = accept.and_then(accepted_format);
        Ok(Body::Format(accepted.unwrap_or(default)))
    }
}

/// The format an `Accept` header asks for, if it asks for one that a default cannot give:
/// `application/health+json` when it is acceptable (`q` above 0) and preferred at least as much
/// as the JSON a default would give (`application/json`, `application/*`, `*/*`). Media types are
/// matched without regard to case.
fn accepted_format(accept: &str) -> Option<Format> {
    let mut health_json: Option<f32> = None;
    let mut json = 0.0_f32;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or_default().trim();
        let q = parts
            .filter_map(|parameter| {
                let (name, value) = parameter.split_once('=')?;
                name.trim().eq_ignore_ascii_case("q").then(|| value.trim())
            })
            .next()
            .map_or(Some(1.0), |q| q.parse::<f32>().ok())
            .unwrap_or(0.0);
        let is = |name: &str| media.eq_ignore_ascii_case(name);
        if is("application/health+json") {
            health_json = Some(health_json.map_or(q, |best| best.max(q)));
        } else if is("application/json") || is("application/*") || is("*/*") {
            json = json.max(q);
        }
    }
    health_json
        .filter(|&q| q > 0.0 && q >= json)
        .map(|_| Format::HealthJson)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_gives_verbose_and_every_exclude() {
        let query = Query::parse("verbose&exclude=a&exclude=b%20c&other=1&format=health-json");
        assert!(query.verbose);
        assert_eq!(query.exclude, ["a", "b c"]);
        assert_eq!(query.format.as_deref(), Some("health-json"));
        assert!(!Query::parse("verbose=false").verbose);
        assert!(!Query::parse("").verbose);
    }

    #[test]
    fn the_body_is_asked_by_verbose_then_format_then_accept() {
        let asked = |query: &str, accept| Query::parse(query).body(accept, Format::Json);
        assert_eq!(
            asked("verbose&format=microprofile", None),
            Ok(Body::Verbose)
        );
        let health_json = Some("application/health+json");
        assert_eq!(
            asked("format=microprofile", health_json),
            Ok(Body::Format(Format::MicroProfile))
        );
        assert_eq!(asked("", health_json), Ok(Body::Format(Format::HealthJson)));
        assert_eq!(asked("", None), Ok(Body::Format(Format::Json)));
        assert_eq!(asked("format=seed", None), Ok(Body::Format(Format::Json)));
        assert_eq!(
            asked("format=xml", None).unwrap_err().to_string(),
            "unknown format \"xml\": use json, microprofile or health-json"
        );
    }

    #[test]
    fn accept_asks_for_health_json_by_preference_and_without_regard_to_case() {
        for (accept, asked) in [
            ("application/health+json", Some(Format::HealthJson)),
            ("APPLICATION/Health+JSON", Some(Format::HealthJson)),
            (
                "application/json, application/health+json",
                Some(Format::HealthJson),
            ),
            (
                "application/health+json;q=0.9, */*;q=0.1",
                Some(Format::HealthJson),
            ),
            ("application/health+json ; Q=0.5", Some(Format::HealthJson)),
            ("application/health+json;q=0", None),
            ("application/health+json;q=0.5, application/json", None),
            ("application/health+json;q=nonsense", None),
            ("*/*", None),
            ("", None),
        ] {
            assert_eq!(accepted_format(accept), asked, "{accept}");
        }
    }
}
