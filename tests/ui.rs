//! Compile-time behaviour of the attributes: what compiles, and the error for each misuse.
//! The `.stderr` snapshots were made with the toolchain pinned in `rust-toolchain.toml`;
//! regenerate them with `TRYBUILD=overwrite cargo test --test ui` and read them before committing.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
