//! What the examples' Kubernetes manifests say, read as text: the paths of their `httpGet` probes
//! and their numbers, for the tests that check them against what the example serves.

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
        .map(|value| value.trim_matches(|c: char| !c.is_ascii_digit()))
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| panic!("no {setting:?} in the manifest"))
}
