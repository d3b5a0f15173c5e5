//! The expiry of the service's own TLS certificate (feature `certificate`): a PEM file's first
//! certificate, read on each run so that a renewed file is seen at once.
//!
//! ```
//! use health_runtime::{checks, readiness, Outcome};
//!
//! // Not critical: a WARN two weeks ahead, while the probe passes.
//! #[readiness(critical = false)]
//! async fn certificate() -> Outcome {
//!     checks::certificate::expiry("/etc/tls/tls.crt", 14).await
//! }
//! ```

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustix::fs::{Mode, OFlags};
use x509_cert::Certificate;
use x509_cert::der::DecodePem;

use super::blocking;
use crate::Outcome;

/// The most bytes read of the file: more than any certificate chain.
const MAX_PEM: u64 = 1 << 20;

/// Passes while the first certificate of the PEM file at `path` has at least `min_days` days
/// left; fails with fewer (`"certificate /etc/tls/tls.crt expires in 3 days, at
/// 2026-12-08T09:00:00Z (fewer than 14)"`, or `"... expired 2 days ago ..."`), or when the file
/// cannot be read or holds no certificate. Its data shows the expiry time and the days left
/// (`{"not_after": "2027-03-01T00:00:00Z", "days_left": 86}`). Declare the check `critical =
/// false` for a warning that does not take the pod out of its Service.
///
/// Only a regular file is read, and at most 1 MiB of it: a FIFO, a device (`/dev/zero`) or a
/// directory fails at once, saying what it is, and a larger file fails unread. The file is read
/// on a thread of its own, not in tokio's blocking pool, one read at a time for one path (runs
/// that ask meanwhile share its result): a file on a hung network filesystem fails the check at
/// its timeout, and, once the read has been under way for a second, its later runs at once.
pub async fn expiry(path: impl AsRef<Path>, min_days: u32) -> Outcome {
    let path = path.as_ref().to_owned();
    let what = format!("read of {}", path.display());
    let asked = path.clone();
    let pem = match blocking::call(what, move || read_pem(&asked)).await {
        Ok(pem) => pem,
        Err(reason) => return Outcome::unhealthy(reason),
    };
    let not_after = match Certificate::from_pem(&pem) {
        Ok(certificate) => certificate
            .tbs_certificate
            .validity
            .not_after
            .to_unix_duration(),
        Err(error) => {
            return Outcome::unhealthy(format!(
                "{} holds no PEM certificate: {error}",
                path.display()
            ));
        }
    };
    judge(&path, not_after, SystemTime::now(), min_days)
}

/// The file at `path`, if it is a regular one of at most [`MAX_PEM`] bytes.
fn read_pem(path: &PathBuf) -> Result<Vec<u8>, String> {
    let shown = path.display();
    // Without blocking: opening a FIFO for reading would wait for a writer. The type is then
    // checked on what was opened.
    let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC;
    let opened = rustix::fs::open(path, flags, Mode::empty())
        .map_err(|error| format!("cannot read {shown}: {}", std::io::Error::from(error)))?;
    let file = File::from(opened);
    let kind = file
        .metadata()
        .map_err(|error| format!("cannot read {shown}: {error}"))?
        .file_type();
    if !kind.is_file() {
        let kind = match () {
            () if kind.is_dir() => "a directory",
            () if kind.is_fifo() => "a FIFO",
            () if kind.is_char_device() => "a character device",
            () if kind.is_block_device() => "a block device",
            () if kind.is_socket() => "a socket",
            () => "not a file",
        };
        return Err(format!(
            "{shown} is {kind}, not a regular file: a certificate is read from a file"
        ));
    }
    let mut pem = Vec::new();
    file.take(MAX_PEM + 1)
        .read_to_end(&mut pem)
        .map_err(|error| format!("cannot read {shown}: {error}"))?;
    if pem.len() as u64 > MAX_PEM {
        return Err(format!(
            "{shown} is larger than 1 MiB, more than a certificate chain: not read further"
        ));
    }
    if pem.is_empty() {
        return Err(format!("{shown} is empty: it holds no certificate"));
    }
    Ok(pem)
}

fn judge(path: &Path, not_after: Duration, now: SystemTime, min_days: u32) -> Outcome {
    let now = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let seconds_left = not_after.as_secs() as i64 - now.as_secs() as i64;
    let days_left = seconds_left.div_euclid(86_400);
    let at = humantime::format_rfc3339_seconds(UNIX_EPOCH + not_after).to_string();
    let expiry = serde_json::json!({ "not_after": at, "days_left": days_left });
    if days_left >= i64::from(min_days) {
        return Outcome::healthy().with_data(expiry);
    }
    let when = match days_left {
        _ if seconds_left < 0 => format!("expired {} days ago", (-seconds_left) / 86_400),
        1 => "expires in 1 day".to_owned(),
        days => format!("expires in {days} days"),
    };
    Outcome::unhealthy(format!(
        "certificate {} {when}, at {at} (fewer than {min_days})",
        path.display()
    ))
    .with_data(expiry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fewer_days_than_asked_fail_and_say_when() {
        let now = UNIX_EPOCH + Duration::from_secs(1_796_472_000); // 2026-12-05T12:00:00Z
        let path = Path::new("tls.crt");
        let in_days = |days: u64| Duration::from_secs(1_796_472_000 + days * 86_400 + 60);
        let fine = judge(path, in_days(30), now, 14);
        assert!(fine.is_healthy());
        assert_eq!(fine.data().unwrap()["days_left"], 30);
        assert_eq!(fine.data().unwrap()["not_after"], "2027-01-04T12:01:00Z");
        assert_eq!(
            judge(path, in_days(3), now, 14).error(),
            Some("certificate tls.crt expires in 3 days, at 2026-12-08T12:01:00Z (fewer than 14)")
        );
        let expired = Duration::from_secs(1_796_472_000 - 2 * 86_400);
        assert_eq!(
            judge(path, expired, now, 14).error(),
            Some("certificate tls.crt expired 2 days ago, at 2026-12-03T12:00:00Z (fewer than 14)")
        );
    }
}
