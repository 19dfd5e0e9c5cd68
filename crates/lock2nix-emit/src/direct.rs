//! The most frequent definitions written without their trees: a package built by
//! `buildPythonPackage`/`buildPythonApplication` from a fetched wheel or sdist (native and
//! build inputs included), nothing customised, with the same decision on every system where it
//! is in the closure or decisions that differ only in the source's url and hash (a platform
//! wheel per system: those two written with `bySystem`, as merging gives them). The text is what
//! building the tree (`package`, `merge`) and printing it gives; any other definition is left to
//! the tree (`tests/direct.rs` compares both on the fixture locks and on synthetic plans).

use lock2nix_nix::{Direct, PrintError, Printed};
use lock2nix_plan::{Deps, Format, Fresh, Plan, PlannedPackage, Recipe, Src, SrcHash};
use lock2nix_wheel::System;

use crate::package::{action_comment, cycle_comment};
use crate::{Entry, PF};

/// The attribute's distinct decisions (in entry order, as `definition` renders them) when its
/// definition is one this module writes: no system keeps nixpkgs' package, every decision is a
/// fetched source with no Rust and no customisation, and the decisions differ at most in the
/// source's url and hash (then merged field by field: those two with `bySystem`, the rest
/// once).
fn eligible<'a>(plans: &'a [Plan], entries: &[Entry<'a>]) -> Option<Vec<&'a PlannedPackage>> {
    let first = entries.first()?;
    if entries.iter().any(|e| e.untouched) {
        return None;
    }
    let p = &plans[first.si].packages[first.pos];
    let Recipe::Fresh(f) = &p.recipe else {
        return None;
    };
    // every field named: one added to `Fresh` must be decided on here (and in `fresh` below)
    // before this compiles again
    let Fresh {
        application,
        src,
        format,
        deps,
        carry_build_inputs_from,
        native_build_inputs,
        build_inputs,
        cargo,
    } = f;
    let plain_format = match format {
        Format::Wheel => true,
        Format::Pyproject { subdirectory, .. } => subdirectory.is_none(),
    };
    let Src::Url { name: src_name, .. } = src else {
        return None;
    };
    if !plain_format || carry_build_inputs_from.is_some() || cargo.is_some() || !p.custom.is_empty()
    {
        return None;
    }
    let mut distinct: Vec<&'a PlannedPackage> = vec![p];
    for e in &entries[1..] {
        let q = &plans[e.si].packages[e.pos];
        if distinct.iter().any(|d| d.same_decision(q)) {
            continue;
        }
        // what the rendering shows of the decision, except the source's url and hash, is the
        // first's (the action's and the cycle's comments are gathered per decision)
        let Recipe::Fresh(g) = &q.recipe else {
            return None;
        };
        let Src::Url { name: n, .. } = &g.src else {
            return None;
        };
        if n != src_name
            || g.application != *application
            || g.format != *format
            || g.deps != *deps
            || g.carry_build_inputs_from.is_some()
            || g.native_build_inputs != *native_build_inputs
            || g.build_inputs != *build_inputs
            || g.cargo.is_some()
            || !q.custom.is_empty()
            || q.name != p.name
            || q.derivation_version != p.derivation_version
        {
            return None;
        }
        distinct.push(q);
    }
    Some(distinct)
}

/// Write the attribute's definition into `printed` when it has the shape this module writes:
/// `None` (nothing written) when it has not.
pub(crate) fn write(
    plans: &[Plan],
    systems: &[System],
    entries: &[Entry<'_>],
    printed: &mut Printed,
) -> Option<Result<(), PrintError>> {
    let distinct = eligible(plans, entries)?;
    let p = distinct[0];
    let Recipe::Fresh(f) = &p.recipe else {
        return None;
    };
    // the comments `definition` gives the binding: each decision's action and cycle (the
    // first decision's first, each unless it is there already), and where the package is in
    // the closure when that is not everywhere
    let mut comments: Vec<String> = Vec::new();
    for d in &distinct {
        if let Recipe::Fresh(g) = &d.recipe {
            let at = comments.len();
            cycle_comment(&g.deps, &mut comments);
            action_comment(d, &mut comments, at);
        }
    }
    if entries.len() < systems.len() {
        let present: Vec<&str> = systems
            .iter()
            .filter(|s| entries.iter().any(|e| plans[e.si].system == **s))
            .map(|s| s.as_str())
            .collect();
        comments.push(format!(
            "only in the lock's closure on {}",
            present.join(", ")
        ));
    }
    // with more than one decision, each system's source (where the package is not in the
    // closure, the first decision's stands in), in the systems' order, as merging takes them
    let per_system: Vec<(System, &Src)> = if distinct.len() > 1 {
        systems
            .iter()
            .map(|s| {
                let e = entries
                    .iter()
                    .find(|e| plans[e.si].system == *s)
                    .unwrap_or(&entries[0]);
                match &plans[e.si].packages[e.pos].recipe {
                    Recipe::Fresh(g) => (*s, &g.src),
                    _ => (*s, &f.src),
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    Some(printed.push_direct(|w| fresh(w, entries[0].attr, &comments, p, f, &per_system)))
}

/// `hash = …;` of a fetched source.
fn hash_binding(w: &mut Direct<'_>, name: &str, hash: &SrcHash) -> Result<(), PrintError> {
    match hash {
        SrcHash::Sri(s) => w.string(name, s),
        SrcHash::Missing => w.select(name, "lib", "fakeHash"),
    }
}

/// `package::fresh`'s bindings for the shapes [`eligible`] accepts, in its order; `per_system`
/// is every system's source (in the systems' order) when there is more than one decision, and
/// empty when there is one.
fn fresh(
    w: &mut Direct<'_>,
    attr: &str,
    comments: &[String],
    p: &PlannedPackage,
    f: &Fresh,
    per_system: &[(System, &Src)],
) -> Result<(), PrintError> {
    w.comments(comments)?;
    let builder = if f.application {
        "buildPythonApplication"
    } else {
        "buildPythonPackage"
    };
    // pname, version, format or pyproject, src, dependencies: always more than one binding
    w.open_apply(attr, PF, builder)?;
    w.string("pname", p.name.as_ref())?;
    w.string("version", &p.derivation_version)?;
    match &f.format {
        Format::Wheel => w.string("format", "wheel")?,
        Format::Pyproject { .. } => w.bool("pyproject", true)?,
    }
    if let Src::Url { name, url, hash } = &f.src {
        // url and hash: more than one binding
        w.open_apply("src", "final", "fetchurl")?;
        if let Some(n) = name {
            w.string("name", n)?;
        }
        // each of url and hash once when every system's is the same, else `bySystem`
        let urls = || {
            per_system.iter().map(|(s, src)| match src {
                Src::Url { url: u, .. } => (s, Some(u)),
                _ => (s, None),
            })
        };
        if urls().all(|(_, u)| u == Some(url)) {
            w.string("url", url)?;
        } else {
            // two systems or more (there are two decisions or more)
            w.open_apply_var("url", "bySystem")?;
            for (s, u) in urls() {
                w.string(s.as_str(), u.unwrap_or(url))?;
            }
            w.close();
        }
        let hashes = || {
            per_system.iter().map(|(s, src)| match src {
                Src::Url { hash: h, .. } => (s, Some(h)),
                _ => (s, None),
            })
        };
        if hashes().all(|(_, h)| h == Some(hash)) {
            hash_binding(w, "hash", hash)?;
        } else {
            w.open_apply_var("hash", "bySystem")?;
            for (s, h) in hashes() {
                hash_binding(w, s.as_str(), h.unwrap_or(hash))?;
            }
            w.close();
        }
        w.close();
    }
    if let Format::Pyproject { build_system, .. } = &f.format {
        w.select_list("build-system", PF, build_system)?;
    }
    if !f.native_build_inputs.is_empty() {
        w.path_list("nativeBuildInputs", "final", &f.native_build_inputs)?;
    }
    // `carry_build_inputs_from` is not written here (`eligible`)
    if !f.build_inputs.is_empty() {
        w.path_list("buildInputs", "final", &f.build_inputs)?;
    }
    // every field named, as in `eligible` (`cut` is the cycle comment's)
    let Deps {
        dependencies,
        optional,
        cut: _,
        remove,
    } = &f.deps;
    w.select_list("dependencies", PF, dependencies)?;
    match optional.as_slice() {
        [] => {}
        [(extra, list)] => w.one_select_list_set("optional-dependencies", extra, PF, list)?,
        more => {
            w.open_set("optional-dependencies")?;
            for (extra, list) in more {
                w.select_list(extra, PF, list)?;
            }
            w.close();
        }
    }
    if !remove.is_empty() {
        w.string_list("pythonRemoveDeps", remove)?;
    }
    w.close();
    Ok(())
}
