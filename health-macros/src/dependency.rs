//! Which ready-made dependency check a check's body calls, read off its tokens: a path to
//! `checks::sqlx::ping`, `checks::redis::ping`, `checks::http::Upstream`, `checks::tcp::connect`
//! or `checks::dns::resolve`. A liveness
//! check that calls one fails every pod when that dependency is down; the runtime says so, and
//! `Probes::verify` finds the liveness probe that runs it. A body that reaches one otherwise (an
//! import of the fn itself) is found by the runtime at the check's first run instead.

use proc_macro2::{TokenStream, TokenTree};

/// The modules of `health_runtime::checks` whose checks call another service, with the item of
/// each that does: a path must name it, so that an app's own `checks::http::..` is not taken for
/// the runtime's.
const DEPENDENCIES: [(&str, &str); 5] = [
    ("sqlx", "ping"),
    ("redis", "ping"),
    ("http", "Upstream"),
    ("tcp", "connect"),
    ("dns", "resolve"),
];

/// `checks::sqlx` when the body names a path `checks::sqlx::ping` (or another dependency
/// check's), at any depth.
pub(crate) fn called(body: TokenStream) -> Option<String> {
    let tokens: Vec<TokenTree> = body.into_iter().collect();
    for token in &tokens {
        if let TokenTree::Group(group) = token {
            if let Some(called) = called(group.stream()) {
                return Some(called);
            }
        }
    }
    tokens.windows(7).find_map(|path| match path {
        [
            TokenTree::Ident(checks),
            TokenTree::Punct(a),
            TokenTree::Punct(b),
            TokenTree::Ident(module),
            TokenTree::Punct(c),
            TokenTree::Punct(d),
            TokenTree::Ident(item),
        ] if checks == "checks" && [a, b, c, d].iter().all(|p| p.as_char() == ':') => {
            let (module, _) = DEPENDENCIES
                .iter()
                .find(|(name, called)| module == name && item == called)?;
            Some(format!("checks::{module}"))
        }
        _ => None,
    })
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
        // The app's own module of the same name is not the runtime's check.
        assert_eq!(
            called(quote!({ crate::checks::http::my_probe().await })),
            None
        );
        assert_eq!(
            called(quote!({ checks::tcp::connect("db:5432").await })).as_deref(),
            Some("checks::tcp")
        );
    }
}
