//! The bodies of the fuzz targets, shared by the cargo-fuzz binaries (`fuzz/fuzz_targets/*.rs`) and
//! the replay test (`crates/lock2nix/tests/hardening.rs`), both of which include this file with
//! `#[path = "…"] mod bodies;`. Each body takes the raw fuzz input and panics only when a
//! property fails:
//!
//! - `lock` and `pyproject`: the one-pass TOML parser reads the text exactly as the `toml` crate
//!   does (same tree, same spans) or leaves it to the `toml` crate.
//! - `lock`: `parse_lock` never panics; its errors display; a package the direct reader reads
//!   is the one the tree path reads (warnings included); the parallel (split) parse and the
//!   single parse agree; a lock that parses goes through `resolve` (all four systems), `plan` and
//!   `emit`, and the emitted Nix parses with rnix.
//! - `pyproject`: `parse_pyproject` never panics; its errors display.
//! - `git_url`: `parse_git_source` never panics; a decoded source keeps the input as `raw`, has a
//!   40-digit lower-case commit, and decoding is stable.
//! - `wheel_name`: `WheelFilename::parse` / `parse_url_basename` never panic; a parsed name
//!   displays to a name that parses to the same value; tag priorities never panic.
//! - `nar`: an `arbitrary` tree description → `nar_bytes` never panics, fails exactly when
//!   `Tree::validate` fails, and otherwise reads back (with an independent reader here) to the
//!   same tree, and `hash_tree` is the sha256 of those bytes.
//! - `nix_string`: a string printed by `lock2nix-nix` as a `"…"` literal, an `''…''` literal and an
//!   attribute name parses with rnix back to exactly the input (NUL is refused with an error).
//! - `index_tsv`: `Index::parse_with_limits` (any of the three formats) never panics; its errors
//!   display; an index that reads is written as `v2` and that text reads back to the same index
//!   and writes the same bytes.
//! - `nixpkgs_scan`: the input split into files (`=== <path>` lines; the text before the first is
//!   `pkgs/top-level/python-packages.nix`) is scanned with `index_from_files` (small limits); it
//!   never panics, twice gives the same index, and the index written as `v2` reads back equal.

//! - `sdist`: the input as an sdist's `PKG-INFO` (`sdist_requires_dist`: static requirements are
//!   requirements, and a header section fed in any chunks reads the same), as a `Cargo.lock`
//!   (`analyze_cargo_lock`) and as a tar.gz and a zip sdist (`scan_archive`, `locate_cargo_lock`):
//!   no panic, errors display, a Cargo.lock found is one the scan saw, never through `..`.
//! - `marker`, `marker_shape`: PEP 508 markers (raw text; or of any depth and width, from an
//!   `arbitrary` shape) and requirements are read without a panic or a stack overflow, within
//!   limits, and as `pep508_rs` reads them when it can do so safely (at most 512 bytes).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use arbitrary::{Arbitrary, Unstructured};
use lock2nix_lock::{parse_git_source, parse_lock, parse_lock_with, parse_pyproject, Limits};
use lock2nix_nar::Tree;
use lock2nix_nix::{AttrName, Binding, Expr};
use lock2nix_nixpkgs::{index_from_files, Index, ReadLimits, ScanLimits};
use lock2nix_wheel::{System, TagPolicy, TargetTags, WheelFilename};
use rowan::ast::AstNode;

/// Target `lock`.
pub fn lock(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    fast_toml_agrees(text);
    // every package the direct reader reads, it reads as the tree path does
    if let Err(e) = lock2nix_lock::direct_reader_agrees(text) {
        panic!("{e}");
    }
    let file = Path::new("fuzz/uv.lock");
    let result = parse_lock(text, file);
    // The split (parallel) parse is only attempted for 64 or more `[[package]]` headers; when it
    // could be, it must agree with the single parse.
    if text.matches("[[package]]").count() >= 64 {
        let single = parse_lock_with(
            text,
            file,
            &Limits {
                force_single_parse: true,
                ..Limits::default()
            },
        );
        assert_eq!(
            describe(&result),
            describe(&single),
            "split and single parse disagree"
        );
    }
    match result {
        Err(e) => assert!(!e.to_string().is_empty()),
        Ok(lock) => {
            for w in &lock.warnings {
                let _ = w.to_string();
            }
            pipeline(&lock);
        }
    }
}

fn describe(r: &Result<lock2nix_lock::Lock, lock2nix_lock::Error>) -> String {
    match r {
        Ok(lock) => format!("{lock:?}"),
        Err(e) => format!("error: {e}"),
    }
}

/// Resolve (all four systems), plan and emit a parsed lock; the output must parse as Nix.
/// Returns the overlay text when at least one system resolved.
pub fn pipeline(lock: &lock2nix_lock::Lock) -> Option<String> {
    use lock2nix_resolve::{resolve, PythonVersion, Target};
    let python = PythonVersion::default_for(lock, None).unwrap_or(PythonVersion::new(3, 12));
    // with the default environments (`default`, and `dev` with uv's default groups)
    let specs = lock2nix_plan::EnvSpec::with_defaults([]);
    let resolutions: Vec<_> = System::ALL
        .iter()
        .filter_map(|&system| {
            let target =
                lock2nix_plan::resolution_target(&Target::new(system, python), &specs, lock, None)
                    .ok()?;
            resolve(lock, &target).ok()
        })
        .collect();
    if resolutions.is_empty() {
        return None;
    }
    let inputs = lock2nix_plan::PlanInputs::default();
    let plans: Vec<_> = resolutions
        .iter()
        .map(|r| lock2nix_plan::plan(lock, r, &inputs))
        .collect();
    // generated roots may be named like reserved top-level names (`lib`): a refused layout is
    // an answer, not a failure
    let Ok(layout) =
        lock2nix_plan::layout(&lock2nix_plan::LayoutInputs::for_roots(&resolutions[0]))
    else {
        return None;
    };
    let envs = lock2nix_plan::plan_envs(lock, &resolutions, &plans, &specs, None)
        .map(|(envs, _)| envs)
        .unwrap_or_default();
    let overlay = lock2nix_emit::Overlay {
        plans: &plans,
        layout: &layout,
        workspace_root: ".",
        source_root: None,
        header: &[],
        envs: &envs,
    };
    match lock2nix_emit::emit(&overlay) {
        Ok(text) => {
            assert_nix_parses(&text);
            Some(text)
        }
        // A value the printer cannot represent (NUL) is refused with a typed error.
        Err(lock2nix_emit::EmitError::Print(_)) => None,
        Err(e) => panic!("emit failed on a lock that resolved: {e}"),
    }
}

/// rnix parses `text` without errors.
pub fn assert_nix_parses(text: &str) {
    let parse = rnix::Root::parse(text);
    assert!(
        parse.errors().is_empty(),
        "rnix errors {:?} in:\n{text}",
        parse.errors()
    );
}

/// Target `pyproject`.
pub fn pyproject(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    fast_toml_agrees(text);
    match parse_pyproject(text, Path::new("fuzz/pyproject.toml")) {
        Ok(p) => {
            let _ = format!("{p:?}");
            // an editable install's import root never leaves the project
            for r in &p.import_roots {
                assert!(
                    !r.starts_with('/') && !r.split('/').any(|c| c == ".." || c == "."),
                    "import root {r:?} leaves the project"
                );
            }
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

/// The one-pass TOML parser reads a document exactly as the `toml` crate does, or leaves it to it.
fn fast_toml_agrees(text: &str) {
    if let Err(e) = lock2nix_lock::fast_parser_agrees(text) {
        panic!("fast TOML parser disagrees with the toml crate: {e}");
    }
}

/// Target `git_url`.
pub fn git_url(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse_git_source(text) {
        Ok(g) => {
            assert_eq!(g.raw, text);
            assert_eq!(g.commit.len(), 40);
            assert!(g
                .commit
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
            assert!(!g.repository.is_empty() && text.starts_with(&g.repository));
            // nothing git or a Nix fetcher could take for an option or a program-running transport
            assert!(!g.repository.starts_with('-'));
            assert!(lock2nix_lock::check_repository_url(&g.repository).is_ok());
            let again = parse_git_source(&g.raw).expect("a decoded source decodes again");
            assert_eq!(again, g);
        }
        Err(message) => assert!(!message.is_empty()),
    }
}

fn all_tags() -> &'static [TargetTags] {
    static TAGS: OnceLock<Vec<TargetTags>> = OnceLock::new();
    TAGS.get_or_init(|| {
        System::ALL
            .iter()
            .map(|&s| TargetTags::new(s, (3, 12), TagPolicy::default()))
            .collect()
    })
}

/// Target `wheel_name`.
pub fn wheel_name(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for parsed in [
        WheelFilename::parse(text),
        WheelFilename::parse_url_basename(text),
    ] {
        match parsed {
            Ok(w) => {
                let shown = w.to_string();
                let again = WheelFilename::parse(&shown)
                    .unwrap_or_else(|e| panic!("{text:?} displays as {shown:?}, which fails: {e}"));
                assert_eq!(again, w, "{text:?} → {shown:?} parses differently");
                for tags in all_tags() {
                    if tags.priority(&w).is_none() {
                        assert!(!tags.explain_incompatible(&w).is_empty());
                    }
                }
            }
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
}

/// A tree description for the `nar` target.
#[derive(Arbitrary, Debug)]
pub enum Node {
    /// A regular file.
    File {
        /// Executable bit.
        executable: bool,
        /// Contents.
        contents: Vec<u8>,
    },
    /// A symlink.
    Symlink(Vec<u8>),
    /// A directory (a later duplicate name wins).
    Dir(Vec<(Vec<u8>, Node)>),
}

fn to_tree(node: Node) -> Tree {
    match node {
        Node::File {
            executable,
            contents,
        } => Tree::File {
            executable,
            contents,
        },
        Node::Symlink(target) => Tree::Symlink { target },
        Node::Dir(entries) => Tree::dir(entries.into_iter().map(|(n, c)| (n, to_tree(c)))),
    }
}

/// Target `nar`.
pub fn nar(data: &[u8]) {
    let Ok(node) = Node::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let tree = to_tree(node);
    let valid = tree.validate();
    match lock2nix_nar::nar_bytes(&tree) {
        Ok(bytes) => {
            assert!(valid.is_ok(), "nar_bytes accepted an invalid tree");
            let back = read_nar(&bytes).expect("the NAR reads back");
            assert!(back == tree, "the NAR reads back to a different tree");
            let hash = lock2nix_nar::hash_tree(&tree).expect("hash of a valid tree");
            use sha2::Digest as _;
            assert_eq!(hash.to_hex(), hex_of(&sha2::Sha256::digest(&bytes)));
        }
        Err(e) => {
            assert!(valid.is_err(), "nar_bytes refused a valid tree: {e}");
            assert!(!e.to_string().is_empty());
        }
    }
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An independent NAR reader (strict: canonical padding, sorted unique names, nothing trailing).
pub fn read_nar(bytes: &[u8]) -> Option<Tree> {
    let mut r = NarReader { bytes, pos: 0 };
    if r.string()? != b"nix-archive-1" {
        return None;
    }
    let tree = r.node()?;
    (r.pos == bytes.len()).then_some(tree)
}

struct NarReader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> NarReader<'a> {
    fn string(&mut self) -> Option<&'a [u8]> {
        let len_bytes: [u8; 8] = self.bytes.get(self.pos..self.pos + 8)?.try_into().ok()?;
        let len = usize::try_from(u64::from_le_bytes(len_bytes)).ok()?;
        let start = self.pos + 8;
        let end = start.checked_add(len)?;
        let padded = end.checked_add((8 - len % 8) % 8)?;
        let s = self.bytes.get(start..end)?;
        if self.bytes.get(end..padded)?.iter().any(|&b| b != 0) {
            return None;
        }
        self.pos = padded;
        Some(s)
    }

    fn expect(&mut self, token: &[u8]) -> Option<()> {
        (self.string()? == token).then_some(())
    }

    fn node(&mut self) -> Option<Tree> {
        self.expect(b"(")?;
        self.expect(b"type")?;
        match self.string()? {
            b"regular" => {
                let mut executable = false;
                let mut token = self.string()?;
                if token == b"executable" {
                    self.expect(b"")?;
                    executable = true;
                    token = self.string()?;
                }
                if token != b"contents" {
                    return None;
                }
                let contents = self.string()?.to_vec();
                self.expect(b")")?;
                Some(Tree::File {
                    executable,
                    contents,
                })
            }
            b"symlink" => {
                self.expect(b"target")?;
                let target = self.string()?.to_vec();
                self.expect(b")")?;
                Some(Tree::Symlink { target })
            }
            b"directory" => {
                let mut entries = BTreeMap::new();
                let mut last: Option<Vec<u8>> = None;
                loop {
                    match self.string()? {
                        b")" => return Some(Tree::Directory(entries)),
                        b"entry" => {
                            self.expect(b"(")?;
                            self.expect(b"name")?;
                            let name = self.string()?.to_vec();
                            if last.as_ref().is_some_and(|l| *l >= name) {
                                return None;
                            }
                            self.expect(b"node")?;
                            let child = self.node()?;
                            self.expect(b")")?;
                            last = Some(name.clone());
                            entries.insert(name, child);
                        }
                        _ => return None,
                    }
                }
            }
            _ => None,
        }
    }
}

/// Target `nix_string`.
pub fn nix_string(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let has_nul = s.contains('\0');

    // 1. a `"…"` literal
    match lock2nix_nix::print_expr(&Expr::string(s)) {
        Err(_) => assert!(has_nul, "the printer refused {s:?}"),
        Ok(text) => {
            assert!(!has_nul, "the printer accepted a NUL");
            assert_eq!(first_string(&text), s, "string literal {text}");
        }
    }

    // 2. an `''…''` literal inside a set (so that indentation stripping applies)
    let nested = Expr::attrs([Binding::assign(
        "a",
        Expr::attrs([Binding::assign("b", Expr::indented(s))]),
    )]);
    match lock2nix_nix::print_expr(&nested) {
        Err(_) => assert!(has_nul),
        Ok(text) => assert_eq!(first_string(&text), s, "indented string in {text}"),
    }

    // 3. an attribute name
    let set = Expr::attrs([Binding::assign(AttrName::new(s), Expr::Null)]);
    match lock2nix_nix::print_expr(&set) {
        Err(_) => assert!(has_nul),
        Ok(text) => {
            let parse = rnix::Root::parse(&text);
            assert!(parse.errors().is_empty(), "{:?} in {text}", parse.errors());
            let apv = parse
                .syntax()
                .descendants()
                .find_map(rnix::ast::AttrpathValue::cast)
                .expect("a binding");
            let attrs: Vec<_> = apv.attrpath().expect("an attribute path").attrs().collect();
            assert_eq!(attrs.len(), 1, "one attribute in {text}");
            let name = match &attrs[0] {
                rnix::ast::Attr::Ident(i) => {
                    assert!(lock2nix_nix::is_identifier(s), "bare non-identifier {text}");
                    i.ident_token().expect("identifier").text().to_string()
                }
                rnix::ast::Attr::Str(st) => string_value(st),
                rnix::ast::Attr::Dynamic(d) => match d.expr() {
                    Some(rnix::ast::Expr::Str(st)) => string_value(&st),
                    other => panic!("unexpected dynamic attribute {other:?} in {text}"),
                },
            };
            assert_eq!(name, s, "attribute name in {text}");
        }
    }
}

/// The value of the first string literal in `text` (which must parse).
fn first_string(text: &str) -> String {
    let parse = rnix::Root::parse(text);
    assert!(parse.errors().is_empty(), "{:?} in {text}", parse.errors());
    let st = parse
        .syntax()
        .descendants()
        .find_map(rnix::ast::Str::cast)
        .expect("a string node");
    string_value(&st)
}

/// A string node's text as rnix unescapes it; the only interpolation allowed is a plain string
/// (the printer writes a lone `'` next to an escape in an indented string as `${"'"}`).
fn string_value(s: &rnix::ast::Str) -> String {
    let mut out = String::new();
    for part in s.normalized_parts() {
        match part {
            rnix::ast::InterpolPart::Literal(l) => out.push_str(&l),
            rnix::ast::InterpolPart::Interpolation(i) => match i.expr() {
                Some(rnix::ast::Expr::Str(inner)) => out.push_str(&string_value(&inner)),
                other => panic!("unexpected interpolation {other:?}"),
            },
        }
    }
    out
}

/// Target `index_tsv`.
pub fn index_tsv(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let limits = ReadLimits {
        max_bytes: 1 << 20,
        max_rows: 10_000,
        max_cell_chars: 4_096,
        max_list_items: 64,
    };
    match Index::parse_with_limits(text, "fuzz.tsv", &limits) {
        Err(e) => assert!(!e.to_string().is_empty()),
        Ok(index) => written_index_reads_back(&index),
    }
}

/// An index written as `v2` reads back to the same index, and writing that gives the same bytes.
fn written_index_reads_back(index: &Index) {
    let written = index.to_tsv();
    let back = Index::parse(&written, "written.tsv")
        .unwrap_or_else(|e| panic!("the written index does not read back: {e}\n{written}"));
    assert_eq!(
        &back, index,
        "written and read back, the index differs:\n{written}"
    );
    assert_eq!(back.to_tsv(), written, "writing is not canonical");
}

/// Splits `nixpkgs_scan` input into files: `=== <path>` lines start a file; the text before the
/// first is `pkgs/top-level/python-packages.nix`. Paths are taken as relative.
pub fn scan_files(text: &str) -> BTreeMap<std::path::PathBuf, String> {
    let mut files = BTreeMap::new();
    let mut path = std::path::PathBuf::from("pkgs/top-level/python-packages.nix");
    let mut body = String::new();
    for line in text.split_inclusive('\n') {
        if let Some(p) = line.strip_prefix("=== ") {
            files.insert(std::mem::take(&mut path), std::mem::take(&mut body));
            path = std::path::PathBuf::from(p.trim_end().trim_start_matches('/'));
        } else {
            body.push_str(line);
        }
    }
    files.insert(path, body);
    files
}

/// Target `nixpkgs_scan`.
pub fn nixpkgs_scan(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let files = scan_files(text);
    let limits = ScanLimits {
        max_package_set_bytes: 1 << 20,
        max_recipe_bytes: 1 << 18,
        max_attributes: 10_000,
        max_by_name: 1_000,
        max_list_items: 32,
        max_nesting: 64,
    };
    let first = index_from_files(&files, &limits);
    let second = index_from_files(&files, &limits);
    match (first, second) {
        (Err(a), Err(b)) => {
            assert_eq!(a.to_string(), b.to_string(), "two scans fail differently");
            assert!(!a.to_string().is_empty());
        }
        (Ok(a), Ok(b)) => {
            assert_eq!(a, b, "two scans of the same files differ");
            written_index_reads_back(&a);
        }
        (a, b) => panic!("one scan failed, the other did not: {a:?} / {b:?}"),
    }
}

/// A fixed tree for `source_path`: `<tmp>/root/` is the source root, `root/lock/` the lock's
/// directory, `root/lock/in` a symlink to `root/other` (inside), `root/lock/out` a symlink to
/// `<tmp>/outside` (outside).
fn source_root_fixture() -> Option<&'static (std::path::PathBuf, lock2nix_lock::SourceRoot)> {
    static FIXTURE: OnceLock<Option<(std::path::PathBuf, lock2nix_lock::SourceRoot)>> =
        OnceLock::new();
    FIXTURE
        .get_or_init(|| {
            let base = std::env::temp_dir()
                .join(format!("lock2nix-fuzz-source-root-{}", std::process::id()));
            let root = base.join("root");
            std::fs::create_dir_all(root.join("lock/sub")).ok()?;
            std::fs::create_dir_all(root.join("other")).ok()?;
            std::fs::create_dir_all(base.join("outside")).ok()?;
            let _ = std::os::unix::fs::symlink(root.join("other"), root.join("lock/in"));
            let _ = std::os::unix::fs::symlink(base.join("outside"), root.join("lock/out"));
            let cfg = root.join("lock/lock2nix.toml");
            let sr = lock2nix_lock::SourceRoot::configured(&root.join("lock"), &cfg, "..").ok()?;
            Some((root.canonicalize().ok()?, sr))
        })
        .as_ref()
}

/// Target `source_path`: a local source path of a lock, resolved inside the source root.
pub fn source_path(data: &[u8]) {
    let Ok(path) = std::str::from_utf8(data) else {
        return;
    };
    let Some((root, sr)) = source_root_fixture() else {
        return;
    };
    match sr.resolve("pkg", path) {
        Ok(rel) => {
            // a validated root path, lexically inside the root
            assert_eq!(
                lock2nix_lock::RootPath::new(rel.as_str()).as_ref(),
                Some(&rel),
                "{path:?} → {rel:?}"
            );
            assert!(!path.starts_with('/'), "absolute {path:?} accepted");
            // and on disk too, wherever the path exists
            let full = root.join(rel.as_str());
            if let Ok(real) = full.canonicalize() {
                assert!(
                    real.starts_with(root),
                    "{path:?} → {} escapes",
                    real.display()
                );
            }
        }
        Err(e) => {
            let text = e.to_string();
            assert!(text.contains("`pkg`") || text.contains("UTF-8"), "{text}");
        }
    }
}

/// Target `marker`: the input as a PEP 508 marker, and as the requirements `<input>` and
/// `pkg ; <input>`, read as lock2nix reads them (guards, then markers in linear time within
/// limits): never a panic or a stack overflow; a marker that reads is evaluated; on inputs of
/// at most 512 bytes the result is `pep508_rs`'s (the same tree, or both refuse).
pub fn marker(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    marker_text(text);
    if let Err(e) = lock2nix_lock::requirement_agrees(text) {
        panic!("{e}");
    }
    if let Err(e) = lock2nix_lock::requirement_agrees(&format!("pkg ; {text}")) {
        panic!("{e}");
    }
}

fn marker_text(text: &str) {
    if let Err(e) = lock2nix_lock::marker_agrees(text) {
        panic!("{e}");
    }
}

/// The shape of a marker for `marker_shape`: depth and width come from the input.
#[derive(Arbitrary, Debug)]
enum MarkerShape {
    Leaf(u8, u8, u8),
    And(Vec<MarkerShape>),
    Or(Vec<MarkerShape>),
    /// `n % 5000` parentheses around it.
    Nest(u16, Box<MarkerShape>),
    /// `n` copies (each with its own values), joined by `and` (true) or `or`.
    Repeat(u16, bool, Box<MarkerShape>),
}

const MARKER_VARS: [&str; 10] = [
    "python_version",
    "python_full_version",
    "os_name",
    "sys_platform",
    "platform_machine",
    "extra",
    "implementation_name",
    "platform_release",
    "implementation_version",
    "'linux'",
];
const MARKER_OPS: [&str; 9] = ["==", "!=", "<", ">=", "~=", "in", "not in", "===", ">"];

/// Render `shape`, stopping past `budget` bytes of output.
fn render_marker(shape: &MarkerShape, salt: u32, out: &mut String, budget: usize) {
    if out.len() > budget {
        return;
    }
    match shape {
        MarkerShape::Leaf(var, op, value) => {
            let var = MARKER_VARS[usize::from(*var) % MARKER_VARS.len()];
            let op = MARKER_OPS[usize::from(*op) % MARKER_OPS.len()];
            let value = u32::from(*value) + salt;
            let value = match var {
                "python_version" | "python_full_version" | "implementation_version" => {
                    format!("'3.{}'", value % 40)
                }
                "extra" => format!("'e{}'", value % 1000),
                _ => format!("'v{}'", value % 50),
            };
            out.push_str(&format!("{var} {op} {value}"));
        }
        MarkerShape::And(items) | MarkerShape::Or(items) => {
            let join = if matches!(shape, MarkerShape::And(_)) {
                " and "
            } else {
                " or "
            };
            if items.is_empty() {
                out.push_str("os_name == 'posix'");
            }
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(join);
                }
                out.push('(');
                render_marker(item, salt.wrapping_add(i as u32), out, budget);
                out.push(')');
            }
        }
        MarkerShape::Nest(n, inner) => {
            let n = usize::from(*n) % 5000;
            out.push_str(&"(".repeat(n));
            render_marker(inner, salt, out, budget);
            out.push_str(&")".repeat(n));
        }
        MarkerShape::Repeat(n, and, inner) => {
            let join = if *and { " and " } else { " or " };
            for i in 0..u32::from(*n) {
                if out.len() > budget {
                    break;
                }
                if i > 0 {
                    out.push_str(join);
                }
                render_marker(inner, salt.wrapping_add(i.wrapping_mul(7919)), out, budget);
            }
        }
    }
}

/// Target `marker_shape`: markers of any depth (up to 5,000 parentheses) and width (up to tens
/// of thousands of terms, 4 MiB), built from an `arbitrary` shape, read as in `marker` (fast:
/// libFuzzer's `-timeout` and `-rss_limit_mb` are part of the property).
pub fn marker_shape(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let Ok(shape) = MarkerShape::arbitrary(&mut u) else {
        return;
    };
    let mut text = String::new();
    render_marker(&shape, 0, &mut text, 4 << 20);
    marker_text(&text);
}

/// Target `sdist`.
pub fn sdist(data: &[u8]) {
    use lock2nix_fetch::{
        analyze_cargo_lock, locate_cargo_lock, scan_archive, sdist_requires_dist, CargoLocation,
        HeaderSink, SdistFormat, SdistMetadataSource,
    };
    use std::io::Write;
    let (source, requires) = sdist_requires_dist(Some(data));
    match (&source, &requires) {
        (SdistMetadataSource::PkgInfo, Some(list)) => {
            let reader = lock2nix_lock::RequirementReader::new(&Limits::default());
            for r in list {
                assert!(reader.parse(r).is_ok(), "{r:?} was recorded");
            }
        }
        (_, None) => {}
        other => panic!("requirements with {other:?}"),
    }
    // the streamed header section reads the same, whatever the chunks
    let mut sink = HeaderSink::default();
    for chunk in data.chunks(7) {
        sink.write_all(chunk).unwrap();
    }
    if let Ok(headers) = sink.into_headers() {
        assert_eq!(sdist_requires_dist(Some(&headers)), (source, requires));
    }
    match analyze_cargo_lock(data) {
        Ok(facts) => assert!(facts.unsupported.windows(2).all(|w| w[0] < w[1])),
        Err(e) => assert!(!e.is_empty()),
    }
    for format in [SdistFormat::TarGz, SdistFormat::Zip] {
        match scan_archive(std::io::Cursor::new(data), format, &[]) {
            Ok(scan) => {
                for rust in [false, true] {
                    if let CargoLocation::Found(dir) = locate_cargo_lock(&scan, rust) {
                        assert!(scan.cargo_locks.contains(&dir), "{dir:?}");
                        assert!(!dir.split('/').any(|c| c == ".."), "{dir:?}");
                    }
                }
            }
            Err(e) => assert!(!e.is_empty()),
        }
    }
}

/// Target `env_spec`: `--env NAME=SPEC` never panics; an accepted spec has a name usable as a Nix
/// attribute, and its description parses back to the same selection.
pub fn env_spec(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(spec) = text.parse::<lock2nix_plan::EnvSpec>() else {
        return;
    };
    assert!(lock2nix_nix::is_identifier(&spec.name), "{:?}", spec.name);
    assert!(!spec.name.ends_with("-editable"));
    let described = spec.describe();
    if described != "the roots" {
        let again: lock2nix_plan::EnvSpec = format!("{}={described}", spec.name)
            .parse()
            .expect("a description parses");
        let mut want = spec.clone();
        want.editable = true;
        want.groups.dedup();
        want.extras.dedup();
        let mut got = again;
        got.groups.dedup();
        got.extras.dedup();
        assert_eq!(got, want, "{text:?} → {described:?}");
    }
}
