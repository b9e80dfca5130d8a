//! How the sketch reads bytes: the lexer's classes turn into the line's
//! words, a statement's start (closing the blocks its column closes) and
//! end (logged, and opening or folding a block), and the mid-line
//! decisions (a forbidden `while`, too deep a nesting, a recursive or
//! avoided call, one decision too many). Apart from the sketch's queries:
//! this is the only code that changes a sketch.

use std::sync::Arc;

use ananke_pylex::{Class, Short, is_keyword, is_name_byte};

use super::Sketch;
use super::block::{Block, LEAVES, MAY_LEAVE, close_into};
use super::breach::Breach;
use super::line::Line;
use super::statement::{Kw, NAME, Statement};
use crate::requirements::Requirements;

/// Whether a return annotation lets a function end without a value, as
/// mypy reads it: the annotation itself (or a member of a union at its
/// top) is `None`, `Optional[...]`, `Any`, `object`, `NoReturn` or
/// `Never`. What stands inside brackets does not count (`List[Any]` must
/// be returned).
fn annotation_allows_none(annotation: &[u8]) -> bool {
    let text: Vec<u8> = annotation
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace() && !matches!(b, b'"' | b'\''))
        .collect();
    let text = text.strip_suffix(b":").unwrap_or(&text);
    top_level(text, b'|').into_iter().any(member_allows_none)
}

/// The parts of `text` between `separator`s outside brackets.
fn top_level(text: &[u8], separator: u8) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (i, &b) in text.iter().enumerate() {
        match b {
            b'[' | b'(' => depth += 1,
            b']' | b')' => depth = depth.saturating_sub(1),
            _ if b == separator && depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// One member of a union at an annotation's top (see
/// [`annotation_allows_none`]).
fn member_allows_none(member: &[u8]) -> bool {
    let (base, inner) = match member.iter().position(|&b| b == b'[') {
        Some(open) => (
            &member[..open],
            Some(
                member[open + 1..]
                    .strip_suffix(b"]")
                    .unwrap_or(&member[open + 1..]),
            ),
        ),
        None => (member, None),
    };
    let name = base.rsplit(|&b| b == b'.').next().unwrap_or(base);
    match (name, inner) {
        (b"None" | b"Any" | b"object" | b"NoReturn" | b"Never" | b"Optional", _) => true,
        (b"Union", Some(inner)) => top_level(inner, b',').into_iter().any(member_allows_none),
        (b"Annotated", Some(inner)) => top_level(inner, b',')
            .first()
            .is_some_and(|first| member_allows_none(first)),
        _ => false,
    }
}

/// Calls that do not come back: a statement that is one of them ends its
/// path as a `return` does.
const NO_RETURN_CALLS: &[&[u8]] = &[b"sys.exit", b"exit", b"quit", b"os._exit", b"os.abort"];

impl Sketch {
    /// Ends the statement being written and closes every block (the end
    /// of the output): what that breaks.
    pub(crate) fn decide_end(&self, reqs: &Requirements) -> Option<Breach> {
        match self.ended(reqs) {
            Ok(done) => done.decide_at(reqs, 0),
            Err(breach) => Some(breach),
        }
    }

    /// This sketch with the statement being written ended (as the end of
    /// the output ends it).
    pub(crate) fn ended(&self, reqs: &Requirements) -> Result<Sketch, Breach> {
        let pending = !self.line.at_start && self.line.after_semicolon.is_none();
        let mut done = self.clone();
        if pending && self.lexer.in_code() {
            done.end_word(reqs, b'\n')?;
            done.end_statement();
        }
        Ok(done)
    }

    /// Reads `bytes`; the first breach stops it.
    pub(crate) fn feed(&mut self, reqs: &Requirements, bytes: &[u8]) -> Result<(), Breach> {
        for &b in bytes {
            self.byte(reqs, b)?;
        }
        Ok(())
    }

    /// Code that runs reached `name` (a call, or a keyword statement).
    fn reach(&mut self, reqs: &Requirements, name: Short<NAME>) -> Result<(), Breach> {
        let Some(text) = name.get() else {
            return Ok(());
        };
        let required = reqs.reach.contains(text);
        if !required && !reqs.avoid.contains(text) {
            return Ok(());
        }
        // After a terminator in its block (or an enclosing one), code
        // does not run.
        let dead = self.function_blocks().any(|b| b.terminated);
        if dead {
            return Ok(());
        }
        if reqs.avoid.contains(text) {
            return Err(Breach::Avoided(String::from_utf8_lossy(text).into_owned()));
        }
        if let Some(scope) = self.reach_scope()
            && !self
                .reached
                .iter()
                .any(|(i, n)| *i == scope && n.get() == Some(text))
        {
            Arc::make_mut(&mut self.reached).push((scope, name));
        }
        Ok(())
    }

    fn byte(&mut self, reqs: &Requirements, b: u8) -> Result<(), Breach> {
        self.offset = self.offset.saturating_add(1);
        if b == b'\n' {
            self.lines = self.lines.saturating_add(1);
        }
        let was_code = self.lexer.in_code();
        let depth = self.lexer.depth();
        let class = self.lexer.step(b);
        if class == Class::Comment {
            self.line.comment_byte(b);
        }
        // Inside a string or a comment nothing counts — except the line
        // break that ends a comment (or an unterminated one-line string):
        // it ends the line like any other.
        if !was_code && !matches!(class, Class::LineEnd { .. }) {
            return Ok(());
        }
        match class {
            Class::LineEnd { logical } => {
                self.end_word(reqs, b)?;
                if logical {
                    // (A `;` that ends the line leaves no statement.)
                    if !self.line.at_start && self.line.after_semicolon.is_none() {
                        self.end_statement();
                    }
                    self.line = Line {
                        at_start: true,
                        ..Line::default()
                    };
                }
                Ok(())
            }
            Class::Blank => {
                if self.line.at_start && depth == 0 {
                    self.line.column = match b {
                        b'\t' => (self.line.column / 8 + 1) * 8,
                        b' ' => self.line.column.saturating_add(1),
                        _ => self.line.column,
                    };
                    return Ok(());
                }
                self.end_word(reqs, b)
            }
            Class::Comment if self.line.at_start => {
                if reqs.indented_comments
                    && depth == 0
                    && let Some(breach) = self.decide_comment(self.line.column)
                {
                    return Err(breach);
                }
                Ok(())
            }
            _ => {
                if self.line.at_start {
                    self.start_statement(reqs, self.line.column)?;
                } else if let Some(column) = self.line.after_semicolon.take() {
                    self.start_statement(reqs, column)?;
                }
                if self.line.call_closed && depth == 0 && b != b';' && class != Class::Comment {
                    self.line.no_return_call = false;
                    self.line.bare_call = false;
                    self.line.call_closed = false;
                }
                match class {
                    Class::Name | Class::Number | Class::Op if is_name_byte(b) => {
                        self.name_byte(b);
                        Ok(())
                    }
                    Class::Name | Class::Number | Class::Op => self.punctuation(reqs, b, depth),
                    _ => {
                        // A string or a comment: a word before it ended.
                        self.end_word(reqs, b)?;
                        if class != Class::Comment && self.line.colon {
                            self.line.inline_code = true;
                        }
                        self.line.chain.clear();
                        self.line.last = b'"';
                        Ok(())
                    }
                }
            }
        }
    }

    /// The first code byte of a statement, at `col`.
    fn start_statement(&mut self, reqs: &Requirements, col: u16) -> Result<(), Breach> {
        if let Some(breach) = self.decide_at(reqs, col) {
            return Err(breach);
        }
        let blocks = Arc::make_mut(&mut self.blocks);
        while blocks.len() > 1 {
            let top = blocks[blocks.len() - 1];
            let closes = match top.indent {
                Some(indent) => col < indent,
                None => col <= top.header_indent,
            };
            if !closes {
                break;
            }
            let mut child = blocks.pop().expect("more than one block");
            let parent = blocks.last_mut().expect("the module block stays");
            close_into(&mut child, parent);
            if child.always_returns() || child.terminated {
                self.control.add_leaving(child.header_offset);
            }
        }
        let open = blocks.len();
        if self.reached.iter().any(|(i, _)| *i >= open) {
            Arc::make_mut(&mut self.reached).retain(|(i, _)| *i < open);
        }
        let blocks = self.blocks_mut();
        let top = blocks.last_mut().expect("the module block stays");
        if top.indent.is_none() {
            top.indent = Some(col);
        }
        self.line.at_start = false;
        self.line.stmt_column = col;
        self.line.stmt_line = self.lines + 1;
        // This byte is the statement's first.
        self.line.stmt_offset = self.offset.saturating_sub(1);
        Ok(())
    }

    fn name_byte(&mut self, b: u8) {
        let line = &mut self.line;
        if line.chain_done {
            line.chain.clear();
            line.chain_done = false;
        }
        if line.chain.is_empty() {
            // An attribute, or the name a `def` defines, is no call of a
            // function by that name.
            line.chain_excluded = line.last == b'.'
                || (line.first == Kw::Def && line.first_done && line.def_name.is_empty());
            line.chain_at_start = line.code_bytes == 0;
        }
        line.chain.push(b);
        if !line.first_done {
            line.word.push(b);
        } else if line.colon && !line.inline_done {
            line.inline.push(b);
        }
        if line.arrow {
            line.annotation.push(b);
        }
        line.code_bytes = line.code_bytes.saturating_add(1);
        line.last = b;
    }

    /// A word ended at `next`.
    fn end_word(&mut self, reqs: &Requirements, next: u8) -> Result<(), Breach> {
        if !self.line.chain.is_empty() && !self.line.chain_done {
            self.line.chain_done = true;
            if let Some(word) = self.line.chain.get() {
                let decision = matches!(
                    word,
                    b"if" | b"elif" | b"for" | b"while" | b"except" | b"and" | b"or"
                ) || (word == b"case" && !self.line.first_done);
                if decision && let Some(max) = reqs.max_complexity {
                    self.decide(max)?;
                }
                let Some(word) = self.line.chain.get() else {
                    return Ok(());
                };
                if word == b"yield" {
                    self.line.yields = true;
                }
                // `if TYPE_CHECKING` (the whole condition): what it holds
                // is read by type checkers only.
                if self.line.first == Kw::If && self.line.first_done && next != b'.' {
                    self.line.cond_words = self.line.cond_words.saturating_add(1);
                    self.line.type_checking = self.line.cond_words == 1
                        && (word == b"TYPE_CHECKING" || word.ends_with(b".TYPE_CHECKING"));
                }
                if matches!(self.line.first, Kw::If | Kw::Elif)
                    && self.line.first_done
                    && matches!(
                        word,
                        b"isinstance" | b"issubclass" | b"callable" | b"is" | b"not"
                    )
                {
                    self.line.narrows = true;
                }
                if self.line.decorator && self.line.cond_words == 0 && next != b'.' {
                    self.line.cond_words = 1;
                    self.line.no_type_check =
                        word == b"no_type_check" || word.ends_with(b".no_type_check");
                }
                if self.line.first == Kw::While && self.line.first_done {
                    self.line.cond_words = self.line.cond_words.saturating_add(1);
                    self.line.while_true =
                        self.line.cond_words == 1 && (word == b"True" || word == b"1");
                }
                // `assert False` raises, as `raise` does (mypy reads the
                // code after it as unreachable); any other word makes the
                // condition something else.
                if self.line.asserts && self.line.first_done && !self.line.assert_message {
                    self.line.cond_words = self.line.cond_words.saturating_add(1);
                    self.line.no_return_call =
                        self.line.cond_words == 1 && (word == b"False" || word == b"0");
                }
                if self.line.first == Kw::Class
                    && (word == b"Protocol" || word.ends_with(b".Protocol"))
                {
                    self.line.protocol = true;
                }
                if self.line.first == Kw::Case && word == b"_" {
                    self.line.wildcard = true;
                }
                if self.line.first == Kw::Def
                    && self.line.first_done
                    && self.line.def_name.is_empty()
                {
                    self.line.def_name = self.line.chain;
                }
            }
        }
        if !self.line.first_done && !self.line.word.is_empty() && !is_name_byte(next) {
            self.line.first_done = true;
            let kw = self.line.word.get().map_or(Kw::Other, Kw::of);
            self.line.asserts = self.line.word.get() == Some(&b"assert"[..]);
            self.line.first = kw;
            self.first_word(reqs, kw)?;
        }
        if self.line.colon && !self.line.inline_done && !self.line.inline.is_empty() {
            self.line.inline_done = true;
            self.line.inline_first = self.line.inline.get().map_or(Kw::Other, Kw::of);
        }
        Ok(())
    }

    /// One more decision point in the innermost function, within `max`.
    fn decide(&mut self, max: u16) -> Result<(), Breach> {
        let Some(function) = self
            .blocks_mut()
            .iter_mut()
            .rev()
            .find(|b| b.header == Kw::Def)
        else {
            return Ok(());
        };
        function.decisions = function.decisions.saturating_add(1);
        if function.decisions.saturating_add(1) > max {
            let name = function
                .name
                .get()
                .map(|n| String::from_utf8_lossy(n).into_owned())
                .unwrap_or_default();
            return Err(Breach::Complexity(max, name));
        }
        Ok(())
    }

    /// A statement's first word is known.
    fn first_word(&mut self, reqs: &Requirements, kw: Kw) -> Result<(), Breach> {
        if let Some(word) = self.line.word.get()
            && is_keyword(word)
        {
            let mut name = Short::default();
            word.iter().for_each(|&b| name.push(b));
            self.reach(reqs, name)?;
        }
        // A statement that does not continue the pending chain ends it.
        let top = self.top();
        if let Some(chain) = top.chain
            && !chain.continued_by(kw)
        {
            self.blocks_mut()
                .last_mut()
                .expect("the module block stays")
                .end_chain();
        }
        if self.unreachable() {
            self.control.add_unreachable(self.line.stmt_offset);
        }
        if reqs.no_while && kw == Kw::While {
            return Err(Breach::While);
        }
        if kw.nests() {
            let (depth, loops) = self.nesting();
            if let Some(max) = reqs.max_nesting
                && depth + 1 > usize::from(max)
                && kw != Kw::Def
            {
                return Err(Breach::Nesting(max));
            }
            if let Some(max) = reqs.max_loop_nesting
                && kw.is_loop()
                && loops + 1 > usize::from(max)
            {
                return Err(Breach::LoopNesting(max));
            }
        }
        Ok(())
    }

    fn punctuation(&mut self, reqs: &Requirements, b: u8, depth: u32) -> Result<(), Breach> {
        self.end_word(reqs, b)?;
        let line = &mut self.line;
        match b {
            b'.' if !line.chain.is_empty() => {
                line.chain.push(b);
                line.chain_done = false;
                line.last = b;
                // `-> t.Any` (typing imported as `t`).
                if line.arrow {
                    line.annotation.push(b);
                }
                return Ok(());
            }
            b'(' => {
                if !line.chain_excluded && !line.chain.is_empty() {
                    let chain = line.chain;
                    self.reach(reqs, chain)?;
                }
                let line = &mut self.line;
                if let Some(chain) = line.chain.get().filter(|_| !line.chain_excluded) {
                    if line.chain_at_start && NO_RETURN_CALLS.contains(&chain) {
                        line.no_return_call = true;
                    } else if line.chain_at_start && !chain.is_empty() {
                        line.bare_call = true;
                    }
                    if reqs.no_recursion
                        && let Some(function) =
                            self.blocks.iter().rev().find(|b| b.header == Kw::Def)
                        && function.name.get() == Some(chain)
                    {
                        return Err(Breach::Recursion(
                            String::from_utf8_lossy(chain).into_owned(),
                        ));
                    }
                }
            }
            b')' if depth == 1 && (line.no_return_call || line.bare_call) => {
                line.call_closed = true
            }
            b',' if depth == 0 && line.asserts => line.assert_message = true,
            b'>' if line.last == b'-' && depth == 0 && line.first == Kw::Def => line.arrow = true,
            b':' if depth == 0 && line.first != Kw::Other && !line.colon => {
                line.colon = true;
                line.arrow = false;
            }
            b';' if depth == 0 => {
                // The statement ends here; another may follow on the line.
                let column = line.stmt_column;
                self.end_statement();
                self.line = Line {
                    stmt_column: column,
                    after_semicolon: Some(column),
                    last: b';',
                    ..Line::default()
                };
                return Ok(());
            }
            _ => {}
        }
        let line = &mut self.line;
        if line.first == Kw::While && b != b':' {
            line.while_true = false;
        }
        if line.first == Kw::If && b != b':' {
            line.type_checking = false;
        }
        if b == b'.' {
            line.dots = line.dots.saturating_add(1);
        }
        if b == b'@' && line.code_bytes == 0 {
            line.decorator = true;
        }
        if line.colon && b != b':' {
            line.inline_code = true;
        }
        if line.arrow && !matches!(b, b'>' | b'-') {
            line.annotation.push(b);
        }
        line.code_bytes = line.code_bytes.saturating_add(1);
        line.chain.clear();
        line.chain_done = false;
        line.last = b;
        Ok(())
    }

    /// A statement ended (its logical line, or a `;`).
    fn end_statement(&mut self) {
        let line = self.line;
        let col = line.stmt_column;
        let compound = line.first.nests()
            || matches!(
                line.first,
                Kw::Elif | Kw::Else | Kw::Except | Kw::Finally | Kw::Case
            );
        let inline = (compound && line.colon)
            .then_some(line.inline_first)
            .filter(|_| {
                line.inline_first != Kw::Other || !line.inline.is_empty() || line.inline_code
            });
        let statement = Statement {
            kw: line.first,
            column: col,
            line: line.stmt_line,
            opens: compound && line.colon && inline.is_none(),
            inline,
            while_true: line.while_true,
            wildcard: line.wildcard,
            no_return_call: line.no_return_call,
            yields: line.yields,
            name: line.def_name,
        };
        self.log.push_back(statement);
        let decorated = std::mem::replace(&mut self.decorated, line.decorator);
        let no_type_check = self.no_type_check;
        self.no_type_check = line.decorator && (no_type_check || line.no_type_check);
        let blocks = self.blocks_mut();
        if let Some(top) = blocks.last_mut()
            && top.header == Kw::Def
            && top.indent == Some(col)
            && !line.is_trivial()
        {
            top.trivial = false;
        }
        if line.yields
            && let Some(function) = blocks.iter_mut().rev().find(|b| b.header == Kw::Def)
        {
            function.generator = true;
        }
        let kw = line.first;
        let top_index = blocks.len() - 1;
        // A simple statement ends the chain before it (no `elif` or
        // `except` can follow), and says how its paths end.
        let header = compound && line.colon;
        if !header {
            blocks[top_index].end_chain();
        }
        match kw {
            Kw::Return | Kw::Raise => {
                let top = &mut blocks[top_index];
                top.absorb(LEAVES);
                top.terminated = true;
                // A `while True` is left by it (up to the function).
                for b in blocks.iter_mut().rev() {
                    if b.header == Kw::Def {
                        break;
                    }
                    b.exits = true;
                }
            }
            Kw::Break | Kw::Continue => {
                blocks[top_index].absorb(0);
                blocks[top_index].terminated = true;
                if kw == Kw::Break
                    && let Some(target) = blocks.iter_mut().rev().find(|b| b.header.is_loop())
                {
                    target.has_break = true;
                }
            }
            _ if line.no_return_call => blocks[top_index].absorb(LEAVES),
            // A call that may not come back (`parser.error(...)`, a
            // helper declared `NoReturn`): only types can tell.
            _ if line.bare_call => blocks[top_index].absorb(MAY_LEAVE),
            _ if !header => blocks[top_index].absorb(0),
            _ => {}
        }
        if !header {
            return;
        }
        if line.inline_first != Kw::Other || !line.inline.is_empty() {
            // A one-line body: folded at once.
            let returns = if matches!(line.inline_first, Kw::Return | Kw::Raise) {
                LEAVES
            } else {
                0
            };
            blocks[top_index].fold(kw, returns, line.narrows);
            return;
        }
        let mut block = Block::new(kw, col);
        block.header_offset = line.stmt_offset;
        block.while_true = line.while_true;
        block.type_checking = kw == Kw::If && line.type_checking;
        block.narrows = line.narrows;
        block.protocol = line.protocol;
        if kw == Kw::Def {
            block.stub_allowed = decorated
                || blocks
                    .last()
                    .is_some_and(|b| b.header == Kw::Class && b.protocol);
            block.name = line.def_name;
            let annotated = line.annotation.get().is_some_and(|a| !a.is_empty());
            // mypy reports no missing return where a `# type: ignore` on
            // the header silences it (`def __new__(cls) -> A: ...  #
            // type: ignore`), under `@no_type_check`, or for a function
            // defined under `if TYPE_CHECKING:` (`def __getattr__(self,
            // name: str) -> Hook: ...`).
            block.must_return = annotated
                && !line.annotation.get().is_some_and(annotation_allows_none)
                && !line.type_ignored()
                && !no_type_check
                && !blocks.iter().any(|b| b.type_checking);
        }
        blocks.push(block);
    }
}

#[cfg(test)]
mod tests {
    use super::annotation_allows_none;

    #[test]
    fn only_the_annotations_top_decides_whether_none_fits() {
        for allows in [
            "None",
            "Optional[int]",
            "typing.Optional[List[int]]",
            "Any",
            "typing.Any",
            "object",
            "NoReturn",
            "int | None",
            "None|str",
            "Union[int, None]",
            "Union[Any, int]",
            "'Optional[int]'",
            "Annotated[Optional[int], 1]",
            " Optional[int]:",
        ] {
            assert!(annotation_allows_none(allows.as_bytes()), "{allows}");
        }
        for must_return in [
            "int",
            "List[Any]",
            "Dict[str, Optional[int]]",
            "tuple[int, Any]",
            "str | int",
            "Union[int, List[None]]",
            "list[int]:",
            "typing.List[Any]",
            "Callable[..., Any]",
            "Point",
        ] {
            assert!(
                !annotation_allows_none(must_return.as_bytes()),
                "{must_return}"
            );
        }
    }
}
