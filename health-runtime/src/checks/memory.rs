//! The memory the service uses (feature `memory`): in a container, its cgroup's use against the
//! cgroup's limit (cgroup v2 `memory.current` and `memory.max`; v1 `memory.usage_in_bytes` and
//! `memory.limit_in_bytes` where the machine has v1), failing above a fraction of it, so that a
//! readiness check sheds load before the OOM killer comes; outside a limited cgroup, the
//! process's resident size against a number of bytes.
//!
//! ```
//! use health_runtime::{checks, readiness, Outcome};
//!
//! #[readiness]
//! async fn memory() -> Outcome {
//!     // Over 90% of the container's limit; outside one, over 2 GiB resident.
//!     checks::memory::usage(0.9, 2 << 30).await
//! }
//! ```

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::bytes;
use crate::Outcome;

/// Passes while the container's memory use is at most `max_fraction` of its cgroup's limit or,
/// outside a limited cgroup, while the process's resident size is at most `max_resident_bytes`.
/// Its data shows the use and the limit (`{"used_bytes": .., "limit_bytes": .., "cgroup":
/// "v2"}`, or `{"resident_bytes": .., "limit_bytes": ..}`).
pub async fn usage(max_fraction: f64, max_resident_bytes: u64) -> Outcome {
    match measure(Path::new("/")) {
        Ok(measured) => judge(measured, max_fraction, max_resident_bytes),
        Err(error) => Outcome::unhealthy(format!("cannot read the memory use: {error}")),
    }
}

/// What was measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Measured {
    /// A limited cgroup's use and limit, of cgroup version 1 or 2.
    Cgroup { version: u8, used: u64, limit: u64 },
    /// No limited cgroup: the process's resident size.
    Process { resident: u64 },
}

fn judge(measured: Measured, max_fraction: f64, max_resident: u64) -> Outcome {
    match measured {
        Measured::Cgroup {
            version,
            used,
            limit,
        } => {
            let shown = serde_json::json!({
                "used_bytes": used,
                "limit_bytes": limit,
                "cgroup": if version == 1 { "v1" } else { "v2" },
            });
            let fraction = used as f64 / limit as f64;
            if fraction <= max_fraction {
                return Outcome::healthy().with_data(shown);
            }
            Outcome::unhealthy(format!(
                "memory use {} is {:.1}% of the cgroup's {} limit, over {:.1}%",
                bytes(used),
                fraction * 100.0,
                bytes(limit),
                max_fraction * 100.0
            ))
            .with_data(shown)
        }
        Measured::Process { resident } => {
            let shown = serde_json::json!({
                "resident_bytes": resident,
                "limit_bytes": max_resident,
            });
            if resident <= max_resident {
                return Outcome::healthy().with_data(shown);
            }
            Outcome::unhealthy(format!(
                "resident size {} is over {} (no cgroup memory limit)",
                bytes(resident),
                bytes(max_resident)
            ))
            .with_data(shown)
        }
    }
}

/// Measures under `root` (`/`, or a directory laid out as one in tests).
fn measure(root: &Path) -> io::Result<Measured> {
    let membership = fs::read_to_string(root.join("proc/self/cgroup"))?;
    if let Some(measured) = cgroup(root, &membership)? {
        return Ok(measured);
    }
    let status = fs::read_to_string(root.join("proc/self/status"))?;
    let resident_kib = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| {
            value
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .ok_or_else(|| io::Error::other("no VmRSS in /proc/self/status"))?;
    Ok(Measured::Process {
        resident: resident_kib * 1024,
    })
}

/// The use and the tightest limit of the process's memory cgroup, its own or an ancestor's, if
/// one is limited: v1's memory controller where the machine mounts one, else v2's.
fn cgroup(root: &Path, membership: &str) -> io::Result<Option<Measured>> {
    let mut v1 = None;
    let mut v2 = None;
    for line in membership.lines() {
        let mut fields = line.splitn(3, ':');
        let (Some(id), Some(controllers), Some(path)) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        if controllers
            .split(',')
            .any(|controller| controller == "memory")
        {
            v1 = Some(path);
        } else if id == "0" && controllers.is_empty() {
            v2 = Some(path);
        }
    }
    let (version, mount, files) = match (v1, v2) {
        (Some(path), _) => (
            1,
            ("sys/fs/cgroup/memory", path),
            ["memory.usage_in_bytes", "memory.limit_in_bytes"],
        ),
        (None, Some(path)) => (2, ("sys/fs/cgroup", path), ["memory.current", "memory.max"]),
        (None, None) => return Ok(None),
    };
    let [used_file, limit_file] = files;
    let (mount, path) = mount;
    // From the process's own cgroup up to the mount's root: the first that exists holds the use
    // (a container may see its own cgroup as the root), and any of them may hold the limit.
    let mut dirs: Vec<PathBuf> = Vec::new();
    let mut dir = PathBuf::from(path.trim_start_matches('/'));
    loop {
        dirs.push(root.join(mount).join(&dir));
        if !dir.pop() {
            break;
        }
    }
    let mut used = None;
    let mut limit: Option<u64> = None;
    for dir in dirs.iter().filter(|dir| dir.join(used_file).exists()) {
        if used.is_none() {
            used = Some(number(&dir.join(used_file))?);
        }
        let text = fs::read_to_string(dir.join(limit_file))?;
        // v2 writes `max`; v1 a number near 2^63 when unlimited.
        if let Ok(bytes) = text.trim().parse::<u64>() {
            if bytes < 1 << 60 {
                limit = Some(limit.map_or(bytes, |tightest| tightest.min(bytes)));
            }
        }
    }
    Ok(match (used, limit) {
        (Some(used), Some(limit)) if limit > 0 => Some(Measured::Cgroup {
            version,
            used,
            limit,
        }),
        _ => None,
    })
}

fn number(file: &Path) -> io::Result<u64> {
    let text = fs::read_to_string(file)?;
    text.trim()
        .parse()
        .map_err(|_| io::Error::other(format!("{} holds no number", file.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, file: &str, text: &str) {
        let path = root.join(file);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn machine(membership: &str) -> tempfile::TempDir {
        let root = tempfile::tempdir().unwrap();
        write(root.path(), "proc/self/cgroup", membership);
        write(
            root.path(),
            "proc/self/status",
            "Name:\tapp\nVmRSS:\t  204800 kB\n",
        );
        root
    }

    #[test]
    fn a_v2_container_is_measured_against_its_limit() {
        let root = machine("0::/kubepods/pod1/app\n");
        let dir = "sys/fs/cgroup/kubepods/pod1/app";
        write(root.path(), &format!("{dir}/memory.current"), "943718400\n");
        write(root.path(), &format!("{dir}/memory.max"), "max\n");
        write(
            root.path(),
            "sys/fs/cgroup/kubepods/pod1/memory.current",
            "1\n",
        );
        write(
            root.path(),
            "sys/fs/cgroup/kubepods/pod1/memory.max",
            "1073741824\n",
        );
        let measured = measure(root.path()).unwrap();
        assert_eq!(
            measured,
            Measured::Cgroup {
                version: 2,
                used: 943_718_400,
                limit: 1 << 30
            }
        );
        let over = judge(measured, 0.8, 0);
        assert_eq!(
            over.error(),
            Some("memory use 900.0 MiB is 87.9% of the cgroup's 1.0 GiB limit, over 80.0%")
        );
        assert_eq!(over.data().unwrap()["cgroup"], "v2");
        assert!(judge(measured, 0.9, 0).is_healthy());
    }

    #[test]
    fn a_v1_container_is_measured_against_its_limit_and_no_limit_means_the_resident_size() {
        let root = machine("4:memory:/app\n0::/\n");
        write(
            root.path(),
            "sys/fs/cgroup/memory/app/memory.usage_in_bytes",
            "100\n",
        );
        write(
            root.path(),
            "sys/fs/cgroup/memory/app/memory.limit_in_bytes",
            "400\n",
        );
        let measured = measure(root.path()).unwrap();
        assert_eq!(
            measured,
            Measured::Cgroup {
                version: 1,
                used: 100,
                limit: 400
            }
        );
        let unlimited = "9223372036854771712\n";
        write(
            root.path(),
            "sys/fs/cgroup/memory/app/memory.limit_in_bytes",
            unlimited,
        );
        let measured = measure(root.path()).unwrap();
        assert_eq!(
            measured,
            Measured::Process {
                resident: 200 << 20
            }
        );
        let over = judge(measured, 0.9, 100 << 20);
        assert_eq!(
            over.error(),
            Some("resident size 200.0 MiB is over 100.0 MiB (no cgroup memory limit)")
        );
        assert_eq!(over.data().unwrap()["resident_bytes"], 200 << 20);
    }
}
