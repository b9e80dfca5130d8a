//! Holes: the parts of the output still to be written, as a tree.
//!
//! Each hole carries a product constraint. Refining a hole meets a
//! constraint into it and into every hole below it; a constraint with
//! module scope (an import requirement, a version range) also goes up to
//! the ancestors and from there down to their other children, which is how
//! one function's needs become visible to its siblings. Lifting computes
//! what all children of a hole share (the join, for domains that have one)
//! and meets it into the parent. Holes are opened as generation reveals
//! structure ([`StructureScanner`]): a `def` opens a FUNCTION hole, an
//! indented block a BLOCK hole, an expression after `return` or `=` a TERM
//! hole.

use std::fmt;
use std::str::FromStr;

use ananke_core::{DomainId, DynConstraint, Error, ProductConstraint, ProductDomain};
use im::Vector;

/// How big a hole is, finest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Granularity {
    /// One token.
    Token,
    /// An expression.
    Term,
    /// An indented block.
    Block,
    /// A function.
    Function,
    /// A module.
    Module,
    /// A package of modules.
    Library,
    /// Several libraries.
    System,
}

impl FromStr for Granularity {
    type Err = String;

    fn from_str(text: &str) -> Result<Granularity, String> {
        Ok(match text {
            "token" => Granularity::Token,
            "term" => Granularity::Term,
            "block" => Granularity::Block,
            "function" => Granularity::Function,
            "module" => Granularity::Module,
            "library" => Granularity::Library,
            "system" => Granularity::System,
            other => {
                return Err(format!(
                    "unknown granularity `{other}` (token, term, block, function, module, library, system)"
                ));
            }
        })
    }
}

impl fmt::Display for Granularity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Granularity::Token => "token",
            Granularity::Term => "term",
            Granularity::Block => "block",
            Granularity::Function => "function",
            Granularity::Module => "module",
            Granularity::Library => "library",
            Granularity::System => "system",
        })
    }
}

/// A hole's identity within its tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HoleId(pub u32);

/// Whether a refinement stays below the hole or also constrains its
/// ancestors (and through them, its siblings).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The hole and its descendants.
    Local,
    /// Also every ancestor: facts about the whole module, such as imports.
    Module,
}

/// One hole.
#[derive(Clone, Debug)]
pub struct Hole {
    /// Its id.
    pub id: HoleId,
    /// A name (from the spec, or what opened it: `def solve`).
    pub name: String,
    /// Its size.
    pub granularity: Granularity,
    /// The enclosing hole.
    pub parent: Option<HoleId>,
    /// The holes inside it.
    pub children: Vec<HoleId>,
    /// Its constraint.
    pub constraint: ProductConstraint,
    /// Why it has that constraint: one line per refinement, with the
    /// domain it concerned.
    pub provenance: Vec<(DomainId, String)>,
    /// Whether it is still being written.
    pub open: bool,
}

/// A contradiction found while refining a hole.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("hole `{hole}` is contradictory in domain `{domain}` (sources: {}): {constraint}", .provenance.join("; "))]
pub struct HoleConflict {
    /// The hole that became ⊥.
    pub hole: String,
    /// The domain that became ⊥.
    pub domain: String,
    /// Every refinement of that domain that reached the hole.
    pub provenance: Vec<String>,
    /// The ⊥ constraint, printed.
    pub constraint: String,
}

/// The tree of holes (persistent: a clone is a checkpoint).
#[derive(Clone, Debug)]
pub struct HoleTree {
    holes: Vector<Hole>,
}

impl HoleTree {
    /// A tree with one open module hole (id 0) holding `constraint`.
    pub fn new(constraint: ProductConstraint) -> HoleTree {
        let mut holes = Vector::new();
        holes.push_back(Hole {
            id: HoleId(0),
            name: crate::MODULE_HOLE.to_owned(),
            granularity: Granularity::Module,
            parent: None,
            children: Vec::new(),
            constraint,
            provenance: Vec::new(),
            open: true,
        });
        HoleTree { holes }
    }

    /// The module hole.
    pub fn root(&self) -> HoleId {
        HoleId(0)
    }

    /// A hole by id.
    pub fn get(&self, id: HoleId) -> Option<&Hole> {
        self.holes.get(id.0 as usize)
    }

    /// A hole by name.
    pub fn find(&self, name: &str) -> Option<HoleId> {
        self.holes.iter().find(|h| h.name == name).map(|h| h.id)
    }

    /// All holes.
    pub fn iter(&self) -> impl Iterator<Item = &Hole> {
        self.holes.iter()
    }

    /// Opens a hole under `parent`; it starts with the parent's constraint
    /// and provenance.
    pub fn open(
        &mut self,
        parent: HoleId,
        name: &str,
        granularity: Granularity,
    ) -> Result<HoleId, Error> {
        let parent_hole = self
            .get(parent)
            .ok_or_else(|| Error::UnknownDomain(format!("hole #{}", parent.0)))?
            .clone();
        let id = HoleId(self.holes.len() as u32);
        self.holes.push_back(Hole {
            id,
            name: name.to_owned(),
            granularity,
            parent: Some(parent),
            children: Vec::new(),
            constraint: parent_hole.constraint.clone(),
            provenance: parent_hole.provenance.clone(),
            open: true,
        });
        self.holes[parent.0 as usize].children.push(id);
        Ok(id)
    }

    /// Marks a hole as being written again (a spec hole generation has
    /// reached).
    pub fn reopen(&mut self, id: HoleId) {
        if let Some(hole) = self.holes.get_mut(id.0 as usize) {
            hole.open = true;
        }
    }

    /// Marks a hole finished.
    pub fn close(&mut self, id: HoleId) {
        if let Some(hole) = self.holes.get_mut(id.0 as usize) {
            hole.open = false;
        }
    }

    /// Meets `constraint` (for `domain`) into `id` and its descendants, and
    /// with [`Scope::Module`] into its ancestors and their descendants too.
    /// A hole that becomes ⊥ is reported with every provenance of that
    /// domain that reached it.
    pub fn refine(
        &mut self,
        id: HoleId,
        domain: DomainId,
        constraint: &DynConstraint,
        reason: &str,
        scope: Scope,
    ) -> Result<(), HoleConflict> {
        let top = match scope {
            Scope::Local => id,
            Scope::Module => {
                let mut top = id;
                while let Some(parent) = self.get(top).and_then(|h| h.parent) {
                    top = parent;
                }
                top
            }
        };
        let mut stack = vec![top];
        while let Some(current) = stack.pop() {
            let hole = &mut self.holes[current.0 as usize];
            hole.provenance.push((domain, reason.to_owned()));
            if let Err(e) = hole.constraint.meet_component_dyn(domain, constraint) {
                return Err(HoleConflict {
                    hole: hole.name.clone(),
                    domain: domain.to_string(),
                    provenance: vec![reason.to_owned()],
                    constraint: e.to_string(),
                });
            }
            let component = hole.constraint.component(domain).cloned();
            if let Some(component) = component
                && component.is_bottom()
            {
                let product = hole.constraint.domain();
                return Err(HoleConflict {
                    hole: hole.name.clone(),
                    domain: product.name(domain).to_owned(),
                    provenance: hole
                        .provenance
                        .iter()
                        .filter(|(d, _)| *d == domain)
                        .map(|(_, r)| r.clone())
                        .collect(),
                    constraint: format!("{component:?}"),
                });
            }
            stack.extend(hole.children.iter().copied());
        }
        Ok(())
    }

    /// Meets into `id` what all its children share, for every domain with
    /// a join. Returns the domains whose parent constraint changed.
    pub fn lift(&mut self, id: HoleId, product: &ProductDomain) -> Result<Vec<DomainId>, Error> {
        let Some(hole) = self.get(id).cloned() else {
            return Ok(Vec::new());
        };
        if hole.children.is_empty() {
            return Ok(Vec::new());
        }
        let mut changed = Vec::new();
        for domain_id in product.ids() {
            let domain = product.domain(domain_id).expect("id from the product");
            let mut common: Option<DynConstraint> = None;
            let mut joinable = true;
            for child in &hole.children {
                let Some(c) = self
                    .get(*child)
                    .and_then(|h| h.constraint.component(domain_id))
                    .cloned()
                else {
                    continue;
                };
                common = match common.take() {
                    None => Some(c),
                    Some(acc) => match domain.join(&acc, &c)? {
                        Some(joined) => Some(joined),
                        None => {
                            joinable = false;
                            break;
                        }
                    },
                };
            }
            if !joinable {
                continue;
            }
            if let Some(common) = common
                && domain.join(&common, &common)?.is_some()
                && self.holes[id.0 as usize]
                    .constraint
                    .meet_component_dyn(domain_id, &common)?
            {
                changed.push(domain_id);
            }
        }
        Ok(changed)
    }

    /// The open leaf hole to fill next: the most constrained (most
    /// components other than ⊤), finer granularity breaking ties, then
    /// the earliest opened.
    pub fn select_next(&self) -> Option<HoleId> {
        self.holes
            .iter()
            .filter(|h| h.open && h.children.iter().all(|c| !self.holes[c.0 as usize].open))
            .max_by(|a, b| {
                let score = |h: &Hole| {
                    (0..h.constraint.len())
                        .filter(|i| {
                            !h.constraint
                                .component(DomainId::from_index(*i))
                                .is_some_and(DynConstraint::is_top)
                        })
                        .count()
                };
                score(a)
                    .cmp(&score(b))
                    .then(b.granularity.cmp(&a.granularity))
                    .then(b.id.cmp(&a.id))
            })
            .map(|h| h.id)
    }

    /// The innermost open hole (the one generation is writing).
    pub fn active(&self) -> HoleId {
        let mut current = self.root();
        loop {
            let open_child = self.get(current).and_then(|h| {
                h.children
                    .iter()
                    .rev()
                    .find(|c| self.holes[c.0 as usize].open)
                    .copied()
            });
            match open_child {
                Some(child) => current = child,
                None => return current,
            }
        }
    }
}

/// An event of the [`StructureScanner`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HoleEvent {
    /// A hole opens (its name and size).
    Open(String, Granularity),
    /// The innermost hole of this size closes.
    Close(Granularity),
}

/// Finds structure in committed text, line by line: `def name(` opens a
/// FUNCTION hole, a line ending in `:` opens a BLOCK hole for its indented
/// body, `return ` or ` = ` opens a TERM hole that the end of the line
/// closes; a dedent closes the blocks (and functions) it leaves.
///
/// Persistent and small, so the session keeps one per committed token.
#[derive(Clone, Debug, Default)]
pub struct StructureScanner {
    /// The current line so far.
    line: String,
    /// Open blocks: (indentation of the header line, is a function).
    blocks: Vec<(usize, bool)>,
    /// Whether a TERM hole is open on this line.
    term_open: bool,
    /// Inside a bracket (newlines do not end statements).
    depth: usize,
}

impl StructureScanner {
    /// Feeds committed text; returns the hole events it reveals.
    pub fn feed(&mut self, text: &str) -> Vec<HoleEvent> {
        let mut events = Vec::new();
        for c in text.chars() {
            if c == '\n' && self.depth == 0 {
                let line = std::mem::take(&mut self.line);
                self.end_line(&line, &mut events);
                continue;
            }
            let was_blank = self.line.trim().is_empty();
            // The first character of a statement line fixes its
            // indentation: blocks it does not indent into are closed.
            if was_blank && self.depth == 0 && !c.is_whitespace() && c != '#' {
                self.dedent_to(indent_of(&self.line), &mut events);
            }
            self.line.push(c);
            match c {
                '(' | '[' | '{' => self.depth += 1,
                ')' | ']' | '}' => self.depth = self.depth.saturating_sub(1),
                _ => {}
            }
            let trimmed = self.line.trim_start();
            if !self.term_open
                && self.depth == 0
                && (trimmed == "return " || (trimmed.ends_with(" = ") && !trimmed.contains("==")))
            {
                self.term_open = true;
                events.push(HoleEvent::Open(
                    trimmed.trim().to_owned(),
                    Granularity::Term,
                ));
            }
        }
        events
    }

    fn dedent_to(&mut self, indent: usize, events: &mut Vec<HoleEvent>) {
        while let Some(&(header_indent, is_function)) = self.blocks.last() {
            if indent > header_indent {
                break;
            }
            self.blocks.pop();
            events.push(HoleEvent::Close(Granularity::Block));
            if is_function {
                events.push(HoleEvent::Close(Granularity::Function));
            }
        }
    }

    fn end_line(&mut self, line: &str, events: &mut Vec<HoleEvent>) {
        if self.term_open {
            self.term_open = false;
            events.push(HoleEvent::Close(Granularity::Term));
        }
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            return;
        }
        let indent = indent_of(line);
        if trimmed.ends_with(':') {
            let is_function = trimmed.starts_with("def ") || trimmed.starts_with("async def ");
            if is_function {
                let name = trimmed
                    .trim_start_matches("async ")
                    .trim_start_matches("def ");
                let name = name.split('(').next().unwrap_or(name).trim();
                events.push(HoleEvent::Open(name.to_owned(), Granularity::Function));
            }
            events.push(HoleEvent::Open(
                trimmed.trim_end_matches(':').to_owned(),
                Granularity::Block,
            ));
            self.blocks.push((indent, is_function));
        }
    }
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches([' ', '\t']).len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scanner_opens_and_closes_holes() {
        let mut scanner = StructureScanner::default();
        let mut events = scanner.feed("def f(x: int) -> int:\n    y = x\n    return y\n");
        events.extend(scanner.feed("z = 1\n"));
        use Granularity::*;
        assert_eq!(
            events,
            [
                HoleEvent::Open("f".into(), Function),
                HoleEvent::Open("def f(x: int) -> int".into(), Block),
                HoleEvent::Open("y =".into(), Term),
                HoleEvent::Close(Term),
                HoleEvent::Open("return".into(), Term),
                HoleEvent::Close(Term),
                HoleEvent::Close(Block),
                HoleEvent::Close(Function),
                HoleEvent::Open("z =".into(), Term),
                HoleEvent::Close(Term),
            ]
        );
    }

    #[test]
    fn granularities_parse_and_order() {
        assert_eq!("function".parse::<Granularity>(), Ok(Granularity::Function));
        assert!("huge".parse::<Granularity>().is_err());
        assert!(Granularity::Term < Granularity::Function);
    }
}
