//! Building an [`Index`] by statically scanning a nixpkgs source tree with `rnix` (nothing is evaluated).
//!
//! * `pkgs/top-level/python-packages.nix`: the big `self: super: with self; { ... }` set. Each binding is
//!   classified: `callPackage <path> { }` (possibly wrapped in `toPythonModule`, `toPythonApplication`,
//!   `disabledIf <cond>`, ...) points at a recipe file; `foo = bar;` / `foo = self.bar;` is an alias of
//!   `bar`; `foo = bar.c;` where `bar` is an attribute of the set is `bar`'s passthru child `c`
//!   (`psycopg-c = psycopg.c;`), read from `bar`'s recipe; `foo = throw "..."` is a removed alias and
//!   skipped (as evaluation with `allowAliases = false` does); anything else
//!   (`toPythonModule (pkgs.opencv4.override { ... })`) is recorded with no version and a note saying
//!   what it is.
//! * Each referenced recipe (`pkgs/development/python-modules/*/default.nix` and friends): the
//!   `buildPythonPackage rec { ... }` / `buildPythonPackage (finalAttrs: { ... })` call that the file
//!   returns. Only literal `pname`/`version` strings are taken (also through `inherit pname version;` from a
//!   literal `let` binding, and from a literal `name = "foo-1.0"`); a version written as an expression is
//!   recorded as `version_expr`, never guessed. `pname` defaults to the attribute name. `meta.broken` and
//!   `disabled` are taken when literal (absent means `false`); otherwise `None` with a note.
//! * The recipe's [`RecipeFeatures`](crate::RecipeFeatures), from its text: the function `src` calls
//!   (`fetchPypi`, `fetchFromGitHub`, …; inherited from the family's recipe), Rust vendoring (any of
//!   `cargoDeps`, `cargoHash`, `fetchCargoVendor`, `fetchCargoTarball`, `importCargoLock`,
//!   `cargoSetupHook`, `maturinBuildHook` outside `meta`), `patches` with an element on every platform
//!   (`Some(false)` for none, unknown when only under a condition), `sourceRoot`, in-place edits
//!   (`substituteInPlace`, `sed -i`, …) in `postPatch`/`prePatch`/`patchPhase`/`postUnpack`/
//!   `preConfigure`/`preBuild`, a `checkPhase`/`installCheckPhase`/`preCheck`, tests run by default,
//!   an `assert` or a `throw`/`abort`/`throwIf`/`assertMsg` call outside `meta` and `passthru`, the
//!   family (`inherit (X) version src`, `src = X.src` with `X` an attribute of the set, or the parent
//!   of a passthru child), `pyproject`/`format`, and the identifiers in `nativeBuildInputs` /
//!   `buildInputs` that are not attributes of the Python set (nor its builder's hooks).
//! * `pkgs/by-name/*/*/package.nix` files that call `buildPythonPackage` / `buildPythonApplication`: these
//!   are top-level packages ([`Scope::TopLevel`]), not members of the Python set.
//!
//! A parse error, a file over [`ScanLimits`] or one nested deeper than they allow is recorded as a
//! note on its attribute (features unknown), not fatal; `python-packages.nix` itself over the limits
//! is an [`Error::Limit`]. Files are parsed in parallel (rayon); the result is deterministic.

mod recipe;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read as _;
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;
use rnix::ast::{self, HasEntry};
use rnix::{Root, SyntaxKind};
use rowan::ast::AstNode;

use crate::error::{Error, Result};
use crate::index::{Entry, Index, IndexMeta, IndexSource, Scope};
use recipe::{
    binding_names, dotted_name, find_build_call, find_returned_call, last_segment, literal_bool,
    passthru_child, read_recipe_attrs, strip_parens, text_of, Child, Recipe, BUILD_FUNCTIONS,
    PYTHON_HOOKS,
};

const WRAPPERS: [&str; 5] = [
    "toPythonModule",
    "toPythonApplication",
    "recurseIntoAttrs",
    "dontRecurseIntoAttrs",
    "lib.recurseIntoAttrs",
];

const PACKAGE_SET: &str = "pkgs/top-level/python-packages.nix";

/// What the scanner reads at most.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanLimits {
    /// Bytes of `pkgs/top-level/python-packages.nix` (larger: an error).
    pub max_package_set_bytes: usize,
    /// Bytes of one recipe file (larger: a note, features unknown).
    pub max_recipe_bytes: usize,
    /// Bindings of `python-packages.nix` (more: an error).
    pub max_attributes: usize,
    /// `pkgs/by-name` packages looked at (more: the rest are left out, with no error).
    pub max_by_name: usize,
    /// Names recorded per input list (more: the list is unknown).
    pub max_list_items: usize,
    /// Nesting of brackets, string interpolations and prefix operators in a file (deeper: not
    /// parsed, which keeps the recursive parser within its stack).
    pub max_nesting: usize,
}

impl Default for ScanLimits {
    /// 32 MiB package set (nixpkgs': about 0.7 MiB), 4 MiB per recipe, 200,000 bindings, 200,000
    /// by-name packages, 256 inputs per list, nesting 256 (nixpkgs' recipes: under 20).
    fn default() -> Self {
        Self {
            max_package_set_bytes: 32 << 20,
            max_recipe_bytes: 4 << 20,
            max_attributes: 200_000,
            max_by_name: 200_000,
            max_list_items: 256,
            max_nesting: 256,
        }
    }
}

/// Why a file could not be read.
enum ReadError {
    TooLarge,
    Io(String),
}

/// The files of a nixpkgs tree, by path relative to its root.
trait Tree: Sync {
    fn read(&self, rel: &Path, max: usize) -> std::result::Result<String, ReadError>;
    fn is_dir(&self, rel: &Path) -> bool;
    fn is_file(&self, rel: &Path) -> bool;
    /// `(name, pkgs/by-name/<shard>/<name>/package.nix)`, sorted, at most `max`.
    fn by_name(&self, max: usize) -> Vec<(String, PathBuf)>;
    fn revision(&self) -> Option<String>;
}

struct DiskTree {
    root: PathBuf,
}

impl Tree for DiskTree {
    fn read(&self, rel: &Path, max: usize) -> std::result::Result<String, ReadError> {
        let path = self.root.join(rel);
        let file = std::fs::File::open(&path).map_err(|e| ReadError::Io(e.to_string()))?;
        let mut bytes = Vec::new();
        file.take(max as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| ReadError::Io(e.to_string()))?;
        if bytes.len() > max {
            return Err(ReadError::TooLarge);
        }
        String::from_utf8(bytes).map_err(|e| ReadError::Io(format!("not UTF-8: {e}")))
    }

    fn is_dir(&self, rel: &Path) -> bool {
        self.root.join(rel).is_dir()
    }

    fn is_file(&self, rel: &Path) -> bool {
        self.root.join(rel).is_file()
    }

    fn by_name(&self, max: usize) -> Vec<(String, PathBuf)> {
        let mut out = Vec::new();
        let base = Path::new("pkgs/by-name");
        let Ok(shards) = std::fs::read_dir(self.root.join(base)) else {
            return out;
        };
        let mut shard_names: Vec<String> = shards
            .filter_map(|d| d.ok()?.file_name().into_string().ok())
            .collect();
        shard_names.sort();
        for shard in shard_names {
            let Ok(pkgs) = std::fs::read_dir(self.root.join(base).join(&shard)) else {
                continue;
            };
            let mut names: Vec<String> = pkgs
                .filter_map(|d| d.ok()?.file_name().into_string().ok())
                .collect();
            names.sort();
            for name in names {
                let rel = base.join(&shard).join(&name).join("package.nix");
                if out.len() == max {
                    return out;
                }
                if self.is_file(&rel) {
                    out.push((name, rel));
                }
            }
        }
        out
    }

    fn revision(&self) -> Option<String> {
        let rev = std::fs::read_to_string(self.root.join(".git-revision"))
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        rev.or_else(|| {
            std::fs::read_to_string(self.root.join(".version"))
                .ok()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .map(|v| format!("version-{v}"))
        })
    }
}

struct MemTree<'a> {
    files: &'a BTreeMap<PathBuf, String>,
}

impl Tree for MemTree<'_> {
    fn read(&self, rel: &Path, max: usize) -> std::result::Result<String, ReadError> {
        match self.files.get(rel) {
            Some(t) if t.len() > max => Err(ReadError::TooLarge),
            Some(t) => Ok(t.clone()),
            None => Err(ReadError::Io("no such file".to_string())),
        }
    }

    fn is_dir(&self, rel: &Path) -> bool {
        self.files.keys().any(|k| k.starts_with(rel) && k != rel)
    }

    fn is_file(&self, rel: &Path) -> bool {
        self.files.contains_key(rel)
    }

    fn by_name(&self, max: usize) -> Vec<(String, PathBuf)> {
        self.files
            .keys()
            .filter_map(|k| {
                let parts: Vec<&str> = k.iter().filter_map(|c| c.to_str()).collect();
                match parts.as_slice() {
                    ["pkgs", "by-name", _, name, "package.nix"] => {
                        Some((name.to_string(), k.clone()))
                    }
                    _ => None,
                }
            })
            .take(max)
            .collect()
    }

    fn revision(&self) -> Option<String> {
        self.files
            .get(Path::new(".git-revision"))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    }
}

/// How python-packages.nix defines one attribute.
#[derive(Debug, Clone)]
enum Def {
    File {
        path: PathBuf,
        wrapper_notes: Vec<String>,
        disabled: Option<bool>,
        /// The names `callPackage` is given explicitly (`{ protobuf = pkgs.protobuf_29; }`).
        args: BTreeSet<String>,
    },
    Alias(String),
    /// `parent.child`: a passthru attribute of another attribute's derivation.
    Passthru {
        parent: String,
        child: String,
        what: String,
    },
    Other(String),
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
    let Some(first) = errors.first() else {
        return format!(
            "parse error in {}; nothing taken from this file",
            file.display()
        );
    };
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

/// The deepest nesting of brackets, interpolations and prefix operators (`-`, `!`) in Nix
/// text, measured on tokens (no recursion); stops counting at `max + 1`. A prefix operator
/// nests until its operand ends.
fn nesting(text: &str, max: usize) -> usize {
    // true: a bracket; false: a prefix operator
    let mut stack: Vec<bool> = Vec::new();
    let mut deepest = 0usize;
    // whether the previous significant token ends a value (so `-` after it is a subtraction)
    let mut after_value = false;
    let pop_prefixes = |stack: &mut Vec<bool>| {
        while stack.last() == Some(&false) {
            stack.pop();
        }
    };
    for (kind, _) in rnix::tokenize(text) {
        use SyntaxKind::*;
        if kind.is_trivia() {
            continue;
        }
        match kind {
            TOKEN_L_PAREN | TOKEN_L_BRACK | TOKEN_L_BRACE | TOKEN_INTERPOL_START => {
                stack.push(true);
                after_value = false;
            }
            TOKEN_R_PAREN | TOKEN_R_BRACK | TOKEN_R_BRACE | TOKEN_INTERPOL_END => {
                pop_prefixes(&mut stack);
                stack.pop();
                pop_prefixes(&mut stack);
                after_value = true;
            }
            TOKEN_SUB | TOKEN_INVERT if !after_value => stack.push(false),
            TOKEN_IDENT | TOKEN_INTEGER | TOKEN_FLOAT | TOKEN_STRING_END | TOKEN_URI
            | TOKEN_PATH_ABS | TOKEN_PATH_HOME | TOKEN_PATH_REL | TOKEN_PATH_SEARCH => {
                pop_prefixes(&mut stack);
                after_value = true;
            }
            _ => after_value = false,
        }
        deepest = deepest.max(stack.len());
        if deepest > max {
            return deepest;
        }
    }
    deepest
}

/// Parses a file's text, refusing text nested deeper than `max_nesting`.
fn parse_checked(text: &str, file: &Path, max_nesting: usize) -> std::result::Result<Root, String> {
    if nesting(text, max_nesting) > max_nesting {
        return Err(format!(
            "{} is nested deeper than {max_nesting} levels; nothing taken from this file",
            file.display()
        ));
    }
    let parse = Root::parse(text);
    if !parse.errors().is_empty() {
        return Err(parse_error_note(file, text, parse.errors()));
    }
    Ok(parse.tree())
}

fn note_only(note: String) -> Recipe {
    Recipe {
        notes: vec![note],
        ..Recipe::default()
    }
}

/// Reads a file for scanning; problems become a note.
fn read_text(
    tree: &dyn Tree,
    rel: &Path,
    limits: &ScanLimits,
) -> std::result::Result<String, String> {
    tree.read(rel, limits.max_recipe_bytes)
        .map_err(|e| match e {
            ReadError::TooLarge => format!(
                "{} is larger than {} bytes; nothing taken from this file",
                rel.display(),
                limits.max_recipe_bytes
            ),
            ReadError::Io(e) => format!("cannot read {}: {e}", rel.display()),
        })
}

/// Scans one recipe file: its main build call, or with `child` the passthru child of that name
/// (which may point at another file: then `Err(path)`).
fn scan_file(
    tree: &dyn Tree,
    rel: &Path,
    child: Option<&str>,
    limits: &ScanLimits,
) -> std::result::Result<Recipe, PathBuf> {
    let text = match read_text(tree, rel, limits) {
        Ok(t) => t,
        Err(note) => return Ok(note_only(note)),
    };
    let root = match parse_checked(&text, rel, limits.max_nesting) {
        Ok(r) => r,
        Err(note) => return Ok(note_only(note)),
    };
    let Some(expr) = root.expr() else {
        return Ok(note_only(format!("{} is empty", rel.display())));
    };
    let Some(set) = find_build_call(&expr) else {
        return Ok(note_only(format!(
            "no buildPythonPackage/buildPythonApplication call found in {}",
            rel.display()
        )));
    };
    let Some(child) = child else {
        return Ok(read_recipe_attrs(&set, limits.max_list_items));
    };
    match passthru_child(&set, child) {
        Some(Child::Set(s)) => Ok(read_recipe_attrs(&s, limits.max_list_items)),
        Some(Child::File(p)) => Err(join_lexically(rel.parent().unwrap_or(Path::new("")), &p)),
        None => Ok(note_only(format!(
            "no passthru attribute `{child}` found in {}",
            rel.display()
        ))),
    }
}

/// Scans a `pkgs/by-name` file: the Python build call it returns, or, for a package built
/// otherwise (`stdenv.mkDerivation` wrapping a Python application, like nixpkgs' authentik), its
/// `pname`/`version` with the recipe features unknown. `None` when it returns neither.
fn scan_by_name(tree: &dyn Tree, rel: &Path, limits: &ScanLimits) -> Option<Recipe> {
    let text = read_text(tree, rel, limits).ok()?;
    if !BUILD_FUNCTIONS[..2].iter().any(|f| text.contains(f)) {
        return None;
    }
    let root = match parse_checked(&text, rel, limits.max_nesting) {
        Ok(r) => r,
        Err(note) => return Some(note_only(note)),
    };
    let expr = root.expr()?;
    if let Some(set) = find_returned_call(&expr, &BUILD_FUNCTIONS) {
        return Some(read_recipe_attrs(&set, limits.max_list_items));
    }
    let set = find_returned_call(&expr, &["mkDerivation"])?;
    let mut r = read_recipe_attrs(&set, limits.max_list_items);
    r.features = Default::default();
    r.notes.push(
        "built with mkDerivation, not buildPythonPackage/buildPythonApplication: recipe features not read"
            .to_string(),
    );
    Some(r)
}

/// Lexically joins `base` and a relative Nix path, resolving `.` and `..` (never above the root).
fn join_lexically(base: &Path, rel: &str) -> PathBuf {
    let mut out = base.to_path_buf();
    for c in Path::new(rel).components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(p) => out.push(p),
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
        }
    }
    out
}

/// Classifies the value of one python-packages.nix binding.
fn classify(value: &ast::Expr, dir: &Path, tree: &dyn Tree) -> Option<Def> {
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
        if let ast::Expr::Apply(inner) = &func {
            // disabledIf <cond> <drv>
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
                    if tree.is_dir(&path) {
                        path.push("default.nix");
                    }
                    let args = match strip_parens(&arg) {
                        ast::Expr::AttrSet(s) => s
                            .entries()
                            .flat_map(|en| match en {
                                ast::Entry::AttrpathValue(apv) => binding_names(&apv)
                                    .and_then(|n| n.first().cloned())
                                    .into_iter()
                                    .collect::<Vec<_>>(),
                                ast::Entry::Inherit(inh) => inh
                                    .attrs()
                                    .filter_map(|a| match a {
                                        ast::Attr::Ident(i) => Some(i.syntax().text().to_string()),
                                        _ => None,
                                    })
                                    .collect(),
                            })
                            .collect(),
                        _ => BTreeSet::new(),
                    };
                    return Some(Def::File {
                        path,
                        wrapper_notes,
                        disabled,
                        args,
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
            [parent, child] | ["self" | "final" | "python-final", parent, child]
                if wrapper_notes.is_empty() =>
            {
                return Some(Def::Passthru {
                    parent: (*parent).to_string(),
                    child: (*child).to_string(),
                    what: format!("defined as `{}`", text_of(value.syntax())),
                })
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

/// Scans a nixpkgs checkout (see the module docs) with the default [`ScanLimits`].
pub fn index_from_source_tree(path: impl AsRef<Path>) -> Result<Index> {
    index_from_source_tree_with(path, &ScanLimits::default())
}

/// Scans a nixpkgs checkout within `limits`.
pub fn index_from_source_tree_with(path: impl AsRef<Path>, limits: &ScanLimits) -> Result<Index> {
    let tree = DiskTree {
        root: path.as_ref().to_path_buf(),
    };
    scan(&tree, path.as_ref(), limits)
}

/// Scans an in-memory tree: file text by path relative to a nixpkgs root
/// (`pkgs/top-level/python-packages.nix`, `pkgs/development/python-modules/x/default.nix`,
/// `pkgs/by-name/ab/abc/package.nix`, and `.git-revision` for the revision).
pub fn index_from_files(files: &BTreeMap<PathBuf, String>, limits: &ScanLimits) -> Result<Index> {
    scan(&MemTree { files }, Path::new("<memory>"), limits)
}

/// Is `name` (an input's identifier as written) a Python-set attribute, the interpreter or a
/// hook of the Python builder?
fn is_python_input(name: &str, python_attrs: &BTreeSet<String>) -> bool {
    let first = name.split('.').next().unwrap_or(name);
    let last = last_segment(name);
    python_attrs.contains(first)
        || PYTHON_HOOKS.contains(&last)
        || matches!(
            first,
            "self" | "final" | "prev" | "super" | "python-final" | "pythonPackages"
        )
        || (first.starts_with("python")
            && first["python".len()..]
                .trim_end_matches("Packages")
                .bytes()
                .all(|b| b.is_ascii_digit()))
}

fn scan(tree: &dyn Tree, root: &Path, limits: &ScanLimits) -> Result<Index> {
    let pp = Path::new(PACKAGE_SET);
    let shown = root.join(pp);
    let text = match tree.read(pp, limits.max_package_set_bytes) {
        Ok(t) => t,
        Err(ReadError::TooLarge) => {
            return Err(Error::Limit {
                file: shown.display().to_string(),
                line: 1,
                column: 1,
                what: "the file is larger".to_string(),
                limit: limits.max_package_set_bytes,
                unit: "bytes".to_string(),
            })
        }
        Err(ReadError::Io(e)) => {
            return Err(Error::NotNixpkgs {
                path: shown,
                detail: format!("cannot read it ({e}); is this a nixpkgs source tree?"),
            })
        }
    };
    if nesting(&text, limits.max_nesting) > limits.max_nesting {
        return Err(Error::Limit {
            file: shown.display().to_string(),
            line: 1,
            column: 1,
            what: "the text is nested deeper".to_string(),
            limit: limits.max_nesting,
            unit: "levels".to_string(),
        });
    }
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
        return Err(Error::NotNixpkgs {
            path: shown,
            detail,
        });
    }
    let dir = pp.parent().unwrap_or(Path::new("")).to_path_buf();
    let mut defs: BTreeMap<String, Def> = BTreeMap::new();
    let mut bindings = 0usize;
    for set in &sets {
        for entry in set.entries() {
            bindings += 1;
            if bindings > limits.max_attributes {
                return Err(Error::Limit {
                    file: shown.display().to_string(),
                    line: line_of(&text, usize::from(entry.syntax().text_range().start())),
                    column: 1,
                    what: "the package set has more bindings".to_string(),
                    limit: limits.max_attributes,
                    unit: "bindings".to_string(),
                });
            }
            match entry {
                ast::Entry::AttrpathValue(apv) => {
                    let (Some(names), Some(value)) = (binding_names(&apv), apv.value()) else {
                        continue;
                    };
                    let [name] = names.as_slice() else { continue };
                    if let Some(def) = classify(&value, &dir, tree) {
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
    let python_attrs: BTreeSet<String> = defs.keys().cloned().collect();

    // Parse every referenced recipe once, in parallel, in a deterministic order.
    let files: BTreeSet<PathBuf> = defs
        .values()
        .filter_map(|d| match d {
            Def::File { path, .. } => Some(path.clone()),
            _ => None,
        })
        .collect();
    let by_name = tree.by_name(limits.max_by_name);
    let all_files: Vec<PathBuf> = files
        .iter()
        .cloned()
        .chain(by_name.iter().map(|(_, p)| p.clone()))
        .collect();
    let parsed: Vec<Option<Recipe>> = all_files
        .par_iter()
        .map(|p| {
            if p.starts_with("pkgs/by-name") {
                return scan_by_name(tree, p, limits);
            }
            if !tree.is_file(p) {
                return None;
            }
            Some(scan_file(tree, p, None, limits).unwrap_or_default())
        })
        .collect();
    let recipes: BTreeMap<&PathBuf, Option<Recipe>> = all_files.iter().zip(parsed).collect();

    // Passthru children (`psycopg-c = psycopg.c;`): read from the parent's recipe.
    let resolve_file = |attr: &str| -> Option<(PathBuf, String)> {
        let mut cur = attr.to_string();
        for _ in 0..64 {
            match defs.get(&cur)? {
                Def::Alias(t) => cur = t.clone(),
                Def::File { path, .. } => return Some((path.clone(), cur)),
                _ => return None,
            }
        }
        None
    };
    let children: Vec<(String, Option<Recipe>)> = defs
        .iter()
        .filter_map(|(attr, d)| match d {
            Def::Passthru { parent, child, .. } => Some((attr, parent, child)),
            _ => None,
        })
        .collect::<Vec<_>>()
        .par_iter()
        .map(|(attr, parent, child)| {
            let recipe = resolve_file(parent).and_then(|(path, _)| {
                if !tree.is_file(&path) {
                    return None;
                }
                Some(match scan_file(tree, &path, Some(child), limits) {
                    Ok(r) => r,
                    Err(other) if tree.is_file(&other) => {
                        scan_file(tree, &other, None, limits).unwrap_or_default()
                    }
                    Err(other) => note_only(format!("recipe {} not found", other.display())),
                })
            });
            ((*attr).clone(), recipe)
        })
        .collect();
    let children: BTreeMap<String, Option<Recipe>> = children.into_iter().collect();

    let no_args = BTreeSet::new();
    // `explicit`: names callPackage is given explicitly, which are not the Python set's
    let make_entry = |attr: &str,
                      scope: Scope,
                      recipe: &Recipe,
                      extra: Vec<String>,
                      explicit: &BTreeSet<String>| {
        let mut notes = extra;
        notes.extend(recipe.notes.iter().cloned());
        let mut features = recipe.features.clone();
        for list in [
            &mut features.native_build_inputs,
            &mut features.build_inputs,
        ]
        .into_iter()
        .flatten()
        {
            list.retain(|n| {
                let first = n.split('.').next().unwrap_or(n);
                explicit.contains(first) || !is_python_input(n, &python_attrs)
            });
        }
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
            features,
        }
    };

    let meta = IndexMeta {
        python: None,
        nixpkgs: tree.revision().map(|r| r.replace('\0', "\u{fffd}")),
        source: IndexSource::Scan,
    };
    let mut index = Index::new(meta);
    // attr -> the attribute its src is inherited from (to copy that recipe's fetcher)
    let mut src_parents: BTreeMap<String, String> = BTreeMap::new();

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
                    args,
                }) => {
                    let mut extra = Vec::new();
                    if seen.len() > 1 {
                        extra.push(format!("alias of {}", seen[1..].join(" -> ")));
                    }
                    extra.extend(wrapper_notes.iter().cloned());
                    let recipe = match recipes.get(path).and_then(Option::as_ref) {
                        Some(r) => r.clone(),
                        None => note_only(format!("recipe {} not found", path.display())),
                    };
                    let mut e = make_entry(attr, Scope::PythonPackages, &recipe, extra, args);
                    if disabled.is_some() {
                        e.disabled = *disabled;
                    } else if wrapper_notes.iter().any(|n| n.starts_with("disabledIf")) {
                        e.disabled = None;
                    }
                    let from = recipe.src_from.as_ref().or(recipe.version_from.as_ref());
                    if let Some(from) = from {
                        let from = from.strip_prefix("self.").unwrap_or(from).to_string();
                        if args.contains(&from) || !python_attrs.contains(&from) {
                            let what = if recipe.src_from.is_some() {
                                "src"
                            } else {
                                "version"
                            };
                            let note = format!(
                                "{what} inherited from `{from}`, which is not an attribute of the Python set here"
                            );
                            e.note = Some(match e.note.take() {
                                Some(n) => format!("{n}; {note}"),
                                None => note,
                            });
                        } else if from != cur {
                            e.features.family = Some(from.clone());
                            if recipe.src_from.is_some() {
                                src_parents.insert(attr.clone(), from);
                            }
                        }
                    }
                    break e;
                }
                Some(Def::Passthru {
                    parent,
                    child,
                    what,
                }) => {
                    let mut notes = Vec::new();
                    if seen.len() > 1 {
                        notes.push(format!("alias of {}", seen[1..].join(" -> ")));
                    }
                    let mut e = match children.get(&cur).and_then(Option::as_ref) {
                        Some(r) => {
                            notes.push(format!("passthru child of {parent} ({what})"));
                            let e = make_entry(attr, Scope::PythonPackages, r, notes, &no_args);
                            if r.src_from.is_none() && r.features.src_fetcher.is_none() {
                                src_parents.insert(attr.clone(), parent.clone());
                            }
                            e
                        }
                        None => {
                            notes.push(what.clone());
                            Entry {
                                note: Some(notes.join("; ")),
                                ..Entry::new(attr.clone(), attr.clone(), None)
                            }
                        }
                    };
                    if python_attrs.contains(parent) && parent != attr {
                        e.features.family = Some(parent.clone());
                        e.features.family_passthru = Some(child.clone());
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

    // A recipe whose src is its family's fetches the way the family's recipe does.
    let fetchers: BTreeMap<String, crate::SrcFetcher> = index
        .iter()
        .filter(|e| e.scope == Scope::PythonPackages)
        .filter_map(|e| Some((e.attr.clone(), e.features.src_fetcher.clone()?)))
        .collect();
    for (attr, parent) in &src_parents {
        let (Some(fetcher), Some(e)) = (
            fetchers.get(parent),
            index.get_in(attr, Scope::PythonPackages),
        ) else {
            continue;
        };
        if e.features.src_fetcher.is_none() && e.features.known() {
            let mut e = e.clone();
            e.features.src_fetcher = Some(fetcher.clone());
            index.insert(e);
        }
    }

    for (name, path) in &by_name {
        if let Some(Some(recipe)) = recipes.get(path) {
            let extra = vec![format!(
                "top-level package {} (not in the Python package set)",
                path.display()
            )];
            index.insert(make_entry(name, Scope::TopLevel, recipe, extra, &no_args));
        }
    }
    Ok(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_counts_brackets_and_prefix_runs() {
        assert_eq!(nesting("{ a = [ (1) ]; }", 100), 3);
        assert_eq!(nesting("a - b - c", 100), 0);
        assert_eq!(nesting("- - - 1", 100), 3);
        assert_eq!(nesting("[ (!(!x)) ]", 100), 5);
        assert_eq!(nesting("\"${a}\"", 100), 1);
        assert!(nesting(&"[".repeat(1000), 10) > 10);
    }
}
