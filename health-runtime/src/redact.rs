//! Keeps credentials out of everything the library writes from a check (reasons, panic messages,
//! log lines, string values of `data`): the passwords of URLs and of Go/MySQL DSNs, the values of
//! `password=`-like keys (libpq strings, query strings, `key: value`), and the credentials of
//! `Authorization` headers and `Bearer` tokens. It errs on the side of hiding too much: a reason
//! that loses a word is better than a password in a log.

use std::borrow::Cow;

const HIDDEN: &str = "***";

/// Keys whose value is a secret, matched without regard to case, as the end of a longer key too
/// (`db_password`, `X-Api-Key`).
const SECRET_KEYS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "pass",
    "secret",
    "token",
    "apikey",
    "api_key",
    "api-key",
    "access_key",
    "accesskey",
    "private_key",
    "client_secret",
    "sslpassword",
    "credentials",
];

/// Schemes that an `Authorization` header's credentials may start with.
const AUTH_SCHEMES: &[&str] = &["bearer", "basic", "digest", "token", "negotiate"];

/// Protocols of a Go/MySQL DSN: `user:password@tcp(host:3306)/db`.
const DSN_PROTOCOLS: &[&str] = &["@tcp(", "@tcp6(", "@udp(", "@unix(", "@/"];

/// `text` with every credential it holds replaced by `***`.
pub(crate) fn secrets(text: &str) -> Cow<'_, str> {
    if !might_hold_a_secret(text) {
        return Cow::Borrowed(text);
    }
    let text = url_userinfo(text);
    let text = dsn_userinfo(&text);
    let text = key_values(&text);
    let text = auth_tokens(&text);
    Cow::Owned(text)
}

/// A quick test that lets plain reasons through without a copy: every rule needs one of these.
fn might_hold_a_secret(text: &str) -> bool {
    text.contains(['@', '=', ':']) || contains_ignoring_case(text, "bearer")
}

/// `scheme://user:password@host`: everything between `://` and the `@` goes. A password may hold
/// `/`, `#`, `?`, `'` or a space, so with a `user:` the `@` is looked for up to the end of the
/// line; without one, only within the authority (`scheme://user@host`).
fn url_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(scheme_end) = rest.find("://") {
        let start = scheme_end + 3;
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let line_end = rest.find(['\n', '\r']).unwrap_or(rest.len());
        let has_user_and_password = rest[..line_end]
            .find(':')
            .is_some_and(|colon| !rest[..colon].contains(['/', '@', ' ']));
        let search_end = if has_user_and_password {
            // Up to the next URL on the line, if any: its own userinfo is handled next.
            rest[..line_end].find("://").map_or(line_end, |next| {
                rest[..next]
                    .rfind(|c: char| c.is_whitespace())
                    .unwrap_or(next)
            })
        } else {
            rest.find(|c: char| matches!(c, '/' | '?' | '#' | '"' | '\'') || c.is_whitespace())
                .unwrap_or(rest.len())
        };
        match rest[..search_end].rfind('@') {
            Some(at) => {
                out.push_str(HIDDEN);
                rest = &rest[at..];
            }
            None => {
                out.push_str(&rest[..search_end]);
                rest = &rest[search_end..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// `user:password@tcp(host)/db`, the Go MySQL driver's DSN: the userinfo before `@tcp(` goes.
fn dsn_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = DSN_PROTOCOLS.iter().filter_map(|p| rest.find(p)).min() {
        // The userinfo starts after the last whitespace or quote before the `@`.
        let start = rest[..at]
            .rfind(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '=' | '(' | ','))
            .map_or(0, |i| {
                i + rest[i..].chars().next().map_or(1, char::len_utf8)
            });
        out.push_str(&rest[..start]);
        if start < at && !rest[start..at].ends_with(HIDDEN) {
            out.push_str(HIDDEN);
        } else {
            out.push_str(&rest[start..at]);
        }
        out.push('@');
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
    out
}

/// `password=secret`, `password='a b'`, `?token=abc&x=1`, `"api_key": "abc"`, `pwd: abc`: the
/// value of a secret key goes, quoted or not.
fn key_values(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((value_start, quote)) = next_secret_value(rest) {
        out.push_str(&rest[..value_start]);
        let value = &rest[value_start..];
        let value_len = match quote {
            Some(quote) => value[1..].find(quote).map_or(value.len(), |end| end + 2),
            None => value
                .find(|c: char| c.is_whitespace() || matches!(c, '&' | ',' | ';' | '}' | ')'))
                .unwrap_or(value.len()),
        };
        match quote {
            Some(quote) => {
                out.push(quote);
                out.push_str(HIDDEN);
                out.push(quote);
            }
            None => out.push_str(HIDDEN),
        }
        rest = &value[value_len..];
    }
    out.push_str(rest);
    out
}

/// Where the next value of a secret key starts in `text`, and its opening quote if it has one.
fn next_secret_value(text: &str) -> Option<(usize, Option<char>)> {
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    loop {
        // The next `=` or `:` after a secret key; a URL's `://` is no key's separator.
        let separator = from + lower[from..].find(['=', ':'])?;
        from = separator + 1;
        let key = lower[..separator].trim_end_matches(['"', '\'', ' ']);
        if !is_secret_key(key) || text[separator..].starts_with("://") {
            continue;
        }
        let after = &text[separator + 1..];
        let value_start = separator + 1 + (after.len() - after.trim_start_matches(' ').len());
        let value = &text[value_start..];
        if value.is_empty() || value.starts_with(char::is_whitespace) || value.starts_with(HIDDEN) {
            continue;
        }
        let quote = value.chars().next().filter(|c| matches!(c, '\'' | '"'));
        return Some((value_start, quote));
    }
}

/// Whether the text before a separator ends with a secret key: `password`, `db_password`,
/// `X-Api-Key`, `mypassword`. Short keys (`pwd`, `pass`, `token`) count only as whole words, so
/// that `bypass` or `tokens` do not.
fn is_secret_key(before: &str) -> bool {
    SECRET_KEYS.iter().any(|key| {
        before.ends_with(key) && {
            let previous = before[..before.len() - key.len()].chars().next_back();
            key.len() >= 6 || !previous.is_some_and(|c| c.is_ascii_alphanumeric())
        }
    })
}

/// `Bearer abc`, `Authorization: Basic xyz`, `authorization: abc`: the credentials go.
fn auth_tokens(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(token_start) = next_auth_token(rest) {
        out.push_str(&rest[..token_start]);
        let token = &rest[token_start..];
        let token_len = token
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ',' | ';'))
            .unwrap_or(token.len());
        out.push_str(HIDDEN);
        rest = &token[token_len..];
    }
    out.push_str(rest);
    out
}

/// Where the next credentials after `authorization:` (and its scheme) or `bearer` start.
fn next_auth_token(text: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    let after_header = lower.find("authorization:").map(|at| {
        let value = at + "authorization:".len();
        let value = value + (lower[value..].len() - lower[value..].trim_start().len());
        let scheme = AUTH_SCHEMES.iter().find(|scheme| {
            lower[value..].starts_with(*scheme) && lower[value + scheme.len()..].starts_with(' ')
        });
        scheme.map_or(value, |scheme| value + scheme.len() + 1)
    });
    let after_bearer = word_start(&lower, "bearer ").map(|at| at + "bearer ".len());
    let start = match (after_header, after_bearer) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => a.or(b)?,
    };
    let token = &text[start..];
    if token.is_empty() || token.starts_with(char::is_whitespace) || token.starts_with(HIDDEN) {
        // Nothing to hide here: look after it.
        let next = start + token.chars().next().map_or(0, char::len_utf8);
        return if next >= text.len() {
            None
        } else {
            next_auth_token(&text[next..]).map(|at| next + at)
        };
    }
    Some(start)
}

/// Where `word` first starts in `lower` as a word of its own.
fn word_start(lower: &str, word: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = lower[from..].find(word) {
        let at = from + found;
        if !lower[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        {
            return Some(at);
        }
        from = at + word.len();
    }
    None
}

/// `value` with its strings redacted as `secrets` does, and the values of secret keys hidden.
pub(crate) fn json(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::String(text) => {
            if let Cow::Owned(redacted) = secrets(text) {
                *text = redacted;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(json),
        Value::Object(entries) => {
            for (key, value) in entries.iter_mut() {
                if is_secret_key(&key.to_ascii_lowercase()) {
                    *value = Value::String(HIDDEN.to_owned());
                } else {
                    json(value);
                }
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

fn contains_ignoring_case(text: &str, word: &str) -> bool {
    text.as_bytes()
        .windows(word.len())
        .any(|window| window.eq_ignore_ascii_case(word.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::secrets;

    #[test]
    fn hides_every_credential() {
        for (text, redacted) in [
            // URLs
            (
                "cannot reach mysql://app:S3cr%40t!@db:3306/app",
                "cannot reach mysql://***@db:3306/app",
            ),
            ("postgres://u@h/d", "postgres://***@h/d"),
            ("\"mysql://a:b@c\"", "\"mysql://***@c\""),
            ("mysql://app:it's@db/app", "mysql://***@db/app"),
            ("mysql://app:a b@db/app", "mysql://***@db/app"),
            ("mysql://app:a/b@db/app", "mysql://***@db/app"),
            ("mysql://app:a#b@db/app", "mysql://***@db/app"),
            ("mysql://app:a?b@db/app", "mysql://***@db/app"),
            (
                "a mysql://u:p@h/d and postgres://v:q@i/e",
                "a mysql://***@h/d and postgres://***@i/e",
            ),
            ("redis://:hunter2@cache:6379", "redis://***@cache:6379"),
            // Go/MySQL DSNs
            (
                "dial app:pw@tcp(db:3306)/app failed",
                "dial ***@tcp(db:3306)/app failed",
            ),
            ("app:p@ss@tcp(db)/app", "***@tcp(db)/app"),
            (
                "root:secret@unix(/var/run/mysqld.sock)/db",
                "***@unix(/var/run/mysqld.sock)/db",
            ),
            ("dsn=\"u:p@/db\"", "dsn=\"***@/db\""),
            // libpq key-value strings
            (
                "host=db password=secret dbname=app",
                "host=db password=*** dbname=app",
            ),
            (
                "host=db password='a b' user=x",
                "host=db password='***' user=x",
            ),
            ("PASSWORD=Secret", "PASSWORD=***"),
            ("sslpassword=abc host=x", "sslpassword=*** host=x"),
            // query strings and key: value
            ("GET /x?token=abc&page=2", "GET /x?token=***&page=2"),
            ("https://api/x?pwd=1&user=a", "https://api/x?pwd=***&user=a"),
            (
                "?secret=s3&api_key=k1&access_token=t2",
                "?secret=***&api_key=***&access_token=***",
            ),
            ("{\"password\": \"hunter2\"}", "{\"password\": \"***\"}"),
            ("db_password=abc", "db_password=***"),
            ("client_secret: xyz", "client_secret: ***"),
            ("X-Api-Key: 123", "X-Api-Key: ***"),
            // authorization
            ("Authorization: Bearer abc.def", "Authorization: Bearer ***"),
            ("Bearer abc", "Bearer ***"),
            (
                "authorization: basic dXNlcjpwYXNz",
                "authorization: basic ***",
            ),
            ("sent 'Bearer xyz' twice", "sent 'Bearer ***' twice"),
            ("authorization: Token abc123", "authorization: Token ***"),
            ("Authorization: abc123", "Authorization: ***"),
            ("mypassword=x", "mypassword=***"),
        ] {
            assert_eq!(secrets(text), redacted, "{text}");
        }
    }

    #[test]
    fn hides_secrets_in_data() {
        let mut data = serde_json::json!({
            "url": "mysql://app:hunter2@db/app",
            "password": 1234,
            "DB_Token": {"nested": true},
            "hosts": ["postgres://u:p@a/b", "plain"],
            "pool": {"api_key": "k", "size": 4},
        });
        super::json(&mut data);
        assert_eq!(
            data,
            serde_json::json!({
                "url": "mysql://***@db/app",
                "password": "***",
                "DB_Token": "***",
                "hosts": ["postgres://***@a/b", "plain"],
                "pool": {"api_key": "***", "size": 4},
            })
        );
    }

    #[test]
    fn leaves_plain_reasons_alone() {
        for text in [
            "connection refused",
            "timed out after 500ms",
            "error communicating with database: Connection refused (os error 111)",
            "password authentication failed for user \"app\"",
            "a://b c@d",
            "ratio = 0.5",
            "basic auth is off; the token expired",
            "bypass=1 tokens=3",
            "",
        ] {
            assert_eq!(secrets(text), text);
        }
    }
}
