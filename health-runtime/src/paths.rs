//! The paths a `Health` serves and what each answers: what the HTTP servers mount
//! (`http/`), and what `kubernetes/` judges a manifest's `httpGet` paths against.

use crate::check::Name;
use crate::health::Health;
use crate::probe::Probe;

/// What a mounted path answers.
#[derive(Clone)]
pub(crate) enum Mounted {
    /// `/<path>`: all checks of the probe.
    Probe(Probe),
    /// `/<path>/<name>`: the check of that name.
    Check(Probe, Name),
    /// Every probe's checks together.
    AllProbes,
}

/// Every path `health` serves and what it answers there, in the order a server should try them:
/// the probe paths, which take nearly all traffic, first. Each path once (the first use of a path
/// given twice wins), as actix writes paths: with a leading slash (`health/live` means
/// `/health/live`), without a trailing one; `/` is the root, and an empty path the root of a
/// scope.
pub(crate) fn mounts(health: &Health) -> Vec<(String, Mounted)> {
    let probe_paths = || {
        Probe::ALL.into_iter().flat_map(|probe| {
            let paths = health.paths[probe.index()].iter();
            paths.map(move |path| (probe, normalized(path)))
        })
    };
    let mut mounts: Vec<(String, Mounted)> = Vec::new();
    let mut mount = |path: String, mounted| {
        if mounts.iter().all(|(taken, _)| *taken != path) {
            mounts.push((path, mounted));
        }
    };
    for (probe, path) in probe_paths() {
        mount(path, Mounted::Probe(probe));
    }
    for path in &health.all_probes_paths {
        mount(normalized(path), Mounted::AllProbes);
    }
    // `/<path>/<name>` for the names of the probe's checks only: every other path under a probe
    // path stays the app's. None under a probe served at `/`: they would be the app's top-level
    // paths.
    for (probe, path) in probe_paths() {
        if path == "/" {
            continue;
        }
        for check in &health.checks[probe.index()] {
            let name = &check.name;
            mount(
                format!("{path}/{name}"),
                Mounted::Check(probe, name.clone()),
            );
        }
    }
    mounts
}

fn normalized(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        path.get(..1).unwrap_or_default().to_owned()
    } else if trimmed.starts_with('/') {
        trimmed.to_owned()
    } else {
        format!("/{trimmed}")
    }
}
