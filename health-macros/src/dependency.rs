//! Which ready-made dependency check a check's body calls, read off its tokens: a path through
//! `checks::sqlx`, `checks::redis`, `checks::http`, `checks::tcp` or `checks::dns`. A liveness
//! check that calls one fails every pod when that dependency is down; the runtime says so, and
//! `Probes::verify` finds the liveness probe that runs it. A body that reaches one otherwise (an
//! import of the fn itself) is found by the runtime at the check's first run instead.

use proc_macro2::{TokenStream, TokenTree};

/// The modules of `health_runtime::checks` whose checks call another service.
const DEPENDENCIES: [&str; 5] = ["sqlx", "redis", "http", "tcp", "dns"];

/// `checks::sqlx` when the body names a path through it.
pub(crate) fn called(body: TokenStream) -> Option<String> {
    // How far into `checks ::` the tokens just seen are: 1 after `checks`, 3 after its `::`.
    let mut after_checks = 0;
    for token in body {
        match &token {
            TokenTree::Group(group) => {
                if let Some(called) = called(group.stream()) {
                    return Some(called);
                }
                after_checks = 0;
            }
            TokenTree::Ident(ident) if after_checks == 3 => {
                let module = ident.to_string();
                if DEPENDENCIES.contains(&module.as_str()) {
                    return Some(format!("checks::{module}"));
                }
                after_checks = 0;
            }
            TokenTree::Ident(ident) => after_checks = usize::from(ident == "checks"),
            TokenTree::Punct(punct)
                if punct.as_char() == ':' && (after_checks == 1 || after_checks == 2) =>
            {
                after_checks += 1;
            }
            _ => after_checks = 0,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::called;

    #[test]
    fn a_path_through_a_dependency_check_is_found_at_any_depth() {
        let found = |body| called(body).unwrap_or_default();
        assert_eq!(
            found(quote!({ checks::sqlx::ping(&pool).await })),
            "checks::sqlx"
        );
        assert_eq!(
            found(quote!({
                if ok {
                    let c = health_runtime::checks::redis::ping(&mut c).await;
                }
            })),
            "checks::redis"
        );
        assert_eq!(
            found(quote!({ checks::http::Upstream::get(&u) })),
            "checks::http"
        );
        // Not a dependency, not through `checks`, not a path.
        assert_eq!(
            called(quote!({ checks::disk::free_space("/", min).await })),
            None
        );
        assert_eq!(
            called(quote!({ sqlx::query("SELECT 1").execute(&pool).await })),
            None
        );
        assert_eq!(called(quote!({ checks.sqlx })), None);
        assert_eq!(called(quote!({ checks: sqlx })), None);
    }
}
