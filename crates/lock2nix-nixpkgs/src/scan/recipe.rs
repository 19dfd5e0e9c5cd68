//! Reading one recipe's build call: literal `pname`/`version`, `meta.broken`, `disabled`, and the
//! [`RecipeFeatures`] (see the parent module for what is taken and why).

use std::collections::BTreeMap;

use rnix::ast::{self, HasEntry};
use rnix::{SyntaxKind, SyntaxNode};
use rowan::ast::AstNode;

use crate::features::{RecipeFeatures, RecipeFormat, SrcFetcher};

pub(super) const BUILD_FUNCTIONS: [&str; 3] = [
    "buildPythonPackage",
    "buildPythonApplication",
    "mkPythonMetaPackage",
];

/// Calls whose presence means Rust code vendored from the recipe's src.
const RUST_VENDOR_IDENTS: [&str; 9] = [
    "cargoDeps",
    "cargoHash",
    "cargoSha256",
    "cargoVendorDir",
    "fetchCargoVendor",
    "fetchCargoTarball",
    "importCargoLock",
    "cargoSetupHook",
    "maturinBuildHook",
];

/// Phases whose shell code may edit the sources for nixpkgs' version.
const EDIT_PHASES: [&str; 6] = [
    "postPatch",
    "prePatch",
    "patchPhase",
    "postUnpack",
    "preConfigure",
    "preBuild",
];

/// Shell commands that edit files in place (besides `sed` with `-i` on the same line, see
/// [`edits_files`]).
const EDIT_COMMANDS: [&str; 3] = ["substituteInPlace", "substitute ", "perl -pi"];

/// Whether shell code edits files in place: one of [`EDIT_COMMANDS`], or a `sed` line with `-i`
/// / `--in-place` (`sed -i …`, `sed -e '…' -i file`).
fn edits_files(text: &str) -> bool {
    EDIT_COMMANDS.iter().any(|c| text.contains(c))
        || text
            .lines()
            .any(|l| l.contains("sed ") && (l.contains(" -i") || l.contains("--in-place")))
}

const CHECK_PHASES: [&str; 4] = [
    "checkPhase",
    "installCheckPhase",
    "preCheck",
    "preInstallCheck",
];

const CHECK_INPUTS: [&str; 4] = [
    "nativeCheckInputs",
    "checkInputs",
    "nativeInstallCheckInputs",
    "installCheckInputs",
];

/// Functions whose call is an evaluation-time failure.
const FAILING_CALLS: [&str; 6] = [
    "throw",
    "abort",
    "throwIf",
    "throwIfNot",
    "assertMsg",
    "assertOneOf",
];

/// The Python builder's own hooks: not inputs a fresh derivation carries over.
pub(super) const PYTHON_HOOKS: [&str; 18] = [
    "pytestCheckHook",
    "unittestCheckHook",
    "pythonImportsCheckHook",
    "pythonRelaxDepsHook",
    "pythonRemoveDepsHook",
    "pythonNamespacesHook",
    "pythonCatchConflictsHook",
    "pythonRemoveBinBytecodeHook",
    "pythonRemoveTestsDirHook",
    "pythonOutputDistHook",
    "pythonRuntimeDepsCheckHook",
    "pypaBuildHook",
    "pypaInstallHook",
    "setuptoolsBuildHook",
    "setuptoolsCheckHook",
    "wheelUnpackHook",
    "wrapPython",
    "sphinxHook",
];

/// How deep the walkers below follow lists, `++` chains and `let` names.
const WALK_DEPTH: usize = 64;

/// What a recipe file says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Recipe {
    pub pname: Option<String>,
    pub version: Option<String>,
    pub version_expr: Option<String>,
    pub broken: Option<bool>,
    pub disabled: Option<bool>,
    pub notes: Vec<String>,
    pub features: RecipeFeatures,
    /// `inherit (X) src` / `src = X.src`: `X` as written.
    pub src_from: Option<String>,
    /// `inherit (X) version` / `version = X.version`: `X` as written.
    pub version_from: Option<String>,
}

pub(super) fn compact(text: &str, max: usize) -> String {
    let s = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() > max {
        let mut t: String = s.chars().take(max).collect();
        t.push_str("...");
        t
    } else {
        s
    }
}

pub(super) fn text_of(node: &SyntaxNode) -> String {
    compact(&node.text().to_string(), 200)
}

pub(super) fn strip_parens(expr: &ast::Expr) -> ast::Expr {
    let mut e = expr.clone();
    while let ast::Expr::Paren(p) = &e {
        match p.expr() {
            Some(inner) => e = inner,
            None => break,
        }
    }
    e
}

/// The literal value of a string expression without interpolation.
pub(super) fn literal_string(expr: &ast::Expr) -> Option<String> {
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

pub(super) fn literal_bool(expr: &ast::Expr) -> Option<bool> {
    match strip_parens(expr) {
        ast::Expr::Ident(i) => match i.syntax().text().to_string().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// `foo` or `a.b.foo` → `"foo"` / `"a.b.foo"` (iterative over nested selections).
pub(super) fn dotted_name(expr: &ast::Expr) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    let mut e = strip_parens(expr);
    for _ in 0..WALK_DEPTH {
        match e {
            ast::Expr::Ident(i) => {
                parts.push(i.syntax().text().to_string());
                parts.reverse();
                return Some(parts.join("."));
            }
            ast::Expr::Select(s) => {
                if s.default_expr().is_some() {
                    return None;
                }
                let mut attrs = Vec::new();
                for a in s.attrpath()?.attrs() {
                    match a {
                        ast::Attr::Ident(i) => attrs.push(i.syntax().text().to_string()),
                        _ => return None,
                    }
                }
                parts.extend(attrs.into_iter().rev());
                e = strip_parens(&s.expr()?);
            }
            _ => return None,
        }
    }
    None
}

pub(super) fn last_segment(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

/// Single-identifier attrpath of a binding (`foo = ...;`), or `None` for dynamic names.
pub(super) fn binding_names(apv: &ast::AttrpathValue) -> Option<Vec<String>> {
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

/// Splits a derivation name like Nix's `builtins.parseDrvName`: the version starts at the first `-`
/// followed by a character that is not a letter.
pub(super) fn parse_drv_name(name: &str) -> (String, Option<String>) {
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

/// The `let` bindings visible at `node` (innermost wins), by name.
pub(super) fn let_bindings(node: &SyntaxNode) -> BTreeMap<String, ast::Expr> {
    let mut out = BTreeMap::new();
    for anc in node.ancestors() {
        if let Some(l) = ast::LetIn::cast(anc.clone()) {
            for apv in l.attrpath_values() {
                if let (Some(names), Some(v)) = (binding_names(&apv), apv.value()) {
                    if let [n] = names.as_slice() {
                        out.entry(n.clone()).or_insert(v);
                    }
                }
            }
        }
    }
    out
}

/// Follows an identifier through `let` bindings (a few steps) to the expression it names.
fn resolve(expr: &ast::Expr, lets: &BTreeMap<String, ast::Expr>) -> ast::Expr {
    let mut e = strip_parens(expr);
    for _ in 0..8 {
        let ast::Expr::Ident(i) = &e else { break };
        match lets.get(&i.syntax().text().to_string()) {
            Some(v) => e = strip_parens(v),
            None => break,
        }
    }
    e
}

/// Is `expr` a call of a Python build function? Returns its argument attrset.
pub(super) fn build_call_attrset(expr: &ast::Expr) -> Option<ast::AttrSet> {
    call_attrset(expr, &BUILD_FUNCTIONS)
}

/// Is `expr` a call of one of `functions` (by the last segment of its name)? Returns its
/// argument attrset (through `finalAttrs:`, `let` and `with`).
fn call_attrset(expr: &ast::Expr, functions: &[&str]) -> Option<ast::AttrSet> {
    let ast::Expr::Apply(app) = strip_parens(expr) else {
        return None;
    };
    let f = dotted_name(&app.lambda()?)?;
    if !functions.contains(&last_segment(&f)) {
        return None;
    }
    let mut arg = strip_parens(&app.argument()?);
    for _ in 0..WALK_DEPTH {
        match arg {
            ast::Expr::AttrSet(s) => return Some(s),
            ast::Expr::Lambda(l) => arg = strip_parens(&l.body()?),
            ast::Expr::LetIn(l) => arg = strip_parens(&l.body()?),
            ast::Expr::With(w) => arg = strip_parens(&w.body()?),
            _ => return None,
        }
    }
    None
}

/// Follows what a file returns (through lambdas, `let`, `with`, `if`, `assert`, wrapper calls and
/// a `let`-bound name) to the build call; falls back to the first build call in the file.
pub(super) fn find_build_call(root: &ast::Expr) -> Option<ast::AttrSet> {
    find_returned_call(root, &BUILD_FUNCTIONS).or_else(|| {
        root.syntax()
            .descendants()
            .filter_map(ast::Expr::cast)
            .find_map(|e| build_call_attrset(&e))
    })
}

/// The argument set of the call of one of `functions` that a file returns (see
/// [`find_build_call`]), without looking anywhere else.
pub(super) fn find_returned_call(root: &ast::Expr, functions: &[&str]) -> Option<ast::AttrSet> {
    fn tail(e: &ast::Expr, functions: &[&str], depth: usize) -> Option<ast::AttrSet> {
        if depth > WALK_DEPTH {
            return None;
        }
        if let Some(s) = call_attrset(e, functions) {
            return Some(s);
        }
        match strip_parens(e) {
            ast::Expr::Lambda(l) => tail(&l.body()?, functions, depth + 1),
            ast::Expr::LetIn(l) => {
                let body = strip_parens(&l.body()?);
                if let ast::Expr::Ident(i) = &body {
                    // `let self = buildPythonPackage { ... }; in self`
                    let name = i.syntax().text().to_string();
                    let bound = l.attrpath_values().find_map(|apv| {
                        let names = binding_names(&apv)?;
                        (names == [name.clone()]).then(|| apv.value()).flatten()
                    });
                    if let Some(v) = bound {
                        if let Some(s) = tail(&v, functions, depth + 1) {
                            return Some(s);
                        }
                    }
                }
                tail(&body, functions, depth + 1)
            }
            ast::Expr::With(w) => tail(&w.body()?, functions, depth + 1),
            ast::Expr::Assert(a) => tail(&a.body()?, functions, depth + 1),
            ast::Expr::IfElse(i) => i
                .else_body()
                .and_then(|b| tail(&b, functions, depth + 1))
                .or_else(|| i.body().and_then(|b| tail(&b, functions, depth + 1))),
            ast::Expr::Apply(a) => a.argument().and_then(|b| tail(&b, functions, depth + 1)),
            _ => None,
        }
    }
    tail(root, functions, 0)
}

/// A value of the build call's argument set.
#[derive(Debug, Clone)]
enum Val {
    /// `name = expr;`
    Expr(ast::Expr),
    /// `inherit name;`: the `let` binding of that name, when there is one.
    Inherit(Option<ast::Expr>),
    /// `inherit (from) name;`: `from` as written.
    InheritFrom(String),
}

/// The top-level entries of a build call's argument set (and the `passthru.<x>` / `meta.<x>`
/// entries under their dotted name), `let` names resolved for `inherit`.
struct Args {
    vals: BTreeMap<String, Val>,
    lets: BTreeMap<String, ast::Expr>,
}

impl Args {
    fn new(set: &ast::AttrSet) -> Args {
        let lets = let_bindings(set.syntax());
        let mut vals = BTreeMap::new();
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
                        let v = match &from {
                            Some(f) => Val::InheritFrom(f.clone()),
                            None => Val::Inherit(lets.get(&n).cloned()),
                        };
                        vals.insert(n, v);
                    }
                }
                ast::Entry::AttrpathValue(apv) => {
                    let (Some(names), Some(value)) = (binding_names(&apv), apv.value()) else {
                        continue;
                    };
                    if names.is_empty() {
                        continue;
                    }
                    vals.insert(names.join("."), Val::Expr(value));
                }
            }
        }
        Args { vals, lets }
    }

    fn has(&self, name: &str) -> bool {
        self.vals.contains_key(name)
    }

    /// The expression bound to `name` (through `inherit name;` from a `let`), resolved through
    /// `let` names.
    fn expr(&self, name: &str) -> Option<ast::Expr> {
        match self.vals.get(name)? {
            Val::Expr(e) => Some(resolve(e, &self.lets)),
            Val::Inherit(Some(e)) => Some(resolve(e, &self.lets)),
            Val::Inherit(None) | Val::InheritFrom(_) => None,
        }
    }
}

/// What a list-valued expression is made of.
#[derive(Debug, Default)]
struct ListInfo {
    /// Every element, unconditional or not.
    items: Vec<ast::Expr>,
    /// Some element is there on every platform.
    unconditional: bool,
    /// Some part could not be read (a call other than `optional(s)`, an unknown name).
    unknown: bool,
}

fn walk_list(
    expr: &ast::Expr,
    lets: &BTreeMap<String, ast::Expr>,
    conditional: bool,
    depth: usize,
    out: &mut ListInfo,
) {
    if depth > WALK_DEPTH {
        out.unknown = true;
        return;
    }
    match resolve(expr, lets) {
        ast::Expr::List(l) => {
            for item in l.items() {
                out.unconditional |= !conditional;
                out.items.push(item);
            }
        }
        ast::Expr::BinOp(b) if b.operator() == Some(ast::BinOpKind::Concat) => {
            for side in [b.lhs(), b.rhs()] {
                match side {
                    Some(s) => walk_list(&s, lets, conditional, depth + 1, out),
                    None => out.unknown = true,
                }
            }
        }
        ast::Expr::With(w) => match w.body() {
            Some(b) => walk_list(&b, lets, conditional, depth + 1, out),
            None => out.unknown = true,
        },
        ast::Expr::IfElse(i) => {
            for side in [i.body(), i.else_body()] {
                match side {
                    Some(s) => walk_list(&s, lets, true, depth + 1, out),
                    None => out.unknown = true,
                }
            }
        }
        ast::Expr::Apply(a) => {
            // lib.optionals cond [ ... ] / lib.optional cond x
            let head = a.lambda().map(|l| strip_parens(&l));
            let inner = match &head {
                Some(ast::Expr::Apply(inner)) => inner.lambda().and_then(|l| dotted_name(&l)),
                _ => None,
            };
            match (inner.as_deref().map(last_segment), a.argument()) {
                (Some("optionals"), Some(arg)) => walk_list(&arg, lets, true, depth + 1, out),
                (Some("optional"), Some(arg)) => out.items.push(arg),
                _ => out.unknown = true,
            }
        }
        _ => out.unknown = true,
    }
}

fn list_info(args: &Args, name: &str) -> Option<ListInfo> {
    let mut info = ListInfo::default();
    match args.vals.get(name)? {
        Val::Expr(e) | Val::Inherit(Some(e)) => walk_list(e, &args.lets, false, 0, &mut info),
        Val::Inherit(None) | Val::InheritFrom(_) => info.unknown = true,
    }
    Some(info)
}

/// The names of a list's elements that are identifiers or selections; `None` when some part of
/// the list cannot be read or it has more than `max` such names.
fn input_names(
    args: &Args,
    name: &str,
    max: usize,
    notes: &mut Vec<String>,
) -> Option<Vec<String>> {
    let Some(info) = list_info(args, name) else {
        return Some(Vec::new());
    };
    if info.unknown {
        return None;
    }
    let mut names: Vec<String> = info.items.iter().filter_map(dotted_name).collect();
    names.sort();
    names.dedup();
    if names.len() > max {
        notes.push(format!("{name} has more than {max} inputs; not recorded"));
        return None;
    }
    Some(names)
}

/// `lib.optionalString cond "..."`: text only on some platforms.
fn is_optional_string(expr: &ast::Expr) -> bool {
    let ast::Expr::Apply(a) = strip_parens(expr) else {
        return false;
    };
    let Some(ast::Expr::Apply(inner)) = a.lambda().map(|l| strip_parens(&l)) else {
        return false;
    };
    inner
        .lambda()
        .and_then(|l| dotted_name(&l))
        .is_some_and(|n| last_segment(&n) == "optionalString")
}

/// How an expression fetches a source.
fn fetcher_of(expr: &ast::Expr) -> Option<SrcFetcher> {
    let mut e = strip_parens(expr);
    for _ in 0..WALK_DEPTH {
        match e {
            ast::Expr::Apply(a) => e = strip_parens(&a.lambda()?),
            ast::Expr::Ident(_) | ast::Expr::Select(_) => {
                let name = dotted_name(&e)?;
                let last = last_segment(&name);
                let f = SrcFetcher::parse(last);
                return match f {
                    SrcFetcher::Other(_) if !last.starts_with("fetch") => None,
                    f => Some(f),
                };
            }
            ast::Expr::PathRel(_) | ast::Expr::PathAbs(_) => {
                return Some(SrcFetcher::Other("path".to_string()))
            }
            _ => return None,
        }
    }
    None
}

/// Whether the subtree has an `assert` or a call of `throw`/`abort`/…, outside `meta` and
/// `passthru` (which a build does not evaluate).
fn has_eval_failure(set: &ast::AttrSet) -> bool {
    let skip: Vec<rowan::TextRange> = set
        .attrpath_values()
        .filter(|apv| {
            binding_names(apv)
                .and_then(|n| n.first().cloned())
                .is_some_and(|n| n == "meta" || n == "passthru")
        })
        .map(|apv| apv.syntax().text_range())
        .collect();
    set.syntax().descendants().any(|n| {
        if skip.iter().any(|r| r.contains_range(n.text_range())) {
            return false;
        }
        match n.kind() {
            SyntaxKind::NODE_ASSERT => true,
            SyntaxKind::NODE_APPLY => ast::Apply::cast(n)
                .and_then(|a| a.lambda())
                .and_then(|l| dotted_name(&l))
                .is_some_and(|f| FAILING_CALLS.contains(&last_segment(&f))),
            _ => false,
        }
    })
}

/// Whether one of `idents` appears as an identifier in the set, outside `meta`.
fn mentions(set: &ast::AttrSet, idents: &[&str]) -> bool {
    let skip: Vec<rowan::TextRange> = set
        .attrpath_values()
        .filter(|apv| binding_names(apv).is_some_and(|n| n.first().is_some_and(|f| f == "meta")))
        .map(|apv| apv.syntax().text_range())
        .collect();
    set.syntax()
        .descendants_with_tokens()
        .filter_map(|e| e.into_token())
        .filter(|t| t.kind() == SyntaxKind::TOKEN_IDENT)
        .any(|t| {
            idents.contains(&t.text()) && !skip.iter().any(|r| r.contains_range(t.text_range()))
        })
}

/// The [`RecipeFeatures`] of a build call's argument set.
fn features(set: &ast::AttrSet, args: &Args, max_list: usize, r: &mut Recipe) {
    let mut f = RecipeFeatures::default();
    // src
    match args.vals.get("src") {
        Some(Val::InheritFrom(from)) => r.src_from = Some(from.clone()),
        Some(_) => {
            let e = args.expr("src");
            let from = e.as_ref().and_then(|e| match e {
                ast::Expr::Select(_) => {
                    dotted_name(e).and_then(|n| n.strip_suffix(".src").map(str::to_string))
                }
                _ => None,
            });
            match from {
                Some(from) => r.src_from = Some(from),
                None => f.src_fetcher = e.as_ref().and_then(fetcher_of),
            }
        }
        None => {}
    }
    match args.vals.get("version") {
        Some(Val::InheritFrom(from)) => r.version_from = Some(from.clone()),
        Some(Val::Expr(e)) => {
            r.version_from =
                dotted_name(e).and_then(|n| n.strip_suffix(".version").map(str::to_string))
        }
        _ => {}
    }
    f.rust_vendor = Some(mentions(set, &RUST_VENDOR_IDENTS));
    f.patches = match list_info(args, "patches") {
        None => Some(false),
        Some(i) if i.unconditional => Some(true),
        Some(i) if i.unknown => None,
        Some(i) if i.items.is_empty() => Some(false),
        Some(_) => None, // only under a condition
    };
    f.source_root = Some(args.has("sourceRoot") || args.has("setSourceRoot"));
    let mut substitutions = Some(false);
    for phase in EDIT_PHASES {
        if !args.has(phase) {
            continue;
        }
        match args.expr(phase) {
            Some(e) => {
                let text = e.syntax().text().to_string();
                if !edits_files(&text) {
                    continue;
                }
                if is_optional_string(&e) {
                    // only on some platforms
                    if substitutions == Some(false) {
                        substitutions = None;
                    }
                } else {
                    substitutions = Some(true);
                }
            }
            None if substitutions == Some(false) => substitutions = None,
            None => {}
        }
    }
    f.substitutions = substitutions;
    let custom_check = CHECK_PHASES.iter().any(|p| args.has(p));
    f.custom_check = Some(custom_check);
    let check_off = args.expr("doCheck").as_ref().and_then(literal_bool) == Some(false);
    let has_check_inputs = CHECK_INPUTS
        .iter()
        .any(|n| list_info(args, n).is_some_and(|i| i.unknown || !i.items.is_empty()));
    f.runs_tests = Some(!check_off && (has_check_inputs || custom_check));
    f.eval_assert = Some(has_eval_failure(set));
    let pyproject = args.expr("pyproject");
    let format = args.expr("format");
    f.format = match (args.has("pyproject"), args.has("format")) {
        (true, _) => match pyproject.as_ref().and_then(literal_bool) {
            Some(true) => Some(RecipeFormat::Pyproject),
            Some(false) => Some(RecipeFormat::Other),
            None => None,
        },
        (false, true) => format
            .as_ref()
            .and_then(literal_string)
            .map(|s| match s.as_str() {
                "pyproject" | "flit" => RecipeFormat::Pyproject,
                "setuptools" => RecipeFormat::Setuptools,
                "wheel" => RecipeFormat::Wheel,
                _ => RecipeFormat::Other,
            }),
        (false, false) => Some(RecipeFormat::Setuptools),
    };
    // buildPythonPackage puts `build-system` into nativeBuildInputs: its non-Python items count
    f.native_build_inputs = match (
        input_names(args, "nativeBuildInputs", max_list, &mut r.notes),
        input_names(args, "build-system", max_list, &mut r.notes),
    ) {
        (Some(mut a), Some(b)) => {
            a.extend(b);
            a.sort();
            a.dedup();
            Some(a)
        }
        _ => None,
    };
    f.build_inputs = input_names(args, "buildInputs", max_list, &mut r.notes);
    r.features = f;
}

/// Reads `pname`, `version`, `meta.broken`, `disabled` and the features from a build call's
/// argument set.
pub(super) fn read_recipe_attrs(set: &ast::AttrSet, max_list: usize) -> Recipe {
    let args = Args::new(set);
    let lets: BTreeMap<String, String> = args
        .lets
        .iter()
        .filter_map(|(k, v)| literal_string(v).map(|l| (k.clone(), l)))
        .collect();
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
                        for _ in 0..WALK_DEPTH {
                            let ast::Expr::With(w) = &m else { break };
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
    features(set, &args, max_list, &mut r);
    r
}

/// Where a passthru child of a build call is defined.
pub(super) enum Child {
    /// A build call in the same file.
    Set(ast::AttrSet),
    /// `callPackage <path> { ... }`: the path as written (relative to the file).
    File(String),
}

/// The passthru attribute `name` of a build call (`passthru.name = x;` or
/// `passthru = { name = x; }` / `{ inherit name; }`), followed through `let` names to a build
/// call or a `callPackage` of a file.
pub(super) fn passthru_child(set: &ast::AttrSet, name: &str) -> Option<Child> {
    let args = Args::new(set);
    let value = args.expr(&format!("passthru.{name}")).or_else(|| {
        let ast::Expr::AttrSet(p) = args.expr("passthru")? else {
            return None;
        };
        let inner = Args {
            vals: Args::new(&p).vals,
            lets: args.lets.clone(),
        };
        inner.expr(name)
    })?;
    if let Some(s) = build_call_attrset(&value) {
        return Some(Child::Set(s));
    }
    // callPackage ./c.nix { }
    let ast::Expr::Apply(outer) = strip_parens(&value) else {
        return None;
    };
    let ast::Expr::Apply(inner) = strip_parens(&outer.lambda()?) else {
        return None;
    };
    let callee = dotted_name(&inner.lambda()?)?;
    if last_segment(&callee) != "callPackage" {
        return None;
    }
    match strip_parens(&inner.argument()?) {
        ast::Expr::PathRel(p) => Some(Child::File(p.syntax().text().to_string())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rnix::Root;

    fn recipe(text: &str) -> Recipe {
        let parse = Root::parse(text);
        assert!(parse.errors().is_empty(), "{:?}", parse.errors());
        let expr = parse.tree().expr().expect("expr");
        read_recipe_attrs(&find_build_call(&expr).expect("build call"), 256)
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
        assert_eq!(r.version_from.as_deref(), Some("foo"));
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

    #[test]
    fn dotted_names_of_nested_selections() {
        let parse = Root::parse("((a.b).c).d");
        let e = parse.tree().expr().unwrap();
        assert_eq!(dotted_name(&e).as_deref(), Some("a.b.c.d"));
    }

    #[test]
    fn in_place_edits() {
        assert!(edits_files("substituteInPlace setup.py --replace a b"));
        assert!(edits_files("sed -e 's/a/b/' -i test-requirements.txt"));
        assert!(edits_files("sed -i \"/--cov/d\" setup.cfg"));
        assert!(!edits_files("cd psycopg"));
        assert!(!edits_files("patchShebangs tools\nrm -r vendor"));
        assert!(!edits_files("sed 's/a/b/' x > y"));
    }

    #[test]
    fn conditional_lists_are_not_certain() {
        let r = recipe(
            r#"{ buildPythonPackage, lib, stdenv }: buildPythonPackage { pname = "x"; version = "1"; format = "setuptools"; patches = lib.optionals stdenv.isDarwin [ ./a.patch ]; nativeBuildInputs = [ pkg-config ] ++ lib.optionals stdenv.isDarwin [ darwin.cctools ]; buildInputs = someList; }"#,
        );
        assert_eq!(r.features.patches, None);
        assert_eq!(
            r.features.native_build_inputs,
            Some(vec!["darwin.cctools".to_string(), "pkg-config".to_string()])
        );
        assert_eq!(r.features.build_inputs, None);
        assert_eq!(r.features.format, Some(RecipeFormat::Setuptools));
    }
}
