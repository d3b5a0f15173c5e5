//! Groups: checks served together like a probe, at `/health/group/<name>` (MicroProfile's path),
//! on paths of the app's, and as the gRPC service `group/<name>`, whose answers feed no probe.
//! A check joins a group from its attribute (`group = "deep"`), with [`Check::group`], or by
//! name with [`Group::checks`]; `#[check]` and [`Group::check`] make a check that is in groups
//! and in no probe. What a group answers is run in `served_checks.rs`.

use std::borrow::Cow;

use crate::check::Check;
use crate::check_name;
use crate::details::Details;
use crate::health::Health;
use crate::panics;
use crate::probe::Probe;
use crate::redact;

/// A group's settings, and the checks it takes by name: give it to [`Health::group`].
///
/// A group is served like a probe, on every server of the `Health` (actix, axum, the management
/// port, gRPC as `group/<name>`): its checks run concurrently, each under its timeout, with every
/// format, `?verbose`, `?exclude=` and `/<path>/<check>`. Its answer never feeds a probe: a
/// failing check that is only in `deep` leaves `/ready` and `/healthz` passing.
///
/// ```
/// use health_runtime::{Check, Details, Group, Health, Probe};
///
/// # let health = Health::default().only_checks(|_, _| false).only_group_checks(|_| false);
/// # let health = health.check(Probe::Readiness, Check::new("orders_db", || async { true }));
/// let health = health.group(
///     Group::new("deep")
///         .checks(["orders_db"])                               // declared elsewhere, by name
///         .check(Check::new("cert_expiry", || async { true })) // in this group only
///         .paths(["/health/deep"])
///         .details(Details::full()),
/// );
/// ```
#[derive(Debug, Clone)]
pub struct Group {
    pub(crate) name: Cow<'static, str>,
    /// Names of the `Health`'s checks that join it.
    members: Vec<Cow<'static, str>>,
    /// Checks in this group and no probe.
    added: Vec<Check>,
    pub(crate) paths: Vec<Cow<'static, str>>,
    pub(crate) details: Option<Details>,
}

impl Group {
    /// The group `name`, served at `/health/group/<name>`; a group that checks name in their
    /// attributes is served whether or not it is given here.
    ///
    /// # Panics
    ///
    /// Here, at the caller's line, when `name` breaks the check name rule (only ASCII letters,
    /// digits, `_`, `.` and `-`; not empty, not only dots).
    #[must_use]
    #[track_caller]
    pub fn new(name: impl Into<Cow<'static, str>>) -> Group {
        Group {
            name: valid_name("Group::new", name.into()),
            members: Vec::new(),
            added: Vec::new(),
            paths: Vec::new(),
            details: None,
        }
    }

    /// Puts the `Health`'s checks of these names in the group: for checks declared where their
    /// attributes cannot say it (a library crate's). Each name must be a check's, of any probe or
    /// of none, when the `Group` is given (after the [`Health::check`] calls that add the checks
    /// it names); [`Health::group`] panics otherwise.
    #[must_use]
    pub fn checks<N>(mut self, names: impl IntoIterator<Item = N>) -> Group
    where
        N: Into<Cow<'static, str>>,
    {
        self.members.extend(names.into_iter().map(Into::into));
        self
    }

    /// A check in this group and in no probe: it never takes the pod out of its Service nor
    /// restarts it. (`#[check(group = "...")]` declares one.)
    #[must_use]
    pub fn check(mut self, check: Check) -> Group {
        self.added.push(check);
        self
    }

    /// Paths that serve the group too, beside `/health/group/<name>`, with `/<path>/<check>`
    /// for each of its checks.
    #[must_use]
    pub fn paths<P>(mut self, paths: impl IntoIterator<Item = P>) -> Group
    where
        P: Into<Cow<'static, str>>,
    {
        self.paths = paths.into_iter().map(Into::into).collect();
        self
    }

    /// How much the group's bodies show, in place of the `Health`'s [`details`](Health::details):
    /// deep details for operators on a group, status only on the probes, say.
    #[must_use]
    pub fn details(mut self, details: Details) -> Group {
        self.details = Some(details);
        self
    }
}

impl Health {
    /// Serves `group`: its checks by name join it, its own checks are added in no probe, and its
    /// paths and detail policy apply to it.
    ///
    /// # Panics
    ///
    /// Here, at the caller's line, when a name of [`Group::checks`] is no check's, when the
    /// group is given twice, or when two checks of one name would be in the group (from two
    /// probes): `/<path>/<name>` could not tell them apart.
    #[must_use]
    #[track_caller]
    pub fn group(mut self, group: Group) -> Health {
        let Group {
            name,
            members,
            added,
            paths,
            details,
        } = group;
        if self.groups.iter().any(|given| given.name == name) {
            panics::configuration_error(format!(
                "Health::group: the group `{name}` is given twice; give its checks, paths and \
                 details in one `Group`"
            ));
        }
        for member in &members {
            let mut found = false;
            for check in self.checks_mut().filter(|check| check.name() == *member) {
                check.join(&name);
                found = true;
            }
            if !found {
                let member = redact::secrets(member);
                panics::configuration_error(format!(
                    "Group::new({name:?}).checks([{member:?}]): no check of this Health is \
                     named {member:?}"
                ));
            }
        }
        for mut check in added {
            check.join(&name);
            self.group_checks.push(check);
        }
        self.groups.push(Group {
            name,
            members: Vec::new(),
            added: Vec::new(),
            paths,
            details,
        });
        if let Some(problem) = self.group_twins() {
            panics::configuration_error(problem);
        }
        self.changed()
    }

    /// Keeps the checks in groups only (`#[check]`, [`Group::check`]) that `keep` accepts, and
    /// drops the others: [`only_checks`](Self::only_checks) for them, as a test binary's
    /// [`Health::default`] has every one declared in it.
    ///
    /// ```
    /// # use health_runtime::Health;
    /// let none = Health::default().only_group_checks(|_| false);
    /// ```
    #[must_use]
    pub fn only_group_checks(mut self, mut keep: impl FnMut(&Check) -> bool) -> Health {
        self.group_checks.retain(|check| keep(check));
        self.changed()
    }

    /// Every check of the `Health`: its probes', then those in groups only.
    fn checks_mut(&mut self) -> impl Iterator<Item = &mut Check> {
        self.checks
            .iter_mut()
            .flatten()
            .chain(&mut self.group_checks)
    }

    /// Every check of the `Health`, with the probe that serves it.
    pub(crate) fn every_check(&self) -> impl Iterator<Item = (Option<Probe>, &Check)> {
        let probes = Probe::ALL.into_iter().flat_map(move |probe| {
            let checks = self.checks[probe.index()].iter();
            checks.map(move |check| (Some(probe), check))
        });
        probes.chain(self.group_checks.iter().map(|check| (None, check)))
    }

    /// The groups served, each once: those given with [`Health::group`] in their order, then
    /// those only the checks name, by name.
    pub(crate) fn served_groups(&self) -> Vec<Group> {
        let mut groups = self.groups.clone();
        let mut named: Vec<&str> = self
            .every_check()
            .flat_map(|(_, check)| check.groups())
            .filter(|name| groups.iter().all(|given| given.name != *name))
            .collect();
        named.sort_unstable();
        named.dedup();
        groups.extend(named.into_iter().map(|name| Group {
            name: Cow::Owned(name.to_owned()),
            members: Vec::new(),
            added: Vec::new(),
            paths: Vec::new(),
            details: None,
        }));
        groups
    }

    /// The mistake of two checks of one name in one group, if there is one.
    pub(crate) fn group_twins(&self) -> Option<String> {
        let checks: Vec<(Option<Probe>, &Check)> = self.every_check().collect();
        for (i, (probe, check)) in checks.iter().enumerate() {
            for group in check.groups() {
                let twin = checks[..i]
                    .iter()
                    .find(|(_, other)| other.name() == check.name() && other.in_group(group));
                if let Some((other_probe, other)) = twin {
                    let of = |probe: &Option<Probe>| probe.map_or("no probe", Probe::as_str);
                    return Some(format!(
                        "the group `{group}` has two checks named `{}`: {} ({}) and {} ({}); \
                         give one of them another name",
                        check.name(),
                        other.origin,
                        of(other_probe),
                        check.origin,
                        of(probe),
                    ));
                }
            }
        }
        None
    }
}

/// `name`, unless it breaks the check name rule: a mistake of the program, told at the caller's
/// line of `method`.
#[track_caller]
pub(crate) fn valid_name(method: &str, name: Cow<'static, str>) -> Cow<'static, str> {
    if let Some(problem) = check_name::group_problem(&name) {
        let name = redact::secrets(&name);
        panics::configuration_error(format!("{method}({name:?}): {problem}"));
    }
    name
}
