//! The status page (`Health::status_page`): every probe and group, each check with its status,
//! since when, failures in a row, its recent runs as a strip and its reason where the detail
//! policy allows, and the availability switches. Rendered here, whole, by the server: it reads
//! without JavaScript; `page.js` only fetches it again each second and swaps it in. One page
//! and two files of its own (`page.css`, `page.js`), nothing from another origin, so that it
//! works air-gapped and under the strict `Content-Security-Policy` it is sent with.

use std::fmt::Write as _;
use std::sync::Arc;
use std::task::Context;
use std::time::{Duration, SystemTime};

use futures_util::FutureExt;
use futures_util::future::{BoxFuture, join_all};

use crate::check::{Name, StateRef};
use crate::data::DataSource;
use crate::lifecycle::{StartupLatch, Switches};
use crate::outcome::cut;
use crate::paths::{PAGE_SCRIPT, PAGE_STYLE};
use crate::probe::Probe;
use crate::recent::RecentRun;
use crate::redact;
use crate::report::{CheckResult, Detail, Report, Results, Status};
use crate::runs::Answer;
use crate::served_checks::{Served, ServedChecks, Target};

/// The page's style.
pub(crate) const CSS: &str = include_str!("page.css");
/// The page's script: it refreshes the page while it is open.
pub(crate) const SCRIPT: &str = include_str!("page.js");

/// What the page is sent with: nothing runs or loads but its own files.
pub(crate) const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
     frame-ancestors 'none'";

/// One section of the page: a probe's report or a group's, with how much it may show.
struct Section {
    title: String,
    report: Report,
    detail: Detail,
}

/// Runs every probe and group, as their paths would (their runs count as any probe's), and
/// writes the page once all have answered. A group's check that a probe's section runs too is
/// run once: the group shows the probe's result of it. `detail` is the page's policy for the
/// probes; `group_details` each group's, where it has one. `path` is the request's (the page's
/// own, as the client asked for it, under any scope or prefix), which its files are under.
pub(crate) fn begin(
    checks: &ServedChecks,
    detail: Detail,
    group_details: &[Option<Detail>],
    path: &str,
    data: &DataSource<'_>,
    cx: &mut Context<'_>,
) -> BoxFuture<'static, Vec<u8>> {
    // The probes' sections first, in `Probe::ALL`'s order (a probe's answer cannot fail): a
    // group finds its shared checks' results there. Before startup has passed, readiness runs
    // the startup checks as its gate: the startup section shows that run (`startup_from_gate`),
    // not one of its own.
    let latch = &checks.lifecycle.startup;
    let started = latch.passed().is_some();
    let mut answers: Vec<(String, Detail, Answer, Vec<Shared>)> = Vec::new();
    for probe in Probe::ALL {
        let served = Served::Probe(probe);
        let answer = if probe == Probe::Startup && !started {
            Ok(Answer::Now(Report::new(probe, Results::new())))
        } else {
            checks.answer(probe, Target::Probe, &[], data, cx)
        };
        if let Ok(answer) = answer {
            let answer = with_runs(checks, served, detail, answer);
            answers.push((title_case(probe.as_str()), detail, answer, Vec::new()));
        }
    }
    let startup_states: Option<Vec<(Name, StateRef)>> = (!started && detail.is_full()).then(|| {
        let startup = checks.names_and_states(Served::Probe(Probe::Startup));
        startup.collect()
    });
    for (index, group) in checks.groups().iter().enumerate() {
        let detail = group_details[index].unwrap_or(detail);
        let shared: Vec<Shared> = checks
            .run_by_probes(index)
            .map(|(check, probe)| Shared {
                name: check.name.clone(),
                probe,
                state: check.state.clone(),
            })
            .collect();
        let skipped: Vec<String> = shared
            .iter()
            .map(|shared| shared.name.to_string())
            .collect();
        let served = Served::Group(index);
        if let Ok(answer) = checks.answer_group(index, Target::Probe, &skipped, data, cx) {
            let answer = with_runs(checks, served, detail, answer);
            answers.push((format!("Group {}", group.name), detail, answer, shared));
        }
    }
    let switches = &checks.lifecycle.switches;
    let assets = assets_href(path);
    let wait = script_wait(checks);
    let page_detail = detail;
    let answered = answers.into_iter().map(|(title, detail, answer, shared)| {
        answer.report().map(move |report| {
            let section = Section {
                title,
                report,
                detail,
            };
            (section, shared)
        })
    });
    let answered = join_all(answered);
    Box::pin(async move {
        let mut answered = answered.await;
        if !started {
            let readiness = &answered[Probe::Readiness.index()].0.report;
            let startup = startup_from_gate(readiness, latch, startup_states.as_deref());
            answered[Probe::Startup.index()].0.report = startup;
        }
        let probes: Vec<&Report> = answered
            .iter()
            .take(Probe::ALL.len())
            .map(|(section, _)| &section.report)
            .collect();
        let with_shared: Vec<Option<Report>> = answered
            .iter()
            .map(|(section, shared)| section.with_shared(&probes, shared))
            .collect();
        let sections: Vec<Section> = answered
            .into_iter()
            .zip(with_shared)
            .map(|((mut section, _), report)| {
                if let Some(report) = report {
                    section.report = report;
                }
                section
            })
            .collect();
        html(&sections, switches, page_detail, &assets, wait)
    })
}

/// `answer`, with its checks' recent runs where the details are shown.
fn with_runs(checks: &ServedChecks, served: Served, detail: Detail, answer: Answer) -> Answer {
    if detail.is_full() {
        checks.with_history(Some(served), PAGE_RUNS, answer)
    } else {
        answer
    }
}

/// Startup's report from readiness's, whose gate ran the startup checks in this view: their
/// results while they hold readiness back, or, when they passed in it, the run the latch
/// recorded; with their recent runs (`states`) where the details are shown.
fn startup_from_gate(
    readiness: &Report,
    latch: &'static StartupLatch,
    states: Option<&[(Name, StateRef)]>,
) -> Report {
    let results: Results = if readiness.starting {
        readiness.checks.iter().cloned().collect()
    } else {
        latch.passed().unwrap_or_default().iter().cloned().collect()
    };
    let mut report = Report::new(Probe::Startup, results);
    report.recent = states.map(|states| {
        let runs = states
            .iter()
            .map(|(name, state)| (name.clone(), state.recent.last(PAGE_RUNS)));
        Arc::new(runs.collect())
    });
    report
}

/// A group's check that a probe's section runs: shown in the group with that run's result.
struct Shared {
    name: Name,
    probe: Probe,
    state: StateRef,
}

impl Section {
    /// A group's report with the results of its `shared` checks added, from the probes'
    /// `reports` (liveness, readiness, startup), in name order, with their runs where details
    /// are shown; `None` when it shares none.
    fn with_shared(&self, reports: &[&Report], shared: &[Shared]) -> Option<Report> {
        if shared.is_empty() {
            return None;
        }
        let full = self.detail.is_full();
        let mut results: Results = self.report.checks.iter().cloned().collect();
        let mut recent = match &self.report.recent {
            Some(recent) if full => recent.as_ref().clone(),
            _ => Vec::new(),
        };
        for check in shared {
            let ran = reports.get(check.probe.index()).and_then(|report| {
                let mut results = report.checks.iter();
                results.find(|result| *result.name == *check.name)
            });
            if let Some(result) = ran {
                results.push(result.clone());
                if full {
                    recent.push((check.name.clone(), check.state.recent.last(PAGE_RUNS)));
                }
            }
        }
        results.sort_by(|a, b| a.name.cmp(&b.name));
        let mut report = Report::of_group(self.report.group_name()?, results);
        if full {
            report.recent = Some(Arc::new(recent));
        }
        Some(report)
    }
}

/// Where the page's files (`<page>/page.css`) are, relative to the page as it was asked for
/// (`path`, the request's, under any scope or prefix): `status/` for `/admin/status`, nothing for
/// `/ops/`, where a browser already looks beside the page.
fn assets_href(path: &str) -> String {
    match path.rsplit_once('/') {
        Some((_, last)) if !last.is_empty() => format!("{last}/"),
        _ => String::new(),
    }
}

fn title_case(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// How long the script waits for the page: a view waits for every check, and one that hangs
/// answers at its timeout, so the slowest timeout and a second; never less than 5 s.
fn script_wait(checks: &ServedChecks) -> Duration {
    let slowest = checks.slowest_timeout() + Duration::from_secs(1);
    slowest.max(Duration::from_secs(5))
}

/// The whole page.
fn html(
    sections: &[Section],
    switches: &Switches,
    detail: Detail,
    assets: &str,
    wait: Duration,
) -> Vec<u8> {
    let failing: Vec<&str> = sections
        .iter()
        .filter(|section| !section.report.passed())
        .map(|section| section.title.as_str())
        .collect();
    let summary = if failing.is_empty() {
        "Everything passes".to_owned()
    } else {
        format!("Failing: {}", failing.join(", "))
    };
    let mut page = String::with_capacity(8 * 1024);
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\" data-wait-ms=\"{wait}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<link rel=\"icon\" href=\"data:,\">\n\
         <link rel=\"stylesheet\" href=\"{assets}{PAGE_STYLE}\">\n\
         <script src=\"{assets}{PAGE_SCRIPT}\" defer></script>\n</head>\n<body>\n",
        title = escaped(&format!("Health: {summary}")),
        assets = escaped(assets),
        wait = wait.as_millis(),
    );
    let _ = write!(
        page,
        "<header id=\"summary\">\n<h1>Health</h1>\n<p class=\"summary {class}\">{summary}</p>\n\
         <p class=\"updated\">As of <time datetime=\"{now}\">{now}</time>.</p>\n</header>\n\
         <main id=\"status\">\n",
        class = if failing.is_empty() { "ok" } else { "fail" },
        summary = escaped(&summary),
        now = humantime::format_rfc3339_seconds(SystemTime::now()),
    );
    write_switches(&mut page, switches, detail);
    for (i, section) in sections.iter().enumerate() {
        write_section(&mut page, i, section);
    }
    // Outside what the script swaps in: a screen reader hears it when it changes, not each
    // second.
    page.push_str(
        "</main>\n<footer>\n<p id=\"refresh\" role=\"status\">Reload to refresh.</p>\n\
         </footer>\n</body>\n</html>\n",
    );
    page.into_bytes()
}

/// The drain and availability switches; why a switch holds, where the details are shown.
fn write_switches(page: &mut String, switches: &Switches, detail: Detail) {
    let why = |reason: &str| {
        if detail.is_full() {
            format!(": {}", escaped(reason))
        } else {
            String::new()
        }
    };
    let traffic = match switches.holding(Probe::Readiness) {
        _ if switches.is_draining() => "draining after a shutdown signal: refused".to_owned(),
        Some(reason) => format!("refused{}", why(&reason)),
        None => "accepted".to_owned(),
    };
    let liveness = match switches.holding(Probe::Liveness) {
        Some(reason) => format!("broken by hand{}", why(&reason)),
        None => "as its checks say".to_owned(),
    };
    let _ = write!(
        page,
        "<section aria-labelledby=\"switches\">\n<h2 id=\"switches\">Switches</h2>\n<dl class=\"facts\">\
         <dt>Traffic</dt><dd>{traffic}</dd><dt>Liveness</dt><dd>{liveness}</dd></dl>\n</section>\n"
    );
}

fn write_section(page: &mut String, index: usize, section: &Section) {
    let report = &section.report;
    let (class, verdict) = if report.passed() {
        ("ok", "passing")
    } else {
        ("fail", "failing")
    };
    let _ = write!(
        page,
        "<section aria-labelledby=\"section-{index}\">\n<h2 id=\"section-{index}\">{title} \
         <span class=\"badge {class}\">{verdict}</span></h2>\n",
        title = escaped(&section.title),
    );
    match &report.held {
        Some(held) if section.detail.is_full() => {
            let _ = writeln!(page, "<p class=\"held\">Held back: {}</p>", escaped(held));
        }
        Some(_) => page.push_str("<p class=\"held\">Held back by an availability switch</p>\n"),
        None => {}
    }
    if report.starting {
        page.push_str("<p class=\"held\">Held back: the service is starting (the startup checks below have not all passed)</p>\n");
    }
    if report.checks.is_empty() {
        page.push_str("<p>No checks.</p>\n");
    } else {
        page.push_str("<ul class=\"checks\">\n");
        for check in report.checks.iter() {
            let runs = report.recent_runs(check).unwrap_or_default();
            write_check(page, check, runs, section.detail);
        }
        page.push_str("</ul>\n");
    }
    page.push_str("</section>\n");
}

/// One check: its status, and, where the details are shown (as in the JSON bodies), since when,
/// failures in a row, how long it took, its reason and its last runs.
fn write_check(page: &mut String, check: &CheckResult, runs: &[RecentRun], detail: Detail) {
    let (class, status) = match (check.outcome.is_healthy(), check.fails_its_probe()) {
        (true, _) => ("ok", "OK"),
        (false, true) => ("fail", "FAIL"),
        (false, false) => ("warn", "WARN"),
    };
    let _ = writeln!(
        page,
        "<li class=\"check {class}\">\n<h3>{name} <span class=\"badge {class}\">{status}</span></h3>",
        name = escaped(&check.name),
    );
    if detail.is_full() {
        page.push_str("<dl class=\"facts\">");
        if let Some(since) = check.standing.since_ms() {
            let since = SystemTime::UNIX_EPOCH + Duration::from_millis(since);
            let since = humantime::format_rfc3339_seconds(since);
            let _ = write!(
                page,
                "<dt>Since</dt><dd><time datetime=\"{since}\">{since}</time></dd>"
            );
        }
        let failures = check.standing.failures;
        let took = shown(check.duration);
        let _ = writeln!(
            page,
            "<dt>Failures in a row</dt><dd>{failures}</dd><dt>Took</dt><dd>{took}</dd></dl>"
        );
        if let Some(reason) = check.outcome.error() {
            let _ = writeln!(page, "<p class=\"reason\">{}</p>", escaped(reason));
        }
        write_runs(page, runs);
    }
    page.push_str("</li>\n");
}

/// The most runs of a check the page shows: what a person reads at a glance, and a page of many
/// checks that keep 1,000 runs each stays small enough to fetch each second.
const PAGE_RUNS: usize = 20;

/// The most bytes of a run's reason in the strip (written twice: a tooltip and a screen
/// reader's text), so that a page of many checks failing with long reasons stays small.
const RUN_REASON_BYTES: usize = 80;

/// The recent runs (the last [`PAGE_RUNS`]) as a strip, oldest first (where details are shown):
/// each a mark that says its status in text (✓, !, ✗) as well as in colour, with its time,
/// duration and reason.
fn write_runs(page: &mut String, runs: &[RecentRun]) {
    if runs.is_empty() {
        return;
    }
    let now = SystemTime::now();
    let label = match runs.len() {
        1 => "Last run:".to_owned(),
        n => format!("Last {n} runs, oldest first:"),
    };
    let _ = write!(
        page,
        "<p class=\"runs-label\">{label}</p>\n<ol class=\"runs\">"
    );
    for run in runs {
        let (class, mark, word) = match run.status {
            Status::Ok => ("ok", "✓", "passed"),
            Status::Warn => ("warn", "!", "warned"),
            Status::Fail => ("fail", "✗", "failed"),
        };
        let began = SystemTime::UNIX_EPOCH + Duration::from_millis(run.began_ms(now));
        let mut said = format!(
            "{word} at {}, in {}",
            humantime::format_rfc3339_seconds(began),
            shown(run.duration)
        );
        if let Some(reason) = &run.reason {
            // The check's whole reason is above the strip; each run's is a reminder.
            let short = cut(reason, RUN_REASON_BYTES, reason.len(), "");
            let _ = write!(said, ": {}", short.as_deref().unwrap_or(reason));
        }
        let said = escaped(&said);
        let _ = write!(
            page,
            "<li class=\"run {class}\" title=\"{said}\"><span aria-hidden=\"true\">{mark}</span>\
             <span class=\"visually-hidden\">{said}</span></li>"
        );
    }
    page.push_str("</ol>\n");
}

/// A duration as a person reads it: `1.2ms`, `300ms`, `2.0s`.
fn shown(duration: Duration) -> String {
    format!("{duration:.1?}")
}

/// `text` made safe inside HTML text and attribute values: printable as the verbose format
/// makes it (control, line-separator and bidirectional characters written as escapes, so that a
/// reason cannot reorder what the page shows), then HTML-escaped.
fn escaped(text: &str) -> String {
    let text = redact::printable(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_for_html() {
        assert_eq!(
            escaped("<script>\"a\" & 'b'\n\u{202e}"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;\\n\\u{202e}"
        );
    }

    #[test]
    fn the_files_are_found_beside_the_page_under_any_prefix() {
        assert_eq!(assets_href("/status"), "status/");
        assert_eq!(assets_href("/admin/status"), "status/");
        // A page asked for with its slash: the browser resolves `page.css` to `/ops/page.css`.
        assert_eq!(assets_href("/ops/"), "");
        assert_eq!(assets_href("/admin/status/"), "");
        assert_eq!(assets_href("/"), "");
    }
}
