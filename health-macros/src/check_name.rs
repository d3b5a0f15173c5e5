//! The rule of check names, one source for both crates: `health-macros` applies it to the
//! attributes' names at compile time, `health-runtime` (which links this file into its `src/`) to
//! the names of `Check::new`. Names appear in URLs (`/readyz/<name>`), in `?exclude=` and in
//! `?verbose` lines, so they keep to URL-safe characters, are not only dots, which clients
//! rewrite (`/readyz/..` is `/`), and are not a name the runtime shows entries of its own under.

/// Names the runtime gives entries of its own in bodies: a check of one of these names could not
/// be told apart from them.
const RESERVED: &[&str] = &["availability"];

/// Why `name` cannot name a check, if it cannot.
pub(crate) fn name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("a check name must not be empty".to_owned());
    }
    if RESERVED.contains(&name) {
        return Some(format!(
            "the check name `{name}` is the runtime's own: the availability switches show in \
             bodies as a check of that name"
        ));
    }
    if name.chars().all(|c| c == '.') {
        return Some(format!(
            "a check name must not be only dots: clients rewrite `/readyz/{name}`"
        ));
    }
    let bad = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))?;
    Some(format!(
        "invalid character {bad:?} in check name; use only ASCII letters, digits, `_`, `.` and `-`"
    ))
}

/// Why `name` cannot name a group, if it cannot: the check name rule, as groups are served at
/// `/health/group/<name>` and as the gRPC service `group/<name>`.
pub(crate) fn group_problem(name: &str) -> Option<String> {
    if name == "availability" {
        return None;
    }
    let problem = name_problem(name)?;
    Some(problem.replace("check name", "group name"))
}
