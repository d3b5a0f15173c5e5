//! A probe's status as it changes, for the app's own code ([`Health::subscribe`]) and gRPC's
//! `Watch` (`grpc.rs`). While anyone watches a probe, one task runs it once a second, and at once
//! when an availability switch changes (the drain begins), and sends each change; its checks run
//! as on every probe (cached, single-flight, answered from their loops). One task a watched
//! probe of a `Health` and its clones, however many subscribers and `Watch`es: their number does
//! not multiply the runs of its checks. The task ends with the last watcher, or when the drain is
//! over.

use std::fmt;
use std::future::poll_fn;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::task::Poll;
use std::time::Duration;

use tokio::sync::watch;

use crate::data::{AppData, DataSource};
use crate::health::Health;
use crate::lifecycle::Switches;
use crate::panics;
use crate::paths::GROUP_SERVICE;
use crate::probe::Probe;
use crate::report::Report;
use crate::served_checks::{Served, ServedChecks, Target};

/// A probe's status, as [`Health::subscribe`] sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeStatus {
    passing: bool,
    failing: Vec<String>,
    shutting_down: bool,
}

impl ProbeStatus {
    /// Whether the probe passes: its HTTP endpoints would answer 200.
    pub fn is_passing(&self) -> bool {
        self.passing
    }

    /// What fails it: `availability` when a switch holds it back (the drain, a refusal), and each
    /// failed critical check, by name. Their reasons are in the log.
    pub fn failing(&self) -> &[String] {
        &self.failing
    }

    /// Whether the process drains after a shutdown signal (readiness then fails).
    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down
    }
}

impl Health {
    /// `probe`'s status as it changes, for the app's own code: push it to a service registry,
    /// say, when readiness changes. The receiver holds the status now; while it lives, the probe
    /// runs once a second (its checks cached and single-flight as on every probe), and at once
    /// when the availability switches change (the drain begins), and each change is sent. What
    /// gRPC's `Watch` streams comes from the same source.
    ///
    /// ```no_run
    /// use health_runtime::{Health, Probe};
    ///
    /// # async fn register(_ready: bool) {}
    /// # async fn run() {
    /// let mut readiness = Health::default().subscribe(Probe::Readiness).await;
    /// loop {
    ///     let ready = readiness.borrow_and_update().is_passing();
    ///     register(ready).await;
    ///     if readiness.changed().await.is_err() {
    ///         break;
    ///     }
    /// }
    /// # }
    /// ```
    ///
    /// The feed ends when the drain of [`shutdown_signal`](Self::shutdown_signal) is over, as
    /// gRPC's `Watch` streams do: `changed()` then returns an error, and a loop on it (as above)
    /// ends with the servers. Dropping the receiver stops watching sooner.
    ///
    /// Call it on a tokio runtime: the probe runs on a task of its own, shared by every
    /// subscriber and every gRPC `Watch` of this `Health` and its clones. Those runs count as
    /// any probe's do: with `failures = 3`, three failed runs in a row (three seconds, or fewer
    /// with the kubelet's probes between) fail the check, whatever the number of subscribers.
    ///
    /// # Panics
    ///
    /// When a check of `probe` (or of startup, which gates readiness) takes a `Data<T>` or a
    /// `web::Data<T>` that this `Health` was not given: no `App`'s data is seen here.
    pub async fn subscribe(&self, probe: Probe) -> watch::Receiver<ProbeStatus> {
        let probes = [probe, Probe::Startup];
        if let Some(mistakes) = self.data_mistakes(probes, false, Some("a subscriber")) {
            panics::configuration_error(mistakes);
        }
        SharedFeeds::of(self)
            .watch((Served::Probe(probe), None))
            .await
    }
}

/// The feeds of a `Health` and its clones, made at the first watch. A builder call makes a
/// `Health` whose feeds are its own (`Health::changed`).
#[derive(Clone, Default)]
pub(crate) struct SharedFeeds(Arc<OnceLock<Arc<Feeds>>>);

impl SharedFeeds {
    /// `health`'s feeds. Call it on the server's runtime, as loops may start here.
    pub(crate) fn of(health: &Health) -> Arc<Feeds> {
        let feeds = health.feeds.0.get_or_init(|| Feeds::new(health));
        Arc::clone(feeds)
    }
}

impl fmt::Debug for SharedFeeds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let watched = self.0.get().map_or(0, |feeds| feeds.open().len());
        write!(f, "SharedFeeds({watched} probes watched)")
    }
}

/// How often a watched probe runs, unless a switch changes first.
const PERIOD: Duration = Duration::from_secs(1);

/// What is watched: a probe or a group, or one check of it (by name).
pub(crate) type Watched = (Served, Option<String>);

/// The checks of a `Health`, and the probes of it that are watched.
pub(crate) struct Feeds {
    checks: ServedChecks,
    given: AppData,
    open: Mutex<Vec<(Watched, watch::Sender<ProbeStatus>)>>,
}

impl Feeds {
    /// The checks `health` serves. Call it on the server's runtime, as loops may start here.
    fn new(health: &Health) -> Arc<Feeds> {
        Arc::new(Feeds {
            checks: ServedChecks::new(health),
            given: health.data.clone(),
            open: Mutex::new(Vec::new()),
        })
    }

    /// Whether `served` has a check named `name`.
    pub(crate) fn has_check(&self, served: Served, name: &str) -> bool {
        self.checks.names(served).any(|check| **check == *name)
    }

    /// The group named `name`, if one is served.
    pub(crate) fn group(&self, name: &str) -> Option<Served> {
        let groups = self.checks.groups();
        let index = groups
            .iter()
            .position(|group| group.name.as_str() == name)?;
        Some(Served::Group(index))
    }

    /// The status now: one probe of `watched`. A check name the probe does not have fails.
    pub(crate) async fn status(&self, (served, check): (Served, Option<&str>)) -> ProbeStatus {
        let shutting_down = self.switches().is_draining();
        match self.report(served, check).await {
            Some(report) => ProbeStatus {
                passing: report.passed(),
                failing: report.failing(),
                shutting_down,
            },
            None => ProbeStatus {
                passing: false,
                failing: check.into_iter().map(str::to_owned).collect(),
                shutting_down,
            },
        }
    }

    /// The report of one run of `served`, or of its check named `check`; `None` when it has no
    /// such check.
    pub(crate) async fn report(&self, served: Served, check: Option<&str>) -> Option<Report> {
        self.report_without(served, check, &[]).await
    }

    /// [`report`](Self::report), skipping the checks named in `exclude` as `?exclude=` does.
    pub(crate) async fn report_without(
        &self,
        served: Served,
        check: Option<&str>,
        exclude: &[String],
    ) -> Option<Report> {
        let target = check.map_or(Target::Probe, Target::Check);
        let answer = poll_fn(|cx| {
            // Made and dropped within the poll: a data source may hold a request, which is not
            // `Send`.
            let data = DataSource::given(&self.given);
            Poll::Ready(
                self.checks
                    .answer_served(served, target, exclude, &data, cx),
            )
        })
        .await;
        Some(answer.ok()?.report().await)
    }

    /// The groups that hold `probe`'s check `name`.
    pub(crate) fn groups_running(&self, probe: Probe, name: &str) -> Vec<Served> {
        let groups = self.checks.groups().iter().enumerate();
        groups
            .filter(|(_, group)| group.holds(probe, name))
            .map(|(index, _)| Served::Group(index))
            .collect()
    }

    /// The checks of `served` that a probe runs now, by name, with that probe: none but a
    /// group's (`ServedChecks::run_by_probes`).
    pub(crate) fn run_by_probes(&self, served: Served) -> Vec<(String, Probe)> {
        let Served::Group(index) = served else {
            return Vec::new();
        };
        let checks = self.checks.run_by_probes(index);
        checks
            .map(|(check, probe)| (check.name.to_string(), probe))
            .collect()
    }

    /// The names of the checks of `served`, in order.
    pub(crate) fn names(&self, served: Served) -> Vec<String> {
        self.checks
            .names(served)
            .map(|name| name.to_string())
            .collect()
    }

    /// Every probe and group served, in order.
    pub(crate) fn served(&self) -> impl Iterator<Item = Served> + '_ {
        let groups = (0..self.checks.groups().len()).map(Served::Group);
        Probe::ALL.into_iter().map(Served::Probe).chain(groups)
    }

    /// The name of `served` as gRPC's health service answers it: `readiness`, `group/deep`.
    pub(crate) fn service_name(&self, served: Served) -> String {
        match served {
            Served::Probe(probe) => probe.as_str().to_owned(),
            Served::Group(index) => format!("{GROUP_SERVICE}{}", self.checks.groups()[index].name),
        }
    }

    /// A receiver of `watched`'s status: the status now, then each change. One task a watched
    /// probe, however many receivers.
    pub(crate) async fn watch(self: &Arc<Self>, watched: Watched) -> watch::Receiver<ProbeStatus> {
        if let Some((_, sender)) = self.open().iter().find(|(open, _)| *open == watched) {
            return sender.subscribe();
        }
        let first = self.status((watched.0, watched.1.as_deref())).await;
        let mut open = self.open();
        // Another watcher may have started the task meanwhile.
        if let Some((_, sender)) = open.iter().find(|(open, _)| *open == watched) {
            return sender.subscribe();
        }
        let (sender, receiver) = watch::channel(first);
        open.push((watched.clone(), sender.clone()));
        drop(open);
        // The feed's future holds its place in the list, which it gives up when it is dropped,
        // run or not: when its runtime stops, or at once when `spawn` cannot run it.
        let listed = Listed {
            feeds: Arc::clone(self),
            sender: sender.clone(),
        };
        tokio::spawn(Arc::clone(self).feed(watched, sender, listed));
        receiver
    }

    /// Runs `watched` once a period, or when a switch changes, and sends each change, until no
    /// receiver is left.
    async fn feed(
        self: Arc<Self>,
        watched: Watched,
        sender: watch::Sender<ProbeStatus>,
        _listed: Listed,
    ) {
        let mut switched = self.switches().changed();
        loop {
            tokio::select! {
                () = tokio::time::sleep(PERIOD) => {}
                () = &mut switched => {}
                () = sender.closed() => {}
                // The servers stop: so does the feed (unlisted as `Listed` drops), and its
                // receivers see it end.
                () = self.switches().stopped() => return,
            }
            {
                let mut open = self.open();
                if sender.receiver_count() == 0 {
                    open.retain(|(open, _)| *open != watched);
                    return;
                }
            }
            // Made before the run: a change during it runs the probe again at once.
            switched = self.switches().changed();
            let status = self.status((watched.0, watched.1.as_deref())).await;
            sender.send_if_modified(|current| {
                let changed = *current != status;
                if changed {
                    *current = status;
                }
                changed
            });
        }
    }

    /// The availability switches of the `Health` whose probes these are.
    pub(crate) fn switches(&self) -> &'static Switches {
        &self.checks.lifecycle.switches
    }

    fn open(&self) -> MutexGuard<'_, Vec<(Watched, watch::Sender<ProbeStatus>)>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A feed's place in the list of open ones, taken off as its task ends however it ends (its
/// runtime stops, a check panics through it), so that its receivers see the channel close and
/// the next watcher starts a feed that runs, rather than getting its last status for good.
struct Listed {
    feeds: Arc<Feeds>,
    sender: watch::Sender<ProbeStatus>,
}

impl Drop for Listed {
    fn drop(&mut self) {
        let mut open = self.feeds.open();
        open.retain(|(_, sender)| !sender.same_channel(&self.sender));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};

    use super::*;
    use crate::check::Check;

    fn runtime() -> tokio::runtime::Runtime {
        let mut builder = tokio::runtime::Builder::new_current_thread();
        builder.enable_all().build().unwrap()
    }

    /// A feed whose runtime stopped is taken off the list: a later watcher gets a feed that runs,
    /// not the last status for good.
    #[test]
    fn a_feed_whose_runtime_stopped_is_started_again() {
        let passing = Arc::new(AtomicBool::new(true));
        let check = Check::new("switch", {
            let passing = passing.clone();
            move || {
                let passing = passing.load(Ordering::SeqCst);
                async move { passing }
            }
        });
        let health = Health::default().check(Probe::Liveness, check);
        let first = runtime();
        let receiver = first.block_on(health.subscribe(Probe::Liveness));
        assert!(receiver.borrow().is_passing());
        drop(first);

        let second = runtime();
        second.block_on(async {
            let mut receiver = health.subscribe(Probe::Liveness).await;
            passing.store(false, Ordering::SeqCst);
            let changed = tokio::time::timeout(Duration::from_secs(3), receiver.changed()).await;
            assert!(matches!(changed, Ok(Ok(()))), "{changed:?}");
            assert!(!receiver.borrow().is_passing());
        });
    }
}
