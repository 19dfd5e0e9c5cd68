//! The configuration's customisation as bindings: patches, substitutions, copies, post-install
//! steps, relaxed/removed dependencies, checks, outputs and extra attributes.

use lock2nix_nix::{Binding, Expr, StrPart};
use lock2nix_plan::{Customization, Substitution, Value};

use crate::{top_path, PF};

fn shell_arg(v: &Value) -> Expr<'_> {
    match v {
        Value::Str(s) => str_shell_arg(s),
        Value::Nix(n) => Expr::var("lib")
            .attr("escapeShellArg")
            .apply(Expr::var("toString").apply(Expr::trusted(n))),
    }
}

/// `lib.escapeShellArg "<s>"`.
fn str_shell_arg(s: &str) -> Expr<'_> {
    Expr::var("lib")
        .attr("escapeShellArg")
        .apply(Expr::string(s))
}

/// `substituteInPlace FILE --replace-fail FROM TO`, one command per substitution; `dir` prefixes
/// the file (a shell word, e.g. the site-packages directory after installation).
fn substitution_lines<'a>(subs: &'a [Substitution], dir: Option<Expr<'a>>) -> Vec<Expr<'a>> {
    subs.iter()
        .map(|s| {
            let mut parts = vec![StrPart::Lit("substituteInPlace ".into())];
            if let Some(d) = &dir {
                parts.push(StrPart::Lit("\"".into()));
                parts.push(StrPart::Interp(d.clone()));
                parts.push(StrPart::Lit("\"/".into()));
            }
            parts.push(StrPart::Interp(
                Expr::var("lib")
                    .attr("escapeShellArg")
                    .apply(Expr::string(s.file.clone())),
            ));
            parts.push(StrPart::Lit(" --replace-fail ".into()));
            parts.push(StrPart::Interp(str_shell_arg(&s.from)));
            parts.push(StrPart::Lit(" ".into()));
            parts.push(StrPart::Interp(shell_arg(&s.to)));
            Expr::Interpolated(parts)
        })
        .collect()
}

/// Shell text from the configuration: a literal (escaped) or a trusted Nix string expression.
fn shell_text(v: &Value) -> Expr<'_> {
    match v {
        Value::Str(s) => Expr::indented(s),
        Value::Nix(n) => Expr::trusted(n.clone()),
    }
}

/// `lib.concatLines [ … ]`: one shell command per element, readable in diffs.
fn script(lines: Vec<Expr<'_>>) -> Expr<'_> {
    Expr::var("lib")
        .attr("concatLines")
        .apply(Expr::list(lines))
}

/// Bindings from the configuration (shared by build and override).
pub(crate) fn custom_bindings<'a>(c: &'a Customization, is_override: bool) -> Vec<Binding<'a>> {
    let mut b = Vec::new();
    // A list attribute from the configuration: in an override it extends the recipe's list.
    let mut list_attr =
        |name: &'static str, items: &'a [String], item: fn(&'a str) -> Expr<'a>, when: bool| {
            if when && !items.is_empty() {
                let list = Expr::list(items.iter().map(|p| item(p)));
                b.push(Binding::assign(
                    name,
                    if is_override {
                        extend_old(name, list)
                    } else {
                        list
                    },
                ));
            }
        };
    list_attr("buildInputs", &c.build_inputs, top_path, true);
    list_attr(
        "propagatedBuildInputs",
        &c.propagated_build_inputs,
        top_path,
        true,
    );
    // for builds these three are merged into the lists package_expr writes
    list_attr(
        "nativeBuildInputs",
        &c.native_build_inputs,
        top_path,
        is_override,
    );
    list_attr("build-system", &c.build_system, crate::py, is_override);
    list_attr("dependencies", &c.dependencies, crate::py, is_override);
    if !c.patches.is_empty() {
        b.push(Binding::assign(
            "patches",
            Expr::list(c.patches.iter().map(|p| {
                Expr::var("workspaceRoot")
                    .add(Expr::string(format!("/{}", p.trim_start_matches("./"))))
            })),
        ));
    }
    let mut post_patch: Vec<Expr> = substitution_lines(&c.substitutions, None);
    post_patch.extend(c.post_patch.iter().map(shell_text));
    if !post_patch.is_empty() {
        b.push(Binding::assign("postPatch", script(post_patch)));
    }
    // built only for the packages that copy or substitute after installation
    let site = || {
        Expr::Interpolated(vec![
            StrPart::Lit("$out/".into()),
            StrPart::Interp(Expr::var(PF).attr("python").attr("sitePackages")),
        ])
    };
    let mut post_install: Vec<Expr> = Vec::new();
    for cp in &c.copy {
        // destination directory (a shell word) and the name inside it
        let to = cp.to.trim_matches('/');
        let (dir, rest) = if to == "site-packages" {
            (site(), String::new())
        } else if let Some(rest) = to.strip_prefix("site-packages/") {
            (site(), rest.to_string())
        } else {
            (Expr::string("$out"), to.to_string())
        };
        let (parent, name) = match rest.rsplit_once('/') {
            Some((p, n)) => (format!("/{p}"), n.to_string()),
            None => (String::new(), rest.clone()),
        };
        let quoted_dir = |extra: &str| -> Vec<StrPart> {
            let mut v = vec![StrPart::Lit("\"".into())];
            match &dir {
                Expr::Interpolated(parts) => v.extend(parts.iter().cloned()),
                Expr::Str(s) => v.push(StrPart::Lit(s.clone())),
                other => v.push(StrPart::Interp(other.clone())),
            }
            v.push(StrPart::Lit("\"".into()));
            if !extra.is_empty() {
                v.push(StrPart::Interp(
                    Expr::var("lib")
                        .attr("escapeShellArg")
                        .apply(Expr::string(extra.to_string())),
                ));
            }
            v
        };
        let mut line = vec![StrPart::Lit("mkdir -p ".into())];
        line.extend(quoted_dir(&parent));
        line.push(StrPart::Lit(" && cp -r ".into()));
        line.push(StrPart::Interp(
            Expr::var("lib")
                .attr("escapeShellArg")
                .apply(Expr::string(cp.from.clone())),
        ));
        line.push(StrPart::Lit(" ".into()));
        let dest = if name.is_empty() {
            parent.clone()
        } else {
            format!("{parent}/{name}")
        };
        line.extend(quoted_dir(&dest));
        post_install.push(Expr::Interpolated(line));
    }
    if !c.post_install_substitutions.is_empty() {
        post_install.extend(substitution_lines(
            &c.post_install_substitutions,
            Some(site()),
        ));
    }
    post_install.extend(c.post_install.iter().map(shell_text));
    if !post_install.is_empty() {
        b.push(Binding::assign("postInstall", script(post_install)));
    }
    match &c.python_relax_deps {
        Some(v) if v.is_empty() => b.push(Binding::assign("pythonRelaxDeps", Expr::bool(true))),
        Some(v) => b.push(Binding::assign(
            "pythonRelaxDeps",
            Expr::list(v.iter().cloned().map(Expr::string)),
        )),
        None => {}
    }
    if is_override && !c.python_remove_deps.is_empty() {
        b.push(Binding::assign(
            "pythonRemoveDeps",
            Expr::list(c.python_remove_deps.iter().cloned().map(Expr::string)),
        ));
    }
    if let Some(d) = c.do_check {
        b.push(Binding::assign("doCheck", Expr::bool(d)));
    }
    if !c.python_imports_check.is_empty() {
        b.push(Binding::assign(
            "pythonImportsCheck",
            Expr::list(c.python_imports_check.iter().cloned().map(Expr::string)),
        ));
    }
    if !c.outputs.is_empty() {
        let mut outs = vec!["out".to_string()];
        outs.extend(c.outputs.iter().filter(|o| *o != "out").cloned());
        b.push(Binding::assign(
            "outputs",
            Expr::list(outs.into_iter().map(Expr::string)),
        ));
    }
    for (k, v) in &c.extra_attrs {
        b.push(Binding::assign(k.clone(), Expr::trusted(v.clone())));
    }
    b
}

fn extend_old<'a>(attr: &'static str, list: Expr<'a>) -> Expr<'a> {
    Expr::select_or(Expr::var("old"), [attr], Expr::list([])).concat(list)
}
