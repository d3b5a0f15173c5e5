//! Where generated code finds the runtime: `crate = path` when given; else the name under which
//! the crate being compiled depends on `health-runtime`, read from its `Cargo.toml`, so that a
//! renamed dependency (`health = { package = "health-runtime" }`) works as it is. A crate whose
//! manifest names no `health-runtime` at all (one that reaches it through a crate that re-exports
//! it) gets an error that says to write `crate = path`, where rustc would only say that it cannot
//! find `health_runtime`. A manifest that cannot be read changes nothing: `::health_runtime`.

use std::path::{Path as FilePath, PathBuf};

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::{Ident, Path};

const PACKAGE: &str = "health-runtime";

/// The path of the runtime for the code generated in the crate being compiled.
pub(crate) fn path(krate: Option<&Path>) -> Result<TokenStream, String> {
    if let Some(path) = krate {
        return Ok(path.to_token_stream());
    }
    let default = quote!(::health_runtime);
    let Some(manifest) = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from) else {
        return Ok(default);
    };
    match dependency(&manifest.join("Cargo.toml")) {
        Dependency::As(name) => {
            let name = Ident::new(&name.replace('-', "_"), Span::call_site());
            Ok(quote!(::#name))
        }
        Dependency::Unknown => Ok(default),
        Dependency::None => Err(format!(
            "this crate's Cargo.toml names no `{PACKAGE}` dependency: add one, or, if a crate of \
             yours re-exports the runtime, say where it is with `crate = ::platform::health` (the \
             path to the re-export)"
        )),
    }
}

/// How the crate whose manifest is at `manifest` depends on the runtime.
enum Dependency {
    /// Under this name (`health-runtime` itself, or the name of a renamed dependency).
    As(String),
    /// Not at all.
    None,
    /// The manifest does not say for sure (it cannot be read, or it inherits the dependency from
    /// a workspace whose manifest cannot be).
    Unknown,
}

fn dependency(manifest: &FilePath) -> Dependency {
    let Some(table) = read(manifest) else {
        return Dependency::Unknown;
    };
    let package = table.get("package").and_then(|package| package.get("name"));
    if package.and_then(toml::Value::as_str) == Some(PACKAGE) {
        // The runtime's own tests and doctests.
        return Dependency::As(PACKAGE.to_owned());
    }
    let mut unknown = false;
    for (name, spec) in dependency_tables(&table).flat_map(|deps| deps.iter()) {
        let inherited = spec.get("workspace").and_then(toml::Value::as_bool) == Some(true);
        let package = match spec.get("package").and_then(toml::Value::as_str) {
            Some(package) => Some(package.to_owned()),
            None if inherited => match workspace_package(manifest, name) {
                Some(package) => Some(package),
                None => {
                    unknown = true;
                    continue;
                }
            },
            None => None,
        };
        if package.as_deref().unwrap_or(name) == PACKAGE {
            return Dependency::As(name.clone());
        }
    }
    if unknown {
        Dependency::Unknown
    } else {
        Dependency::None
    }
}

fn read(manifest: &FilePath) -> Option<toml::Table> {
    std::fs::read_to_string(manifest).ok()?.parse().ok()
}

/// The tables of dependencies of every kind and target.
fn dependency_tables(table: &toml::Table) -> impl Iterator<Item = &toml::Table> {
    const KINDS: [&str; 3] = ["dependencies", "dev-dependencies", "build-dependencies"];
    let targets = table
        .get("target")
        .and_then(toml::Value::as_table)
        .into_iter()
        .flat_map(|targets| targets.values().filter_map(toml::Value::as_table));
    std::iter::once(table)
        .chain(targets)
        .flat_map(|table| KINDS.iter().filter_map(|kind| table.get(*kind)))
        .filter_map(toml::Value::as_table)
}

/// The package that the workspace above `manifest` gives its `name` dependency (`name` itself
/// when that entry renames nothing); `None` when no workspace manifest says.
fn workspace_package(manifest: &FilePath, name: &str) -> Option<String> {
    let mut dir = manifest.parent();
    while let Some(here) = dir {
        if let Some(table) = read(&here.join("Cargo.toml")) {
            if let Some(workspace) = table.get("workspace") {
                let spec = workspace.get("dependencies")?.get(name)?;
                let package = spec.get("package").and_then(toml::Value::as_str);
                return Some(package.unwrap_or(name).to_owned());
            }
        }
        dir = here.parent();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A crate's manifest, in a workspace whose manifest is `workspace`.
    fn dependency_in(manifest: &str, workspace: &str) -> Dependency {
        let dir = std::env::temp_dir().join(format!(
            "health-macros-{}-{}",
            std::process::id(),
            manifest.len() * 31 + workspace.len()
        ));
        let member = dir.join("member");
        std::fs::create_dir_all(&member).unwrap();
        std::fs::write(dir.join("Cargo.toml"), workspace).unwrap();
        std::fs::write(member.join("Cargo.toml"), manifest).unwrap();
        let found = dependency(&member.join("Cargo.toml"));
        std::fs::remove_dir_all(&dir).unwrap();
        found
    }

    fn name(found: Dependency) -> Option<String> {
        match found {
            Dependency::As(name) => Some(name),
            Dependency::None => Some("(none)".to_owned()),
            Dependency::Unknown => None,
        }
    }

    #[test]
    fn the_runtime_is_found_under_the_name_the_crate_gives_it() {
        let workspace = "[workspace]\n[workspace.dependencies]\nhealthy = { package = \"health-runtime\", version = \"0.1\" }\n";
        for (manifest, found) in [
            (
                "[dependencies]\nhealth-runtime = \"0.1\"\n",
                Some("health-runtime"),
            ),
            (
                "[dependencies]\nhealth = { package = \"health-runtime\", version = \"0.1\" }\n",
                Some("health"),
            ),
            (
                "[dependencies.checks]\npackage = \"health-runtime\"\nversion = \"0.1\"\n",
                Some("checks"),
            ),
            (
                "[target.'cfg(unix)'.dependencies]\nhealth-runtime = \"0.1\"\n",
                Some("health-runtime"),
            ),
            (
                "[dependencies]\nhealthy = { workspace = true }\n",
                Some("healthy"),
            ),
            ("[dependencies]\nplatform = \"1\"\n", Some("(none)")),
            (
                "[package]\nname = \"health-runtime\"\n",
                Some("health-runtime"),
            ),
            ("not toml [", None),
        ] {
            assert_eq!(
                name(dependency_in(manifest, workspace)).as_deref(),
                found,
                "{manifest}"
            );
        }
    }
}
