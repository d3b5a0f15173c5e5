//! Keeps what checks say safe to show (reasons, panic messages, availability reasons, log lines,
//! string values of `data`): credentials are replaced by `***`, and control characters, which
//! could forge lines of a log or of `?verbose`, are escaped. It errs on the side of hiding too
//! much: a reason that loses a word is better than a password in a log.
//!
//! Every pass is linear in the text, iterative, and runs on at most [`MAX_TEXT`] bytes: a check's
//! reason is user code's, of any size and shape, and is redacted on the worker that serves the
//! probe.

use std::borrow::Cow;
use std::fmt;

const HIDDEN: &str = "***";

/// The most bytes of one text that are kept and redacted; the rest is cut before redaction, so
/// that the work of a run does not grow with its reason beyond what a body or a log line shows.
/// Above what a body shows of a reason (512 B unless [`error_limit`] changes it): a credential
/// that straddles the cut lies beyond what is shown.
///
/// [`error_limit`]: crate::Health::error_limit
pub(crate) const MAX_TEXT: usize = 4 * 1024;

/// Keys whose value is a secret, matched without regard to case, as the end of a longer key too
/// (`db_password`, `X-Api-Key`, `accessToken`). `Word` keys are also English words or parts of
/// other names: they count only as a word of their own, after a non-letter or as a camel-case hump
/// (`dbPass`, `SASToken`, `k8sToken`), so that `bypass` or `tokens` do not. The others count at
/// the end of any key (`mypassword`, `JWTSECRET`). A word shaped as a password is no key
/// ([`shaped_as_a_password`]).
const SECRET_KEYS: &[(&str, Match)] = &[
    ("password", Match::Suffix),
    ("passwd", Match::Suffix),
    ("passphrase", Match::Suffix),
    ("apikey", Match::Suffix),
    ("api_key", Match::Suffix),
    ("api-key", Match::Suffix),
    ("access_key", Match::Suffix),
    ("accesskey", Match::Suffix),
    ("private_key", Match::Suffix),
    ("privatekey", Match::Suffix),
    ("secret_key", Match::Suffix),
    ("secretkey", Match::Suffix),
    ("client_secret", Match::Suffix),
    ("sslpassword", Match::Suffix),
    ("credentials", Match::Suffix),
    ("authorization", Match::Suffix),
    ("cookie", Match::Suffix),
    ("secret", Match::Suffix),
    ("token", Match::Word),
    ("credential", Match::Word),
    // URL signatures: Azure SAS `sig=`, `X-Amz-Signature=`, `X-Goog-Signature=`.
    ("signature", Match::Word),
    ("sig", Match::Word),
    ("pwd", Match::Word),
    ("pass", Match::Word),
    ("pw", Match::Word),
];

/// Where a secret key may stand at the end of the text before a separator.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Match {
    /// At the end of any key.
    Suffix,
    /// As a word of its own, or a camel-case hump.
    Word,
}

/// Keys whose value runs to the end of the line: a `Cookie` header holds `; ` between its pairs,
/// a passphrase spaces, and an `Authorization` value that starts with no scheme may be anything
/// (actix's `HeaderMap` shows `"authorization": Value { inner: ["..."] }`).
const WHOLE_LINE_KEYS: &[&str] = &["cookie", "passphrase", "authorization"];

/// Schemes that an `Authorization` header's credentials may start with.
const AUTH_SCHEMES: &[&str] = &["bearer", "basic", "digest", "token", "negotiate"];

/// Protocols of a Go/MySQL DSN: `user:password@tcp(host:3306)/db`.
const DSN_PROTOCOLS: [&str; 5] = ["@tcp(", "@tcp6(", "@udp(", "@unix(", "@/"];

/// How much more than [`MAX_TEXT`] is redacted before the result is cut to it: a credential that
/// starts before the cut is seen whole (a JSON Web Token is rarely longer).
const MARGIN: usize = 2 * 1024;

/// The most bytes of a text that are read to redact it.
const WINDOW: usize = MAX_TEXT + MARGIN;

/// `text` with every credential it holds replaced by `***`, and cut to at most [`MAX_TEXT`] bytes
/// (with no mark: the caller knows the length it gave). A longer text is cut first, with a margin,
/// then redacted, then cut again.
pub(crate) fn secrets(text: &str) -> Cow<'_, str> {
    read_secrets(prefix(text, WINDOW), text.len() > WINDOW)
}

/// [`secrets`] of `window`, the start of a text that was `cut` there when it is longer.
pub(crate) fn read_secrets(window: &str, cut: bool) -> Cow<'_, str> {
    let window = if cut { whole_words(window) } else { window };
    if !might_hold_a_secret(window) {
        return Cow::Borrowed(prefix(window, MAX_TEXT));
    }
    let text = pem_private_keys(window);
    let text = url_userinfo(&text);
    let text = encoded_url_userinfo(&text);
    let text = dsn_userinfo(&text);
    let text = slash_userinfo(&text);
    let text = key_values(&text);
    let text = auth_tokens(&text);
    let text = command_line_passwords(&text);
    let mut text = token_shapes(&text);
    text.truncate(prefix(&text, MAX_TEXT).len());
    Cow::Owned(text)
}

/// The words of `window`, cut from a longer text, that lie whole in it. A credential cut off at
/// the window's end is not seen whole, and would show once an earlier credential's redaction
/// shortens the text: the window ends at its last blank past [`MAX_TEXT`] (at `MAX_TEXT` when
/// there is none), and at a URL whose `user:` is not followed by its `@` on that line (a password
/// may hold a blank).
fn whole_words(window: &str) -> &str {
    let kept = prefix(window, MAX_TEXT).len();
    let end = window[kept..]
        .rfind(char::is_whitespace)
        .map_or(kept, |blank| kept + blank);
    let whole = &window[..end];
    let line = whole.rfind(['\n', '\r']).map_or(0, |end| end + 1);
    let unfinished_userinfo = whole[line..].rfind("://").filter(|&url| {
        let rest = &whole[line + url + 3..];
        let user = rest
            .find(':')
            .is_some_and(|colon| !rest[..colon].contains(['/', '@', ' ']));
        user && !rest.contains('@')
    });
    match unfinished_userinfo {
        Some(url) => &whole[..line + url + 3],
        None => whole,
    }
}

/// `text` redacted as [`secrets`] does it, and the bytes a cut mark counts for it: those of the
/// text as given when it was too long to keep whole, else those of the redacted text.
pub(crate) fn measured(text: &str) -> (Cow<'_, str>, usize) {
    let redacted = secrets(text);
    let len = if text.len() > MAX_TEXT {
        text.len()
    } else {
        redacted.len()
    };
    (redacted, len)
}

/// The start of what `text` writes, as much as [`secrets`] reads of it, and how many bytes it
/// writes in all: a reason of any length is never copied whole.
pub(crate) fn window(text: &dyn fmt::Display) -> (String, usize) {
    let mut window = Window {
        kept: String::new(),
        total: 0,
    };
    // `Window` never fails: an error is the `Display`'s own, and what it wrote is kept.
    let _ = fmt::write(&mut window, format_args!("{text}"));
    (window.kept, window.total)
}

struct Window {
    kept: String,
    total: usize,
}

impl fmt::Write for Window {
    fn write_str(&mut self, piece: &str) -> fmt::Result {
        self.total += piece.len();
        if self.kept.len() < WINDOW {
            self.kept.push_str(prefix(piece, WINDOW - self.kept.len()));
        }
        Ok(())
    }
}

/// The longest start of `text` of at most `max` bytes that ends on a character boundary.
pub(crate) fn prefix(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// A quick test that lets plain reasons through without a copy: every rule needs one of these.
fn might_hold_a_secret(text: &str) -> bool {
    text.contains(['@', '=', ':', '\u{ff1d}', '\u{ff1a}'])
        || text.contains("%40")
        || text.contains("-p")
        || contains_ignoring_case(text, "bearer")
        || text.contains("Basic ")
        || text.contains("eyJ")
        || text.contains("AKIA")
        || text.contains("ASIA")
        || text.contains("PRIVATE KEY")
}

/// `-----BEGIN RSA PRIVATE KEY-----` ... `-----END RSA PRIVATE KEY-----`: the key goes, up to its
/// end line or the end of the text.
fn pem_private_keys(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(begin) = rest.find("-----BEGIN ") {
        let header_end = rest[begin + 11..]
            .find("-----")
            .map(|end| begin + 11 + end + 5);
        let Some(header_end) = header_end.filter(|&end| rest[begin..end].contains("PRIVATE KEY"))
        else {
            out.push_str(&rest[..begin + 11]);
            rest = &rest[begin + 11..];
            continue;
        };
        out.push_str(&rest[..header_end]);
        out.push_str(HIDDEN);
        let body = &rest[header_end..];
        rest = body.find("-----END").map_or("", |end| &body[end..]);
        if !rest.is_empty() {
            // The end line: `-----END RSA PRIVATE KEY-----`.
            let line = rest[8..]
                .find("-----")
                .map_or(rest.len(), |end| 8 + end + 5);
            out.push_str(&rest[..line]);
            rest = &rest[line..];
        }
    }
    out.push_str(rest);
    out
}

/// `scheme://user:password@host`: everything between `://` and the `@` goes. A password may hold
/// `/`, `#`, `?`, `'` or a space, so with a `user:` the `@` is looked for up to the end of the
/// line; without one, only within the authority (`scheme://user@host`).
fn url_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    // Where the line of `at` ends, found again only once `at` has passed it: many URLs on one
    // long line must not make each look for its end anew.
    let mut line_end = 0;
    while let Some(scheme_end) = text[at..].find("://") {
        let start = at + scheme_end + 3;
        out.push_str(&text[at..start]);
        if line_end < start {
            line_end = text[start..]
                .find(['\n', '\r'])
                .map_or(text.len(), |end| start + end);
        }
        let line = &text[start..line_end];
        // The first `:` of the line comes at the latest with the next URL's `://`.
        let has_user_and_password = line
            .find(':')
            .is_some_and(|colon| !line[..colon].contains(['/', '@', ' ']));
        let search_end = if has_user_and_password {
            // Up to the next URL on the line, if any: its own userinfo is handled next.
            line.find("://").map_or(line.len(), |next| {
                line[..next].rfind(char::is_whitespace).unwrap_or(next)
            })
        } else {
            line.find(|c: char| matches!(c, '/' | '?' | '#' | '"' | '\'') || c.is_whitespace())
                .unwrap_or(line.len())
        };
        match line[..search_end].rfind('@') {
            Some(userinfo_end) => {
                out.push_str(HIDDEN);
                at = start + userinfo_end;
            }
            None => {
                out.push_str(&line[..search_end]);
                at = start + search_end;
            }
        }
    }
    out.push_str(&text[at..]);
    out
}

/// `https%3A%2F%2Fuser%3Apassword%40host`, a URL percent-encoded inside another's query
/// (`?next=...`): everything between the encoded `://` and the last encoded `@` of its authority
/// goes.
fn encoded_url_userinfo(text: &str) -> String {
    const SCHEME_END: &str = "%3a%2f%2f";
    const AT: &str = "%40";
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while let Some(found) = lower[at..].find(SCHEME_END) {
        let start = at + found + SCHEME_END.len();
        out.push_str(&text[at..start]);
        let rest = &lower[start..];
        // The outer value ends at its query's next key, a blank or a quote; the authority at the
        // path, the query or the fragment, unless a `user:` starts it: its password may hold
        // them, and its `@` is looked for up to the end of the value.
        let value = rest
            .find(|c: char| c.is_whitespace() || matches!(c, '&' | '"' | '\''))
            .unwrap_or(rest.len());
        let authority = ["%2f", "%3f", "%23", "/"]
            .iter()
            .filter_map(|end| rest[..value].find(end))
            .min()
            .unwrap_or(value);
        let user = rest[..authority].contains("%3a");
        let search_end = if user { value } else { authority };
        match rest[..search_end].rfind(AT) {
            Some(userinfo_end) => {
                out.push_str(HIDDEN);
                at = start + userinfo_end;
            }
            None => at = start,
        }
    }
    out.push_str(&text[at..]);
    out
}

/// `user:password@tcp(host)/db`, the Go MySQL driver's DSN: the userinfo before `@tcp(` goes. A
/// password may hold spaces: the userinfo starts at the last word before the `@` that has a `:`
/// within it (`app:pa ss@tcp(db)`), or else at the word just before it.
fn dsn_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    // Where each protocol occurs next, looked for again only once passed: linear in the text.
    let mut next: [Option<usize>; DSN_PROTOCOLS.len()] =
        DSN_PROTOCOLS.map(|protocol| text.find(protocol));
    loop {
        for (found, protocol) in next.iter_mut().zip(DSN_PROTOCOLS) {
            if found.is_some_and(|found| found < at) {
                *found = text[at..].find(protocol).map(|found| at + found);
            }
        }
        let Some(sign) = next.iter().flatten().copied().min() else {
            break;
        };
        let before = &text[at..sign];
        // The userinfo lies on the line of the `@`.
        let line = before.rfind(['\n', '\r']).map_or(0, |i| i + 1);
        let start = line + userinfo_start(&before[line..]);
        out.push_str(&before[..start]);
        if start < before.len() && !before.ends_with(HIDDEN) {
            out.push_str(HIDDEN);
        } else {
            out.push_str(&before[start..]);
        }
        out.push('@');
        at = sign + 1;
    }
    out.push_str(&text[at..]);
    out
}

/// Where the userinfo starts in `words`, the text before a DSN's `@` on its line: in the last
/// word with a `:` within it (`app:pa ss` is one userinfo), or else in the last word; after a
/// quote, `=`, `(` or `,` that comes before that colon (`dsn="app:pw`), as a password may hold
/// them (`app:abc=`).
fn userinfo_start(words: &str) -> usize {
    let mut end = words.len();
    let mut last_word = None;
    let word = loop {
        let start = words[..end]
            .rfind(|c: char| c.is_ascii_whitespace())
            .map_or(0, |space| space + 1);
        let word = &words[start..end];
        if !word.is_empty() {
            last_word.get_or_insert(start);
            if word.find(':').is_some_and(|colon| colon + 1 < word.len()) {
                break start;
            }
        }
        if start == 0 {
            match last_word {
                Some(start) => break start,
                None => return words.len(),
            }
        }
        end = start - 1;
    };
    let user_end = words[word..]
        .find(':')
        .map_or(words.len(), |colon| word + colon);
    words[word..user_end]
        .rfind(['"', '\'', '=', '(', ','])
        .map_or(word, |quote| word + quote + 1)
}

/// `scott/tiger@orcl`, Oracle's connect string: the password between `/` and `@` goes.
fn slash_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while let Some(sign) = text[at..].find('@').map(|sign| at + sign) {
        let before = &text[at..sign];
        let word = before
            .char_indices()
            .rev()
            .find(|&(_, c)| c.is_whitespace() || matches!(c, '"' | '\'' | '=' | '(' | ','))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let hidden = before[word..].split_once('/').filter(|(user, password)| {
            !user.is_empty()
                && user
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '#' | '.' | '-'))
                && !password.is_empty()
                && !password.contains('/')
                && *password != HIDDEN
        });
        match hidden {
            Some((user, _)) => {
                out.push_str(&before[..word]);
                out.push_str(user);
                out.push('/');
                out.push_str(HIDDEN);
            }
            None => out.push_str(before),
        }
        out.push('@');
        at = sign + 1;
    }
    out.push_str(&text[at..]);
    out
}

/// `password=secret`, `password='a b'`, `?token=abc&x=1`, `"api_key": "abc"`, `pwd: abc`,
/// `"accessToken":"a\"b"`, `Authorization: Basic abc`, `password: Some("abc")` (Rust's `Debug`),
/// `{\"token\":\"abc\"}` (JSON inside a quoted string), `:password=>"abc"` (Ruby), `pw＝abc`
/// (full-width): the value of a secret key goes, quoted, escaped-quoted, wrapped or not.
fn key_values(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    let mut from = 0;
    while let Some(separator) = text[from..].find(SEPARATORS).map(|found| from + found) {
        let separator_len = text[separator..].chars().next().map_or(1, char::len_utf8);
        from = separator + separator_len;
        // A URL's `://` is no key's separator.
        if text[separator..].starts_with("://") {
            continue;
        }
        let key = text[at..separator].trim_end_matches(['"', '\'', ' ', '\t', '\\']);
        let Some(whole_line) = secret_key(key) else {
            continue;
        };
        // Ruby's `=>`.
        let after = text[from..].strip_prefix('>').unwrap_or(&text[from..]);
        let value_start = text.len() - after.trim_start().len();
        let value = &text[value_start..];
        if value.is_empty() || already_hidden(value) {
            continue;
        }
        out.push_str(&text[at..value_start]);
        let backslashes = value.len() - value.trim_start_matches('\\').len();
        let value_len = match value[backslashes..].chars().next() {
            Some(quote @ ('\'' | '"')) if backslashes == 0 => {
                out.push(quote);
                out.push_str(HIDDEN);
                out.push(quote);
                closing_quote(&value[1..], quote).map_or(value.len(), |end| end + 2)
            }
            // A quote escaped as a string's `Debug` or JSON writes it: `\"abc\"`, `\\\"abc\\\"`.
            Some(quote @ ('\'' | '"')) => {
                let mark = &value[..=backslashes];
                out.push_str(mark);
                out.push_str(HIDDEN);
                out.push_str(mark);
                escaped_quote_len(value, backslashes, quote)
            }
            _ => {
                let word = value.find(ends_a_value).unwrap_or(value.len());
                let after = &value[word..];
                let blank = after.len() - after.trim_start_matches([' ', '\t']).len();
                // `Basic abc`: the scheme stays, the credentials after it go.
                let scheme = AUTH_SCHEMES
                    .iter()
                    .any(|s| value[..word].eq_ignore_ascii_case(s));
                if scheme && blank > 0 {
                    let token_start = word + blank;
                    let token = &value[token_start..];
                    out.push_str(&value[..token_start]);
                    out.push_str(HIDDEN);
                    token_start + token.find(ends_a_value).unwrap_or(token.len())
                } else if whole_line {
                    out.push_str(HIDDEN);
                    value.find(['\n', '\r']).unwrap_or(value.len())
                } else if let Some(open) = wrapper(value) {
                    // `Some("abc")`, `Secret(abc)`: the wrapper stays, what it wraps goes.
                    out.push_str(&value[..=open]);
                    out.push_str(HIDDEN);
                    out.push(')');
                    closing_paren_end(value, open)
                } else {
                    out.push_str(HIDDEN);
                    word
                }
            }
        };
        at = value_start + value_len;
        from = from.max(at);
    }
    out.push_str(&text[at..]);
    out
}

/// What separates a key from its value: `=`, `:`, and their full-width forms.
const SEPARATORS: [char; 4] = ['=', ':', '\u{ff1d}', '\u{ff1a}'];

/// Types that `Debug` writes around a value: `Some("abc")`, `SecretString("abc")`.
const WRAPPERS: &[&str] = &[
    "Some",
    "Ok",
    "Box",
    "Arc",
    "Rc",
    "Owned",
    "Borrowed",
    "Secret",
    "SecretString",
    "SecretBox",
    "SecretVec",
    "Sensitive",
    "Redacted",
];

/// Where the `(` is, if `value` starts with one of the [`WRAPPERS`], by any path
/// (`secrecy::SecretBox(`). Another name before a `(` may be the secret itself (`hunter2(x)`),
/// and goes with the rest.
fn wrapper(value: &str) -> Option<usize> {
    let name = value
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(value.len());
    let last = value[..name].rsplit("::").next().unwrap_or_default();
    (WRAPPERS.contains(&last) && value[name..].starts_with('(')).then_some(name)
}

/// Whether `value` starts with a credential hidden already: `***`, then the end of the value.
fn already_hidden(value: &str) -> bool {
    value.strip_prefix(HIDDEN).is_some_and(|rest| {
        rest.is_empty() || rest.starts_with(ends_a_value) || rest.starts_with('@')
    })
}

/// The length of `value`, which starts with `backslashes` backslashes and `quote` (a quote escaped
/// once, `\"`, or more, `\\\"`), up to the quote escaped alike that closes it: a quote after more
/// backslashes is a character of the value. The line's length if none closes it.
fn escaped_quote_len(value: &str, backslashes: usize, quote: char) -> usize {
    let mut run = 0;
    for (i, c) in value.char_indices().skip(backslashes + 1) {
        match c {
            '\\' => run += 1,
            _ if c == quote && run == backslashes => return i + 1,
            '\n' | '\r' => return i,
            _ => run = 0,
        }
    }
    value.len()
}

/// The length of `value` up to the `)` that closes the `(` at `open`, skipping quoted text and
/// nested parentheses; the rest of the line if none does.
fn closing_paren_end(value: &str, open: usize) -> usize {
    let mut depth = 0_usize;
    let mut quote = None;
    let mut escaped = false;
    for (i, c) in value.char_indices().skip_while(|&(i, _)| i < open) {
        match (quote, c) {
            _ if escaped => escaped = false,
            (Some(_), '\\') => escaped = true,
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            (None, '\n' | '\r') => return i,
            (None, _) => {}
        }
    }
    value.len()
}

fn ends_a_value(c: char) -> bool {
    c.is_whitespace() || matches!(c, '&' | ',' | ';' | '}' | ')' | '"' | '\'')
}

/// Where the quote that closes a quoted value is, skipping quotes escaped with a backslash.
fn closing_quote(value: &str, quote: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in value.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            _ if c == quote => return Some(i),
            _ => {}
        }
    }
    None
}

/// Whether the text before a separator ends with a secret key (`password`, `db_password`,
/// `X-Api-Key`, `mypassword`, `accessToken`), and if so whether its value runs to the end of the
/// line. See [`SECRET_KEYS`] for where a key counts.
fn secret_key(before: &str) -> Option<bool> {
    // Every key ends in a letter: a separator after anything else (`:::`) is no key's, at once.
    if !before
        .bytes()
        .next_back()
        .is_some_and(|b| b.is_ascii_alphabetic())
    {
        return None;
    }
    let (key, _) = SECRET_KEYS.iter().find(|(key, matched)| {
        let Some(start) = before.len().checked_sub(key.len()) else {
            return false;
        };
        if !before.is_char_boundary(start) || !before[start..].eq_ignore_ascii_case(key) {
            return false;
        }
        let previous = before[..start].chars().next_back();
        let mut found = before[start..].chars();
        let (first, second) = (found.next(), found.next());
        // A hump: `dbPass`, `accessToken`, `s3Token`, and after capitals `SASToken`, `IDToken`.
        let hump = first.is_some_and(|c| c.is_ascii_uppercase())
            && previous.is_some_and(|c| {
                c.is_ascii_lowercase()
                    || c.is_ascii_digit()
                    || (c.is_ascii_uppercase() && second.is_some_and(|c| c.is_ascii_lowercase()))
            });
        *matched == Match::Suffix || !previous.is_some_and(|c| c.is_ascii_alphanumeric()) || hump
    })?;
    let word = before.rsplit(|c: char| !c.is_ascii_alphanumeric()).next();
    if word.is_some_and(shaped_as_a_password) {
        return None;
    }
    Some(WHOLE_LINE_KEYS.contains(key))
}

/// Whether `word` is shaped as a password rather than a key: a capital first, and a digit between
/// two small letters (`Sup3rSecret`, `P4ssword`), as a key written in camel case (`k8sToken`,
/// `oauth2ClientSecret`) or in capitals (`JWT_SECRET`) is not. Such a word before a `:` is most
/// likely the credential itself, shown as a reason's subject (`Sup3rSecret: error`).
fn shaped_as_a_password(word: &str) -> bool {
    let bytes = word.as_bytes();
    bytes.first().is_some_and(u8::is_ascii_uppercase)
        && bytes.windows(3).any(|three| {
            three[0].is_ascii_lowercase()
                && three[1].is_ascii_digit()
                && three[2].is_ascii_lowercase()
        })
}

/// `Bearer abc` (any case), `Basic abc` (capitalised, as a header writes it: `basic auth is off`
/// is a sentence), with any spaces or tabs between: the credentials go.
fn auth_tokens(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    // Where each scheme occurs next, looked for again only once passed: linear in the text.
    let (mut bearer, mut basic) = (Some(0), Some(0));
    let mut from = 0;
    loop {
        if bearer.is_some_and(|end| end <= from) {
            bearer = scheme_at(&lower, from, "bearer");
        }
        if basic.is_some_and(|end| end <= from) {
            basic = scheme_at(text, from, "Basic");
        }
        let Some(scheme_end) = bearer.into_iter().chain(basic).min() else {
            break;
        };
        from = scheme_end;
        let token = &text[scheme_end..];
        let token_len = token.find(ends_a_value).unwrap_or(token.len());
        if token_len == 0 || token.starts_with(HIDDEN) {
            continue;
        }
        out.push_str(&text[at..scheme_end]);
        out.push_str(HIDDEN);
        at = scheme_end + token_len;
        from = at;
    }
    out.push_str(&text[at..]);
    out
}

/// `mysql -uapp -pS3CR3T`: a password written right after `-p`, as MySQL's and MariaDB's command
/// lines take it, goes, up to a blank or a quote.
fn command_line_passwords(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    let mut from = 0;
    while let Some(found) = text[from..].find("-p").map(|found| from + found) {
        from = found + 2;
        // After a blank or a quote (`"mysql" "-pX"`, as `Command`'s `Debug` writes it), not
        // within a word or an option (`load-path`, `--port`).
        let starts_word = text[..found]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '-'));
        let password = &text[from..];
        let len = password
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\''))
            .unwrap_or(password.len());
        if !starts_word || len == 0 || already_hidden(password) {
            continue;
        }
        out.push_str(&text[at..from]);
        out.push_str(HIDDEN);
        at = from + len;
        from = at;
    }
    out.push_str(&text[at..]);
    out
}

/// Where the credentials after the first `scheme` at or after `from` start: `scheme` standing as
/// a word of its own, then spaces or tabs.
fn scheme_at(haystack: &str, mut from: usize, scheme: &str) -> Option<usize> {
    while let Some(found) = haystack[from..].find(scheme) {
        let at = from + found;
        let end = at + scheme.len();
        let after = &haystack[end..];
        let blank = after.len() - after.trim_start_matches([' ', '\t']).len();
        let previous = haystack[..at].chars().next_back();
        if blank > 0 && !previous.is_some_and(|c| c.is_ascii_alphanumeric()) {
            return Some(end + blank);
        }
        from = end;
    }
    None
}

/// Secrets known by their shape wherever they stand: JSON Web Tokens (`eyJ...`) and AWS access
/// key ids (`AKIA`/`ASIA` and 16 capitals or digits).
fn token_shapes(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    let mut i = 0;
    while i < bytes.len() {
        // A shape starts a word: within a run of its characters only the first place is tried.
        let starts_word = i == 0 || !is_base64url(bytes[i - 1]);
        let len = if starts_word {
            shape_len(&bytes[i..])
        } else {
            0
        };
        if len > 0 {
            out.push_str(&text[at..i]);
            out.push_str(HIDDEN);
            i += len;
            at = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&text[at..]);
    out
}

/// The length of the JWT or AWS key that `bytes` starts with, or 0.
fn shape_len(bytes: &[u8]) -> usize {
    let run = |from: usize, ok: fn(&u8) -> bool| {
        bytes
            .get(from..)
            .map_or(0, |rest| rest.iter().take_while(|b| ok(b)).count())
    };
    let base64url = |b: &u8| is_base64url(*b);
    if bytes.starts_with(b"eyJ") {
        let header = run(0, base64url);
        if bytes.get(header) == Some(&b'.') {
            let payload = run(header + 1, base64url);
            if payload > 0 && bytes.get(header + 1 + payload) == Some(&b'.') {
                let end = header + 2 + payload;
                return end + run(end, base64url);
            }
        }
        return 0;
    }
    if bytes.starts_with(b"AKIA") || bytes.starts_with(b"ASIA") {
        let key = run(4, |b| b.is_ascii_uppercase() || b.is_ascii_digit());
        let ends_word = !bytes.get(4 + key).is_some_and(u8::is_ascii_alphanumeric);
        if key == 16 && ends_word {
            return 20;
        }
    }
    0
}

fn is_base64url(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_')
}

/// `value` with its strings cut and redacted as `secrets` does, and the values of secret keys
/// hidden.
pub(crate) fn json(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::String(text) => {
            if let Cow::Owned(redacted) = secrets(text) {
                *text = redacted;
            } else if text.len() > MAX_TEXT {
                let kept = prefix(text, MAX_TEXT).len();
                text.truncate(kept);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(json),
        Value::Object(entries) => {
            for (key, value) in entries.iter_mut() {
                if secret_key(key).is_some() {
                    *value = Value::String(HIDDEN.to_owned());
                } else {
                    json(value);
                }
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// `text` with its control characters escaped (`\n`, `\u{1b}`), and the characters that move or
/// reorder lines (U+2028, U+2029, the bidirectional controls such as U+202E): a reason cannot
/// start a line of its own in a log or in `?verbose`, nor send a terminal escape, nor show its
/// text reversed.
pub(crate) fn printable(text: &str) -> Cow<'_, str> {
    if !text.contains(escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else if escaped(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Control characters, line and paragraph separators, and bidirectional formatting characters.
fn escaped(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

fn contains_ignoring_case(text: &str, word: &str) -> bool {
    text.as_bytes()
        .windows(word.len())
        .any(|window| window.eq_ignore_ascii_case(word.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::{MAX_TEXT, WINDOW, prefix, printable, read_secrets, secrets};

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
            (
                "error: dial app:pw@tcp(db:3306)/app",
                "error: dial ***@tcp(db:3306)/app",
            ),
            ("app:p@ss@tcp(db)/app", "***@tcp(db)/app"),
            ("dial app:pa ss@tcp(db)/app", "dial ***@tcp(db)/app"),
            (
                "root:secret@unix(/var/run/mysqld.sock)/db",
                "***@unix(/var/run/mysqld.sock)/db",
            ),
            ("dsn=\"u:p@/db\"", "dsn=\"***@/db\""),
            // Oracle
            (
                "sqlplus scott/tiger@orcl failed",
                "sqlplus scott/***@orcl failed",
            ),
            // libpq key-value strings
            (
                "host=db password=secret dbname=app",
                "host=db password=*** dbname=app",
            ),
            (
                "host=db password='a b' user=x",
                "host=db password='***' user=x",
            ),
            ("password='a\\' S3CR3T' user=x", "password='***' user=x"),
            ("PASSWORD=Secret", "PASSWORD=***"),
            ("sslpassword=abc host=x", "sslpassword=*** host=x"),
            ("password\t= hunter2", "password\t= ***"),
            ("password:\n  hunter2", "password:\n  ***"),
            ("passphrase=open sesame\nnext", "passphrase=***\nnext"),
            ("app:abc=@tcp(db)/x", "***@tcp(db)/x"),
            ("dial app:pa,ss@tcp(db)/x", "dial ***@tcp(db)/x"),
            (
                "SASToken=abc APIToken=def IDToken=ghi",
                "SASToken=*** APIToken=*** IDToken=***",
            ),
            ("Bearer  abc", "Bearer  ***"),
            ("Authorization: Bearer\tabc", "Authorization: Bearer\t***"),
            (
                "{\"authorization\": Value { inner: [\"Digest xyz\"] }}\nnext",
                "{\"authorization\": ***\nnext",
            ),
            // credentials next to characters of more than one byte
            ("échec\u{a0}app/hunter2@db", "échec\u{a0}app/***@db"),
            ("é mysql://é:hunter2@db/é", "é mysql://***@db/é"),
            (
                "\u{1F600}password=hunter2\u{1F600}",
                "\u{1F600}password=***",
            ),
            // (a DSN's words are split at ASCII spaces: more is hidden, never less)
            ("\u{3000}app:hunter2@tcp(db)/x", "***@tcp(db)/x"),
            ("SECRET_KEY=abc123 debug=1", "SECRET_KEY=*** debug=1"),
            // query strings and key: value
            ("GET /x?token=abc&page=2", "GET /x?token=***&page=2"),
            ("https://api/x?pwd=1&user=a", "https://api/x?pwd=***&user=a"),
            (
                "?secret=s3&api_key=k1&access_token=t2",
                "?secret=***&api_key=***&access_token=***",
            ),
            ("{\"password\": \"hunter2\"}", "{\"password\": \"***\"}"),
            ("{\"password\":\"a\\\"S3CR3T\"}", "{\"password\":\"***\"}"),
            ("db_password=abc", "db_password=***"),
            ("client_secret: xyz", "client_secret: ***"),
            ("X-Api-Key: 123", "X-Api-Key: ***"),
            // camel case
            ("{\"accessToken\":\"abc\"}", "{\"accessToken\":\"***\"}"),
            ("refreshToken=abc", "refreshToken=***"),
            ("authToken=abc", "authToken=***"),
            ("dbPass=abc", "dbPass=***"),
            (
                "s3Token=abc oauth2Secret: x",
                "s3Token=*** oauth2Secret: ***",
            ),
            (
                "{\"privateKey\":\"k\",\"secretKey\":\"s\"}",
                "{\"privateKey\":\"***\",\"secretKey\":\"***\"}",
            ),
            // authorization and cookies
            ("Authorization: Bearer abc.def", "Authorization: Bearer ***"),
            ("Bearer abc", "Bearer ***"),
            (
                "authorization: basic dXNlcjpwYXNz",
                "authorization: basic ***",
            ),
            ("sent 'Bearer xyz' twice", "sent 'Bearer ***' twice"),
            ("authorization: Token abc123", "authorization: Token ***"),
            ("Authorization: abc123", "Authorization: ***"),
            (
                "{\"authorization\": \"Basic dXNlcjpwYXNz\"}",
                "{\"authorization\": \"***\"}",
            ),
            ("sent Basic dXNlcjpwYXNz", "sent Basic ***"),
            ("Basic x", "Basic ***"),
            ("Cookie: a=1; session=s3cr3t\nnext", "Cookie: ***\nnext"),
            ("mypassword=x", "mypassword=***"),
            // Rust's `Debug` (sqlx's `PgConnectOptions`), JSON inside a quoted string, Ruby
            (
                "PgConnectOptions { host: \"db\", password: Some(\"X\"), port: 5432 }",
                "PgConnectOptions { host: \"db\", password: Some(***), port: 5432 }",
            ),
            (
                "password: Some(Secret(\"a)b\")) next",
                "password: Some(***) next",
            ),
            (
                "body: \"{\\\"access_token\\\":\\\"X\\\"}\"",
                "body: \"{\\\"access_token\\\":\\\"***\\\"}\"",
            ),
            // an escaped quote within, and JSON escaped twice
            (
                r#"d: "{\"access_token\":\"a\\\"b\"}" next"#,
                r#"d: "{\"access_token\":\"***\"}" next"#,
            ),
            (
                r#"e: \\\"token\\\":\\\"X\\\" next"#,
                r#"e: \\\"token\\\":\\\"***\\\" next"#,
            ),
            ("{:password=>\"X\"}", "{:password=>\"***\"}"),
            ("{password => 'X'}", "{password => '***'}"),
            // a name before a `(` that is no wrapper, whole-line keys, a value after `***`
            ("password=hunter2(x) next", "password=***) next"),
            (
                "passphrase: correct(horse) battery staple",
                "passphrase: ***",
            ),
            ("password=***hunter2 x", "password=*** x"),
            // keys that end in `secret`, and camel case after a digit
            (
                "JWTSECRET=x clientsecret=y",
                "JWTSECRET=*** clientsecret=***",
            ),
            (
                "oauth2ClientSecret=x k8sToken=y",
                "oauth2ClientSecret=*** k8sToken=***",
            ),
            // URL signatures
            (
                "https://acct.blob/c?sv=2022&sig=X%2Fy&se=1",
                "https://acct.blob/c?sv=2022&sig=***&se=1",
            ),
            (
                "s3/k?X-Amz-Credential=id%2F2026&X-Amz-Signature=abc&X-Amz-Date=1",
                "s3/k?X-Amz-Credential=***&X-Amz-Signature=***&X-Amz-Date=1",
            ),
            ("g/o?X-Goog-Signature=abc", "g/o?X-Goog-Signature=***"),
            // a URL percent-encoded in a query
            (
                "/login?next=https%3A%2F%2Fadmin%3AX%40h%2Fpath&a=1",
                "/login?next=https%3A%2F%2F***%40h%2Fpath&a=1",
            ),
            ("next=http%3a%2f%2fu%3ap%40h", "next=http%3a%2f%2f***%40h"),
            (
                "next=https%3A%2F%2Fadmin%3Aa%2Fb%40h%2Fx&y=1",
                "next=https%3A%2F%2F***%40h%2Fx&y=1",
            ),
            // command lines, short keys, full-width separators
            ("ran mysql -uapp -pX db", "ran mysql -uapp -p*** db"),
            ("-pX", "-p***"),
            (
                r#"Command { "mysql" "-uapp" "-pX" }"#,
                r#"Command { "mysql" "-uapp" "-p***" }"#,
            ),
            ("mysql '-pX' -p*x -p-x", "mysql '-p***' -p*** -p***"),
            ("pw=X&u=a", "pw=***&u=a"),
            ("password\u{ff1d}X user", "password\u{ff1d}*** user"),
            ("token\u{ff1a} X", "token\u{ff1a} ***"),
            // shapes
            (
                "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl expired",
                "token *** expired",
            ),
            ("key AKIAIOSFODNN7EXAMPLE denied", "key *** denied"),
            (
                "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIB\n-----END RSA PRIVATE KEY-----",
                "-----BEGIN RSA PRIVATE KEY-----***-----END RSA PRIVATE KEY-----",
            ),
            (
                "-----BEGIN PRIVATE KEY-----\nMIIEpAIB cut off",
                "-----BEGIN PRIVATE KEY-----***",
            ),
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
            "accessToken": "t",
            "Authorization": "Basic x",
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
                "accessToken": "***",
                "Authorization": "***",
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
            "see /var/lib/app@2/x and a@b.c",
            "BYPASS=1",
            "Sup3rSecret: error",
            "P4ssword: refused",
            "load-path: x",
            "mysql -p db",
            "",
        ] {
            assert_eq!(secrets(text), text);
        }
    }

    /// Shapes that made the old passes quadratic or recursive: each is linear, iterative, and
    /// bounded to `MAX_TEXT`, however long the text.
    #[test]
    fn hostile_texts_are_redacted_in_bounded_time_and_stack() {
        for text in [
            "Bearer  ".repeat(200_000),
            "a://b ".repeat(200_000),
            "a@/".repeat(400_000),
            "password=x ".repeat(100_000),
            "{\"u\":\"http://a:b@c/d\"}".repeat(50_000),
            "x:y@tcp( ".repeat(100_000),
            "s/t@".repeat(300_000),
            "eyJ.".repeat(300_000),
        ] {
            let redacted = secrets(&text);
            assert!(
                redacted.len() <= MAX_TEXT + MAX_TEXT / 2,
                "{}",
                redacted.len()
            );
        }
        assert!(!secrets(&"a://b:c@d ".repeat(10_000)).contains(":c@"));
        // A credential cut off at the window's end does not show when an earlier redaction
        // shortens the text.
        let shortened = format!(
            "Cookie: {}\n{} mysql://app:hunter2@db",
            "a".repeat(3000),
            "x".repeat(3117)
        );
        let redacted = secrets(&shortened);
        assert!(
            !redacted.contains("hunte"),
            "{}",
            &redacted[redacted.len() - 40..]
        );
        let with_a_blank = format!("{} mysql://app:hun ter2@db", "x".repeat(WINDOW - 18));
        let redacted = read_secrets(prefix(&with_a_blank, WINDOW), true);
        assert!(
            !redacted.contains("hun"),
            "{}",
            &redacted[redacted.len() - 40..]
        );
        // A credential across the cut is redacted whole, then cut.
        let across = format!("{} mysql://app:S3CR3T@db", "x".repeat(MAX_TEXT - 16));
        let redacted = secrets(&across);
        assert!(!redacted.contains("S3C"), "{}", &redacted[MAX_TEXT - 32..]);
        assert!(redacted.len() <= MAX_TEXT);
    }

    /// Texts made of the markers the passes look for, next to characters of every width: none
    /// makes a pass panic (the panic hook redacts too, where a panic would abort the process).
    #[test]
    fn no_text_makes_it_panic() {
        let pieces = [
            "@",
            "/",
            "://",
            ":",
            "=",
            "\"",
            "'",
            "\\",
            " ",
            "\t",
            "\n",
            "\u{a0}",
            "\u{3000}",
            "\u{85}",
            "é",
            "\u{1F600}",
            "Bearer",
            "Basic",
            "password",
            "Token",
            "cookie",
            "eyJ",
            ".",
            "AKIA",
            "-----BEGIN PRIVATE KEY-----",
            "-----END",
            "@tcp(",
            "@/",
            "a",
            "Z9",
            "(",
            ",",
            "&",
            ";",
            "***",
        ];
        // xorshift64*, seeded: a failure can be replayed.
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = |n: usize| {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            (state.wrapping_mul(0x2545_f491_4f6c_dd1d) % n as u64) as usize
        };
        for _ in 0..20_000 {
            let text: String = (0..next(24)).map(|_| pieces[next(pieces.len())]).collect();
            let _ = secrets(&text);
            let _ = printable(&text);
            let mut data = serde_json::json!({ text.clone(): text });
            super::json(&mut data);
        }
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(printable("a\nb\u{1b}[31m\0é"), "a\\nb\\u{1b}[31m\\0é");
        assert_eq!(printable("plain é"), "plain é");
        assert_eq!(
            printable("a\u{202e}b\u{2028}c\u{2029}\u{2066}"),
            "a\\u{202e}b\\u{2028}c\\u{2029}\\u{2066}"
        );
    }
}
