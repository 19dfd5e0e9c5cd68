//! PEP 508 markers from untrusted files, read in linear time with bounded nesting and a bounded
//! amount of `pep508_rs` decision-diagram work.
//!
//! `MarkerTree::from_str` alone is not safe on hostile input (pep508_rs 0.9.2):
//!
//! - it parses recursively: about 5,000 nested parentheses overflow the stack (an abort);
//! - it folds `a or b or c …` left to right into its decision diagram, and each step rebuilds the
//!   diagram built so far: time and memory grow with the square of the number of terms (4,000
//!   `extra == …` terms take 3 GB);
//! - some shapes are exponential whatever the fold: `(extra == 'a1' and extra == 'z1') or …` (each
//!   extra is its own variable, ordered by name) takes 1 GB at 18 pairs;
//! - its nodes and its memo table live in a global interner that is never freed, so even cheap
//!   markers add up over a file.
//!
//! So a marker is read in three steps:
//!
//! 1. [`scan`]: an iterative parser with pep508_rs's grammar and token rules finds the structure
//!    (n-ary `or` / `and` nodes over leaf expressions, as byte ranges), refusing nesting deeper than
//!    [`MarkerLimits::depth`] and more than [`MarkerLimits::terms`] leaf expressions;
//! 2. each leaf `<value> <op> <value>` is parsed by pep508_rs ([`MarkerExpression::from_str`],
//!    which is linear and returns `None` for the comparisons pep508_rs ignores);
//! 3. the children of each node are combined pairwise, as a balanced tree (a chain of `n` terms
//!    costs `n log n`, not `n²`). Before each combination its cost is bounded by the product of the
//!    two operands' weights ([`weight`]: sub-diagrams and their edges), which bounds the steps,
//!    nodes and memo entries the combination can make. The bound is charged to a per-marker budget
//!    ([`MarkerLimits::cost`]) and to a per-file one ([`MarkerBudget`]) *before* the work is done.
//!
//! The diagrams are canonical, so the result is the tree `MarkerTree::from_str` builds (checked by
//! the tests below and by the `marker` fuzz target, which compares the two on every input).
//! A structural error in a short marker is reported with pep508_rs's own message (its parser is
//! safe on short input); a long one gets a message naming the byte offset.

use std::collections::HashSet;
use std::ops::Range;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};

use pep508_rs::{MarkerExpression, MarkerTree, MarkerTreeKind};

/// Limits on one marker (see [`crate::Limits`] for the defaults and why).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MarkerLimits {
    /// Deepest nesting of parentheses.
    pub depth: usize,
    /// Most leaf expressions (`<value> <op> <value>`).
    pub terms: usize,
    /// Most decision-diagram work (see the module docs), in node pairs.
    pub cost: u64,
}

/// The decision-diagram work left for the markers of one file, shared by the threads that read
/// its parts. Each distinct marker is charged once (the readers cache markers by text).
#[derive(Debug)]
pub(crate) struct MarkerBudget {
    limits: MarkerLimits,
    total: u64,
    remaining: AtomicU64,
}

impl MarkerBudget {
    /// A budget of `total` node pairs for a file, with `limits` for each marker.
    pub(crate) fn new(limits: MarkerLimits, total: u64) -> Self {
        Self {
            limits,
            total,
            remaining: AtomicU64::new(total),
        }
    }

    /// The budget `limits` asks for.
    pub(crate) fn of(limits: &crate::Limits) -> Self {
        Self::new(
            MarkerLimits {
                depth: limits.max_marker_depth,
                terms: limits.max_marker_terms,
                cost: limits.max_marker_cost,
            },
            limits.max_marker_cost_per_file,
        )
    }

    /// Take `cost` from the file's budget; `false` (and nothing taken) when it is not there.
    fn take(&self, cost: u64) -> bool {
        self.remaining
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(cost)
            })
            .is_ok()
    }
}

/// Why a marker was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Not a PEP 508 marker; the message says why.
    Invalid(String),
    /// Over a per-marker limit; the message says which.
    Limit(String),
    /// The file's markers together exceed the per-file budget.
    FileBudget {
        /// The per-file budget, in node pairs.
        limit: u64,
    },
}

/// Markers no longer than this many bytes that [`scan`] finds malformed are handed to
/// `MarkerTree::from_str` for its exact message (at most this many parentheses deep, and too
/// short for its quadratic fold to matter).
const SHORT: usize = 256;

/// Parse a PEP 508 marker within `budget` (see the module docs).
pub(crate) fn parse(text: &str, budget: &MarkerBudget) -> Result<MarkerTree, Refusal> {
    let shape = match scan(text, &budget.limits) {
        Ok(shape) => shape,
        Err(ScanError::Limit(message)) => return Err(Refusal::Limit(message)),
        // pep508_rs slices the word after a complete expression in bytes where it measured
        // characters: a quoted string with non-ASCII there panics (found by the `sdist` fuzz
        // target), so only ASCII text gets its message
        Err(ScanError::Syntax(_)) if text.len() <= SHORT && text.is_ascii() => {
            // pep508_rs's own message; should it accept what the scan refused, its tree stands
            // (the fuzz target reports any such disagreement)
            return MarkerTree::from_str(text)
                .map_err(|e| Refusal::Invalid(crate::cursor::one_line(&e.message.to_string())));
        }
        Err(ScanError::Syntax(message)) => return Err(Refusal::Invalid(message)),
    };
    build(text, &shape, budget)
}

/// Inputs at most this long are also given to `pep508_rs` by [`marker_agrees`] (it reads them
/// safely: at most 512 parentheses deep, and its quadratic fold costs little there).
const COMPARE_UP_TO: usize = 512;

/// For the fuzz targets and tests: reads `marker` as the lock reader does (the non-ASCII guard,
/// then [`parse`] with the default limits) and, when it is at most 512 bytes, compares with
/// `MarkerTree::from_str`: the same tree, or both refuse. `Err` describes a disagreement;
/// `Ok(true)` means they were compared.
#[doc(hidden)]
pub fn marker_agrees(marker: &str) -> Result<bool, String> {
    if crate::pep508_guard::refuse_marker(marker).is_some() {
        return Ok(false);
    }
    let ours = parse(marker, &MarkerBudget::of(&crate::Limits::default()));
    if let Ok(tree) = &ours {
        // what the resolver does with it (its recursion follows the diagram, not the text)
        let env = pep508_rs::MarkerEnvironment::try_from(pep508_rs::MarkerEnvironmentBuilder {
            implementation_name: "cpython",
            implementation_version: "3.12.12",
            os_name: "posix",
            platform_machine: "x86_64",
            platform_python_implementation: "CPython",
            platform_release: "",
            platform_system: "Linux",
            platform_version: "",
            python_full_version: "3.12.12",
            python_version: "3.12",
            sys_platform: "linux",
        })
        .map_err(|e| e.to_string())?;
        let extras: Vec<pep508_rs::ExtraName> = ["test", "e1"]
            .iter()
            .filter_map(|e| e.parse().ok())
            .collect();
        let _ = tree.evaluate(&env, &extras);
        let _ = tree.try_to_string();
    }
    if marker.len() > COMPARE_UP_TO {
        return Ok(false);
    }
    match (ours, MarkerTree::from_str(marker)) {
        (Ok(a), Ok(b)) if a == b => Ok(true),
        (Err(_), Err(_)) => Ok(true),
        // pep508_rs reads it, the limits refuse it: only deep nesting can do that this short
        (Err(Refusal::Limit(_)), Ok(_)) => Ok(true),
        (a, b) => Err(format!("{marker:?}: ours {a:?}, pep508_rs {b:?}")),
    }
}

/// For the fuzz targets and tests: [`crate::RequirementReader`] against
/// `Requirement::from_str` on requirements of at most 512 bytes (see [`marker_agrees`]).
#[doc(hidden)]
pub fn requirement_agrees(requirement: &str) -> Result<bool, String> {
    let ours = crate::RequirementReader::new(&crate::Limits::default()).parse(requirement);
    if requirement.len() > COMPARE_UP_TO
        || crate::pep508_guard::refuse_requirement(requirement).is_some()
    {
        return Ok(false);
    }
    let theirs = pep508_rs::Requirement::<pep508_rs::VerbatimUrl>::from_str(requirement);
    match (ours, theirs) {
        (Ok(a), Ok(b)) if a == b => Ok(true),
        (Err(_), Err(_)) => Ok(true),
        (Err(crate::RequirementError::Invalid(m)), Ok(_)) if m.contains("refused") => Ok(true),
        (a, b) => Err(format!("{requirement:?}: ours {a:?}, pep508_rs {b:?}")),
    }
}

/// The structure of a marker: nodes in an order where children come before their parent, the
/// last one the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Shape {
    nodes: Vec<ShapeNode>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum ShapeNode {
    /// `<value> <op> <value>`, a byte range of the marker.
    Leaf(Range<usize>),
    /// All children (indices of earlier nodes) hold.
    And(Vec<usize>),
    /// Any child holds.
    Or(Vec<usize>),
}

impl Shape {
    /// The number of leaf expressions.
    #[cfg(test)]
    fn terms(&self) -> usize {
        self.nodes
            .iter()
            .filter(|n| matches!(n, ShapeNode::Leaf(_)))
            .count()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ScanError {
    Syntax(String),
    Limit(String),
}

/// Whitespace as pep508_rs skips it (`char::is_whitespace`; outside quoted strings a marker is
/// ASCII, see [`crate::pep508_guard`]).
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// One parenthesised group (or the whole marker) being read.
struct Group {
    /// Byte offset of its `(`; `None` for the whole marker.
    open: Option<usize>,
    /// Finished `and` chains.
    or: Vec<usize>,
    /// The `and` chain being read.
    and: Vec<usize>,
}

/// The byte offset after the run of whitespace at `pos`.
fn skip_space(bytes: &[u8], mut pos: usize) -> usize {
    while pos < bytes.len() && is_space(bytes[pos]) {
        pos += 1;
    }
    pos
}

/// Whether the run of non-whitespace at `pos` is exactly `word` (pep508_rs compares the whole run
/// with `and` / `or`).
fn word_at(bytes: &[u8], pos: usize, word: &[u8]) -> bool {
    bytes[pos..].starts_with(word) && bytes.get(pos + word.len()).is_none_or(|&b| is_space(b))
}

/// The end of a marker value (a quoted string or a name) starting at `pos`.
fn value_end(text: &str, pos: usize) -> Result<usize, ScanError> {
    let bytes = text.as_bytes();
    match bytes.get(pos) {
        None => Err(ScanError::Syntax(format!(
            "expected a marker value at byte {pos}, found the end of the marker"
        ))),
        Some(&q @ (b'\'' | b'"')) => match memchr::memchr(q, &bytes[pos + 1..]) {
            Some(i) => Ok(pos + 1 + i + 1),
            None => Err(ScanError::Syntax(format!(
                "the string opened at byte {pos} is not closed"
            ))),
        },
        Some(_) => {
            let mut end = pos;
            while end < bytes.len()
                && !is_space(bytes[end])
                && !matches!(bytes[end], b'>' | b'=' | b'<' | b'!' | b'~' | b')')
            {
                end += 1;
            }
            Ok(end)
        }
    }
}

/// The end of the expression `<value> <op> <value>` starting at `pos` (after whitespace), with
/// pep508_rs's token rules; whether the three parts are valid is left to pep508_rs.
fn leaf_end(text: &str, pos: usize) -> Result<usize, ScanError> {
    let bytes = text.as_bytes();
    let mut at = skip_space(bytes, value_end(text, pos)?);
    // the operator: a word (`in`, `not in`) or a run of comparison characters
    if bytes.get(at).is_some_and(u8::is_ascii_alphabetic) {
        let start = at;
        while at < bytes.len() && !is_space(bytes[at]) && !matches!(bytes[at], b'\'' | b'"') {
            at += 1;
        }
        if &bytes[start..at] == b"not" {
            if !bytes.get(at).is_some_and(|&b| is_space(b)) {
                return Err(ScanError::Syntax(format!(
                    "expected whitespace after `not` at byte {at}"
                )));
            }
            at = skip_space(bytes, at);
            if !bytes[at..].starts_with(b"in") {
                return Err(ScanError::Syntax(format!(
                    "expected `in` after `not` at byte {at}"
                )));
            }
            at += 2;
        }
    } else {
        while at < bytes.len() && matches!(bytes[at], b'<' | b'=' | b'>' | b'~' | b'!') {
            at += 1;
        }
    }
    value_end(text, skip_space(bytes, at))
}

/// Read the structure of `text` in one pass, without recursion (see the module docs).
pub(crate) fn scan(text: &str, limits: &MarkerLimits) -> Result<Shape, ScanError> {
    let bytes = text.as_bytes();
    let mut nodes: Vec<ShapeNode> = Vec::new();
    let mut groups = vec![Group {
        open: None,
        or: Vec::new(),
        and: Vec::new(),
    }];
    let mut terms = 0usize;
    let mut pos = 0usize;
    // true: an expression is expected at `pos`; false: `and`, `or`, `)` or the end
    let mut expect_expression = true;
    loop {
        pos = skip_space(bytes, pos);
        if expect_expression {
            if bytes.get(pos) == Some(&b'(') {
                if groups.len() > limits.depth {
                    return Err(ScanError::Limit(format!(
                        "parentheses nest more than {} deep (at byte {pos})",
                        limits.depth
                    )));
                }
                groups.push(Group {
                    open: Some(pos),
                    or: Vec::new(),
                    and: Vec::new(),
                });
                pos += 1;
                continue;
            }
            terms += 1;
            if terms > limits.terms {
                return Err(ScanError::Limit(format!(
                    "more than {} expressions (at byte {pos})",
                    limits.terms
                )));
            }
            let end = leaf_end(text, pos)?;
            nodes.push(ShapeNode::Leaf(pos..end));
            let leaf = nodes.len() - 1;
            if let Some(g) = groups.last_mut() {
                g.and.push(leaf);
            }
            pos = end;
            expect_expression = false;
            continue;
        }
        if word_at(bytes, pos, b"and") {
            pos += 3;
            expect_expression = true;
            continue;
        }
        let Some(group) = groups.last_mut() else {
            return Err(ScanError::Syntax("unbalanced parentheses".to_string()));
        };
        close_and(&mut nodes, group);
        if word_at(bytes, pos, b"or") {
            pos += 2;
            expect_expression = true;
            continue;
        }
        // the end of the group
        let Some(group) = groups.pop() else {
            return Err(ScanError::Syntax("unbalanced parentheses".to_string()));
        };
        let node = close_or(&mut nodes, group.or);
        match group.open {
            Some(open) => {
                if bytes.get(pos) != Some(&b')') {
                    return Err(ScanError::Syntax(format!(
                        "the parenthesis opened at byte {open} is not closed"
                    )));
                }
                pos += 1;
                if let Some(parent) = groups.last_mut() {
                    parent.and.push(node);
                }
            }
            None => {
                return match bytes.get(pos) {
                    None => Ok(Shape { nodes }),
                    Some(_) => Err(ScanError::Syntax(format!(
                        "unexpected text at byte {pos}, expected `and`, `or` or the end of the marker"
                    ))),
                };
            }
        }
    }
}

/// End the group's current `and` chain.
fn close_and(nodes: &mut Vec<ShapeNode>, group: &mut Group) {
    let chain = std::mem::take(&mut group.and);
    let node = match chain.as_slice() {
        [one] => *one,
        _ => {
            nodes.push(ShapeNode::And(chain));
            nodes.len() - 1
        }
    };
    group.or.push(node);
}

/// The node for a group's `or` of `and` chains.
fn close_or(nodes: &mut Vec<ShapeNode>, chains: Vec<usize>) -> usize {
    match chains.as_slice() {
        [one] => *one,
        _ => {
            nodes.push(ShapeNode::Or(chains));
            nodes.len() - 1
        }
    }
}

/// A built sub-marker and its [`weight`].
#[derive(Clone)]
struct Built {
    tree: MarkerTree,
    weight: u64,
}

/// The distinct sub-diagrams reachable from `tree` (itself included; a node and its complement
/// count apart), each counted with its number of edges plus one; `None` past `cap`.
///
/// Combining two diagrams makes one memoised step per pair of sub-diagrams, and each step walks
/// every pair of their edges (pep508_rs intersects version and string ranges pairwise), so the
/// product of the two weights bounds the work, the nodes and the memo entries a combination can
/// create.
fn weight(tree: &MarkerTree, cap: u64) -> Option<u64> {
    let mut seen: HashSet<MarkerTree> = HashSet::new();
    let mut stack = vec![tree.clone()];
    let mut weight = 0u64;
    while let Some(t) = stack.pop() {
        if !seen.insert(t.clone()) {
            continue;
        }
        let before = stack.len();
        match t.kind() {
            MarkerTreeKind::True | MarkerTreeKind::False => {}
            MarkerTreeKind::Version(v) => stack.extend(v.edges().map(|(_, c)| c)),
            MarkerTreeKind::String(s) => stack.extend(s.children().map(|(_, c)| c)),
            MarkerTreeKind::In(i) => stack.extend(i.children().map(|(_, c)| c)),
            MarkerTreeKind::Contains(c) => stack.extend(c.children().map(|(_, c)| c)),
            MarkerTreeKind::Extra(e) => stack.extend(e.children().map(|(_, c)| c)),
        }
        weight += 1 + (stack.len() - before) as u64;
        if weight > cap {
            return None;
        }
    }
    Some(weight)
}

/// What building one marker has spent.
struct Spend<'b> {
    budget: &'b MarkerBudget,
    spent: u64,
}

impl Spend<'_> {
    fn charge(&mut self, cost: u64) -> Result<(), Refusal> {
        let limit = self.budget.limits.cost;
        match self.spent.checked_add(cost) {
            Some(total) if total <= limit => {}
            _ => {
                return Err(Refusal::Limit(format!(
                    "too complex: evaluating it needs more than {limit} steps (far beyond any real marker)"
                )))
            }
        }
        if !self.budget.take(cost) {
            return Err(Refusal::FileBudget {
                limit: self.budget.total,
            });
        }
        self.spent += cost;
        Ok(())
    }

    /// `a and b` / `a or b`, charged at `weight(a) * weight(b)`.
    fn combine(&mut self, and: bool, a: Built, b: Built) -> Result<Built, Refusal> {
        let cost = a.weight.saturating_mul(b.weight);
        self.charge(cost)?;
        let mut tree = a.tree;
        if and {
            tree.and(b.tree);
        } else {
            tree.or(b.tree);
        }
        // the result is no heavier than the work charged for it, give or take its terminals
        let cap = cost.saturating_add(4);
        let weight = weight(&tree, cap).unwrap_or(cap);
        Ok(Built { tree, weight })
    }

    /// The children combined as a balanced tree; `None` when every child was ignored.
    fn combine_all(&mut self, and: bool, children: Vec<Built>) -> Result<Option<Built>, Refusal> {
        let mut level = children;
        while level.len() > 1 {
            let mut next = Vec::with_capacity(level.len().div_ceil(2));
            let mut items = level.into_iter();
            while let Some(a) = items.next() {
                match items.next() {
                    Some(b) => next.push(self.combine(and, a, b)?),
                    None => next.push(a),
                }
            }
            level = next;
        }
        Ok(level.pop())
    }
}

/// Build the marker of a [`Shape`] (see the module docs).
fn build(text: &str, shape: &Shape, budget: &MarkerBudget) -> Result<MarkerTree, Refusal> {
    let mut spend = Spend { budget, spent: 0 };
    // pep508_rs ignores some comparisons (`os_name ~= 'x'`, …): `None`, left out of `and`/`or`
    let mut built: Vec<Option<Built>> = Vec::with_capacity(shape.nodes.len());
    for node in &shape.nodes {
        let value = match node {
            ShapeNode::Leaf(range) => {
                spend.charge(1)?;
                let leaf = &text[range.clone()];
                MarkerExpression::from_str(leaf)
                    .map_err(|e| Refusal::Invalid(crate::cursor::one_line(&e.message.to_string())))?
                    .map(|expression| {
                        let tree = MarkerTree::expression(expression);
                        let weight = weight(&tree, u64::MAX).unwrap_or(1);
                        Built { tree, weight }
                    })
            }
            ShapeNode::And(children) | ShapeNode::Or(children) => {
                let parts = children
                    .iter()
                    .filter_map(|&c| built.get_mut(c).and_then(Option::take))
                    .collect();
                spend.combine_all(matches!(node, ShapeNode::And(_)), parts)?
            }
        };
        built.push(value);
    }
    // an all-ignored marker is `true`, as pep508_rs reads it
    Ok(built
        .pop()
        .flatten()
        .map_or(MarkerTree::TRUE, |sized| sized.tree))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> MarkerLimits {
        let l = crate::Limits::default();
        MarkerLimits {
            depth: l.max_marker_depth,
            terms: l.max_marker_terms,
            cost: l.max_marker_cost,
        }
    }

    fn ours(text: &str) -> Result<MarkerTree, Refusal> {
        parse(text, &MarkerBudget::of(&crate::Limits::default()))
    }

    /// The same tree as pep508_rs, or both refuse.
    fn agrees(text: &str) {
        let theirs = MarkerTree::from_str(text);
        match (ours(text), theirs) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{text:?}"),
            (Err(_), Err(_)) => {}
            (a, b) => panic!("{text:?}: ours {a:?}, pep508_rs {b:?}"),
        }
    }

    #[test]
    fn same_trees_as_pep508_rs() {
        for m in [
            "python_version >= '3.8'",
            "python_version>='3.8'and os_name=='nt'",
            "(python_version >= '3.8' or os_name == 'nt') and extra == 'test'",
            "((a == 'b'))",
            "python_full_version >= '3.10' and platform_machine == 'aarch64' and sys_platform == 'linux' or sys_platform == 'darwin'",
            "extra == 'a' or extra == 'b' or extra == 'c' or extra == 'd' or extra == 'e'",
            "os_name ~= 'nt' or python_version > '3'",
            "os_name ~= 'nt'",
            "(os_name ~= 'nt') and (os_name ~= 'x')",
            "'linux' in sys_platform and 'x' not in platform_release",
            "python_version in '3.8 3.9' and python_version not in '3.10'",
            "extra != 'x' and extra == \"y\"",
            "implementation_name == 'cpython' and implementation_version >= '3.11'",
            " python_version >= '3.8' ",
            "\tpython_version >= '3.8'\n",
            "(python_version >= '3.8')or(os_name == 'nt')",
            "python_version >= '3.8' or",
            "python_version >= '3.8' and",
            "",
            "   ",
            "(",
            ")",
            "(python_version >= '3.8'",
            "python_version >= '3.8')",
            "python_version >< '3.8'",
            "python_version >= '3.8",
            "python_version not '3'",
            "python_version notin '3'",
            "extra not in'x'",
            "extra in'x'",
            "python_version >= '3.8' xor os_name == 'nt'",
            "python_version >= '3.8' andos_name == 'nt'",
            "python_version",
            "python_version ==",
            "== '3'",
            "a(b == 'c'",
            "sys_platform == 'linux' and (platform_machine == 'x86_64' or platform_machine == 'aarch64') and python_version < '3.13'",
        ] {
            agrees(m);
        }
    }

    #[test]
    fn wide_and_deep_markers_agree_while_pep508_rs_can_read_them() {
        let or: Vec<String> = (0..40).map(|i| format!("extra == 'e{i}'")).collect();
        agrees(&or.join(" or "));
        let versions: Vec<String> = (0..40)
            .map(|i| format!("python_full_version == '3.{i}.1'"))
            .collect();
        agrees(&versions.join(" or "));
        agrees(&format!(
            "{}os_name == 'nt'{}",
            "(".repeat(20),
            ")".repeat(20)
        ));
        let mixed: Vec<String> = (0..12)
            .map(|i| {
                format!("(extra == 'x{i}' and sys_platform != 'p{i}' or python_version < '3.{i}')")
            })
            .collect();
        agrees(&mixed.join(" and "));
    }

    #[test]
    fn deep_nesting_is_a_limit_not_a_crash() {
        let deep = format!("{}os_name == 'nt'{}", "(".repeat(5_000), ")".repeat(5_000));
        match ours(&deep) {
            Err(Refusal::Limit(m)) => assert!(m.contains("nest more than 32"), "{m}"),
            other => panic!("{other:?}"),
        }
        let ok = format!("{}os_name == 'nt'{}", "(".repeat(32), ")".repeat(32));
        assert!(ours(&ok).is_ok());
        assert!(matches!(
            scan(&format!("{}x", "(".repeat(33)), &limits()),
            Err(ScanError::Limit(_))
        ));
    }

    #[test]
    fn many_terms_are_a_limit() {
        let terms: Vec<String> = (0..50_000).map(|i| format!("extra == 'e{i}'")).collect();
        let start = std::time::Instant::now();
        match ours(&terms.join(" or ")) {
            Err(Refusal::Limit(m)) => assert!(m.contains("more than 10000 expressions"), "{m}"),
            other => panic!("{other:?}"),
        }
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn exponential_shapes_are_refused_before_the_work() {
        // 18 pairs took pep508_rs 1 GB and 3 s; the bound stops it before the work
        let pairs: Vec<String> = (0..40)
            .map(|i| format!("(extra == 'a{i:03}' and extra == 'z{i:03}')"))
            .collect();
        let start = std::time::Instant::now();
        match ours(&pairs.join(" or ")) {
            Err(Refusal::Limit(m)) => assert!(m.contains("too complex"), "{m}"),
            other => panic!("{other:?}"),
        }
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn the_file_budget_is_shared() {
        let m = "extra == 'a' or extra == 'b' or extra == 'c'";
        // what one parse costs
        let one = (1..10_000)
            .find(|&b| parse(m, &MarkerBudget::new(limits(), b)).is_ok())
            .unwrap();
        assert!(one > 3, "{one}");
        let budget = MarkerBudget::new(limits(), 2 * one + 1);
        assert!(parse(m, &budget).is_ok());
        assert!(parse(m, &budget).is_ok());
        assert_eq!(
            parse(m, &budget),
            Err(Refusal::FileBudget { limit: 2 * one + 1 })
        );
    }

    #[test]
    fn scans_structure() {
        let s = scan("a == 'b' and (c == 'd' or e == 'f') or g == 'h'", &limits()).unwrap();
        assert_eq!(s.terms(), 4);
        assert!(matches!(s.nodes.last(), Some(ShapeNode::Or(c)) if c.len() == 2));
        // quoted text is opaque
        let s = scan("a == '( or ) and' and b == \")\"", &limits()).unwrap();
        assert_eq!(s.terms(), 2);
    }
}
