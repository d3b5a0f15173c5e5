//! Free space on a filesystem (feature `disk`): above a number of bytes, or a fraction of the
//! filesystem's size, as an unprivileged process may use it.
//!
//! ```
//! use health_runtime::checks::disk::{self, MinFree};
//! use health_runtime::{readiness, Outcome};
//!
//! #[readiness]
//! async fn data_volume() -> Outcome {
//!     disk::free_space("/tmp", MinFree::Fraction(0.05)).await
//! }
//! ```

use std::path::{Path, PathBuf};

use super::{blocking, bytes};
use crate::Outcome;

/// How much space must be free. More ways may come: a `match` needs a `_` arm.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum MinFree {
    /// At least this many bytes.
    Bytes(u64),
    /// At least this fraction of the filesystem's size (`0.1` for 10%).
    Fraction(f64),
}

/// The filesystem's free and total bytes.
#[derive(Debug, Clone, Copy)]
struct Space {
    free_bytes: u64,
    total_bytes: u64,
}

/// Passes when the filesystem that holds `path` has at least `min` free, with its free and total
/// bytes as the check's data (`{"free_bytes": 9663676416, "total_bytes": 21474836480}`); fails
/// below it, saying how much is free of what, or when the path cannot be looked at (`no such
/// file or directory`), or when the filesystem reports no size at all (`/proc`: no disk). A
/// fraction that is not between 0 and 1 fails the check, naming it.
///
/// The system call runs on a thread of its own, not in tokio's blocking pool, one at a time for
/// one path (runs that ask meanwhile share its result): a hung network filesystem fails the check
/// at its timeout, and, once the call has been under way for a second, its later runs at once,
/// one thread held whatever the number of probes.
pub async fn free_space(path: impl AsRef<Path>, min: MinFree) -> Outcome {
    if let MinFree::Fraction(fraction) = min {
        if !(0.0..=1.0).contains(&fraction) {
            return Outcome::unhealthy(format!(
                "MinFree::Fraction({fraction}) is not a fraction from 0 to 1 (0.1 is 10%)"
            ));
        }
    }
    let path: PathBuf = path.as_ref().to_owned();
    let asked = path.clone();
    let what = format!("statvfs of {}", path.display());
    match blocking::call(what, move || measure(&asked)).await {
        Ok(space) => judge(&path, space, min),
        Err(reason) => Outcome::unhealthy(reason),
    }
}

/// The space of the filesystem that holds `path`.
fn measure(path: &Path) -> Result<Space, String> {
    let stats = rustix::fs::statvfs(path).map_err(|error| {
        let error = std::io::Error::from(error);
        format!("cannot look at {}: {error}", path.display())
    })?;
    Ok(Space {
        free_bytes: stats.f_bavail.saturating_mul(stats.f_frsize),
        total_bytes: stats.f_blocks.saturating_mul(stats.f_frsize),
    })
}

fn judge(path: &Path, space: Space, min: MinFree) -> Outcome {
    if space.total_bytes == 0 {
        return Outcome::unhealthy(format!(
            "{} is on a filesystem that reports no size (0 bytes in all): not a disk",
            path.display()
        ));
    }
    let needed = match min {
        MinFree::Bytes(bytes) => bytes,
        MinFree::Fraction(fraction) => (space.total_bytes as f64 * fraction) as u64,
    };
    let data = serde_json::json!({
        "free_bytes": space.free_bytes,
        "total_bytes": space.total_bytes,
    });
    if space.free_bytes >= needed {
        return Outcome::healthy().with_data(data);
    }
    Outcome::unhealthy(format!(
        "{} has {} free of {}, less than the {} it needs",
        path.display(),
        bytes(space.free_bytes),
        bytes(space.total_bytes),
        bytes(needed)
    ))
    .with_data(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_little_space_fails_saying_how_much_is_free_of_what() {
        let space = Space {
            free_bytes: 512 << 20,
            total_bytes: 20 << 30,
        };
        let path = Path::new("/data");
        assert!(judge(path, space, MinFree::Bytes(256 << 20)).is_healthy());
        let failed = judge(path, space, MinFree::Fraction(0.1));
        assert_eq!(
            failed.error(),
            Some("/data has 512.0 MiB free of 20.0 GiB, less than the 2.0 GiB it needs")
        );
        assert_eq!(failed.data().unwrap()["free_bytes"], 512 << 20);

        let nothing = Space {
            free_bytes: 0,
            total_bytes: 0,
        };
        assert_eq!(
            judge(Path::new("/proc"), nothing, MinFree::Bytes(0)).error(),
            Some("/proc is on a filesystem that reports no size (0 bytes in all): not a disk")
        );
    }

    #[tokio::test]
    async fn a_fraction_that_is_none_fails_naming_it() {
        for (fraction, shown) in [(f64::NAN, "NaN"), (-1.0, "-1"), (1.5, "1.5")] {
            let outcome = free_space("/", MinFree::Fraction(fraction)).await;
            assert_eq!(
                outcome.error(),
                Some(&*format!(
                    "MinFree::Fraction({shown}) is not a fraction from 0 to 1 (0.1 is 10%)"
                ))
            );
        }
    }
}
