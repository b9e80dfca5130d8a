//! The one reader of Python text that every part of Ananke shares: what
//! each byte is ([`PyLexer`]), Python's tokens ([`Tokenizer`]), and its
//! words ([`KEYWORDS`], [`is_name_byte`]).
//!
//! Domains, plugins and the decoder read the code a model writes one token
//! at a time, and each must know the same things about it: which bytes
//! are code and which are strings or comments, where a statement ends,
//! which brackets are open, where a name or a number begins. Reading that
//! in one place keeps them in agreement (a string prefix, an f-string's
//! fields, a hexadecimal literal are read one way everywhere), and it is
//! a crate of its own so that domain crates and plugins can share it
//! without depending on each other.
//!
//! Both readers are `Copy`, fixed in size and allocation-free: a mask tries
//! a token by copying the state and stepping through the token's bytes,
//! and the text may arrive in pieces of any size.
//!
//! ```
//! use ananke_pylex::{Class, PyLexer, TokenKind, tokenize};
//!
//! let mut lexer = PyLexer::default();
//! let classes: Vec<Class> = b"x = 'a#'  # c\n".iter().map(|&b| lexer.step(b)).collect();
//! assert_eq!(classes[0], Class::Name);
//! assert_eq!(classes[5], Class::String); // the `#` inside the string
//! assert_eq!(classes[10], Class::Comment);
//! assert_eq!(classes[13], Class::LineEnd { logical: true });
//!
//! let text = b"n = 0xFF if f'{os.sep}' else 1\n";
//! let kinds: Vec<TokenKind> = tokenize(text).iter().map(|t| t.kind).collect();
//! assert_eq!(kinds[2], TokenKind::Number); // `0xFF` is a number, not a name
//! assert_eq!(kinds[4], TokenKind::String); // the f-string is one token
//! ```

mod chars;
mod lexer;
mod tokens;

pub use chars::{
    CLAUSE_KEYWORDS, KEYWORDS, SOFT_KEYWORDS, Short, VALUE_KEYWORDS, is_keyword, is_name_byte,
    is_name_start, is_soft_keyword, is_string_prefix,
};
pub use lexer::{Class, PyLexer};
pub use tokens::{Token, TokenKind, Tokenizer, tokenize};
