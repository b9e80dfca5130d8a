//! [`Trail`]: the reply as decoded so far — its bytes and tokens, where its
//! lines start, which tokens a backtrack banned where, and the line
//! starts where the constraints accepted the code — and the cuts back to
//! one of those places. Apart from the decoder: the bookkeeping every
//! going back (a runaway, a finish, a rescue) shares.

use ananke_pylex::{Class, PyLexer};

use super::forced::CLOSE_FENCE;
use super::runaway::runaway;

/// The reply as decoded so far, and the places it may go back to.
pub(super) struct Trail {
    /// The forced start, then the bytes of `kept`.
    pub(super) reply: Vec<u8>,
    /// Where the function body starts in `reply`.
    pub(super) body_start: usize,
    /// The chosen (and finishing) tokens still in the reply.
    pub(super) kept: Vec<u32>,
    /// Where lines start: (tokens kept, reply length).
    pub(super) marks: Vec<(usize, usize)>,
    /// Tokens banned at a position by a backtrack.
    pub(super) banned: Vec<(usize, u32)>,
    /// Line starts where the constraints accepted the code: where a reply
    /// that runs out of budget is closed.
    pub(super) accepting: Vec<(usize, usize)>,
}

impl Trail {
    /// A trail after the forced start `reply`, whose body starts at
    /// `body_start`.
    pub(super) fn new(reply: Vec<u8>, body_start: usize) -> Trail {
        Trail {
            reply,
            body_start,
            kept: Vec::new(),
            marks: vec![(0, body_start)],
            banned: Vec::new(),
            accepting: Vec::new(),
        }
    }

    /// The current position: (tokens kept, reply length).
    pub(super) fn here(&self) -> (usize, usize) {
        (self.kept.len(), self.reply.len())
    }

    /// The indentation written so far when the reply (up to `at`) stands
    /// at the start of a line, before anything but white space.
    pub(super) fn indentation(&self, at: usize) -> Option<&[u8]> {
        let text = &self.reply[self.body_start..at];
        let line = &text[text.iter().rposition(|&b| b == b'\n')? + 1..];
        line.iter()
            .all(|&b| b == b' ' || b == b'\t')
            .then_some(line)
    }

    /// The mark to go back to when the line being written runs away.
    pub(super) fn runaway(&self, token: &[u8]) -> Option<(usize, usize)> {
        let body = &self.reply[self.body_start..];
        runaway(body, token, &self.kept, &self.marks, self.body_start).map(|i| self.marks[i])
    }

    /// Back to `tokens` kept tokens (`at` bytes of reply): what was
    /// learnt past that point is forgotten.
    pub(super) fn cut(&mut self, tokens: usize, at: usize) {
        self.kept.truncate(tokens);
        self.reply.truncate(at);
        self.marks.retain(|&(t, _)| t <= tokens);
        if self.marks.last().is_none_or(|&(t, _)| t < tokens) && self.indentation(at).is_some() {
            self.marks.push((tokens, at));
        }
        self.accepting.retain(|&(t, _)| t <= tokens);
        self.banned.retain(|&(t, _)| t <= tokens);
    }

    /// The line starts where a statement may start, latest first (the
    /// current position too, when it is one): (tokens kept, reply length,
    /// indentation written there).
    pub(super) fn statement_starts(&self) -> Vec<(usize, usize, String)> {
        let mut marks = self.marks.clone();
        if self.indentation(self.reply.len()).is_some() && marks.last() != Some(&self.here()) {
            marks.push(self.here());
        }
        marks
            .into_iter()
            .rev()
            .filter_map(|(tokens, at)| {
                let written = self.indentation(at)?;
                let statement = lex(&self.reply[self.body_start..at]).1;
                statement.then(|| (tokens, at, String::from_utf8_lossy(written).into_owned()))
            })
            .collect()
    }

    /// Ends the reply's code block at the current line start.
    pub(super) fn close(&mut self) {
        while self.reply.last().is_some_and(|&b| b == b' ' || b == b'\t') {
            self.reply.pop();
        }
        self.reply.extend_from_slice(CLOSE_FENCE.as_bytes());
    }
}

/// Reads a function body so far: the lexer's state at its end, and
/// whether a statement may start there (after a line break that ends a
/// statement, and blanks, outside brackets, strings and comments).
pub(super) fn lex(body: &[u8]) -> (PyLexer, bool) {
    let mut lexer = PyLexer::default();
    let mut logical = false;
    for &b in body {
        match lexer.step(b) {
            Class::LineEnd { logical: ends } => logical = ends,
            Class::Blank => {}
            _ => logical = false,
        }
    }
    (lexer, logical && lexer.in_code() && lexer.depth() == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finishing_reads_the_body_so_far_with_strings_and_brackets() {
        assert!(!lex(b"    x = 1\n    '''\n    a\n").1);
        assert!(lex(b"    \"\"\"a\"\"\"\n    x = 1\n    ").1);
        assert!(!lex(b"    x = [\n    ").1);
        assert!(!lex(b"    x = 1 + \\\n    ").1);
        assert!(!lex(b"    x = 1  # a").1);
        assert!(lex(b"    x = [1,\n    2]\n").1);
    }

    #[test]
    fn a_trail_cuts_back_and_closes_at_line_starts() {
        let mut trail = Trail::new(b"```python\ndef f():".to_vec(), 18);
        assert_eq!(trail.indentation(18), None);
        for (token, bytes) in [
            (1, &b"\n    "[..]),
            (2, b"x = ("),
            (3, b"\n        "),
            (4, b"1"),
        ] {
            trail.kept.push(token);
            trail.reply.extend_from_slice(bytes);
            if bytes.contains(&b'\n') {
                let here = trail.here();
                trail.marks.push(here);
            }
        }
        assert_eq!(trail.indentation(23), Some(&b"    "[..]));
        assert_eq!(trail.indentation(trail.reply.len()), None);
        trail.banned.push((3, 4));
        trail.accepting.push((3, 37));
        trail.cut(1, 23);
        assert_eq!(trail.reply, b"```python\ndef f():\n    ");
        assert_eq!(trail.marks, [(0, 18), (1, 23)]);
        assert!(trail.banned.is_empty() && trail.accepting.is_empty());
        trail.close();
        assert_eq!(trail.reply, b"```python\ndef f():\n```");
    }
}
