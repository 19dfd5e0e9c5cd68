//! The most frequent definition written without its tree: a package built by
//! `buildPythonPackage`/`buildPythonApplication` from a fetched wheel or sdist, with the same
//! decision on every system where it is in the closure and nothing customised. The text is what
//! building the tree (`package`, `merge`) and printing it gives; any other definition is left to
//! the tree (`tests/direct.rs` compares both on the fixture locks and on synthetic plans).

use lock2nix_nix::{Direct, PrintError, Printed};
use lock2nix_plan::{Deps, Format, Fresh, Plan, PlannedPackage, Recipe, Src, SrcHash};
use lock2nix_wheel::System;

use crate::package::{action_comment, cycle_comment};
use crate::{Entry, PF};

/// The package and its recipe when the attribute's definition is one this module writes: no
/// system keeps nixpkgs' package and every system's decision is the first one's (the
/// definition is then that one rendering, unmerged), a fetched source, no native inputs, no
/// Rust, no customisation.
fn eligible<'a>(
    plans: &'a [Plan],
    entries: &[Entry<'a>],
) -> Option<(&'a PlannedPackage, &'a Fresh)> {
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
        application: _,
        src,
        format,
        deps: _,
        carry_build_inputs_from,
        native_build_inputs,
        build_inputs,
        cargo,
    } = f;
    let plain_format = match format {
        Format::Wheel => true,
        Format::Pyproject { subdirectory, .. } => subdirectory.is_none(),
    };
    if !plain_format
        || !matches!(src, Src::Url { .. })
        || !native_build_inputs.is_empty()
        || !build_inputs.is_empty()
        || carry_build_inputs_from.is_some()
        || cargo.is_some()
        || !p.custom.is_empty()
    {
        return None;
    }
    if !entries[1..]
        .iter()
        .all(|e| p.same_decision(&plans[e.si].packages[e.pos]))
    {
        return None;
    }
    Some((p, f))
}

/// Write the attribute's definition into `printed` when it has the shape this module writes:
/// `None` (nothing written) when it has not.
pub(crate) fn write(
    plans: &[Plan],
    systems: &[System],
    entries: &[Entry<'_>],
    printed: &mut Printed,
) -> Option<Result<(), PrintError>> {
    let (p, f) = eligible(plans, entries)?;
    // the comments `definition` gives the binding: the action's, the cycle's, and where the
    // package is in the closure when that is not everywhere
    let mut comments: Vec<String> = Vec::new();
    cycle_comment(&f.deps, &mut comments);
    action_comment(p, &mut comments, 0);
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
    Some(printed.push_direct(|w| fresh(w, entries[0].attr, &comments, p, f)))
}

/// `package::fresh`'s bindings for the shapes [`eligible`] accepts, in its order.
fn fresh(
    w: &mut Direct<'_>,
    attr: &str,
    comments: &[String],
    p: &PlannedPackage,
    f: &Fresh,
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
        w.string("url", url)?;
        match hash {
            SrcHash::Sri(s) => w.string("hash", s)?,
            SrcHash::Missing => w.select("hash", "lib", "fakeHash")?,
        }
        w.close();
    }
    if let Format::Pyproject { build_system, .. } = &f.format {
        w.select_list("build-system", PF, build_system)?;
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
