//! The rule of check names, one source for both crates: `health-macros` applies it to the
//! attributes' names at compile time, `health-runtime` (which links this file into its `src/`) to
//! the names of `Check::new`. Names appear in URLs (`/readyz/<name>`), in `?exclude=` and in
//! `?verbose` lines, so they keep to URL-safe characters, and are not only dots, which clients
//! rewrite (`/readyz/..` is `/`).

/// Why `name` cannot name a check, if it cannot.
pub fn name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("a check name must not be empty".to_owned());
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
