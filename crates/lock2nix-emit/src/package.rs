//! One package's definition on one system, per recipe.

use lock2nix_nix::{Binding, Expr, StrPart};
use lock2nix_plan::{CargoDeps, Deps, Format, Fresh, PlannedPackage, Recipe};

use crate::custom::custom_bindings;
use crate::source::src;
use crate::{py, top_path, PP};

/// The definition; `None` for [`Recipe::Untouched`]. Its comment lines are added to `comments`,
/// each unless it is there already (the same action on another system).
pub(crate) fn package_expr<'a>(
    p: &'a PlannedPackage,
    comments: &mut Vec<String>,
) -> Option<Expr<'a>> {
    // the action's line goes before the cycle's, which the recipes add
    let first = comments.len();
    let expr = match &p.recipe {
        Recipe::Untouched => return None,
        Recipe::Reuse { nixpkgs_attr } => {
            let base = if nixpkgs_attr == &p.attr {
                Expr::var(PP).attr(nixpkgs_attr)
            } else {
                py(nixpkgs_attr)
            };
            if p.custom.is_empty() {
                base
            } else {
                base.attr("overridePythonAttrs").apply(Expr::lambda_ident(
                    "old",
                    Expr::attrs(custom_bindings(&p.custom, true)),
                ))
            }
        }
        Recipe::Swap {
            nixpkgs_attr,
            src: s,
            deps,
        } => {
            cycle_comment(deps, comments);
            let mut b = vec![
                Binding::assign("version", Expr::string(&p.derivation_version)),
                Binding::assign("src", src(s)),
            ];
            dep_bindings(deps, &mut b);
            if p.custom.do_check.is_none() {
                b.push(
                    Binding::assign("doCheck", Expr::bool(false))
                        .comment("nixpkgs' tests are for its version; this sdist may lack them"),
                );
            }
            b.extend(custom_bindings(&p.custom, true));
            Expr::var(PP)
                .attr(nixpkgs_attr)
                .attr("overridePythonAttrs")
                .apply(Expr::lambda_ident("old", Expr::attrs(b)))
        }
        Recipe::Meta { deps } => {
            cycle_comment(deps, comments);
            let mut b = vec![
                Binding::assign("pname", Expr::string(p.name.as_ref())),
                Binding::assign("version", Expr::string(&p.derivation_version)),
                Binding::assign(
                    "dependencies",
                    Expr::list(deps.dependencies.iter().map(|d| py(d))),
                ),
            ];
            if !deps.optional.is_empty() {
                b.push(optional(deps));
            }
            py("mkPythonMetaPackage").apply(Expr::attrs(b))
        }
        Recipe::Fresh(f) => {
            cycle_comment(&f.deps, comments);
            fresh(p, f)
        }
    };
    action_comment(p, comments, first);
    Some(expr)
}

/// Insert `<action>: <reason>` into `comments` at `at` unless it is there (compared and written
/// without the formatting machinery: one per package).
pub(crate) fn action_comment(p: &PlannedPackage, comments: &mut Vec<String>, at: usize) {
    let action = p.action.as_str();
    let reason = p.reason.as_str();
    if comments
        .iter()
        .any(|c| c.strip_prefix(action).and_then(|r| r.strip_prefix(": ")) == Some(reason))
    {
        return;
    }
    let mut c = String::with_capacity(action.len() + 2 + reason.len());
    c.push_str(action);
    c.push_str(": ");
    c.push_str(reason);
    comments.insert(at, c);
}

pub(crate) fn cycle_comment(deps: &Deps, comments: &mut Vec<String>) {
    if !deps.cut.is_empty() {
        let c = format!(
            "dependency cycle: {} left out of dependencies (it still reaches the environment through the cycle)",
            deps.cut.join(", ")
        );
        if !comments.contains(&c) {
            comments.push(c);
        }
    }
}

fn optional(deps: &Deps) -> Binding<'_> {
    Binding::assign(
        "optional-dependencies",
        Expr::attrs(
            deps.optional
                .iter()
                .map(|(extra, v)| Binding::assign(extra, Expr::list(v.iter().map(|d| py(d))))),
        ),
    )
}

/// `dependencies`, `optional-dependencies` and `pythonRemoveDeps`.
fn dep_bindings<'a>(deps: &'a Deps, b: &mut Vec<Binding<'a>>) {
    b.push(Binding::assign(
        "dependencies",
        Expr::list(deps.dependencies.iter().map(|d| py(d))),
    ));
    if !deps.optional.is_empty() {
        b.push(optional(deps));
    }
    if !deps.remove.is_empty() {
        b.push(Binding::assign(
            "pythonRemoveDeps",
            Expr::list(deps.remove.iter().map(Expr::string)),
        ));
    }
}

fn fresh<'a>(p: &'a PlannedPackage, f: &'a Fresh) -> Expr<'a> {
    // room for the usual bindings: the vector is not grown along the way
    let mut b = Vec::with_capacity(12);
    b.push(Binding::assign("pname", Expr::string(p.name.as_ref())));
    b.push(Binding::assign(
        "version",
        Expr::string(&p.derivation_version),
    ));
    let mut let_src = None;
    match &f.format {
        Format::Wheel => {
            b.push(Binding::assign("format", Expr::string("wheel")));
            b.push(Binding::assign("src", src(&f.src)));
        }
        Format::Pyproject {
            build_system,
            subdirectory,
            ..
        } => {
            b.push(Binding::assign("pyproject", Expr::bool(true)));
            match subdirectory {
                // the source root is a sub-directory of the unpacked source: `${src.name}/sub`
                Some(sub) => {
                    let_src = Some(src(&f.src));
                    b.push(Binding::inherit(["src"]));
                    b.push(Binding::assign(
                        "sourceRoot",
                        Expr::Interpolated(vec![
                            StrPart::Interp(Expr::var("src").attr("name")),
                            StrPart::Lit(format!("/{sub}").into()),
                        ]),
                    ));
                }
                None => b.push(Binding::assign("src", src(&f.src))),
            }
            b.push(Binding::assign(
                "build-system",
                Expr::list(build_system.iter().map(|n| py(n))),
            ));
        }
    }
    if !f.native_build_inputs.is_empty() {
        b.push(Binding::assign(
            "nativeBuildInputs",
            Expr::list(f.native_build_inputs.iter().map(|n| top_path(n))),
        ));
    }
    let listed = Expr::list(f.build_inputs.iter().map(|n| top_path(n)));
    match &f.carry_build_inputs_from {
        Some(attr) => b.push(
            Binding::assign(
                "buildInputs",
                extend_from(attr, listed, f.build_inputs.is_empty()),
            )
            .comment(format!("native libraries as nixpkgs' {attr} links them")),
        ),
        None if !f.build_inputs.is_empty() => b.push(Binding::assign("buildInputs", listed)),
        None => {}
    }
    match &f.cargo {
        Some(CargoDeps::Lock { path, root }) => {
            // a `./`-relative path literal (`./../x` too: Nix resolves it against this file)
            b.push(Binding::assign(
                "cargoDeps",
                Expr::var("final")
                    .attr("rustPlatform")
                    .attr("importCargoLock")
                    .apply(Expr::attrs([Binding::assign(
                        "lockFile",
                        Expr::path(format!("./{}", path.trim_start_matches("./"))),
                    )])),
            ));
            if let Some(root) = root {
                b.push(
                    Binding::assign("cargoRoot", Expr::string(root))
                        .comment("where the sdist's Cargo.lock is"),
                );
            }
        }
        Some(CargoDeps::Missing) => b.push(Binding::assign(
            "cargoDeps",
            Expr::var("throw").apply(Expr::string(format!(
                "lock2nix: no Cargo.lock was extracted for {} {}; run `lock2nix prefetch` and regenerate this file",
                p.name, p.version
            ))),
        )),
        Some(CargoDeps::Unsupported(crates)) => b.push(Binding::assign(
            "cargoDeps",
            Expr::var("throw").apply(Expr::string(format!(
                "lock2nix: the Cargo.lock of {} {} has {} crate(s) importCargoLock cannot fetch without outputHashes (first: {}); set this package's cargoDeps yourself",
                p.name,
                p.version,
                crates.len(),
                crates.first().map(String::as_str).unwrap_or("")
            ))),
        )),
        None => {}
    }
    dep_bindings(&f.deps, &mut b);
    b.extend(custom_bindings(&p.custom, false));
    let builder = if f.application {
        "buildPythonApplication"
    } else {
        "buildPythonPackage"
    };
    let call = py(builder).apply(Expr::attrs(b));
    match let_src {
        Some(s) => Expr::let_in([Binding::assign("src", s)], call),
        None => call,
    }
}

/// `python-prev.<attr path>.buildInputs or [ ]`, followed by `listed` unless it is empty.
fn extend_from<'a>(attr: &'a str, listed: Expr<'a>, listed_empty: bool) -> Expr<'a> {
    let carried = Expr::select_or(
        Expr::var(PP),
        attr.split('.').chain(["buildInputs"]),
        Expr::list([]),
    );
    if listed_empty {
        carried
    } else {
        carried.concat(listed)
    }
}
