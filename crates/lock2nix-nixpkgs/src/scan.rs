//! Building an [`Index`] by statically scanning a nixpkgs source tree with `rnix` (nothing is evaluated).
//!
//! * `pkgs/top-level/python-packages.nix`: the big `self: super: with self; { ... }` set. Each binding is
//!   classified: `callPackage <path> { }` (possibly wrapped in `toPythonModule`, `toPythonApplication`,
//!   `disabledIf <cond>`, ...) points at a recipe file; `foo = bar;` / `foo = self.bar;` is an alias of
//!   `bar`; `foo = throw "..."` is a removed alias and skipped (as evaluation with `allowAliases = false`
//!   does); anything else (`psycopg.c`, `toPythonModule (pkgs.opencv4.override { ... })`) is recorded with
//!   no version and a note saying what it is.
//! * Each referenced recipe (`pkgs/development/python-modules/*/default.nix` and friends): the
//!   `buildPythonPackage rec { ... }` / `buildPythonPackage (finalAttrs: { ... })` call that the file
//!   returns. Only literal `pname`/`version` strings are taken (also through `inherit pname version;` from a
//!   literal `let` binding, and from a literal `name = "foo-1.0"`); a version written as an expression is
//!   recorded as `version_expr`, never guessed. `pname` defaults to the attribute name. `meta.broken` and
//!   `disabled` are taken when literal (absent means `false`); otherwise `None` with a note.
//! * `pkgs/by-name/*/*/package.nix` files that call `buildPythonPackage` / `buildPythonApplication`: these
//!   are top-level packages ([`Scope::TopLevel`]), not members of the Python set.
//!
//! A parse error in a recipe is recorded as a note on its attribute, not fatal. Files are parsed in
//! parallel (rayon); the result is deterministic.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;
use rnix::ast::{self, HasEntry};
use rnix::{Root, SyntaxKind, SyntaxNode};
use rowan::ast::AstNode;

use crate::error::{Error, Result};
use crate::index::{Entry, Index, IndexMeta, IndexSource, Scope};

const BUILD_FUNCTIONS: [&str; 3] = [
    "buildPythonPackage",
    "buildPythonApplication",
    "mkPythonMetaPackage",
];
const WRAPPERS: [&str; 5] = [
    "toPythonModule",
    "toPythonApplication",
    "recurseIntoAttrs",
    "dontRecurseIntoAttrs",
    "lib.recurseIntoAttrs",
];

/// What a recipe file says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Recipe {
    pname: Option<String>,
    version: Option<String>,
    version_expr: Option<String>,
    broken: Option<bool>,
    disabled: Option<bool>,
    notes: Vec<String>,
}

/// How python-packages.nix defines one attribute.
#[derive(Debug, Clone)]
enum Def {
    File {
        path: PathBuf,
        wrapper_notes: Vec<String>,
        disabled: Option<bool>,
    },
    Alias(String),
    Other(String),
}

fn compact(text: &str, max: usize) -> String {
    let s = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() > max {
        let mut t: String = s.chars().take(max).collect();
        t.push_str("...");
        t
    } else {
        s
    }
}

fn text_of(node: &SyntaxNode) -> String {
    compact(&node.text().to_string(), 200)
}

/// The literal value of a string expression without interpolation.
fn literal_string(expr: &ast::Expr) -> Option<String> {
    let ast::Expr::Str(s) = strip_parens(expr) else {
        return None;
    };
    let mut out = String::new();
    let mut multiline = false;
    for el in s.syntax().children_with_tokens() {
        match el {
            rowan::NodeOrToken::Node(_) => return None, // interpolation
            rowan::NodeOrToken::Token(t) => match t.kind() {
                SyntaxKind::TOKEN_STRING_CONTENT => out.push_str(t.text()),
                SyntaxKind::TOKEN_STRING_START => multiline = t.text() == "''",
                _ => {}
            },
        }
    }
    if multiline {
        return Some(out.trim().to_string());
    }
    // unescape the few escapes Nix has
    let mut res = String::with_capacity(out.len());
    let mut it = out.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            match it.next() {
                Some('n') => res.push('\n'),
                Some('t') => res.push('\t'),
                Some('r') => res.push('\r'),
                Some(o) => res.push(o),
                None => res.push('\\'),
            }
        } else {
            res.push(c);
        }
    }
    Some(res)
}

fn literal_bool(expr: &ast::Expr) -> Option<bool> {
    match strip_parens(expr) {
        ast::Expr::Ident(i) => match i.syntax().text().to_string().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

fn strip_parens(expr: &ast::Expr) -> ast::Expr {
    let mut e = expr.clone();
    while let ast::Expr::Paren(p) = &e {
        match p.expr() {
            Some(inner) => e = inner,
            None => break,
        }
    }
    e
}

/// `foo` or `a.b.foo` → `"foo"` / `"a.b.foo"`.
fn dotted_name(expr: &ast::Expr) -> Option<String> {
    match strip_parens(expr) {
        ast::Expr::Ident(i) => Some(i.syntax().text().to_string()),
        ast::Expr::Select(s) => {
            if s.default_expr().is_some() {
                return None;
            }
            let base = dotted_name(&s.expr()?)?;
            let mut parts = vec![base];
            for a in s.attrpath()?.attrs() {
                match a {
                    ast::Attr::Ident(i) => parts.push(i.syntax().text().to_string()),
                    _ => return None,
                }
            }
            Some(parts.join("."))
        }
        _ => None,
    }
}

fn last_segment(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

/// Single-identifier attrpath of a binding (`foo = ...;`), or `None` for `a.b = ...;` / dynamic names.
fn binding_names(apv: &ast::AttrpathValue) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for a in apv.attrpath()?.attrs() {
        match a {
            ast::Attr::Ident(i) => out.push(i.syntax().text().to_string()),
            ast::Attr::Str(s) => out.push(literal_string(&ast::Expr::Str(s))?),
            ast::Attr::Dynamic(_) => return None,
        }
    }
    Some(out)
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()
        .iter()
        .take(offset.min(text.len()))
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

fn parse_error_note(file: &Path, text: &str, errors: &[rnix::ParseError]) -> String {
    let first = &errors[0];
    let at = match first {
        rnix::ParseError::Unexpected(r)
        | rnix::ParseError::UnexpectedExtra(r)
        | rnix::ParseError::UnexpectedWanted(_, r, _)
        | rnix::ParseError::UnexpectedDoubleBind(r)
        | rnix::ParseError::DuplicatedArgs(r, _) => {
            format!(":{}", line_of(text, usize::from(r.start())))
        }
        _ => String::new(),
    };
    format!(
        "parse error in {}{at}: {first}; nothing taken from this file",
        file.display()
    )
}

/// Splits a derivation name like Nix's `builtins.parseDrvName`: the version starts at the first `-`
/// followed by a character that is not a letter.
fn parse_drv_name(name: &str) -> (String, Option<String>) {
    let bytes = name.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'-' {
            if let Some(next) = bytes.get(i + 1) {
                if !next.is_ascii_alphabetic() {
                    return (name[..i].to_string(), Some(name[i + 1..].to_string()));
                }
            }
        }
    }
    (name.to_string(), None)
}

/// Literal `let` bindings visible at `node` (innermost wins).
fn let_literals(node: &SyntaxNode) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for anc in node.ancestors() {
        if let Some(l) = ast::LetIn::cast(anc.clone()) {
            for apv in l.attrpath_values() {
                if let (Some(names), Some(v)) = (binding_names(&apv), apv.value()) {
                    if let ([n], Some(lit)) = (names.as_slice(), literal_string(&v)) {
                        out.entry(n.clone()).or_insert(lit);
                    }
                }
            }
        }
    }
    out
}

/// Is `expr` a call of a Python build function? Returns its argument attrset.
fn build_call_attrset(expr: &ast::Expr) -> Option<ast::AttrSet> {
    let ast::Expr::Apply(app) = strip_parens(expr) else {
        return None;
    };
    let f = dotted_name(&app.lambda()?)?;
    if !BUILD_FUNCTIONS.contains(&last_segment(&f)) {
        return None;
    }
    let mut arg = strip_parens(&app.argument()?);
    loop {
        match arg {
            ast::Expr::AttrSet(s) => return Some(s),
            ast::Expr::Lambda(l) => arg = strip_parens(&l.body()?),
            ast::Expr::LetIn(l) => arg = strip_parens(&l.body()?),
            ast::Expr::With(w) => arg = strip_parens(&w.body()?),
            _ => return None,
        }
    }
}

/// Follows what a file returns (through lambdas, `let`, `with`, `if`, `assert` and wrapper calls) to the
/// build call; falls back to the first build call in the file.
fn find_build_call(root: &ast::Expr) -> Option<ast::AttrSet> {
    fn tail(e: &ast::Expr, depth: usize) -> Option<ast::AttrSet> {
        if depth > 64 {
            return None;
        }
        if let Some(s) = build_call_attrset(e) {
            return Some(s);
        }
        match strip_parens(e) {
            ast::Expr::Lambda(l) => tail(&l.body()?, depth + 1),
            ast::Expr::LetIn(l) => tail(&l.body()?, depth + 1),
            ast::Expr::With(w) => tail(&w.body()?, depth + 1),
            ast::Expr::Assert(a) => tail(&a.body()?, depth + 1),
            ast::Expr::IfElse(i) => i
                .else_body()
                .and_then(|b| tail(&b, depth + 1))
                .or_else(|| i.body().and_then(|b| tail(&b, depth + 1))),
            ast::Expr::Apply(a) => a.argument().and_then(|b| tail(&b, depth + 1)),
            _ => None,
        }
    }
    tail(root, 0).or_else(|| {
        root.syntax()
            .descendants()
            .filter_map(ast::Expr::cast)
            .find_map(|e| build_call_attrset(&e))
    })
}

/// Reads `pname`, `version`, `meta.broken`, `disabled` from a build call's attrset.
fn read_recipe_attrs(set: &ast::AttrSet) -> Recipe {
    let lets = let_literals(set.syntax());
    let mut r = Recipe::default();
    let mut name: Option<String> = None;
    let mut saw_meta = false;
    let mut saw_disabled = false;
    let mut meta_unknown = false;
    for entry in set.entries() {
        match entry {
            ast::Entry::Inherit(inh) => {
                let from = inh
                    .from()
                    .and_then(|f| f.expr())
                    .map(|e| text_of(e.syntax()));
                for a in inh.attrs() {
                    let ast::Attr::Ident(i) = a else { continue };
                    let n = i.syntax().text().to_string();
                    if n != "pname" && n != "version" {
                        continue;
                    }
                    let lit = if from.is_none() {
                        lets.get(&n).cloned()
                    } else {
                        None
                    };
                    let expr = match &from {
                        Some(f) => format!("inherit ({f}) {n}"),
                        None => format!("inherit {n}"),
                    };
                    match (n.as_str(), lit) {
                        ("pname", Some(l)) => r.pname = Some(l),
                        ("pname", None) => r.notes.push(format!("pname is not a literal: {expr}")),
                        ("version", Some(l)) => r.version = Some(l),
                        (_, None) => r.version_expr = Some(expr),
                        _ => {}
                    }
                }
            }
            ast::Entry::AttrpathValue(apv) => {
                let (Some(names), Some(value)) = (binding_names(&apv), apv.value()) else {
                    continue;
                };
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                match names.as_slice() {
                    ["pname"] => match literal_string(&value) {
                        Some(l) => r.pname = Some(l),
                        None => r.notes.push(format!(
                            "pname is not a literal: {}",
                            text_of(value.syntax())
                        )),
                    },
                    ["version"] => match literal_string(&value) {
                        Some(l) => r.version = Some(l),
                        None => r.version_expr = Some(text_of(value.syntax())),
                    },
                    ["name"] => name = literal_string(&value),
                    ["disabled"] => {
                        saw_disabled = true;
                        r.disabled = literal_bool(&value);
                        if r.disabled.is_none() {
                            r.notes.push(format!(
                                "disabled = {} (depends on the interpreter)",
                                text_of(value.syntax())
                            ));
                        }
                    }
                    ["meta", "broken"] => {
                        saw_meta = true;
                        r.broken = literal_bool(&value);
                        if r.broken.is_none() {
                            r.notes
                                .push(format!("meta.broken = {}", text_of(value.syntax())));
                        }
                    }
                    ["meta"] => {
                        saw_meta = true;
                        let mut m = strip_parens(&value);
                        while let ast::Expr::With(w) = &m {
                            match w.body() {
                                Some(b) => m = strip_parens(&b),
                                None => break,
                            }
                        }
                        match m {
                            ast::Expr::AttrSet(ms) => {
                                let mut found = false;
                                for apv in ms.attrpath_values() {
                                    let Some(n) = binding_names(&apv) else {
                                        continue;
                                    };
                                    if n == ["broken"] {
                                        found = true;
                                        if let Some(v) = apv.value() {
                                            r.broken = literal_bool(&v);
                                            if r.broken.is_none() {
                                                r.notes.push(format!(
                                                    "meta.broken = {}",
                                                    text_of(v.syntax())
                                                ));
                                            }
                                        }
                                    }
                                }
                                if !found {
                                    r.broken = Some(false);
                                }
                            }
                            other => {
                                meta_unknown = true;
                                r.notes.push(format!(
                                    "meta is not a literal set: {}",
                                    text_of(other.syntax())
                                ));
                            }
                        }
                    }
                    ["meta", ..] => saw_meta = true,
                    _ => {}
                }
            }
        }
    }
    let broken_unknown = meta_unknown || r.notes.iter().any(|n| n.starts_with("meta.broken"));
    if r.broken.is_none() && (!saw_meta || !broken_unknown) {
        r.broken = Some(false);
    }
    if !saw_disabled {
        r.disabled = Some(false);
    }
    if let Some(n) = name {
        let (p, v) = parse_drv_name(&n);
        if r.pname.is_none() && !r.notes.iter().any(|x| x.starts_with("pname")) {
            r.pname = Some(p);
        }
        if r.version.is_none() && r.version_expr.is_none() {
            r.version = v;
        }
    }
    r
}

/// Scans one recipe file.
fn scan_recipe(path: &Path) -> Recipe {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            return Recipe {
                notes: vec![format!("cannot read {}: {e}", path.display())],
                ..Recipe::default()
            }
        }
    };
    let parse = Root::parse(&text);
    if !parse.errors().is_empty() {
        return Recipe {
            notes: vec![parse_error_note(path, &text, parse.errors())],
            ..Recipe::default()
        };
    }
    let Some(expr) = parse.tree().expr() else {
        return Recipe {
            notes: vec![format!("{} is empty", path.display())],
            ..Recipe::default()
        };
    };
    match find_build_call(&expr) {
        Some(set) => read_recipe_attrs(&set),
        None => Recipe {
            notes: vec![format!(
                "no buildPythonPackage/buildPythonApplication call found in {}",
                path.display()
            )],
            ..Recipe::default()
        },
    }
}

/// Lexically joins `base` and a relative Nix path, resolving `.` and `..`.
fn join_lexically(base: &Path, rel: &str) -> PathBuf {
    let mut out = base.to_path_buf();
    for c in Path::new(rel).components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            Component::Normal(p) => out.push(p),
            Component::RootDir | Component::Prefix(_) => out = PathBuf::from(c.as_os_str()),
        }
    }
    out
}

/// Classifies the value of one python-packages.nix binding.
fn classify(value: &ast::Expr, dir: &Path) -> Option<Def> {
    let mut e = strip_parens(value);
    let mut wrapper_notes = Vec::new();
    let mut disabled = None;
    for _ in 0..16 {
        let ast::Expr::Apply(app) = &e else { break };
        let (Some(func), Some(arg)) = (app.lambda(), app.argument()) else {
            break;
        };
        let func = strip_parens(&func);
        if let Some(name) = dotted_name(&func) {
            if WRAPPERS.contains(&name.as_str()) || WRAPPERS.contains(&last_segment(&name)) {
                wrapper_notes.push(format!("wrapped in {}", last_segment(&name)));
                e = strip_parens(&arg);
                continue;
            }
            if last_segment(&name) == "throw" || name == "abort" {
                return None; // a removed alias
            }
        }
        // disabledIf <cond> <drv>
        if let ast::Expr::Apply(inner) = &func {
            if inner
                .lambda()
                .and_then(|l| dotted_name(&l))
                .is_some_and(|n| last_segment(&n) == "disabledIf")
            {
                let cond = inner.argument();
                disabled = cond.as_ref().and_then(literal_bool);
                wrapper_notes.push(format!(
                    "disabledIf {}",
                    cond.map(|c| text_of(c.syntax())).unwrap_or_default()
                ));
                e = strip_parens(&arg);
                continue;
            }
            // callPackage <path> { ... }
            let callee = inner.lambda().and_then(|l| dotted_name(&l));
            if callee.as_deref().map(last_segment) == Some("callPackage") {
                if let Some(ast::Expr::PathRel(p)) = inner.argument().map(|a| strip_parens(&a)) {
                    let rel = p.syntax().text().to_string();
                    let mut path = join_lexically(dir, &rel);
                    if path.is_dir() {
                        path.push("default.nix");
                    }
                    return Some(Def::File {
                        path,
                        wrapper_notes,
                        disabled,
                    });
                }
            }
        }
        break;
    }
    if let Some(name) = dotted_name(&e) {
        let parts: Vec<&str> = name.split('.').collect();
        match parts.as_slice() {
            [target] => return Some(Def::Alias((*target).to_string())),
            ["self" | "final" | "python-final", target] => {
                return Some(Def::Alias((*target).to_string()))
            }
            _ => {}
        }
    }
    let mut what = format!("defined as `{}`", text_of(value.syntax()));
    if !wrapper_notes.is_empty() {
        what.push_str(&format!(" ({})", wrapper_notes.join(", ")));
    }
    Some(Def::Other(what))
}

/// The attribute set python-packages.nix returns: through lambdas, `with`, `let`, parens and `//`.
fn package_sets(e: &ast::Expr, out: &mut Vec<ast::AttrSet>, depth: usize) {
    if depth > 32 {
        return;
    }
    match strip_parens(e) {
        ast::Expr::AttrSet(s) => out.push(s),
        ast::Expr::Lambda(l) => {
            if let Some(b) = l.body() {
                package_sets(&b, out, depth + 1)
            }
        }
        ast::Expr::With(w) => {
            if let Some(b) = w.body() {
                package_sets(&b, out, depth + 1)
            }
        }
        ast::Expr::LetIn(l) => {
            if let Some(b) = l.body() {
                package_sets(&b, out, depth + 1)
            }
        }
        ast::Expr::BinOp(b) => {
            if let Some(l) = b.lhs() {
                package_sets(&l, out, depth + 1)
            }
            if let Some(r) = b.rhs() {
                package_sets(&r, out, depth + 1)
            }
        }
        _ => {}
    }
}

fn by_name_python_files(root: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let Ok(shards) = std::fs::read_dir(root.join("pkgs/by-name")) else {
        return out;
    };
    let mut shard_dirs: Vec<PathBuf> = shards.filter_map(|d| d.ok().map(|d| d.path())).collect();
    shard_dirs.sort();
    for shard in shard_dirs {
        let Ok(pkgs) = std::fs::read_dir(&shard) else {
            continue;
        };
        let mut dirs: Vec<PathBuf> = pkgs.filter_map(|d| d.ok().map(|d| d.path())).collect();
        dirs.sort();
        for d in dirs {
            let file = d.join("package.nix");
            let Some(name) = d.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if file.is_file() {
                out.push((name.to_string(), file));
            }
        }
    }
    out
}

/// Scans a nixpkgs checkout (see the module docs).
pub fn index_from_source_tree(path: impl AsRef<Path>) -> Result<Index> {
    let root = path.as_ref();
    let pp = root.join("pkgs/top-level/python-packages.nix");
    let text = std::fs::read_to_string(&pp).map_err(|e| Error::NotNixpkgs {
        path: pp.clone(),
        detail: format!("cannot read it ({e}); is this a nixpkgs source tree?"),
    })?;
    let parse = Root::parse(&text);
    let mut sets = Vec::new();
    if let Some(e) = parse.tree().expr() {
        package_sets(&e, &mut sets, 0);
    }
    if sets.is_empty() {
        let detail = match parse.errors().first() {
            Some(err) => format!("no attribute set found (parse error: {err})"),
            None => "no attribute set found".to_string(),
        };
        return Err(Error::NotNixpkgs { path: pp, detail });
    }
    let dir = pp.parent().unwrap_or(root).to_path_buf();
    let mut defs: BTreeMap<String, Def> = BTreeMap::new();
    for set in &sets {
        for entry in set.entries() {
            match entry {
                ast::Entry::AttrpathValue(apv) => {
                    let (Some(names), Some(value)) = (binding_names(&apv), apv.value()) else {
                        continue;
                    };
                    let [name] = names.as_slice() else { continue };
                    if let Some(def) = classify(&value, &dir) {
                        defs.insert(name.clone(), def);
                    } else {
                        defs.remove(name);
                    }
                }
                ast::Entry::Inherit(inh) => {
                    let from = inh
                        .from()
                        .and_then(|f| f.expr())
                        .map(|e| text_of(e.syntax()));
                    for a in inh.attrs() {
                        let ast::Attr::Ident(i) = a else { continue };
                        let n = i.syntax().text().to_string();
                        let what = match &from {
                            Some(f) => format!("inherited from `{f}`"),
                            None => "inherited from the enclosing scope".to_string(),
                        };
                        defs.insert(n, Def::Other(what));
                    }
                }
            }
        }
    }

    // Parse every referenced recipe once, in parallel, in a deterministic order.
    let files: BTreeSet<PathBuf> = defs
        .values()
        .filter_map(|d| match d {
            Def::File { path, .. } => Some(path.clone()),
            _ => None,
        })
        .collect();
    let by_name = by_name_python_files(root);
    let all_files: Vec<PathBuf> = files
        .iter()
        .cloned()
        .chain(by_name.iter().map(|(_, p)| p.clone()))
        .collect();
    let parsed: Vec<Option<Recipe>> = all_files
        .par_iter()
        .map(|p| {
            if p.starts_with(root.join("pkgs/by-name")) {
                // only Python packages
                let t = std::fs::read_to_string(p).ok()?;
                if !BUILD_FUNCTIONS[..2].iter().any(|f| t.contains(f)) {
                    return None;
                }
            }
            Some(scan_recipe(p))
        })
        .collect();
    let recipes: BTreeMap<&PathBuf, Option<Recipe>> = all_files.iter().zip(parsed).collect();

    let rel = |p: &Path| -> String {
        p.strip_prefix(root)
            .unwrap_or(p)
            .to_string_lossy()
            .into_owned()
    };
    let make_entry = |attr: &str, scope: Scope, recipe: &Recipe, extra: Vec<String>| {
        let mut notes = extra;
        notes.extend(recipe.notes.iter().cloned());
        Entry {
            attr: attr.to_string(),
            scope,
            pname: recipe.pname.clone().unwrap_or_else(|| attr.to_string()),
            version: recipe.version.clone(),
            version_expr: recipe.version_expr.clone(),
            broken: recipe.broken,
            disabled: recipe.disabled,
            failed: false,
            pypi_name: None,
            nixpkgs_commit: None,
            note: (!notes.is_empty()).then(|| notes.join("; ")),
            features: Default::default(),
        }
    };

    let meta = IndexMeta {
        python: None,
        nixpkgs: read_revision(root),
        source: IndexSource::Scan,
    };
    let mut index = Index::new(meta);

    // Resolve each attribute, following alias chains.
    for attr in defs.keys() {
        let mut seen = vec![attr.clone()];
        let mut cur = attr.clone();
        let entry = loop {
            match defs.get(&cur) {
                Some(Def::Alias(target)) => {
                    if seen.contains(target) {
                        break Entry {
                            note: Some(format!("alias cycle: {}", seen.join(" -> "))),
                            ..Entry::new(attr.clone(), attr.clone(), None)
                        };
                    }
                    seen.push(target.clone());
                    cur = target.clone();
                }
                Some(Def::File {
                    path,
                    wrapper_notes,
                    disabled,
                }) => {
                    let mut extra = Vec::new();
                    if seen.len() > 1 {
                        extra.push(format!("alias of {}", seen[1..].join(" -> ")));
                    }
                    extra.extend(wrapper_notes.iter().cloned());
                    let recipe = match recipes.get(path).and_then(Option::as_ref) {
                        Some(r) if path.is_file() => r.clone(),
                        _ => Recipe {
                            notes: vec![format!("recipe {} not found", rel(path))],
                            ..Recipe::default()
                        },
                    };
                    let mut e = make_entry(attr, Scope::PythonPackages, &recipe, extra);
                    if disabled.is_some() {
                        e.disabled = *disabled;
                    } else if wrapper_notes.iter().any(|n| n.starts_with("disabledIf")) {
                        e.disabled = None;
                    }
                    break e;
                }
                Some(Def::Other(what)) => {
                    let mut note = what.clone();
                    if seen.len() > 1 {
                        note = format!("alias of {}; {note}", seen[1..].join(" -> "));
                    }
                    break Entry {
                        note: Some(note),
                        ..Entry::new(attr.clone(), attr.clone(), None)
                    };
                }
                None => {
                    break Entry {
                        note: Some(format!(
                            "alias of {}, which python-packages.nix does not define",
                            seen[1..].join(" -> ")
                        )),
                        ..Entry::new(attr.clone(), attr.clone(), None)
                    };
                }
            }
        };
        index.insert(entry);
    }

    for (name, path) in &by_name {
        if let Some(Some(recipe)) = recipes.get(path) {
            let extra = vec![format!(
                "top-level package {} (not in the Python package set)",
                rel(path)
            )];
            index.insert(make_entry(name, Scope::TopLevel, recipe, extra));
        }
    }
    Ok(index)
}

fn read_revision(root: &Path) -> Option<String> {
    let rev = std::fs::read_to_string(root.join(".git-revision"))
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    rev.or_else(|| {
        std::fs::read_to_string(root.join(".version"))
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .map(|v| format!("version-{v}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recipe(text: &str) -> Recipe {
        let parse = Root::parse(text);
        assert!(parse.errors().is_empty(), "{:?}", parse.errors());
        let expr = parse.tree().expr().expect("expr");
        read_recipe_attrs(&find_build_call(&expr).expect("build call"))
    }

    #[test]
    fn literal_and_expression_versions() {
        let r = recipe(
            r#"{ buildPythonPackage }: buildPythonPackage rec { pname = "a"; version = "1.0"; }"#,
        );
        assert_eq!(
            (r.pname.as_deref(), r.version.as_deref()),
            (Some("a"), Some("1.0"))
        );
        let r = recipe(
            r#"{ b }: let minor = "2"; in b.buildPythonPackage { pname = "a"; version = "1.${minor}"; }"#,
        );
        assert_eq!(r.version, None);
        assert_eq!(r.version_expr.as_deref(), Some(r#""1.${minor}""#));
        let r = recipe(
            r#"{ buildPythonPackage, foo }: buildPythonPackage { pname = "a"; version = foo.version; }"#,
        );
        assert_eq!(r.version_expr.as_deref(), Some("foo.version"));
        let r = recipe(
            r#"{ buildPythonPackage, foo }: buildPythonPackage { pname = "a"; inherit (foo) version; }"#,
        );
        assert_eq!(r.version_expr.as_deref(), Some("inherit (foo) version"));
    }

    #[test]
    fn inherit_from_literal_let_and_old_name_form() {
        let r = recipe(
            r#"{ buildPythonPackage }: let version = "3.0"; in buildPythonPackage { pname = "x"; inherit version; }"#,
        );
        assert_eq!(r.version.as_deref(), Some("3.0"));
        let r = recipe(r#"{ buildPythonPackage }: buildPythonPackage { name = "wcwidth-0.1.7"; }"#);
        assert_eq!(
            (r.pname.as_deref(), r.version.as_deref()),
            (Some("wcwidth"), Some("0.1.7"))
        );
    }

    #[test]
    fn broken_and_disabled() {
        let r = recipe(
            r#"{ buildPythonPackage, lib, stdenv }: buildPythonPackage { pname = "x"; version = "1"; meta = with lib; { broken = stdenv.isDarwin; }; }"#,
        );
        assert_eq!(r.broken, None);
        assert_eq!(r.disabled, Some(false));
        let r = recipe(
            r#"{ buildPythonPackage }: buildPythonPackage { pname = "x"; version = "1"; meta.broken = true; disabled = true; }"#,
        );
        assert_eq!((r.broken, r.disabled), (Some(true), Some(true)));
    }

    #[test]
    fn drv_names_split_like_nix() {
        assert_eq!(
            parse_drv_name("foo-bar-1.2"),
            ("foo-bar".into(), Some("1.2".into()))
        );
        assert_eq!(parse_drv_name("foo"), ("foo".into(), None));
        assert_eq!(parse_drv_name("é-1"), ("é".into(), Some("1".into())));
    }
}
