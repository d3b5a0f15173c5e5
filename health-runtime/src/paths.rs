//! The paths a `Health` serves and what each answers: what the HTTP servers mount
//! (`http/`), and what `kubernetes/` judges a manifest's `httpGet` paths against; and the
//! grammar of the gRPC health service's names, read by `grpc/` and by `kubernetes/`.

use crate::check::Name;
use crate::group::Group;
use crate::health::Health;
use crate::probe::Probe;
use crate::served_checks::Served;

/// What a mounted path answers.
#[derive(Clone)]
pub(crate) enum Mounted {
    /// `/<path>`: all checks of the probe.
    Probe(Probe),
    /// `/<path>/<name>`: the check of that name.
    Check(Probe, Name),
    /// Every probe's checks together.
    AllProbes,
    /// A group's checks: the group's index in `Health::served_groups`.
    Group(usize),
    /// `/<group path>/<name>`: the group's check of that name.
    GroupCheck(usize, Name),
    /// `/health/group/{name}` for a name no group has: 404, listing the groups.
    UnknownGroup,
    /// The status page.
    StatusPage,
    /// One of the status page's files, by name: `page.css`, `page.js`.
    PageFile(&'static str),
}

impl Mounted {
    /// The probe or group whose checks the path answers; `None` for every probe together, and
    /// for what answers no check.
    pub(crate) fn served(&self) -> Option<Served> {
        match self {
            Mounted::Probe(probe) | Mounted::Check(probe, _) => Some(Served::Probe(*probe)),
            Mounted::Group(group) | Mounted::GroupCheck(group, _) => Some(Served::Group(*group)),
            Mounted::AllProbes
            | Mounted::UnknownGroup
            | Mounted::StatusPage
            | Mounted::PageFile(_) => None,
        }
    }
}

/// The status page's style and script, served under its path.
pub(crate) const PAGE_STYLE: &str = "page.css";
pub(crate) const PAGE_SCRIPT: &str = "page.js";

/// Where every group is served, beside the paths the app gives it: MicroProfile's.
const GROUP_PATH: &str = "/health/group";

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
    let groups = health.served_groups();
    let group_paths = |group: &Group| {
        let given = group.paths.iter().map(|path| normalized(path));
        let path = format!("{GROUP_PATH}/{}", group.name);
        std::iter::once(path).chain(given).collect::<Vec<_>>()
    };
    for (i, group) in groups.iter().enumerate() {
        for path in group_paths(group) {
            mount(path, Mounted::Group(i));
        }
    }
    for (i, group) in groups.iter().enumerate() {
        let checks = health.every_check().map(|(_, check)| check);
        let names: Vec<&Name> = checks
            .filter(|check| check.in_group(&group.name))
            .map(|check| &check.name)
            .collect();
        for path in group_paths(group).into_iter().filter(|path| path != "/") {
            for name in &names {
                mount(
                    format!("{path}/{name}"),
                    Mounted::GroupCheck(i, (*name).clone()),
                );
            }
        }
    }
    if !groups.is_empty() {
        mount(format!("{GROUP_PATH}/{{name}}"), Mounted::UnknownGroup);
    }
    if let Some(path) = &health.status_page {
        let path = normalized(path);
        let under = path.trim_end_matches('/');
        for file in [PAGE_STYLE, PAGE_SCRIPT] {
            mount(format!("{under}/{file}"), Mounted::PageFile(file));
        }
        mount(path, Mounted::StatusPage);
    }
    mounts
}

/// What a gRPC health service name asks about, as written, before what is served is looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Service<'a> {
    /// `""`: the server as a whole.
    Server,
    /// `liveness`, `readiness/db`: a probe, and one of its checks when named.
    Probe(Probe, Option<&'a str>),
    /// `group/deep`, `group/deep/search`: a group, and one of its checks when named.
    Group(&'a str, Option<&'a str>),
}

/// Where gRPC's health service answers a group: `group/<name>`.
pub(crate) const GROUP_SERVICE: &str = "group/";

/// The gRPC health service name `name` read: `""`, `<probe>`, `<probe>/<check>`,
/// `group/<group>`, `group/<group>/<check>`; `None` for any other.
pub(crate) fn service(name: &str) -> Option<Service<'_>> {
    /// `<served>` or `<served>/<check>`.
    fn split(name: &str) -> (&str, Option<&str>) {
        match name.split_once('/') {
            Some((served, check)) => (served, Some(check)),
            None => (name, None),
        }
    }
    if name.is_empty() {
        return Some(Service::Server);
    }
    if let Some(group) = name.strip_prefix(GROUP_SERVICE) {
        let (group, check) = split(group);
        return Some(Service::Group(group, check));
    }
    let (probe, check) = split(name);
    let probe = Probe::ALL.into_iter().find(|p| p.as_str() == probe)?;
    Some(Service::Probe(probe, check))
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

#[cfg(test)]
mod tests {
    use super::{Service, service};
    use crate::probe::Probe;

    #[test]
    fn grpc_service_names_are_read_by_their_grammar() {
        assert_eq!(service(""), Some(Service::Server));
        assert_eq!(
            service("readiness"),
            Some(Service::Probe(Probe::Readiness, None))
        );
        assert_eq!(
            service("startup/migrations"),
            Some(Service::Probe(Probe::Startup, Some("migrations")))
        );
        assert_eq!(service("group/deep"), Some(Service::Group("deep", None)));
        assert_eq!(
            service("group/deep/tls"),
            Some(Service::Group("deep", Some("tls")))
        );
        // What is served under a name is looked up later; these name nothing at all.
        for name in [
            "group",
            "Readiness",
            "ready",
            "/liveness",
            "grpc.health.v1.Health",
        ] {
            assert_eq!(service(name), None, "{name}");
        }
    }
}
