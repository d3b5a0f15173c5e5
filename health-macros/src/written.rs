//! A type as the user wrote it, for messages: `sqlx::SqlitePool`, `HashMap<u8, Vec<&'static str>>`.
//! Tokens print with a space between each (`sqlx :: SqlitePool`), and `stringify!` in generated
//! code does the same, so they are joined here the way rustfmt would write them.

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use quote::ToTokens;

/// `ty` on one line, spaced as people write types.
pub(crate) fn written(ty: &impl ToTokens) -> String {
    let mut out = String::new();
    write(ty.to_token_stream(), &mut out);
    out
}

fn write(tokens: TokenStream, out: &mut String) {
    // Words (identifiers, literals) next to each other need a space: `dyn Error`, `'a str`.
    let mut after_word = false;
    let mut after_joint_minus = false;
    for token in tokens {
        match token {
            TokenTree::Ident(ident) => {
                if after_word {
                    out.push(' ');
                }
                out.push_str(&ident.to_string());
                after_word = true;
            }
            TokenTree::Literal(literal) => {
                if after_word {
                    out.push(' ');
                }
                out.push_str(&literal.to_string());
                after_word = true;
            }
            TokenTree::Punct(punct) => {
                match punct.as_char() {
                    ',' | ';' => {
                        out.push(punct.as_char());
                        out.push(' ');
                    }
                    '+' | '=' => {
                        out.push(' ');
                        out.push(punct.as_char());
                        out.push(' ');
                    }
                    '-' if punct.spacing() == Spacing::Joint => out.push_str(" -"),
                    '>' if after_joint_minus => out.push_str("> "),
                    c => out.push(c),
                }
                after_joint_minus = punct.as_char() == '-' && punct.spacing() == Spacing::Joint;
                after_word = false;
            }
            TokenTree::Group(group) => {
                if after_word && group.delimiter() == Delimiter::Parenthesis {
                    // `fn(u8)`, `Fn(u8)`: no space before the arguments.
                } else if after_word {
                    out.push(' ');
                }
                let (open, close) = match group.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::Brace => ("{", "}"),
                    Delimiter::None => ("", ""),
                };
                out.push_str(open);
                write(group.stream(), out);
                out.push_str(close);
                after_word = group.delimiter() == Delimiter::None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::written;

    #[test]
    fn types_read_as_written() {
        for text in [
            "SqlitePool",
            "sqlx::SqlitePool",
            "::sqlx::Pool<sqlx::Sqlite>",
            "HashMap<u8, Vec<&'static str>>",
            "[u8; 4]",
            "(u8, String)",
            "Box<dyn Fn(u8) -> u8 + Send>",
            "&'a mut T",
            "Mutex<Vec<u8>>",
        ] {
            let ty: syn::Type = syn::parse_str(text).unwrap();
            assert_eq!(written(&ty), text);
        }
    }
}
