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

use super::bytes;
use crate::Outcome;

/// How much space must be free.
#[derive(Debug, Clone, Copy, PartialEq)]
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
/// file or directory`). The system call runs in tokio's blocking pool: a hung network filesystem
/// fails the check at its timeout without holding a worker.
pub async fn free_space(path: impl AsRef<Path>, min: MinFree) -> Outcome {
    let path: PathBuf = path.as_ref().to_owned();
    let asked = path.clone();
    let measured = tokio::task::spawn_blocking(move || rustix::fs::statvfs(&asked)).await;
    let stats = match measured {
        Ok(Ok(stats)) => stats,
        Ok(Err(error)) => {
            let error = std::io::Error::from(error);
            return Outcome::unhealthy(format!("cannot look at {}: {error}", path.display()));
        }
        Err(join) => {
            return Outcome::unhealthy(format!("cannot look at {}: {join}", path.display()));
        }
    };
    let space = Space {
        free_bytes: stats.f_bavail.saturating_mul(stats.f_frsize),
        total_bytes: stats.f_blocks.saturating_mul(stats.f_frsize),
    };
    judge(&path, space, min)
}

fn judge(path: &Path, space: Space, min: MinFree) -> Outcome {
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
    }
}
