//! The crate graphs that real programs have, built as a workspace of crates of its own (in
//! `CARGO_TARGET_TMPDIR`, against this repository's crates) and run:
//!
//! - two versions of the runtime in one binary: an app on the next version (0.2.0, this runtime
//!   copied with its version raised) and a library of checks on this one. The app's `Health`
//!   refuses to start, naming both versions, the library's check and the `cargo tree` that finds
//!   what brings the other (linkme's duplicate-slice panic before);
//! - a library of checks that the binary names (`use library as _;`) and one that it does not:
//!   the linker drops the second, and the process says which checks each probe serves, and that
//!   readiness has none, with the line that keeps a library;
//! - a renamed dependency (`health = { package = "health-runtime" }`): the attributes find it;
//! - a crate that reaches the runtime through one that re-exports it: `crate = path` works, and
//!   without it the error says to write it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// This repository.
fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Copies `from` to `to`, the files that links point at included, leaving `target` out.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let (source, name) = (entry.path(), entry.file_name());
        if name == "target" {
            continue;
        }
        if std::fs::metadata(&source).unwrap().is_dir() {
            copy_tree(&source, &to.join(&name));
        } else {
            std::fs::copy(&source, to.join(&name)).unwrap();
        }
    }
}

/// The text of `manifest` without its `[dev-dependencies]` (the copies build no tests).
fn without_dev_dependencies(manifest: &str) -> String {
    let mut kept = Vec::new();
    let mut in_dev = false;
    for line in manifest.lines() {
        if line.starts_with('[') {
            in_dev = line == "[dev-dependencies]";
        }
        if !in_dev {
            kept.push(line);
        }
    }
    kept.join("\n") + "\n"
}

/// This runtime and its macro crate, as version 0.2.0 would be: in `next/`.
fn next_version(root: &Path) {
    let (runtime, macros) = (
        root.join("next/health-runtime"),
        root.join("next/health-macros"),
    );
    copy_tree(&repository().join("health-runtime"), &runtime);
    copy_tree(&repository().join("health-macros"), &macros);
    for crate_dir in [&runtime, &macros] {
        let manifest = crate_dir.join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest).unwrap();
        let text = without_dev_dependencies(&text)
            .replacen("version = \"0.1.0\"", "version = \"0.2.0\"", 1)
            .replace("readme = \"../README.md\"\n", "");
        std::fs::write(&manifest, text).unwrap();
    }
    let private = runtime.join("src/__private.rs");
    let text = std::fs::read_to_string(&private).unwrap();
    std::fs::write(&private, text.replace("(\"0.1.0\", ", "(\"0.2.0\", ")).unwrap();
}

/// A crate of the graph: its manifest's dependencies and its one source file.
fn crate_of(root: &Path, name: &str, kind: &str, dependencies: &str, source: &str) {
    let file = if kind == "bin" { "main.rs" } else { "lib.rs" };
    write(
        &root.join(name).join("Cargo.toml"),
        &format!(
            "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
             publish = false\n\n[dependencies]\n{dependencies}\n[features]\nforgot = []\n"
        ),
    );
    write(&root.join(name).join("src").join(file), source);
}

/// The graph's workspace, its crates written.
fn graph() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("crate-graph");
    let _ = std::fs::remove_dir_all(&root);
    next_version(&root);
    let repository = repository().canonicalize().unwrap();
    let this = |name: &str| format!("path = {:?}", repository.join(name).display().to_string());
    let workspace = std::fs::read_to_string(repository.join("Cargo.toml")).unwrap();
    let package = workspace
        .split("[workspace.package]")
        .nth(1)
        .and_then(|rest| rest.split("\n[").next())
        .unwrap();
    // The lints that the crates' `[lints] workspace = true` inherit.
    let lints = workspace
        .split("[workspace.lints.rust]")
        .nth(1)
        .and_then(|rest| rest.split("[workspace.dependencies]").next())
        .unwrap();
    write(
        &root.join("Cargo.toml"),
        &format!(
            "[workspace]\nmembers = [{MEMBERS}]\nresolver = \"2\"\n\n\
             [workspace.package]{package}\n\n[workspace.lints.rust]{lints}\
             [workspace.dependencies]\n\
             health-macros = {{ path = \"next/health-macros\", version = \"=0.2.0\" }}\n\
             health-registry = {{ {}, version = \"1\" }}\n\
             actix-web = {{ version = \"4.9\", default-features = false }}\n\
             serde_json = \"1\"\n\
             tonic = {{ version = \"0.14\", default-features = false }}\n",
            this("health-registry")
        ),
    );
    std::fs::copy(repository.join("Cargo.lock"), root.join("Cargo.lock")).unwrap();
    let runtime = format!("{{ {}, default-features = false }}", this("health-runtime"));
    let tokio = "tokio = { version = \"1\", features = [\"rt\"] }\nlog = \"0.4\"\n";

    // Two versions.
    crate_of(
        &root,
        "old-library",
        "lib",
        &format!("health-runtime = {runtime}\n"),
        LIBRARY,
    );
    crate_of(
        &root,
        "two-versions",
        "bin",
        "health-runtime = { path = \"../next/health-runtime\", default-features = false }\n\
         old-library = { path = \"../old-library\" }\n",
        TWO_VERSIONS,
    );
    // A library that the binary names, and one it does not.
    let library = format!(
        "health-runtime = {runtime}\nold-library = {{ path = \"../old-library\" }}\n{tokio}"
    );
    crate_of(
        &root,
        "names-library",
        "bin",
        &library,
        &served("use old_library as _;"),
    );
    crate_of(&root, "forgets-library", "bin", &library, &served(""));
    // A renamed dependency, and a re-exported runtime.
    crate_of(
        &root,
        "renamed",
        "bin",
        &format!(
            "health = {{ package = \"health-runtime\", {}, default-features = false }}\n",
            this("health-runtime")
        ),
        RENAMED,
    );
    crate_of(
        &root,
        "platform",
        "lib",
        &format!("health-runtime = {runtime}\n"),
        PLATFORM,
    );
    crate_of(
        &root,
        "through-platform",
        "bin",
        "platform = { path = \"../platform\" }\n",
        THROUGH_PLATFORM,
    );
    root
}

/// `-p` for each binary of the graph.
const BINARIES: &[&str] = &[
    "-p",
    "two-versions",
    "-p",
    "names-library",
    "-p",
    "forgets-library",
    "-p",
    "renamed",
    "-p",
    "through-platform",
];

/// The crates of the graph (`next/` holds the next version's, path dependencies of its own).
const MEMBERS: &str = "\"old-library\", \"two-versions\", \"names-library\", \"forgets-library\", \
                       \"renamed\", \"platform\", \"through-platform\"";

const LIBRARY: &str = "\
//! A library of checks, on the runtime of this repository (0.1).
#[health_runtime::readiness]
async fn library_ready() -> bool {
    true
}
";

const TWO_VERSIONS: &str = "\
use old_library as _;

#[health_runtime::liveness]
async fn app_alive() {}

fn main() {
    let _ = health_runtime::Health::default();
}
";

/// A binary that prints its log and serves (through a subscriber) what `Health::default()` has.
fn served(uses: &str) -> String {
    format!(
        "{uses}
struct Printed;

impl log::Log for Printed {{
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {{
        true
    }}
    fn log(&self, record: &log::Record<'_>) {{
        println!(\"{{}} {{}}\", record.level(), record.args());
    }}
    fn flush(&self) {{}}
}}

#[health_runtime::liveness]
async fn alive() {{}}

fn main() {{
    log::set_logger(&Printed).unwrap();
    log::set_max_level(log::LevelFilter::Info);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let health = health_runtime::Health::default();
    runtime.block_on(health.subscribe(health_runtime::Probe::Liveness));
}}
"
    )
}

const RENAMED: &str = "\
#[health::readiness]
async fn renamed_check() {}

fn main() {
    println!(\"{:?}\", health::Health::default());
}
";

const PLATFORM: &str = "\
//! A company's platform crate, which re-exports the runtime.
pub use health_runtime as health;
";

const THROUGH_PLATFORM: &str = "\
#[platform::health::readiness(crate = ::platform::health)]
async fn through_platform() {}

#[cfg(feature = \"forgot\")]
#[platform::health::readiness]
async fn forgot_the_path() {}

fn main() {
    println!(\"{:?}\", platform::health::Health::default());
}
";

/// `cargo` in the graph, offline (the repository's build fetched every crate), with a target
/// directory of its own that later runs reuse.
fn cargo(root: &Path, args: &[&str]) -> Output {
    let target = repository().join("target/crate-graph");
    Command::new(env!("CARGO"))
        .args(args)
        .arg("--offline")
        .arg("--manifest-path")
        .arg(root.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("RUSTFLAGS")
        .output()
        .expect("run cargo")
}

fn text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr)
}

#[test]
fn crate_graphs_that_programs_have() {
    let root = graph();
    // The binaries alone: `next/`, a path dependency inside the graph, is a member too, and
    // `--workspace` would build it with its default features (actix-web and its tree, 20 s here).
    let built = cargo(&root, &[&["build"][..], BINARIES].concat());
    assert!(built.status.success(), "{}", text(&built));
    let run = |name: &str| {
        let binary = repository().join("target/crate-graph/debug").join(name);
        Command::new(binary).output().expect("run the binary")
    };

    // Two versions: the app's Health names both, the library's check, and the way to find it.
    let two = run("two-versions");
    assert!(!two.status.success());
    let told = text(&two);
    assert!(
        told.contains(
            "health checks cannot be served: this program links health-runtime 0.2.0 and 0.1.0, \
             whose checks this one cannot serve: `library_ready` (readiness check, \
             old_library::library_ready) of health-runtime 0.1.0; make every crate depend on one \
             version of health-runtime (`cargo tree -i health-runtime@0.1.0` shows what brings \
             the other)"
        ),
        "{told}"
    );

    // A library the binary names is linked; one it does not name is dropped, and that is said.
    let names = text(&run("names-library"));
    assert!(
        names.contains(
            "INFO health checks served: liveness: alive; readiness: library_ready; startup: no checks"
        ),
        "{names}"
    );
    assert!(!names.contains("WARN"), "{names}");
    let forgets = text(&run("forgets-library"));
    assert!(
        forgets.contains(
            "INFO health checks served: liveness: alive; readiness: no checks; startup: no checks"
        ),
        "{forgets}"
    );
    assert!(
        forgets.contains("WARN readiness has no checks: it passes whatever happens.")
            && forgets.contains("add `use the_library as _;` to the binary (main.rs)"),
        "{forgets}"
    );

    // A renamed dependency is found; a re-exported runtime is reached through `crate = path`.
    assert!(text(&run("renamed")).contains("renamed_check"));
    assert!(text(&run("through-platform")).contains("through_platform"));
    let forgot = cargo(
        &root,
        &["build", "-p", "through-platform", "--features", "forgot"],
    );
    assert!(!forgot.status.success());
    let told = text(&forgot);
    assert!(
        told.contains(
            "this crate's Cargo.toml names no `health-runtime` dependency: add one, or, if a \
             crate of yours re-exports the runtime, say where it is with `crate = \
             ::platform::health`"
        ),
        "{told}"
    );
}
