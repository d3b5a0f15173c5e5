//! What the examples' Kubernetes manifests say, read as text: the paths of their `httpGet` probes
//! and their numbers, for the tests that check them against what the example serves, and whether
//! they carry the probes the example prints.

use std::process::Command;

/// The `path:` of every `httpGet` probe, in order.
pub fn probe_paths(manifest: &str) -> Vec<&str> {
    manifest
        .lines()
        .filter_map(|line| line.split("path: ").nth(1))
        .filter_map(|rest| rest.split([',', ' ', '}']).next())
        .collect()
}

/// The number of the first line that starts with `setting` once indented
/// (`terminationGracePeriodSeconds: `, `- { name: DRAIN_DELAY, value: `).
pub fn number(manifest: &str, setting: &str) -> u64 {
    manifest
        .lines()
        .find_map(|line| line.trim().strip_prefix(setting))
        // The first number after it: `36  # the drain delay, 5 s, ...`, `"5" }`.
        .and_then(|value| {
            let digits = value.trim_start_matches(|c: char| !c.is_ascii_digit());
            digits.split(|c: char| !c.is_ascii_digit()).next()
        })
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| panic!("no {setting:?} in the manifest"))
}

/// Fails unless `manifest` carries, indented into its pod template's `spec:`, what
/// `binary --print-probes` prints (with the ports the example takes by default).
pub fn assert_carries_printed_probes(binary: &str, manifest: &str) {
    let printed = Command::new(binary)
        .arg("--print-probes")
        .env_remove("PORT")
        .env_remove("GRPC_PORT")
        .output()
        .unwrap();
    assert!(printed.status.success(), "{printed:?}");
    let printed = String::from_utf8(printed.stdout).unwrap();
    let indented: String = printed
        .lines()
        .map(|line| format!("      {line}\n"))
        .collect();
    assert!(
        manifest.contains(&indented),
        "the manifest has drifted from the checks: put in what `{binary} --print-probes` \
         prints, indented by 6:\n{indented}"
    );
}
