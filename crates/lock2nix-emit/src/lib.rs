//! Rendering plans as a nixpkgs overlay file. Every decision was made by `lock2nix-plan`; this
//! crate turns recipes into a Nix syntax tree and prints it.
//!
//! The file is static (no PEP 508 marker is evaluated in Nix, no lock file is read at evaluation
//! time), deterministic (byte-identical for the same plans), formatted as `alejandra` would, and
//! injection-safe: every string goes through `lock2nix-nix`'s escaping, and large sets are printed
//! in parallel into [`lock2nix_nix::Printed`] nodes of the same tree (never spliced as text). The
//! shape is documented in `docs/overlay-shape.md`:
//!
//! - the file evaluates to an overlay (`final: prev: …`, as a functor so that
//!   `(import ./overlay.nix).override { workspaceRoot = …; }` can point in-tree sources elsewhere);
//! - the Python overrides go into a private interpreter ([`Mode::Scope`]) or, with
//!   [`Mode::Global`], into `pythonPackagesExtensions`; the roots are exposed at the top level under
//!   the layout's names;
//! - per-system differences are chosen with `bySystem`, an attribute lookup on
//!   `stdenv.hostPlatform.system`.
//!
//! Modules: `package` (one recipe on one system), `source` (fetchers and project paths),
//! `custom` (the configuration's customisation), `merge` (one attribute across systems), `shell`
//! (the file around the definitions).

#![forbid(unsafe_code)]

mod custom;
mod direct;
mod env;
mod merge;
mod package;
mod shell;
mod source;

use std::collections::BTreeSet;

use lock2nix_nix::{Binding, Expr, Printed};
use lock2nix_plan::{Layout, Plan, Recipe};
use lock2nix_wheel::System;
use rayon::prelude::*;

pub use lock2nix_nix::PrintedFile;
pub use lock2nix_plan::Mode;
pub use shell::GENERATED_MARKER;

/// Why the overlay could not be written.
#[derive(Debug, thiserror::Error)]
pub enum EmitError {
    /// The plans are not for one Python version.
    #[error(
        "the plans are for different Python versions ({0}); one overlay serves one interpreter"
    )]
    MixedPython(String),
    /// No plans.
    #[error("nothing to emit: no system was resolved")]
    Empty,
    /// The printer refused a value (e.g. a NUL byte).
    #[error("cannot print the overlay: {0}")]
    Print(#[from] lock2nix_nix::PrintError),
}

/// What the overlay is made of.
#[derive(Debug, Clone, Copy)]
pub struct Overlay<'a> {
    /// One plan per system, all for one interpreter.
    pub plans: &'a [Plan],
    /// Where the overrides go and which roots are exposed.
    pub layout: &'a Layout,
    /// The directory of the lock as a Nix path relative to the overlay file (e.g. `./..`).
    pub workspace_root: &'a str,
    /// The source root as a Nix path relative to the overlay file, and the lock's directory
    /// inside it (`libs/app`): used when a plan has project paths outside the lock's directory.
    pub source_root: Option<(&'a str, &'a str)>,
    /// Header comment lines after the `@generated` line.
    pub header: &'a [String],
    /// The environments (`<scope>.envs`, or the layout's `envs_attr` in global mode); none: no
    /// `mkEnvs`.
    pub envs: &'a [lock2nix_plan::Env],
}

pub(crate) const PF: &str = "python-final";
pub(crate) const PP: &str = "python-prev";

pub(crate) fn py(attr: &str) -> Expr<'_> {
    Expr::var(PF).attr(attr)
}

/// A top-level attribute path (`pkg-config`, `stdenv.cc.cc.lib`) of the final package set.
pub(crate) fn top_path(path: &str) -> Expr<'_> {
    // one select of the whole path: printed as the chain of one-segment selects would be
    Expr::var("final").select(path.split('.'))
}

/// How many attributes one parallel task builds and prints.
const CHUNK: usize = 32;

/// Room reserved per printed definition: a fetched wheel's is ~700 bytes, a build from source
/// with dependencies a few hundred more; longer ones grow their chunk's text.
const DEFINITION_BYTES: usize = 1024;

/// One entry of a plan: the attribute it defines, where it is (`(system index, position in
/// that plan)`) and whether that plan leaves nixpkgs' package untouched. An attribute's entries,
/// adjacent once sorted, are its definitions (in system order) and its untouched systems.
#[derive(Clone, Copy)]
struct Entry<'a> {
    attr: &'a str,
    si: usize,
    pos: usize,
    untouched: bool,
}

/// Write the overlay.
///
/// Each attribute's definitions (one per system) are built, merged and printed in parallel
/// chunks, and their trees dropped at once: memory grows with the text, not with the trees. The
/// result does not depend on the thread count; the first print error in file order is reported.
pub fn emit(o: &Overlay<'_>) -> Result<String, EmitError> {
    emit_with(o, true)
}

/// [`emit`] in pieces: the definitions' parallel chunks are not copied into one text (the
/// caller writes them one after the other; [`PrintedFile::into_string`] gives [`emit`]'s text).
pub fn emit_spliced(o: &Overlay<'_>) -> Result<PrintedFile, EmitError> {
    emit_file(o, true)
}

/// [`emit`] with every definition built as a tree and printed (`direct: false`), or the most
/// frequent ones written directly (`direct: true`, what [`emit`] does): both give the same text,
/// which the tests check.
#[doc(hidden)]
pub fn emit_with(o: &Overlay<'_>, direct: bool) -> Result<String, EmitError> {
    Ok(emit_file(o, direct)?.into_string())
}

fn emit_file(o: &Overlay<'_>, direct: bool) -> Result<PrintedFile, EmitError> {
    file(o, Definitions::print_with(o.plans, direct)?)
}

/// [`emit_spliced`] in two steps: `definitions` ([`Definitions::print`] of `o.plans`) were
/// printed first, e.g. while the caller worked out the environments, the layout and the header
/// that the file around them needs. Definitions of other plans are printed again from
/// `o.plans`.
pub fn emit_spliced_with(
    o: &Overlay<'_>,
    definitions: Definitions<'_>,
) -> Result<PrintedFile, EmitError> {
    if std::ptr::eq(definitions.plans, o.plans) {
        file(o, definitions)
    } else {
        emit_file(o, true)
    }
}

/// The attributes' definitions of an overlay, printed in parallel chunks: everything of the
/// overlay that depends only on the plans (the file around them is [`emit_spliced_with`]'s).
pub struct Definitions<'a> {
    plans: &'a [Plan],
    systems: Vec<System>,
    /// What the plans lack, as the file's `lock2nixMissingHashes` lists it.
    missing: BTreeSet<String>,
    /// Every plan entry, sorted by attribute (an attribute's entries in system order).
    entries: Vec<Entry<'a>>,
    /// How many attributes are defined (see [`defined`]).
    attrs: usize,
    /// The printed chunks in file order; a chunk's first print error in its place.
    parts: Vec<Result<Printed, lock2nix_nix::PrintError>>,
}

impl<'a> Definitions<'a> {
    /// Print the definitions of `plans` (one per system, all for one interpreter).
    pub fn print(plans: &'a [Plan]) -> Result<Self, EmitError> {
        Self::print_with(plans, true)
    }

    /// [`Self::print`], every definition built as a tree (`direct: false`) or the most frequent
    /// ones written directly (`direct: true`).
    fn print_with(plans: &'a [Plan], direct: bool) -> Result<Self, EmitError> {
        let Some(first) = plans.first() else {
            return Err(EmitError::Empty);
        };
        let python = first.python;
        if plans
            .iter()
            .any(|p| (p.python.major, p.python.minor) != (python.major, python.minor))
        {
            return Err(EmitError::MixedPython(
                plans
                    .iter()
                    .map(|p| p.python.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            ));
        }
        let systems: Vec<System> = plans.iter().map(|p| p.system).collect();
        let total = plans.iter().map(|p| p.packages.len()).sum();
        let mut entries: Vec<Entry<'_>> = Vec::with_capacity(total);
        let mut missing: BTreeSet<String> = BTreeSet::new();
        for plan in plans {
            missing.extend(plan.missing().iter().map(lock2nix_plan::Missing::what));
        }
        let entry = |si: usize, pos: usize| {
            let planned = &plans[si].packages[pos];
            Entry {
                attr: planned.attr.as_str(),
                si,
                pos,
                untouched: planned.recipe == Recipe::Untouched,
            }
        };
        // Every entry sorted by attribute, an attribute's entries in system order (a stable
        // sort's order). The plans' packages come sorted: their runs are merged (linear, no
        // scratch copy); otherwise they are sorted.
        if plans
            .iter()
            .all(|p| p.packages.is_sorted_by(|a, b| a.attr <= b.attr))
        {
            let mut next = vec![0usize; plans.len()];
            loop {
                // the smallest next attribute; on a tie the first system's
                let mut smallest: Option<(usize, &str)> = None;
                for (si, plan) in plans.iter().enumerate() {
                    if let Some(p) = plan.packages.get(next[si]) {
                        if smallest.is_none_or(|(_, attr)| p.attr.as_str() < attr) {
                            smallest = Some((si, p.attr.as_str()));
                        }
                    }
                }
                let Some((si, _)) = smallest else { break };
                entries.push(entry(si, next[si]));
                next[si] += 1;
            }
        } else {
            for (si, plan) in plans.iter().enumerate() {
                entries.extend((0..plan.packages.len()).map(|pos| entry(si, pos)));
            }
            entries.sort_by(|a, b| a.attr.cmp(b.attr));
        }
        let attrs: Vec<&[Entry<'_>]> = defined(&entries).collect();
        // Consecutive attributes go to one task (and one text): few allocations.
        let parts: Vec<Result<Printed, lock2nix_nix::PrintError>> = attrs
            .par_chunks(CHUNK)
            .map(|chunk| {
                let mut printed = Printed::with_capacity(
                    shell::DEFINITIONS_LEVEL,
                    chunk.len() * DEFINITION_BYTES,
                );
                for group in chunk {
                    // the most frequent shape is written without building its tree
                    match direct
                        .then(|| direct::write(plans, &systems, group, &mut printed))
                        .flatten()
                    {
                        Some(written) => written?,
                        None => printed.push(&definition(plans, &systems, group))?,
                    }
                }
                Ok(printed)
            })
            .collect();
        let attrs = attrs.len();
        Ok(Self {
            plans,
            systems,
            missing,
            entries,
            attrs,
            parts,
        })
    }
}

/// The attributes of sorted `entries` that are defined: each one's entries (those where every
/// system leaves nixpkgs' package untouched are left out).
fn defined<'e, 'a>(entries: &'e [Entry<'a>]) -> impl Iterator<Item = &'e [Entry<'a>]> {
    entries
        .chunk_by(|a, b| a.attr == b.attr)
        .filter(|group| group.iter().any(|e| !e.untouched))
}

/// The file around printed `definitions` of `o.plans`.
fn file(o: &Overlay<'_>, definitions: Definitions<'_>) -> Result<PrintedFile, EmitError> {
    let Definitions {
        plans,
        systems,
        missing,
        entries,
        attrs,
        parts,
    } = definitions;
    let python = plans[0].python;
    // the overlay is the printed definitions and a few KiB around them
    let printed_len: usize = parts
        .iter()
        .map(|p| p.as_ref().map_or(0, Printed::len))
        .sum();
    let mut bindings: Vec<Binding> = Vec::new();
    if !missing.is_empty() {
        bindings.push(
            Binding::assign(
                "lock2nixMissingHashes",
                Expr::list(missing.iter().cloned().map(Expr::string)),
            )
            .comment("WARNING: these sources have no known hash (or Cargo.lock); lib.fakeHash stands in for it.")
            .comment("The build fails with the right hash: run `lock2nix prefetch` and regenerate this file."),
        );
    }
    if attrs + bindings.len() < 2 {
        // A set of one binding may print on one line; pre-printed bindings are always vertical,
        // so the tree itself is kept (the printer chooses as for any set).
        bindings.extend(defined(&entries).map(|group| definition(plans, &systems, group)));
    } else {
        for part in parts {
            let part = part?;
            if !part.is_empty() {
                bindings.push(Binding::printed(part));
            }
        }
    }
    let file = shell::overlay_file(
        &shell::Shell {
            python,
            systems: &systems,
            layout: o.layout,
            workspace_root: o.workspace_root,
            source_root: o
                .source_root
                .filter(|_| o.plans.iter().any(Plan::uses_source_root)),
            header: o.header,
            envs: o.envs,
        },
        bindings,
    );
    Ok(lock2nix_nix::print_file_spliced(
        &file,
        printed_len + (64 << 10),
    )?)
}

/// The binding for one attribute from its [`Entry`]s: its definition on every system, merged.
fn definition<'a>(plans: &'a [Plan], systems: &[System], entries: &[Entry<'a>]) -> Binding<'a> {
    let attr = entries[0].attr;
    let untouched: Vec<System> = entries
        .iter()
        .filter(|e| e.untouched)
        .map(|e| plans[e.si].system)
        .collect();
    let mut exprs: Vec<(System, Expr)> = Vec::with_capacity(systems.len());
    let mut comments: Vec<String> = Vec::new();
    // each distinct decision is rendered once; a system whose decision is one already rendered
    // (a pure wheel, the same sdist) is that rendering's twin
    let mut rendered: Vec<(&lock2nix_plan::PlannedPackage, usize)> = Vec::new();
    let mut twins: Vec<(System, usize)> = Vec::new();
    let mut defined: Vec<System> = Vec::with_capacity(systems.len());
    for e in entries.iter().filter(|e| !e.untouched) {
        let plan = &plans[e.si];
        let planned = &plan.packages[e.pos];
        if let Some(&(_, at)) = rendered.iter().find(|(p, _)| p.same_decision(planned)) {
            twins.push((plan.system, at));
            defined.push(plan.system);
            continue;
        }
        if let Some(expr) = package::package_expr(planned, &mut comments) {
            rendered.push((planned, exprs.len()));
            exprs.push((plan.system, expr));
            defined.push(plan.system);
        }
    }
    // One rendering and nixpkgs' package nowhere: that rendering is the definition on every
    // system (merging would find every system's copy equal and keep it).
    let single = exprs.len() == 1 && untouched.is_empty();
    if !single {
        for &(s, at) in &twins {
            let twin = exprs[at].1.clone();
            exprs.push((s, twin));
        }
        // Where nixpkgs' package is the lock's, the overlay must keep it (not another system's
        // build); where the package is not in the closure at all, the definition is unused and
        // the first system's stands in (so that no system hits bySystem's throw).
        for s in systems {
            if defined.contains(s) {
                continue;
            }
            if untouched.contains(s) {
                exprs.push((*s, Expr::var(PP).attr(attr)));
            } else if let Some((_, first)) = exprs.first() {
                let first = first.clone();
                exprs.push((*s, first));
            }
        }
        exprs.sort_by_key(|(s, _)| systems.iter().position(|x| x == s));
    }
    if !untouched.is_empty() {
        let names: Vec<&str> = untouched.iter().map(|s| s.as_str()).collect();
        comments.push(format!("nixpkgs' own package on {}", names.join(", ")));
    }
    if entries.len() < systems.len() {
        let present: Vec<&str> = systems
            .iter()
            .filter(|s| untouched.contains(s) || defined.contains(s))
            .map(|s| s.as_str())
            .collect();
        comments.push(format!(
            "only in the lock's closure on {}",
            present.join(", ")
        ));
    }
    let value = if single {
        exprs.swap_remove(0).1
    } else {
        merge::merge(exprs)
    };
    let mut b = Binding::assign(attr, value);
    b.comments = comments;
    b
}
