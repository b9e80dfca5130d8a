//! [`Block`]: what the sketch knows of one open block (a function body, a
//! branch, a loop), the pending `if`/`try`/`match` [`Chain`] at its level,
//! and how a closed block folds into its parent. Apart from the reader:
//! this is the bookkeeping of the block stack — whether the code can fall
//! through — whatever text closed the block.

use ananke_pylex::Short;

use super::breach::Breach;
use super::statement::{Kw, NAME};
use crate::requirements::Requirements;

/// How the paths through some code end, as two bits read in parallel
/// (every fold below is the same `&`/`|` for both): [`RETURNS`] when every
/// path returns (or raises, or calls what never comes back), [`MAY_LEAVE`]
/// when every path returns or ends in a call, which may not come back (a
/// helper declared `NoReturn`, which only the types domain can tell).
pub(super) type Ends = u8;

/// Every path returns.
pub(super) const RETURNS: Ends = 1;

/// Every path returns or ends in a call.
pub(super) const MAY_LEAVE: Ends = 2;

/// Both: a `return`.
pub(super) const LEAVES: Ends = RETURNS | MAY_LEAVE;

/// A pending `if`/`try`/`match` chain at one block's level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Chain {
    /// How the `if`/`elif` branches so far end; whether `else` was seen;
    /// whether a test may narrow (see [`Block::narrows`]).
    If {
        all_return: Ends,
        has_else: bool,
        narrows: bool,
    },
    /// How the `try` body (or its `else`) ends; every `except`;
    /// `finally`.
    Try {
        main: Ends,
        handlers: Ends,
        finally: Ends,
    },
    /// How every `case` ends.
    Match { all_return: Ends },
    /// A `for` or `while` loop just closed, which an `else` may follow;
    /// whether a `break` leaves it (then its `else` may be skipped).
    Loop { breaks: bool },
}

impl Chain {
    /// How every path through the chain ends.
    fn returns(self) -> Ends {
        match self {
            // Without an `else`, the tests may still cover every value
            // of what they narrow (`isinstance` over each member of a
            // union, `is` against each member of an enumeration), which
            // only types can tell: every branch returning leaves the
            // path past them to the types domain, as a call does.
            Chain::If {
                all_return,
                has_else,
                narrows,
            } => {
                all_return
                    & if has_else {
                        LEAVES
                    } else if narrows {
                        MAY_LEAVE
                    } else {
                        0
                    }
            }
            Chain::Try {
                main,
                handlers,
                finally,
            } => (main & handlers) | finally,
            // Without a `case _`, the cases may still be exhaustive for
            // the subject's type (`case int(): ... case str(): ...` on an
            // `int | str`), which only types can tell: leaning to
            // silence, every case returning counts, as the types
            // domain's flow does.
            Chain::Match { all_return } => all_return,
            // The loop alone may fall through; its `else` decides.
            Chain::Loop { .. } => 0,
        }
    }

    /// Whether a statement starting with `kw` continues this chain.
    pub(super) fn continued_by(self, kw: Kw) -> bool {
        match self {
            Chain::If { .. } => matches!(kw, Kw::Elif | Kw::Else),
            Chain::Try { .. } => matches!(kw, Kw::Except | Kw::Else | Kw::Finally),
            Chain::Match { .. } => kw == Kw::Case,
            Chain::Loop { .. } => kw == Kw::Else,
        }
    }
}

/// One open block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Block {
    pub(super) header: Kw,
    pub(super) header_indent: u16,
    /// Offset of the header's first byte in the output.
    pub(super) header_offset: u32,
    /// The column of the body's statements, once the first is read.
    pub(super) indent: Option<u16>,
    /// How its statements so far end the paths through it (see
    /// [`Ends`]): [`RETURNS`] once the code cannot fall through.
    pub(super) returns: Ends,
    /// A return, raise, break or continue stands directly in it.
    pub(super) terminated: bool,
    /// A `break` leaves this loop.
    pub(super) has_break: bool,
    /// `while True:` (or `while 1:`).
    pub(super) while_true: bool,
    /// `if TYPE_CHECKING:`: its body is read by type checkers only.
    pub(super) type_checking: bool,
    /// An `if`/`elif` whose test may narrow a value to nothing where it
    /// fails (`isinstance`, `issubclass`, `callable`, `is`, `not`: `not
    /// self.sock` with `self.sock` only ever `None`).
    pub(super) narrows: bool,
    /// A return or raise somewhere inside (a `while True` it leaves).
    pub(super) exits: bool,
    /// For a function body: it must return a value.
    pub(super) must_return: bool,
    /// For a function body: a `yield` was read (a generator).
    pub(super) generator: bool,
    /// For a function body: it may be a stub (a protocol's method, or a
    /// decorated function: abstract methods, overloads), whose
    /// body of only a docstring, `...` or `pass` need not return (mypy
    /// allows it).
    pub(super) stub_allowed: bool,
    /// For a class body: the class is a protocol.
    pub(super) protocol: bool,
    /// For a function body: every statement read so far is a docstring,
    /// `...` or `pass`.
    pub(super) trivial: bool,
    /// For a function body: its name.
    pub(super) name: Short<NAME>,
    /// For a function body: decision points so far.
    pub(super) decisions: u16,
    pub(super) chain: Option<Chain>,
}

impl Block {
    /// A block opened by a header `header` at column `header_indent`.
    pub(super) fn new(header: Kw, header_indent: u16) -> Block {
        Block {
            header,
            header_indent,
            header_offset: 0,
            indent: None,
            returns: 0,
            terminated: false,
            has_break: false,
            while_true: false,
            type_checking: false,
            narrows: false,
            exits: false,
            must_return: false,
            generator: false,
            stub_allowed: false,
            protocol: false,
            trivial: true,
            name: Short::default(),
            decisions: 0,
            chain: None,
        }
    }

    /// The module: the block that stays open.
    pub(super) fn module() -> Block {
        Block {
            indent: Some(0),
            ..Block::new(Kw::Other, 0)
        }
    }

    /// Ends the pending chain: the code after it is reached unless every
    /// path through it returns.
    pub(super) fn end_chain(&mut self) {
        if let Some(chain) = self.chain.take() {
            self.absorb(chain.returns());
        }
    }

    /// A statement of this block ended whose paths end as `ends`: once
    /// every path returned, the rest is dead; otherwise whether every path
    /// ends in a call is the last statement's to say.
    pub(super) fn absorb(&mut self, ends: Ends) {
        self.returns = if self.returns & RETURNS != 0 {
            LEAVES
        } else {
            ends
        };
    }

    /// Every path returns (a call at the end of one aside).
    pub(super) fn always_returns(&self) -> bool {
        self.returns & RETURNS != 0
    }

    /// Folds a finished branch or compound statement whose header is
    /// `kw` and whose body `returns` into this (its parent) block; an
    /// `if`/`elif` whose test `narrows` (see [`Block::narrows`]).
    pub(super) fn fold(&mut self, kw: Kw, returns: Ends, narrows: bool) {
        // Statements that start a chain (or stand alone) first.
        match kw {
            Kw::If | Kw::Try => {
                self.end_chain();
                self.chain = Some(if kw == Kw::If {
                    Chain::If {
                        all_return: returns,
                        has_else: false,
                        narrows,
                    }
                } else {
                    Chain::Try {
                        main: returns,
                        handlers: LEAVES,
                        finally: 0,
                    }
                });
                return;
            }
            Kw::With | Kw::Match => {
                self.end_chain();
                self.absorb(returns);
                return;
            }
            _ => {}
        }
        // Branches that continue the pending chain.
        match (kw, &mut self.chain) {
            (
                Kw::Elif,
                Some(Chain::If {
                    all_return,
                    narrows: any,
                    ..
                }),
            ) => {
                *all_return &= returns;
                *any |= narrows;
            }
            (
                Kw::Else,
                Some(Chain::If {
                    all_return,
                    has_else,
                    ..
                }),
            ) => {
                *all_return &= returns;
                *has_else = true;
            }
            (Kw::Except, Some(Chain::Try { handlers, .. })) => *handlers &= returns,
            (Kw::Else, Some(Chain::Try { main, .. })) => *main |= returns,
            // A loop's `else` runs whenever no `break` left the loop, so
            // the loop returns when the `else` does (mypy agrees).
            (Kw::Else, Some(Chain::Loop { breaks })) => {
                let breaks = *breaks;
                self.chain = None;
                self.absorb(if breaks { 0 } else { returns });
            }
            (Kw::Finally, Some(Chain::Try { finally, .. })) => *finally = returns,
            (Kw::Case, Some(Chain::Match { all_return })) => *all_return &= returns,
            (Kw::Case, _) => {
                self.chain = Some(Chain::Match {
                    all_return: returns,
                });
            }
            // `while True` never falls through unless a break leaves it;
            // for / while loops and their `else`s otherwise give nothing.
            _ => self.end_chain(),
        }
    }
}

/// What closing `block` breaks.
pub(super) fn closing_breach(reqs: &Requirements, block: &Block) -> Option<Breach> {
    let mut closed = *block;
    closed.end_chain();
    if block.header == Kw::Def
        && !block.generator
        && !(block.stub_allowed && block.trivial)
        && (block.must_return && reqs.returns_if_typed || reqs.must_return)
        // A path ending in a call is left to the types domain, which
        // knows whether the callee comes back.
        && closed.returns & MAY_LEAVE == 0
    {
        let name = block
            .name
            .get()
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_default();
        return Some(Breach::MissingReturn(name));
    }
    if reqs.terminating_loops && block.while_true && !block.has_break && !block.exits {
        return Some(Breach::EndlessLoop);
    }
    None
}

/// Closes `child` into `parent`.
pub(super) fn close_into(child: &mut Block, parent: &mut Block) {
    child.end_chain();
    let returns = match child.header {
        Kw::Def | Kw::Class => 0,
        Kw::While if child.while_true && !child.has_break => LEAVES,
        Kw::While if child.while_true => 0,
        _ => child.returns,
    };
    if child.exits && child.header != Kw::Def {
        parent.exits = true;
    }
    match child.header {
        Kw::Def | Kw::Class => {
            parent.end_chain();
            parent.absorb(0);
        }
        Kw::While if child.while_true => {
            parent.end_chain();
            parent.absorb(returns);
        }
        Kw::For | Kw::While => {
            parent.end_chain();
            parent.chain = Some(Chain::Loop {
                breaks: child.has_break,
            });
        }
        kw => parent.fold(kw, returns, child.narrows),
    }
}
