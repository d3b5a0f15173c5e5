//! The compile error of each misuse of the attributes, one case per file in `tests/ui/`. What
//! compiles (every argument, every spelling of a parameter, strict lints) is shown by the
//! end-to-end tests, which use the attributes as a service does (`tests/tests/attributes.rs`).
//!
//! The `.stderr` snapshots were made with the toolchain pinned in `rust-toolchain.toml`;
//! regenerate them with `TRYBUILD=overwrite cargo test -p health-macros --test ui` and read the
//! diff before committing. Only failing cases here: trybuild then checks its copy of the
//! dependencies without building them.

#[test]
fn ui() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
