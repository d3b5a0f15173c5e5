//! Keeps credentials out of what reaches a response body or a log: the userinfo of URLs
//! (`scheme://user:password@host`) is replaced before a reason is stored.

use std::borrow::Cow;

const HIDDEN: &str = "***";

/// `text` with the `user:password@` part of every URL in it replaced by `***@`.
pub(crate) fn userinfo(text: &str) -> Cow<'_, str> {
    if !text.contains("://") {
        return Cow::Borrowed(text);
    }
    let mut redacted = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(scheme_end) = rest.find("://") {
        let authority_start = scheme_end + 3;
        redacted.push_str(&rest[..authority_start]);
        rest = &rest[authority_start..];
        // The authority ends at the path, the query, or whatever cannot be part of a URL.
        let authority_len = rest
            .find(|c: char| {
                matches!(c, '/' | '?' | '#') || c.is_whitespace() || c == '"' || c == '\''
            })
            .unwrap_or(rest.len());
        match rest[..authority_len].rfind('@') {
            Some(at) => {
                redacted.push_str(HIDDEN);
                rest = &rest[at..];
            }
            None => {
                redacted.push_str(&rest[..authority_len]);
                rest = &rest[authority_len..];
            }
        }
    }
    redacted.push_str(rest);
    Cow::Owned(redacted)
}

#[cfg(test)]
mod tests {
    use super::userinfo;

    #[test]
    fn hides_the_userinfo_of_every_url() {
        assert_eq!(
            userinfo("cannot reach mysql://app:S3cr%40t!@db:3306/app, nor postgres://u@h/d"),
            "cannot reach mysql://***@db:3306/app, nor postgres://***@h/d"
        );
        assert_eq!(userinfo("\"mysql://a:b@c\""), "\"mysql://***@c\"");
    }

    #[test]
    fn leaves_everything_else_alone() {
        for text in [
            "connection refused",
            "see http://docs/x?y=a@b",
            "a://b c@d",
            "::// @",
        ] {
            assert_eq!(userinfo(text), text);
        }
    }
}
