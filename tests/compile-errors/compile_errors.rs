//! The compile error of each misuse of the attributes, one case per file in `cases/`. What
//! compiles (every argument, every spelling of a parameter, strict lints) is shown by the
//! end-to-end tests, which use the attributes as a service does (`tests/tests/attributes.rs`).
//!
//! The `.stderr` snapshots were made with the toolchain pinned in `rust-toolchain.toml`;
//! regenerate them with `TRYBUILD=overwrite cargo test -p compile-errors` and read the diff before
//! committing.

#[test]
fn compile_errors() {
    trybuild::TestCases::new().compile_fail("cases/*.rs");
}
