//! The kube-apiserver's `?verbose` text: a line per check (`[+]db ok`, `[-]db failed: refused`),
//! then the verdict (`readiness check failed`).

use std::fmt::Write;

use super::{AVAILABILITY, Detail, Report, Status, one_line};

/// What the text says instead of a reason it withholds, as kube-apiserver does.
const WITHHELD: &str = "reason withheld";

impl Report {
    pub(super) fn verbose_text(&self, detail: Detail) -> String {
        let reason = |text: &str| match detail {
            Detail::Full | Detail::History => one_line(text).into_owned(),
            Detail::StatusOnly => WITHHELD.to_owned(),
        };
        let mut text = String::new();
        if let Some(held) = &self.held {
            let _ = writeln!(text, "[-]{AVAILABILITY} failed: {}", reason(held));
        }
        for check in self.checks.iter() {
            let why = || reason(check.outcome.error().unwrap_or_default());
            let _ = match check.status() {
                Status::Ok => writeln!(text, "[+]{} ok", check.name),
                Status::Warn => writeln!(text, "[+]{} warn: {}", check.name, why()),
                Status::Fail => writeln!(text, "[-]{} failed: {}", check.name, why()),
            };
        }
        for name in &self.excluded {
            let _ = writeln!(text, "[+]{name} excluded: ok");
        }
        for warning in self.warnings() {
            let _ = writeln!(text, "warn: {warning}");
        }
        let scope = self.scope.name();
        if self.starting {
            let _ = writeln!(text, "{scope} check failed: service is starting");
        } else {
            let verdict = if self.passed() { "passed" } else { "failed" };
            let _ = writeln!(text, "{scope} check {verdict}");
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::super::sample::*;
    use super::super::*;

    #[test]
    fn a_line_per_check_then_the_verdict() {
        assert_eq!(
            rendered(&failing(), Body::Verbose, Detail::Full),
            "[-]db failed: refused by peer\n[+]cache warn: cold\n[+]flag ok\nreadiness check failed\n"
        );
        let mut held = failing();
        held.held = Some("shutting down".into());
        let text = rendered(&held, Body::Verbose, Detail::Full);
        assert!(
            text.starts_with("[-]availability failed: shutting down\n[-]db failed"),
            "{text}"
        );
    }

    #[test]
    fn status_only_withholds_the_reasons() {
        assert_eq!(
            rendered(&failing(), Body::Verbose, Detail::StatusOnly),
            "[-]db failed: reason withheld\n[+]cache warn: reason withheld\n[+]flag ok\n\
             readiness check failed\n"
        );
    }
}
