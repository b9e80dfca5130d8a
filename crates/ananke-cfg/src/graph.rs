//! The control-flow graph of each function read so far, as a petgraph
//! graph built on demand from the statements the sketch logged.
//!
//! The sketch decides its rules on a stack of open blocks, folding each
//! block into its parent as it closes; the graph keeps everything: one node
//! per statement, the function's entry, its exits (`return`, `raise` —
//! and calls such as `sys.exit` — and falling off the end), and, while the
//! function is still being written, a hole where the code goes on. Edges
//! say how control moves: to the next statement, into a branch or past it,
//! back to a loop's header, out of a loop, into an exception handler.
//!
//! Its questions are answered on the graph itself (reachability, cyclomatic
//! complexity), independently of the sketch's folding; tests hold the two
//! to the same answers.

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::Dfs;

use crate::sketch::{Kw, Statement};

/// A node of a function's graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    /// Where the function starts.
    Entry,
    /// A statement: its line, and its first keyword (`""` for another
    /// statement).
    Statement {
        /// The line it starts on (from 1).
        line: u32,
        /// Its first keyword, or `""`.
        keyword: &'static str,
    },
    /// `return`.
    Return,
    /// `raise`, or a call that does not come back (`sys.exit`).
    Raise,
    /// The end of the body, reached by falling through.
    FallOff,
    /// Where the body is still being written.
    Hole,
}

/// How control moves along an edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edge {
    /// To the next statement.
    Next,
    /// Into a branch or a loop's body.
    Taken,
    /// Past a branch, or out of a loop whose test failed.
    NotTaken,
    /// Back to a loop's header (the end of its body, `continue`).
    Back,
    /// Out of a loop by `break`.
    Break,
    /// Into an exception handler.
    Exception,
    /// To an exit.
    Exit,
}

/// One function's control-flow graph.
#[derive(Clone, Debug)]
pub struct FunctionGraph {
    /// The function's name.
    pub name: String,
    /// Nodes and edges.
    pub graph: DiGraph<Node, Edge>,
    /// Its entry.
    pub entry: NodeIndex,
    /// Its `return` exit.
    pub returns: NodeIndex,
    /// Its `raise` exit.
    pub raises: NodeIndex,
    /// The end of the body, reached by falling through.
    pub fall_off: NodeIndex,
    /// Where the body goes on, while it is being written.
    pub hole: Option<NodeIndex>,
    /// It yields (a generator: falling off its end is fine).
    pub generator: bool,
}

impl FunctionGraph {
    /// Whether `to` can be reached from the entry.
    pub fn reaches(&self, to: NodeIndex) -> bool {
        let mut dfs = Dfs::new(&self.graph, self.entry);
        while let Some(n) = dfs.next(&self.graph) {
            if n == to {
                return true;
            }
        }
        false
    }

    /// Whether some path falls off the end of the body (a missing
    /// return, for a function that must return a value).
    pub fn falls_off(&self) -> bool {
        self.reaches(self.fall_off)
    }

    /// The lines of statements no path reaches (dead code).
    pub fn unreachable_lines(&self) -> Vec<u32> {
        let mut seen = vec![false; self.graph.node_count()];
        let mut dfs = Dfs::new(&self.graph, self.entry);
        while let Some(n) = dfs.next(&self.graph) {
            seen[n.index()] = true;
        }
        self.graph
            .node_indices()
            .filter(|n| !seen[n.index()])
            .filter_map(|n| match self.graph[n] {
                Node::Statement { line, .. } => Some(line),
                _ => None,
            })
            .collect()
    }

    /// McCabe's cyclomatic complexity at statement granularity: one, plus
    /// one for each way out of a statement beyond the first (a branch, a
    /// loop's test, each exception handler). Boolean operators inside a
    /// condition are not counted here (the `max_complexity` requirement
    /// counts them).
    pub fn cyclomatic_complexity(&self) -> usize {
        1 + self
            .graph
            .node_indices()
            .filter(|&n| matches!(self.graph[n], Node::Statement { .. }))
            .map(|n| {
                self.graph
                    .edges_directed(n, Direction::Outgoing)
                    .count()
                    .saturating_sub(1)
            })
            .sum::<usize>()
    }

    /// The graph in Graphviz's dot language.
    pub fn to_dot(&self) -> String {
        format!("{:?}", petgraph::dot::Dot::new(&self.graph))
    }
}

fn keyword(kw: Kw) -> &'static str {
    match kw {
        Kw::If => "if",
        Kw::Elif => "elif",
        Kw::Else => "else",
        Kw::For => "for",
        Kw::While => "while",
        Kw::Try => "try",
        Kw::Except => "except",
        Kw::Finally => "finally",
        Kw::With => "with",
        Kw::Def => "def",
        Kw::Class => "class",
        Kw::Match => "match",
        Kw::Case => "case",
        Kw::Return => "return",
        Kw::Raise => "raise",
        Kw::Break => "break",
        Kw::Continue => "continue",
        Kw::Other => "",
    }
}

/// Loose ends: the nodes control leaves from, and how.
type Ends = Vec<(NodeIndex, Edge)>;

/// The loop a statement is in: its header, and the `break`s out of it.
struct Loop {
    header: NodeIndex,
    breaks: Ends,
}

struct Builder<'a> {
    log: &'a [Statement],
    /// The next statement to read.
    at: usize,
    g: FunctionGraph,
}

impl Builder<'_> {
    fn node(&mut self, s: &Statement) -> NodeIndex {
        self.g.graph.add_node(Node::Statement {
            line: s.line,
            keyword: keyword(s.kw),
        })
    }

    fn join(&mut self, from: &Ends, to: NodeIndex) {
        for &(n, e) in from {
            self.g.graph.add_edge(n, to, e);
        }
    }

    /// Whether the next statement continues the block at `column`.
    fn next_at(&self, column: u16) -> Option<Statement> {
        self.log
            .get(self.at)
            .copied()
            .filter(|s| s.column == column)
    }

    /// The body of the header `header` (read before), entered by `into`:
    /// its statements on the lines after (deeper than the header), or the
    /// header's one-line body.
    fn body(&mut self, header: &Statement, into: Ends, loops: &mut Vec<Loop>) -> Ends {
        if let Some(kw) = header.inline {
            let inline = Statement {
                kw,
                inline: None,
                opens: false,
                ..*header
            };
            let n = self.node(&inline);
            self.join(&into, n);
            return self.simple(&inline, n, loops);
        }
        match self.log.get(self.at) {
            Some(first) if first.column > header.column && header.opens => {
                let column = first.column;
                self.block(column, into, loops)
            }
            // No body yet (the header is the last statement read).
            _ => into,
        }
    }

    /// Where control goes after the simple statement `s` (node `n`).
    fn simple(&mut self, s: &Statement, n: NodeIndex, loops: &mut [Loop]) -> Ends {
        match s.kw {
            Kw::Return => {
                self.g.graph.add_edge(n, self.g.returns, Edge::Exit);
                Vec::new()
            }
            Kw::Raise => {
                self.g.graph.add_edge(n, self.g.raises, Edge::Exit);
                Vec::new()
            }
            Kw::Break => match loops.last_mut() {
                Some(l) => {
                    l.breaks.push((n, Edge::Break));
                    Vec::new()
                }
                None => vec![(n, Edge::Next)],
            },
            Kw::Continue => match loops.last() {
                Some(l) => {
                    self.g.graph.add_edge(n, l.header, Edge::Back);
                    Vec::new()
                }
                None => vec![(n, Edge::Next)],
            },
            _ if s.no_return_call => {
                self.g.graph.add_edge(n, self.g.raises, Edge::Exit);
                Vec::new()
            }
            _ => vec![(n, Edge::Next)],
        }
    }

    /// The statements at `column` from here, entered by `ends`: the loose
    /// ends after the last one.
    fn block(&mut self, column: u16, mut ends: Ends, loops: &mut Vec<Loop>) -> Ends {
        while let Some(s) = self.next_at(column) {
            self.at += 1;
            self.g.generator |= s.yields;
            let n = self.node(&s);
            self.join(&ends, n);
            ends = match s.kw {
                Kw::If => self.chain_if(&s, n, loops),
                Kw::While | Kw::For => self.a_loop(&s, n, loops),
                Kw::Try => self.a_try(&s, n, loops),
                Kw::Match => self.a_match(&s, n, loops),
                Kw::With => self.body(&s, vec![(n, Edge::Taken)], loops),
                Kw::Def | Kw::Class => {
                    // A nested definition's body is not this function's
                    // flow.
                    self.skip_body(&s);
                    vec![(n, Edge::Next)]
                }
                // A branch without its chain (`else` after a loop is read
                // with the loop): read its body in line.
                Kw::Elif | Kw::Else | Kw::Except | Kw::Finally | Kw::Case => {
                    self.body(&s, vec![(n, Edge::Taken)], loops)
                }
                _ => self.simple(&s, n, loops),
            };
        }
        ends
    }

    fn skip_body(&mut self, header: &Statement) {
        while self
            .log
            .get(self.at)
            .is_some_and(|s| s.column > header.column && header.opens)
        {
            self.at += 1;
        }
    }

    fn chain_if(&mut self, s: &Statement, n: NodeIndex, loops: &mut Vec<Loop>) -> Ends {
        let mut out = self.body(s, vec![(n, Edge::Taken)], loops);
        let mut test = n;
        loop {
            match self.next_at(s.column) {
                Some(e) if e.kw == Kw::Elif => {
                    self.at += 1;
                    let m = self.node(&e);
                    self.g.graph.add_edge(test, m, Edge::NotTaken);
                    out.extend(self.body(&e, vec![(m, Edge::Taken)], loops));
                    test = m;
                }
                Some(e) if e.kw == Kw::Else => {
                    self.at += 1;
                    let m = self.node(&e);
                    self.g.graph.add_edge(test, m, Edge::NotTaken);
                    out.extend(self.body(&e, vec![(m, Edge::Next)], loops));
                    return out;
                }
                _ => {
                    out.push((test, Edge::NotTaken));
                    return out;
                }
            }
        }
    }

    fn a_loop(&mut self, s: &Statement, n: NodeIndex, loops: &mut Vec<Loop>) -> Ends {
        loops.push(Loop {
            header: n,
            breaks: Vec::new(),
        });
        // The body's loose ends go back to the header.
        let body = self.body(s, vec![(n, Edge::Taken)], loops);
        for &(m, _) in &body {
            self.g.graph.add_edge(m, n, Edge::Back);
        }
        let l = loops.pop().expect("pushed above");
        let mut out = l.breaks;
        let exits = !(s.kw == Kw::While && s.while_true);
        let mut normal: Ends = if exits {
            vec![(n, Edge::NotTaken)]
        } else {
            Vec::new()
        };
        if let Some(e) = self.next_at(s.column).filter(|e| e.kw == Kw::Else) {
            self.at += 1;
            let m = self.node(&e);
            self.join(&normal, m);
            normal = self.body(&e, vec![(m, Edge::Next)], loops);
        }
        out.extend(normal);
        out
    }

    fn a_try(&mut self, s: &Statement, n: NodeIndex, loops: &mut Vec<Loop>) -> Ends {
        let mut out = self.body(s, vec![(n, Edge::Taken)], loops);
        let mut handlers = Ends::new();
        let mut finally = None;
        while let Some(e) = self.next_at(s.column) {
            match e.kw {
                Kw::Except => {
                    self.at += 1;
                    let m = self.node(&e);
                    // Any statement of the body may raise: modelled as an
                    // edge from the `try`.
                    self.g.graph.add_edge(n, m, Edge::Exception);
                    handlers.extend(self.body(&e, vec![(m, Edge::Taken)], loops));
                }
                Kw::Else => {
                    self.at += 1;
                    let m = self.node(&e);
                    self.join(&out, m);
                    out = self.body(&e, vec![(m, Edge::Next)], loops);
                }
                Kw::Finally => {
                    self.at += 1;
                    finally = Some(e);
                    break;
                }
                _ => break,
            }
        }
        out.extend(handlers);
        match finally {
            Some(f) => {
                let m = self.node(&f);
                self.join(&out, m);
                // A `finally` runs on every way out, and where it does not
                // finish, nothing after the `try` runs.
                self.body(&f, vec![(m, Edge::Next)], loops)
            }
            None => out,
        }
    }

    fn a_match(&mut self, s: &Statement, n: NodeIndex, loops: &mut Vec<Loop>) -> Ends {
        let mut out = Ends::new();
        let mut wildcard = false;
        // The cases are the header's body.
        let column = match self.log.get(self.at) {
            Some(first) if first.column > s.column && s.opens => first.column,
            _ => return vec![(n, Edge::NotTaken)],
        };
        while let Some(c) = self.next_at(column) {
            self.at += 1;
            let m = self.node(&c);
            self.g.graph.add_edge(n, m, Edge::Taken);
            wildcard |= c.wildcard;
            if c.kw == Kw::Case {
                out.extend(self.body(&c, vec![(m, Edge::Taken)], loops));
            } else {
                out.extend(self.simple(&c, m, loops));
            }
        }
        if !wildcard {
            out.push((n, Edge::NotTaken));
        }
        out
    }
}

/// The graphs of the functions in `log` (top-level and nested, in order).
/// A function whose body runs to the end of the log ends there when
/// `at_end` (the output is complete); otherwise its body goes on at a hole.
pub(crate) fn functions(log: &[Statement], at_end: bool) -> Vec<FunctionGraph> {
    let mut graphs = Vec::new();
    for (i, def) in log.iter().enumerate() {
        if def.kw != Kw::Def {
            continue;
        }
        let mut graph = DiGraph::new();
        let entry = graph.add_node(Node::Entry);
        let returns = graph.add_node(Node::Return);
        let raises = graph.add_node(Node::Raise);
        let fall_off = graph.add_node(Node::FallOff);
        let mut b = Builder {
            log,
            at: i + 1,
            g: FunctionGraph {
                name: String::from_utf8_lossy(def.name.get().unwrap_or(b"...")).into_owned(),
                graph,
                entry,
                returns,
                raises,
                fall_off,
                hole: None,
                generator: false,
            },
        };
        let into = vec![(entry, Edge::Next)];
        let ends = if let Some(kw) = def.inline {
            let inline = Statement {
                kw,
                inline: None,
                opens: false,
                ..*def
            };
            let n = b.node(&inline);
            b.join(&into, n);
            b.simple(&inline, n, &mut Vec::new())
        } else {
            match log.get(i + 1) {
                Some(first) if first.column > def.column => {
                    b.block(first.column, into, &mut Vec::new())
                }
                _ => into,
            }
        };
        // Code after the function (or the end of the output) ends it;
        // otherwise the body goes on from the last statement read.
        if at_end || b.at < log.len() || def.inline.is_some() {
            b.join(&ends, fall_off);
        } else {
            let hole = b.g.graph.add_node(Node::Hole);
            b.join(&ends, hole);
            b.g.hole = Some(hole);
        }
        graphs.push(b.g);
    }
    graphs
}
