//! The environments: `mkEnvs python` = one `python.withPackages` per planned environment, and
//! an editable variant whose workspace members are nixpkgs' `mkPythonEditablePackage`s rooted
//! at `$REPO_ROOT` (expanded by Python when it starts).

use lock2nix_nix::{Binding, Expr};
use lock2nix_plan::{EditableMember, Env};
use lock2nix_wheel::System;

use crate::merge;

/// `ps.NAME`, or `editable.NAME` for an editable member.
fn pkg(attr: &str, editable: &[EditableMember]) -> Expr<'static> {
    if editable.iter().any(|m| m.attr == attr) {
        Expr::var("editable").attr(attr.to_owned())
    } else {
        Expr::var("ps").attr(attr.to_owned())
    }
}

/// One list per system, merged (`bySystem` only where the systems differ).
fn per_system_list<'a>(
    lists: impl Iterator<Item = (System, &'a [String])>,
    editable: &[EditableMember],
) -> Expr<'static> {
    merge::merge(
        lists
            .map(|(s, l)| (s, Expr::list(l.iter().map(|a| pkg(a, editable)))))
            .collect(),
    )
}

fn string_set(map: &std::collections::BTreeMap<String, String>) -> Expr<'static> {
    Expr::attrs(
        map.iter()
            .map(|(k, v)| Binding::assign(k.clone(), Expr::string(v.clone()))),
    )
}

/// What the editable variant's shell runs first: `$REPO_ROOT` must be set and hold the members.
pub(crate) fn shell_hook(members: &[EditableMember]) -> String {
    let names: Vec<&str> = members.iter().map(|m| m.attr.as_str()).collect();
    let dirs: Vec<&str> = members.iter().map(|m| m.dir.as_str()).collect();
    format!(
        r#"if [ -z "${{REPO_ROOT:-}}" ]; then
  echo 'lock2nix: REPO_ROOT is not set. This environment imports the workspace members {names} from $REPO_ROOT: set it to the directory of uv.lock in your working tree (e.g. export REPO_ROOT="$(git rev-parse --show-toplevel)") and enter the shell again.' >&2
  exit 1
fi
for d in {dirs}; do
  if [ ! -f "$REPO_ROOT/$d/pyproject.toml" ]; then
    echo "lock2nix: REPO_ROOT=$REPO_ROOT is not the workspace this environment was generated for: $d/pyproject.toml is missing there." >&2
    exit 1
  fi
done
"#,
        names = names.join(", "),
        dirs = dirs.join(" "),
    )
}

/// `editable.NAME = ps.mkPythonEditablePackage { … }`.
fn editable_member(m: &EditableMember, all: &[EditableMember]) -> Binding<'static> {
    let root = if m.path.is_empty() {
        "$REPO_ROOT".to_string()
    } else {
        format!("$REPO_ROOT/{}", m.path)
    };
    let mut args = vec![
        Binding::assign("pname", Expr::string(m.attr.clone())),
        Binding::assign("version", Expr::string(m.version.clone())),
        Binding::assign("root", Expr::string(root)),
        Binding::assign(
            "dependencies",
            per_system_list(m.dependencies.iter().map(|(s, d)| (*s, d.as_slice())), all),
        ),
    ];
    if !m.scripts.is_empty() {
        args.push(Binding::assign("scripts", string_set(&m.scripts)));
    }
    if !m.gui_scripts.is_empty() {
        args.push(Binding::assign("gui-scripts", string_set(&m.gui_scripts)));
    }
    Binding::assign(
        m.attr.clone(),
        Expr::var("ps")
            .attr("mkPythonEditablePackage")
            .apply(Expr::attrs(args)),
    )
    .comment(format!("{}: imported from the working tree", m.dir))
}

/// `python.withPackages (ps: …) // { scripts = …; }`.
fn env_expr<'a>(env: &'a Env, editable: &'a [EditableMember], hook: Option<String>) -> Expr<'a> {
    let list = merge::merge(
        env.systems
            .iter()
            .map(|s| {
                let e = match &s.unavailable {
                    Some(why) => Expr::var("throw").apply(Expr::string(why.as_str())),
                    None => Expr::list(s.requires.iter().map(|a| pkg(a, editable))),
                };
                (s.system, e)
            })
            .collect(),
    );
    let mut extra = vec![Binding::assign(
        "scripts",
        Expr::list(env.scripts.iter().map(|s| Expr::string(s.as_str()))),
    )];
    if let Some(h) = hook {
        extra.push(Binding::assign("shellHook", Expr::indented(h)));
    }
    Expr::var("python")
        .attr("withPackages")
        .apply(Expr::lambda_ident("ps", list))
        .update(Expr::attrs(extra))
}

/// `python: let ps = python.pkgs; editable = { … }; in { NAME = …; NAME-editable = …; }`.
pub(crate) fn mk_envs(envs: &[Env]) -> Expr<'_> {
    let mut members: Vec<EditableMember> = Vec::new();
    for e in envs {
        for m in &e.editable {
            match members.iter_mut().find(|x| x.attr == m.attr) {
                None => members.push(m.clone()),
                Some(x) => {
                    for (s, d) in &m.dependencies {
                        if !x.dependencies.iter().any(|(xs, _)| xs == s) {
                            x.dependencies.push((*s, d.clone()));
                        }
                    }
                }
            }
        }
    }
    members.sort_by(|a, b| a.attr.cmp(&b.attr));
    let mut bindings = Vec::new();
    for e in envs {
        let sizes: Vec<String> = e
            .systems
            .iter()
            .map(|s| match &s.unavailable {
                Some(_) => format!("{} unavailable", s.system),
                None => format!("{} {}", s.system, s.packages.len()),
            })
            .collect();
        bindings.push(
            Binding::assign(e.name().to_owned(), env_expr(e, &[], None)).comment(format!(
                "{}; packages: {}",
                e.spec.describe(),
                sizes.join(", ")
            )),
        );
        if !e.editable.is_empty() {
            bindings.push(
                Binding::assign(
                    e.spec.editable_name(),
                    env_expr(e, &e.editable, Some(shell_hook(&e.editable))),
                )
                .comment(format!(
                    "{} with {} editable from $REPO_ROOT",
                    e.name(),
                    e.editable
                        .iter()
                        .map(|m| m.attr.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
        }
    }
    let mut lets = vec![Binding::assign("ps", Expr::var("python").attr("pkgs"))];
    if !members.is_empty() {
        lets.push(
            Binding::assign(
                "editable",
                Expr::attrs(members.iter().map(|m| editable_member(m, &members))),
            )
            .comment("The workspace members as nixpkgs' editable packages: a .pth file puts $REPO_ROOT/<member> on sys.path."),
        );
    }
    Expr::lambda_ident("python", Expr::let_in(lets, Expr::attrs(bindings)))
}
