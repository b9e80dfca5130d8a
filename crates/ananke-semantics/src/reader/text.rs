//! What the reader takes from a logical line's text before parsing it:
//! its indentation and whether it starts with a given word. Apart from the
//! reader and the statement reading, which both ask.

use ananke_pylex::is_name_byte;

/// The column of `line`'s first code byte (a tab goes to the next
/// multiple of 8, a form feed back to 0).
pub(super) fn indent_of(line: &[u8]) -> u32 {
    let mut col = 0;
    for &b in line {
        match b {
            b' ' => col += 1,
            b'\t' => col = (col / 8 + 1) * 8,
            b'\x0c' => col = 0,
            _ => break,
        }
    }
    col
}

/// Whether `text` starts with the word `word` (not with a longer name).
pub(super) fn starts_with_word(text: &str, word: &str) -> bool {
    text.strip_prefix(word)
        .is_some_and(|rest| !rest.bytes().next().is_some_and(is_name_byte))
}
