//! Reading `uv.lock`.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use foldhash::{HashMap, HashMapExt};
use rayon::iter::Either;
use rayon::prelude::*;

use crate::tree::{max_depth, Item, Map, Spanned};
use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{ExtraName, MarkerTree, PackageName};

use crate::bounded_marker::MarkerBudget;
use crate::cursor::{
    as_array, as_bool, as_int, as_str, as_table, opt_str, opt_str_array, required, Ctx, KeyPath,
    Table, Value,
};
use crate::error::{quote, Error, ErrorKind};
use crate::hash::Hash;
use crate::limits::Limits;
use crate::model::*;

mod direct;

/// The lock versions this reader accepts.
pub const SUPPORTED_VERSIONS: &str = "1";

/// Read and validate a `uv.lock` file.
pub fn read_lock(path: &Path) -> Result<Lock, Error> {
    read_lock_with(path, &Limits::default())
}

/// Read and validate a `uv.lock` file with explicit limits.
pub fn read_lock_with(path: &Path, limits: &Limits) -> Result<Lock, Error> {
    let bytes = read_lock_bytes(path, limits)?;
    let text = crate::utf8(path, &bytes)?;
    parse_lock_with(text, path, limits)
}

/// The bytes of a `uv.lock` (for callers that also hash them), refused before they are read
/// when the file says it is over [`Limits::max_file_size`], and while they are read when it
/// grows past it (or is a pipe or a device that says nothing).
pub fn read_lock_bytes(path: &Path, limits: &Limits) -> Result<crate::FileBytes, Error> {
    crate::read_limited(path, limits.max_file_size)
}

/// Parse a `uv.lock` from text; `file` is only used in messages.
pub fn parse_lock(text: &str, file: &Path) -> Result<Lock, Error> {
    parse_lock_with(text, file, &Limits::default())
}

/// Parse a `uv.lock` from text with explicit limits.
///
/// Large locks are parsed in parallel: when the layout allows it (every table after the first
/// `[[package]]` is a `[[package]]` or `[package.…]` table, and there are no multi-line strings, as
/// uv always writes it), the text is cut at `[[package]]` headers and the pieces are parsed and
/// validated on rayon's pool. The result (the lock, or the error) is the same as a single parse:
/// when a piece is not valid TOML on its own, or the header defines `package` itself, the whole
/// text is parsed once instead, so that TOML errors are reported exactly as a single parse does.
pub fn parse_lock_with(text: &str, file: &Path, limits: &Limits) -> Result<Lock, Error> {
    if text.len() as u64 > limits.max_file_size {
        return Err(Error {
            uv_layout: false,
            file: file.to_path_buf(),
            position: None,
            key_path: String::new(),
            kind: ErrorKind::TooLarge {
                size: text.len() as u64,
                limit: limits.max_file_size,
            },
        });
    }
    let mut result = None;
    if !limits.force_single_parse {
        if let Some(split) = split_packages(text) {
            let markers = MarkerBudget::of(limits);
            result = parse_split(text, file, limits, &split, &markers);
        }
    }
    let result = match result {
        Some(r) => r,
        // the single parse charges markers in file order, so where the budget runs out is exact
        None => parse_whole(text, file, limits, &MarkerBudget::of(limits)),
    };
    result.map_err(|mut e| {
        if matches!(
            e.kind,
            ErrorKind::MissingKey { .. }
                | ErrorKind::WrongType { .. }
                | ErrorKind::InvalidValue { .. }
        ) {
            e.uv_layout = crate::error::looks_uv_written(text);
        }
        e
    })
}

/// One parse of the whole text.
fn parse_whole(
    text: &str,
    file: &Path,
    limits: &Limits,
    markers: &MarkerBudget,
) -> Result<Lock, Error> {
    let ctx = Ctx::new(text, file, 0, markers);
    let doc = crate::parse_tree(&ctx, text)?;
    crate::check_depth(&ctx, max_depth(doc.get_ref()), limits)?;
    let root = Table {
        table: doc.get_ref(),
        span: doc.span(),
    };
    let cache = MarkerCache::default();
    let mut reader = Reader::new(&ctx, &cache);
    let mut lock = reader.header(&root)?;
    let (pkg_key, raw_packages) = reader.packages_of(&root, 0, limits)?;
    lock.packages = reader.link(raw_packages, pkg_key)?;
    lock.warnings = std::mem::take(&mut reader.warnings);
    Ok(lock)
}

/// The parallel parse of a split lock; `None` means "fall back to [`parse_whole`]".
///
/// Each chunk is read on rayon's pool, package by package straight from the text where the
/// direct reader can ([`read_chunk_direct`]); otherwise it is parsed and converted in one pass and
/// its TOML tree dropped right away, so at most one tree per thread is alive (a whole-file tree
/// costs ~15× the file's size).
/// Errors are then reported in the order a single parse finds them: a TOML error anywhere (by
/// falling back to the single parse), the nesting depth, the header, the package count, the first
/// package error in file order, the edges.
fn parse_split(
    text: &str,
    file: &Path,
    limits: &Limits,
    split: &Split,
    markers: &MarkerBudget,
) -> Option<Result<Lock, Error>> {
    let ctx = Ctx::new(text, file, 0, markers);
    let header = crate::parse_tree(&ctx, &text[..split.header_end]).ok()?;
    if header.get_ref().contains_key("package") {
        // `package = …` or `[package]` before the first `[[package]]`: a single parse decides
        return None;
    }
    // one marker cache for every chunk: a lock repeats a few dozen markers hundreds of times
    let cache = MarkerCache::default();
    // Every package is read into its place in one array (a chunk's part filled by the chunk's
    // task), which `link` then turns into the lock's packages in place: no array per chunk, and
    // no copy of them all into one. Unless that array would be much bigger than the text (many
    // empty `[[package]]` headers: hostile, or at least no lock uv writes) or the packages are
    // too many (an error anyway): each chunk then reads into an array of its own, dropped after.
    let keep = split.count <= limits.max_packages
        && split
            .count
            .saturating_mul(std::mem::size_of::<Option<RawPackage>>())
            <= text.len().saturating_mul(MAX_PACKAGES_PER_TEXT);
    let mut slots: Vec<Option<RawPackage>> = Vec::new();
    let shared = if keep {
        slots.reserve_exact(split.count);
        slots.par_extend((0..split.count).into_par_iter().map(|_| None));
        Either::Left(slots.par_chunks_mut(split.per_chunk).map(Some))
    } else {
        Either::Right((0..split.chunks.len()).into_par_iter().map(|_| None))
    };
    let parts: Vec<Option<ChunkOutcome>> = split
        .chunks
        .par_iter()
        .zip(shared)
        // the direct reader's buffers, kept from one chunk to the next a thread reads
        .map_init(direct::Scratch::default, |scratch, (chunk, shared)| {
            let mut own = Vec::new();
            let slots = match shared {
                Some(slots) => slots,
                None => {
                    own.resize_with(chunk.count, || None);
                    &mut own[..]
                }
            };
            if slots.len() != chunk.count {
                return None;
            }
            if let Some(outcome) = read_chunk_direct(
                text, file, limits, split, chunk, slots, scratch, &cache, markers,
            ) {
                return Some(outcome);
            }
            let cctx = Ctx::new(text, file, chunk.range.start, markers);
            // Any syntax error → the single parse reports it, exactly.
            let doc = crate::parse_tree(&cctx, &text[chunk.range.clone()]).ok()?;
            let (depth, at) = max_depth(doc.get_ref());
            let root = Table {
                table: doc.get_ref(),
                span: doc.span(),
            };
            let mut reader = Reader::new(&cctx, &cache);
            let packages = reader.packages_of(&root, chunk.first_index, limits);
            let newlines = reader.newlines_before(chunk.range.len());
            let packages = match packages {
                Ok((_, raws)) => {
                    // a header the split did not see (indented): a single parse decides
                    if raws.len() != slots.len() {
                        return None;
                    }
                    for (slot, raw) in slots.iter_mut().zip(raws) {
                        *slot = Some(raw);
                    }
                    Ok(reader.warnings)
                }
                Err(e) => Err(e),
            };
            Some(ChunkOutcome {
                depth: (depth, cctx.base + at),
                packages,
                newlines,
            })
        })
        .collect();
    let parts: Vec<ChunkOutcome> = parts.into_iter().collect::<Option<Vec<_>>>()?;
    // The chunks charge the shared marker budget (and fill the shared cache) in whatever order
    // the threads ran: where (and whether) it ran out is for the single parse to say.
    let out_of_budget = |p: &ChunkOutcome| matches!(&p.packages, Err(e) if matches!(e.kind, ErrorKind::MarkerBudget { .. }));
    if parts.iter().any(out_of_budget) {
        return None;
    }
    match validate_split(
        &ctx,
        &header,
        parts,
        keep.then_some(slots),
        split,
        limits,
        &cache,
    ) {
        Err(e) if matches!(e.kind, ErrorKind::MarkerBudget { .. }) => None,
        Err(e) => Some(Err(e)),
        Ok(lock) => lock.map(Ok),
    }
}

/// A chunk read package by package into `slots` (one per package): straight from the text where
/// [`direct`] reads the package, else through its tree. `None` when a package has an error of
/// any kind: the chunk is then read whole through its tree, so that the error is the one that
/// reading reports.
///
/// A package's text, from its `[[package]]` header to the next, is a document on its own whose
/// tree is the chunk tree's element for it (a later header can only add to the last element).
#[allow(clippy::too_many_arguments)]
fn read_chunk_direct(
    text: &str,
    file: &Path,
    limits: &Limits,
    split: &Split,
    chunk: &Chunk,
    slots: &mut [Option<RawPackage>],
    scratch: &mut direct::Scratch,
    cache: &MarkerCache,
    markers: &MarkerBudget,
) -> Option<ChunkOutcome> {
    let starts = &split.starts[chunk.first_index..];
    let mut warnings = Vec::new();
    // packages read directly hold nothing deeper than `direct::DEPTH`, within the limit
    let mut depth = (0, 0);
    let mut newlines = 0;
    for (k, slot) in slots.iter_mut().enumerate() {
        let start = starts[k];
        let end = match starts.get(k + 1) {
            Some(&next) if k + 1 < chunk.count => next,
            _ => chunk.range.end,
        };
        let fragment = &text[start..end];
        let ctx = Ctx::new(text, file, start, markers);
        let mut reader = Reader::new(&ctx, cache);
        reader.warnings = warnings;
        let index = chunk.first_index + k;
        let mut raw = match direct::package(&mut reader, fragment, index, limits, scratch) {
            Some(raw) => raw,
            None => {
                let (raw, (d, at)) = reader.package_via_tree(fragment, index, limits).ok()??;
                if d > depth.0 {
                    depth = (d, start + at);
                }
                raw
            }
        };
        raw.package.line += newlines;
        newlines += memchr::memchr_iter(b'\n', fragment.as_bytes()).count();
        *slot = Some(raw);
        warnings = reader.warnings;
    }
    Some(ChunkOutcome {
        depth,
        packages: Ok(warnings),
        newlines,
    })
}

/// A tree's deepest value: its depth and its offset.
type Deepest = (usize, usize);

/// One chunk, parsed and converted: its deepest value and its packages (or its first error).
struct ChunkOutcome {
    depth: Deepest,
    packages: ChunkResult,
    /// The chunk's newlines (its packages' lines are counted from its start).
    newlines: usize,
}

/// The rest of [`parse_split`]: depth, header, count, packages, edges; `Ok(None)` when the
/// packages were not kept (`slots` is `None`) and no error decides, for a single parse to read.
fn validate_split(
    ctx: &Ctx<'_>,
    header: &Spanned<Map<'_>>,
    parts: Vec<ChunkOutcome>,
    mut slots: Option<Vec<Option<RawPackage>>>,
    split: &Split,
    limits: &Limits,
    markers: &MarkerCache,
) -> Result<Option<Lock>, Error> {
    // Depth over the whole text: the deepest value, the first in file order on ties.
    let mut deepest = max_depth(header.get_ref());
    for part in &parts {
        if part.depth.0 > deepest.0 {
            deepest = part.depth;
        }
    }
    crate::check_depth(ctx, deepest, limits)?;
    let root = Table {
        table: header.get_ref(),
        span: header.span(),
    };
    let mut reader = Reader::new(ctx, markers);
    let mut lock = reader.header(&root)?;
    if split.count > limits.max_packages {
        return Err(too_many_packages(
            ctx,
            split.header_end,
            split.count,
            limits,
        ));
    }
    let mut line_base =
        memchr::memchr_iter(b'\n', &ctx.text.as_bytes()[..split.header_end]).count();
    let mut chunk_slots = slots.as_mut().map(|s| s.chunks_mut(split.per_chunk));
    for part in parts {
        let w = part.packages?;
        if let Some(slots) = chunk_slots.as_mut().and_then(Iterator::next) {
            for raw in slots.iter_mut().flatten() {
                raw.package.line += line_base;
            }
        }
        line_base += part.newlines;
        reader.warnings.extend(w);
    }
    let Some(slots) = slots else {
        return Ok(None);
    };
    // every slot is filled (a chunk without error filled its own); collected in place (which
    // `flatten` does not do)
    debug_assert!(
        slots.iter().all(Option::is_some),
        "a package slot left empty"
    );
    #[allow(clippy::filter_map_identity)]
    let raws = slots.into_iter().filter_map(|slot| slot).collect();
    lock.packages = reader.link(raws, "package")?;
    lock.warnings = std::mem::take(&mut reader.warnings);
    Ok(Some(lock))
}

/// Over [`Limits::max_packages`]: reported at the first `[[package]]` (byte offset `at`).
fn too_many_packages(ctx: &Ctx<'_>, at: usize, count: usize, limits: &Limits) -> Error {
    Error {
        uv_layout: false,
        file: ctx.file.to_path_buf(),
        position: Some(ctx.position(at)),
        key_path: "package".into(),
        kind: ErrorKind::TooMany {
            what: "packages",
            count,
            limit: limits.max_packages,
        },
    }
}

/// The packages (and warnings) of one chunk of a split lock.
type ChunkResult = Result<Vec<crate::Warning>, Error>;

/// The targets of a package's edges: dependencies, per extra, per group.
type EdgeTargets = (Vec<usize>, Vec<Vec<usize>>, Vec<Vec<usize>>);

/// How many times the text's size the packages' array of a split parse may take (a real lock's
/// takes a fifth of it: a package's text is a few KiB, its [`RawPackage`] about 600 bytes);
/// above, the chunks read into arrays of their own (see [`parse_split`]).
const MAX_PACKAGES_PER_TEXT: usize = 10;

/// Packages whose edges one task of [`Reader::link`] resolves (about a tenth of a millisecond of
/// work, well above what handing a task to another thread costs).
const LINK_PACKAGES_PER_TASK: usize = 64;

struct Split {
    header_end: usize,
    /// Packages per chunk (the last may have fewer).
    per_chunk: usize,
    chunks: Vec<Chunk>,
    count: usize,
    /// Where each `[[package]]` header starts.
    starts: Vec<usize>,
}

struct Chunk {
    range: Range<usize>,
    first_index: usize,
    /// How many packages it holds.
    count: usize,
}

/// Cut a lock at its `[[package]]` headers when that is equivalent to one parse (see
/// [`parse_lock_with`]); `None` means "parse it whole".
fn split_packages(text: &str) -> Option<Split> {
    const MIN_FOR_SPLIT: usize = 64;
    let starts = package_starts(text)?;
    if starts.len() < MIN_FOR_SPLIT {
        return None;
    }
    let count = starts.len();
    let per_chunk = (count / (rayon::current_num_threads().max(1) * 64)).clamp(12, 24);
    let mut chunks = Vec::with_capacity(count / per_chunk + 1);
    let mut i = 0;
    while i < count {
        let j = (i + per_chunk).min(count);
        let end = if j == count { text.len() } else { starts[j] };
        chunks.push(Chunk {
            range: starts[i]..end,
            first_index: i,
            count: j - i,
        });
        i = j;
    }
    Some(Split {
        header_end: starts[0],
        per_chunk,
        chunks,
        count,
        starts,
    })
}

/// Where the `[[package]]` headers start, when every table after the first is a package's and
/// there are no multi-line strings (the text can then be cut at them).
fn package_starts(text: &str) -> Option<Vec<usize>> {
    package_starts_with(text, SCAN.as_ref())
}

/// [`package_starts`] with `scan` ([`SCAN`]), or without it: three passes with `memchr`.
fn package_starts_with(
    text: &str,
    scan: Option<&aho_corasick::packed::Searcher>,
) -> Option<Vec<usize>> {
    let bytes = text.as_bytes();
    let mut starts = Vec::new();
    // a line that starts with `[`, at `offset`; `None`: another top-level table after the
    // packages (parse whole)
    let mut table_line = |offset: usize| -> Option<()> {
        let rest = &text[offset..];
        let line = rest.find('\n').map_or(rest, |end| &rest[..end]);
        let header = line.trim_end();
        if header == "[[package]]" {
            starts.push(offset);
        } else if !starts.is_empty() && !header.starts_with("[package.") {
            return None;
        }
        Some(())
    };
    if bytes.first() == Some(&b'[') {
        table_line(0)?;
    }
    match scan {
        // one pass for the three (the file is several MiB: each pass reads it all)
        Some(scan) => {
            for m in scan.find_iter(bytes) {
                if m.pattern().as_usize() != SCAN_TABLE {
                    return None;
                }
                table_line(m.start() + 1)?;
            }
        }
        None => {
            if memchr::memmem::find(bytes, b"\"\"\"").is_some()
                || memchr::memmem::find(bytes, b"'''").is_some()
            {
                return None;
            }
            for at in memchr::memmem::find_iter(bytes, b"\n[") {
                table_line(at + 1)?;
            }
        }
    }
    Some(starts)
}

/// What [`package_starts`] looks for: multi-line string quotes, and lines that start with `[`
/// (pattern [`SCAN_TABLE`]), in one pass; `None` where the CPU has no SIMD searcher for them.
static SCAN: std::sync::LazyLock<Option<aho_corasick::packed::Searcher>> =
    std::sync::LazyLock::new(|| {
        aho_corasick::packed::Config::new()
            .builder()
            .add("\"\"\"")
            .add("'''")
            .add("\n[")
            .build()
    });

/// The pattern number of `\n[` in [`SCAN`].
const SCAN_TABLE: usize = 2;

struct Reader<'c, 's> {
    ctx: &'c Ctx<'s>,
    markers: &'c MarkerCache,
    warnings: Vec<crate::Warning>,
    /// Newlines counted so far in the text from `ctx.base`: (relative offset, count). Packages
    /// come in file order, so each package's line costs one count over the bytes since the last.
    lines: (usize, usize),
}

/// Markers already parsed, by their text (shared by the readers of a split lock's chunks).
#[derive(Default)]
struct MarkerCache(std::sync::Mutex<HashMap<String, MarkerTree>>);

impl MarkerCache {
    fn get(&self, s: &str) -> Option<MarkerTree> {
        self.0.lock().ok()?.get(s).cloned()
    }

    fn insert(&self, s: &str, tree: &MarkerTree) {
        if let Ok(mut map) = self.0.lock() {
            map.insert(s.to_string(), tree.clone());
        }
    }
}

/// The keys of a source table that name its kind, in the order they are looked for.
const SOURCE_KINDS: [&str; 7] = [
    "registry",
    "git",
    "url",
    "path",
    "directory",
    "editable",
    "virtual",
];

/// A dependency before its target is known.
#[derive(Debug)]
struct RawDependency {
    dep: Dependency,
    span: Range<usize>,
}

#[derive(Debug)]
struct RawPackage {
    package: Package,
    deps: Vec<RawDependency>,
    optional: BTreeMap<ExtraName, Vec<RawDependency>>,
    dev: BTreeMap<GroupName, Vec<RawDependency>>,
    span: Range<usize>,
    index: usize,
}

impl<'c, 's> Reader<'c, 's> {
    fn new(ctx: &'c Ctx<'s>, markers: &'c MarkerCache) -> Self {
        Reader {
            ctx,
            markers,
            warnings: Vec::new(),
            lines: (0, 0),
        }
    }

    /// The one package of `fragment` (a `[[package]]` header and what follows it), read through
    /// its TOML tree, and the tree's deepest value (depth, offset in `fragment`); `None` when the
    /// fragment holds no package or more than one.
    fn package_via_tree(
        &mut self,
        fragment: &str,
        index: usize,
        limits: &Limits,
    ) -> Result<Option<(RawPackage, Deepest)>, Error> {
        let doc = crate::parse_tree(self.ctx, fragment)?;
        let deepest = max_depth(doc.get_ref());
        let root = Table {
            table: doc.get_ref(),
            span: doc.span(),
        };
        let (_, mut one) = self.packages_of(&root, index, limits)?;
        Ok(one
            .pop()
            .filter(|_| one.is_empty())
            .map(|raw| (raw, deepest)))
    }

    /// How many newlines the text has between `ctx.base` and `ctx.base + offset` (the 0-based
    /// line of `offset` within the chunk; a split parse adds the chunk's first line later).
    fn newlines_before(&mut self, offset: usize) -> usize {
        let (from, count) = if offset >= self.lines.0 {
            self.lines
        } else {
            (0, 0)
        };
        let bytes = &self.ctx.text.as_bytes()[self.ctx.base..];
        let count = count + memchr::memchr_iter(b'\n', &bytes[from..offset]).count();
        self.lines = (offset, count);
        count
    }

    fn err(&self, span: Range<usize>, path: &KeyPath<'_>, kind: ErrorKind) -> Error {
        self.ctx.error(span, path, kind)
    }

    /// A span relative to the fragment, made absolute in the file.
    fn abs(&self, span: Range<usize>) -> Range<usize> {
        span.start + self.ctx.base..span.end + self.ctx.base
    }

    fn header(&mut self, root: &Table<'_, '_>) -> Result<Lock, Error> {
        let top = KeyPath::Root;
        // The version comes first, so that a future format gets a clear message and nothing else.
        let version_value = required(
            self.ctx,
            root,
            "version",
            &top,
            "the lock format version, an integer (1)",
        )?;
        let version = as_int(self.ctx, version_value, &top.key("version"), "an integer")?;
        if version != 1 {
            return Err(self.err(
                version_value.span(),
                &top.key("version"),
                ErrorKind::UnsupportedVersion {
                    found: version,
                    supported: SUPPORTED_VERSIONS,
                },
            ));
        }
        let revision = match root.get("revision") {
            None => 0,
            Some(v) => {
                let r = as_int(self.ctx, v, &top.key("revision"), "a non-negative integer")?;
                u32::try_from(r).map_err(|_| {
                    self.err(
                        v.span(),
                        &top.key("revision"),
                        ErrorKind::InvalidValue {
                            expected: "a non-negative integer".into(),
                            found: r.to_string(),
                        },
                    )
                })?
            }
        };
        let (requires_python, requires_python_raw) = match root.get("requires-python") {
            None => (None, None),
            Some(v) => {
                let p = top.key("requires-python");
                let s = as_str(self.ctx, v, &p, "a PEP 440 version specifier string")?;
                (
                    Some(self.ctx.parse_specifiers(s, v.span(), &p)?),
                    Some(s.to_string()),
                )
            }
        };
        let resolution_markers = self.marker_list(root, "resolution-markers", &top)?;
        let supported_markers = self.marker_list(root, "supported-markers", &top)?;
        let required_markers = self.marker_list(root, "required-markers", &top)?;
        let conflicts = self.conflicts(root, &top)?;
        let options = match root.get("options") {
            None => BTreeMap::new(),
            Some(v) => {
                let t = as_table(self.ctx, v, &top.key("options"), "a table")?;
                t.keys()
                    .map(|(k, v)| (k.get_ref().to_string(), render_value(v.get_ref())))
                    .collect()
            }
        };
        let manifest = match root.get("manifest") {
            None => Manifest::default(),
            Some(v) => self.manifest(v, &top.key("manifest"))?,
        };

        Ok(Lock {
            version: 1,
            revision,
            requires_python,
            requires_python_raw,
            resolution_markers,
            supported_markers,
            required_markers,
            conflicts,
            options,
            manifest,
            packages: Vec::new(),
            warnings: Vec::new(),
        })
    }

    fn packages_of(
        &mut self,
        root: &Table<'_, '_>,
        first_index: usize,
        limits: &Limits,
    ) -> Result<(&'static str, Vec<RawPackage>), Error> {
        let top = KeyPath::Root;
        let (pkg_key, pkgs_value) = match root.get_first(&["package", "distribution"]) {
            Some((k, v)) => (k, Some(v)),
            None => ("package", None),
        };
        let mut raw_packages = Vec::new();
        if let Some(v) = pkgs_value {
            let p = top.key(pkg_key);
            let arr = as_array(self.ctx, v, &p, "an array of tables (`[[package]]`)")?;
            if arr.len() > limits.max_packages {
                let at = arr.iter().next().map_or(v.span(), |x| x.span());
                let mut e = too_many_packages(self.ctx, at.start, arr.len(), limits);
                e.key_path = p.to_string();
                return Err(e);
            }
            raw_packages.reserve(arr.len());
            for (i, item) in arr.iter().enumerate() {
                let index = first_index + i;
                let ip = p.index(index);
                raw_packages.push(self.package(item, &ip, index, limits)?);
            }
        }
        Ok((pkg_key, raw_packages))
    }

    fn name(&self, s: &str, span: Range<usize>, path: &KeyPath<'_>) -> Result<PackageName, Error> {
        self.ctx.parse_package_name(s, span, path)
    }

    /// The required package name under `t.name`.
    fn name_key(
        &self,
        t: &Table<'_, '_>,
        p: &KeyPath<'_>,
        expected: &'static str,
    ) -> Result<PackageName, Error> {
        let nv = required(self.ctx, t, "name", p, expected)?;
        let np = p.key("name");
        self.name(as_str(self.ctx, nv, &np, "a string")?, nv.span(), &np)
    }

    /// The optional version under `t.version`.
    /// The optional `version` key: as written, and parsed.
    fn version_key<'a>(
        &self,
        t: &Table<'a, '_>,
        p: &KeyPath<'_>,
    ) -> Result<Option<(&'a str, Version)>, Error> {
        let Some(v) = t.get("version") else {
            return Ok(None);
        };
        let vp = p.key("version");
        let text = as_str(self.ctx, v, &vp, "a PEP 440 version string")?;
        Ok(Some((text, self.ctx.parse_version(text, v.span(), &vp)?)))
    }

    fn extra(&self, s: &str, span: Range<usize>, path: &KeyPath<'_>) -> Result<ExtraName, Error> {
        self.ctx.parse_name(s, span, path)
    }

    fn marker(&mut self, s: &str, span: Range<usize>, path: &KeyPath<'_>) -> Result<Marker, Error> {
        if let Some(tree) = self.markers.get(s) {
            return Ok(Marker {
                raw: s.to_string(),
                tree,
            });
        }
        let tree = self.ctx.parse_marker(s, span, path)?;
        self.markers.insert(s, &tree);
        Ok(Marker {
            raw: s.to_string(),
            tree,
        })
    }

    fn marker_list(
        &mut self,
        t: &Table<'_, '_>,
        key: &'static str,
        path: &KeyPath<'_>,
    ) -> Result<Vec<Marker>, Error> {
        let items = opt_str_array(self.ctx, t, key, path, "an array of PEP 508 marker strings")?;
        let p = path.key(key);
        let mut out = Vec::with_capacity(items.len());
        for (i, (s, span)) in items.into_iter().enumerate() {
            out.push(self.marker(s, span, &p.index(i))?);
        }
        Ok(out)
    }

    fn conflicts(
        &self,
        root: &Table<'_, '_>,
        top: &KeyPath<'_>,
    ) -> Result<Vec<Vec<ConflictItem>>, Error> {
        let Some(v) = root.get("conflicts") else {
            return Ok(Vec::new());
        };
        let p = top.key("conflicts");
        let sets = as_array(
            self.ctx,
            v,
            &p,
            "an array of arrays of `{ package, extra | group }` tables",
        )?;
        let mut out = Vec::with_capacity(sets.len());
        for (i, set) in sets.iter().enumerate() {
            let sp = p.index(i);
            let items = as_array(
                self.ctx,
                set,
                &sp,
                "an array of `{ package, extra | group }` tables",
            )?;
            let mut conflict = Vec::with_capacity(items.len());
            for (j, item) in items.iter().enumerate() {
                let ip = sp.index(j);
                let item = self.conflict_item(item, &ip)?;
                conflict.push(item);
            }
            out.push(conflict);
        }
        Ok(out)
    }

    /// One `{ package, extra | group }` item (`{ package }` alone: the whole project).
    fn conflict_item(&self, item: &Value<'_>, ip: &KeyPath<'_>) -> Result<ConflictItem, Error> {
        let t = as_table(self.ctx, item, ip, "a `{ package, extra | group }` table")?;
        let pv = required(self.ctx, &t, "package", ip, "the package name")?;
        let package = self.name(
            as_str(self.ctx, pv, &ip.key("package"), "a string")?,
            pv.span(),
            &ip.key("package"),
        )?;
        let kind = if let Some(e) = t.get("extra") {
            ConflictKind::Extra(self.extra(
                as_str(self.ctx, e, &ip.key("extra"), "a string")?,
                e.span(),
                &ip.key("extra"),
            )?)
        } else if let Some(g) = t.get("group") {
            ConflictKind::Group(self.extra(
                as_str(self.ctx, g, &ip.key("group"), "a string")?,
                g.span(),
                &ip.key("group"),
            )?)
        } else {
            ConflictKind::Project
        };
        Ok(ConflictItem { package, kind })
    }

    fn manifest(&mut self, v: &Value<'_>, p: &KeyPath<'_>) -> Result<Manifest, Error> {
        let t = as_table(self.ctx, v, p, "a table")?;
        let mut m = Manifest::default();
        for (s, span) in opt_str_array(self.ctx, &t, "members", p, "an array of package names")? {
            m.members.push(self.name(s, span, &p.key("members"))?);
        }
        m.requirements = self.requirement_list(&t, "requirements", p)?;
        m.constraints = self.requirement_list(&t, "constraints", p)?;
        m.build_constraints = self.requirement_list(&t, "build-constraints", p)?;
        // `overrides`: requirement tables, or `{ package = { name, version }, dependencies = [...] }`
        // scoped to one dependent.
        if let Some(ov) = t.get("overrides") {
            let op = p.key("overrides");
            let arr = as_array(self.ctx, ov, &op, "an array of requirement tables")?;
            for (i, item) in arr.iter().enumerate() {
                let ip = op.index(i);
                match self.scoped_target(item, &ip)? {
                    Some((package, version, it)) => {
                        let dependencies = self.requirement_list(&it, "dependencies", &ip)?;
                        m.scoped_overrides.push(ScopedOverride {
                            package,
                            version,
                            dependencies,
                        });
                    }
                    None => m.overrides.push(self.requirement(item, &ip)?),
                }
            }
        }
        // `excludes`: package names, or `{ package = { name, version }, dependencies = [names] }`.
        if let Some(ev) = t.get("excludes") {
            let ep = p.key("excludes");
            let arr = as_array(
                self.ctx,
                ev,
                &ep,
                "an array of package names or `{ package, dependencies }` tables",
            )?;
            for (i, item) in arr.iter().enumerate() {
                let ip = ep.index(i);
                if let Item::String(s) = item.get_ref() {
                    m.excludes.push(self.name(s.as_ref(), item.span(), &ip)?);
                    continue;
                }
                let Some((package, version, it)) = self.scoped_target(item, &ip)? else {
                    return Err(crate::cursor::wrong_type(
                        self.ctx,
                        item.span(),
                        item.get_ref(),
                        &ip,
                        "a package name or a `{ package = { name, version }, dependencies }` table",
                    ));
                };
                let mut dependencies = Vec::new();
                for (s, span) in opt_str_array(
                    self.ctx,
                    &it,
                    "dependencies",
                    &ip,
                    "an array of package names",
                )? {
                    dependencies.push(self.name(s, span, &ip.key("dependencies"))?);
                }
                m.scoped_excludes.push(ScopedExclude {
                    package,
                    version,
                    dependencies,
                });
            }
        }
        if let Some(g) = t.get("dependency-groups") {
            let gp = p.key("dependency-groups");
            let gt = as_table(self.ctx, g, &gp, "a table of group name → requirements")?;
            for (k, _) in gt.keys() {
                let name = self.extra(k.get_ref(), k.span(), &gp)?;
                let key: &str = k.get_ref();
                let reqs = self.requirement_list_dyn(&gt, key, &gp)?;
                m.dependency_groups.insert(name, reqs);
            }
        }
        if let Some(dm) = t.get("dependency-metadata") {
            let dp = p.key("dependency-metadata");
            let arr = as_array(self.ctx, dm, &dp, "an array of tables")?;
            for (i, item) in arr.iter().enumerate() {
                let ip = dp.index(i);
                let it = as_table(
                    self.ctx,
                    item,
                    &ip,
                    "a `{ name, version, requires-dist, requires-python, provides-extras }` table",
                )?;
                let name = self.name_key(&it, &ip, "a package name")?;
                let version = self.version_key(&it, &ip)?.map(|(_, v)| v);
                let requires_dist = self.requirement_list(&it, "requires-dist", &ip)?;
                let requires_python = match it.get("requires-python") {
                    None => None,
                    Some(v) => {
                        let rp = ip.key("requires-python");
                        let s = as_str(self.ctx, v, &rp, "a PEP 440 specifier string")?;
                        self.ctx.parse_specifiers(s, v.span(), &rp)?;
                        Some(s.to_string())
                    }
                };
                let mut provides_extras = Vec::new();
                let key = if it.get("provides-extras").is_some() {
                    "provides-extras"
                } else {
                    "provides-extra"
                };
                for (s, span) in opt_str_array(self.ctx, &it, key, &ip, "an array of extra names")?
                {
                    provides_extras.push(self.extra(s, span, &ip.key(key))?);
                }
                m.dependency_metadata.push(DependencyMetadata {
                    name,
                    version,
                    requires_dist,
                    requires_python,
                    provides_extras,
                });
            }
        }
        Ok(m)
    }

    /// The `{ package = { name, version }, dependencies = [...] }` form of a scoped override or
    /// exclusion: the package, its version and the table; `None` for any other value.
    #[allow(clippy::type_complexity)]
    fn scoped_target<'a, 'i>(
        &self,
        item: &'a Value<'i>,
        p: &KeyPath<'_>,
    ) -> Result<Option<(PackageName, Option<Version>, Table<'a, 'i>)>, Error> {
        let Item::Table(inner) = item.get_ref() else {
            return Ok(None);
        };
        let Some(pkg) = inner.get("package") else {
            return Ok(None);
        };
        if !matches!(pkg.get_ref(), Item::Table(_)) {
            return Ok(None);
        }
        let it = Table {
            table: inner,
            span: item.span(),
        };
        let pp = p.key("package");
        let pt = as_table(self.ctx, pkg, &pp, "a `{ name, version }` table")?;
        let name = self.name_key(&pt, &pp, "the package the entry applies to")?;
        let version = self.version_key(&pt, &pp)?.map(|(_, v)| v);
        Ok(Some((name, version, it)))
    }

    fn requirement_list(
        &mut self,
        t: &Table<'_, '_>,
        key: &'static str,
        p: &KeyPath<'_>,
    ) -> Result<Vec<LockRequirement>, Error> {
        self.requirement_list_dyn(t, key, p)
    }

    fn requirement_list_dyn(
        &mut self,
        t: &Table<'_, '_>,
        key: &str,
        p: &KeyPath<'_>,
    ) -> Result<Vec<LockRequirement>, Error> {
        let Some(v) = t.get(key) else {
            return Ok(Vec::new());
        };
        let rp = p.key(key);
        let arr = as_array(
            self.ctx,
            v,
            &rp,
            "an array of requirement tables or PEP 508 strings",
        )?;
        let mut out = Vec::with_capacity(arr.len());
        for (i, item) in arr.iter().enumerate() {
            out.push(self.requirement(item, &rp.index(i))?);
        }
        Ok(out)
    }

    /// A requirement: the table uv writes in `[package.metadata]` and `[manifest]`, or a PEP 508
    /// string (uv writes those in `[[manifest.dependency-metadata]]`).
    fn requirement(&mut self, v: &Value<'_>, p: &KeyPath<'_>) -> Result<LockRequirement, Error> {
        if let Item::String(s) = v.get_ref() {
            let req = crate::pyproject::parse_pep508(self.ctx, s.as_ref(), v.span(), p)?;
            return Ok(crate::pyproject::lock_requirement_of(&req));
        }
        let t = as_table(
            self.ctx,
            v,
            p,
            "a requirement: a table `{ name, specifier | git | url | path | … }` or a PEP 508 string",
        )?;
        let name = self.name_key(&t, p, "a package name")?;
        let mut extras = Vec::new();
        for (s, span) in opt_str_array(self.ctx, &t, "extras", p, "an array of extra names")? {
            extras.push(self.extra(s, span, &p.key("extras"))?);
        }
        let mut groups = Vec::new();
        for (s, span) in opt_str_array(self.ctx, &t, "groups", p, "an array of group names")? {
            groups.push(self.extra(s, span, &p.key("groups"))?);
        }
        let marker = match t.get("marker") {
            None => None,
            Some(m) => Some(self.marker(
                as_str(self.ctx, m, &p.key("marker"), "a PEP 508 marker string")?,
                m.span(),
                &p.key("marker"),
            )?),
        };
        let s = |key: &'static str| opt_str(self.ctx, &t, key, p, "a string");
        let source = if let Some(g) = s("git")? {
            RequirementSource::Git(g.to_string())
        } else if let Some(u) = s("url")? {
            RequirementSource::Url {
                url: u.to_string(),
                subdirectory: s("subdirectory")?.map(str::to_string),
            }
        } else if let Some(x) = s("path")? {
            RequirementSource::Path(x.to_string())
        } else if let Some(x) = s("directory")? {
            RequirementSource::Directory(x.to_string())
        } else if let Some(x) = s("editable")? {
            RequirementSource::Editable(x.to_string())
        } else if let Some(x) = s("virtual")? {
            RequirementSource::Virtual(x.to_string())
        } else {
            let specifier = match t.get("specifier") {
                None => VersionSpecifiers::empty(),
                Some(v) => {
                    let sp = p.key("specifier");
                    let text = as_str(self.ctx, v, &sp, "a PEP 440 specifier string")?;
                    self.ctx.parse_specifiers(text, v.span(), &sp)?
                }
            };
            let conflict = match t.get("conflict") {
                None => None,
                Some(c) => Some(self.conflict_item(c, &p.key("conflict"))?),
            };
            RequirementSource::Registry {
                specifier,
                index: s("index")?.map(str::to_string),
                conflict,
            }
        };
        Ok(LockRequirement {
            name,
            extras,
            groups,
            marker,
            source,
        })
    }

    fn source(&self, v: &Value<'_>, p: &KeyPath<'_>) -> Result<Source, Error> {
        const EXPECTED: &str = "a source table with one of `registry`, `git`, `url`, `path`, `directory`, `editable`, `virtual`";
        // Pre-stable locks wrote the source as a string `kind+location`.
        if let Item::String(s) = v.get_ref() {
            return self.legacy_source(s, v.span(), p);
        }
        let t = as_table(self.ctx, v, p, EXPECTED)?;
        for kind in SOURCE_KINDS {
            if let Some(loc) = t.get(kind) {
                let location = as_str(self.ctx, loc, &p.key(kind), "a string")?;
                let subdirectory = opt_str(self.ctx, &t, "subdirectory", p, "a string")?;
                return self.source_of(kind, location, subdirectory, loc.span(), &p.key(kind));
            }
        }
        let keys: Vec<String> = t
            .keys()
            .map(|(k, _)| format!("{} = …", quote(k.get_ref()).trim_matches('"')))
            .collect();
        Err(self.err(
            v.span(),
            p,
            ErrorKind::InvalidValue {
                expected: EXPECTED.into(),
                found: if keys.is_empty() {
                    "{}".into()
                } else {
                    format!("{{ {} }}", keys.join(", "))
                },
            },
        ))
    }

    /// A pre-stable `kind+location` source string.
    fn legacy_source(&self, s: &str, span: Range<usize>, p: &KeyPath<'_>) -> Result<Source, Error> {
        let (kind, location) = s.split_once('+').ok_or_else(|| {
            self.err(
                span.clone(),
                p,
                ErrorKind::InvalidValue {
                    expected: "a source table, or a legacy `kind+location` string".into(),
                    found: quote(s),
                },
            )
        })?;
        self.source_of(kind, location, None, span, p)
    }

    fn source_of(
        &self,
        kind: &str,
        location: &str,
        subdirectory: Option<&str>,
        span: Range<usize>,
        p: &KeyPath<'_>,
    ) -> Result<Source, Error> {
        Ok(match kind {
            "registry" => {
                if location.contains("://") {
                    Source::Registry(RegistrySource::Url(location.to_string()))
                } else {
                    Source::Registry(RegistrySource::Path(location.to_string()))
                }
            }
            "git" => Source::Git(crate::git::parse_git_source(location).map_err(|message| {
                self.err(
                    span.clone(),
                    p,
                    ErrorKind::InvalidGitSource {
                        url: quote(location),
                        message,
                    },
                )
            })?),
            "url" | "direct" => Source::Url {
                url: location.to_string(),
                subdirectory: subdirectory.map(str::to_string),
            },
            "path" => Source::Path(location.to_string()),
            "directory" => Source::Directory(location.to_string()),
            "editable" => Source::Editable(location.to_string()),
            "virtual" => Source::Virtual(location.to_string()),
            other => return Err(self.err(
                span,
                p,
                ErrorKind::InvalidValue {
                    expected:
                        "a source kind: registry, git, url, path, directory, editable or virtual"
                            .into(),
                    found: quote(other),
                },
            )),
        })
    }

    fn hash(&self, v: &Value<'_>, p: &KeyPath<'_>) -> Result<Hash, Error> {
        let s = as_str(self.ctx, v, p, "a `sha256:<hex>` string")?;
        self.hash_text(s, v.span(), p)
    }

    fn hash_text(&self, s: &str, span: Range<usize>, p: &KeyPath<'_>) -> Result<Hash, Error> {
        Hash::parse(s).map_err(|e| {
            self.err(
                span,
                p,
                ErrorKind::InvalidHash {
                    hash: quote(s),
                    message: crate::cursor::one_line(&e.to_string()),
                },
            )
        })
    }

    /// The optional `size` of the table at `p`, given its value.
    fn size(&self, v: Option<&Value<'_>>, p: &KeyPath<'_>) -> Result<Option<u64>, Error> {
        match v {
            None => Ok(None),
            Some(v) => {
                let n = as_int(
                    self.ctx,
                    v,
                    &p.key("size"),
                    "a size in bytes (a non-negative integer)",
                )?;
                self.size_of(n, v.span(), p).map(Some)
            }
        }
    }

    /// The `size` `n` of the table at `p`, read at `span`.
    fn size_of(&self, n: i64, span: Range<usize>, p: &KeyPath<'_>) -> Result<u64, Error> {
        u64::try_from(n).map_err(|_| {
            self.err(
                span,
                &p.key("size"),
                ErrorKind::InvalidValue {
                    expected: "a non-negative size in bytes".into(),
                    found: n.to_string(),
                },
            )
        })
    }

    /// The optional `upload-time` of the table at `p`, given its value.
    fn upload_time(
        &self,
        v: Option<&Value<'_>>,
        p: &KeyPath<'_>,
    ) -> Result<Option<UploadTime>, Error> {
        match v {
            None => Ok(None),
            Some(v) => match v.get_ref() {
                Item::String(s) => Ok(Some(UploadTime::from(&**s))),
                Item::Datetime(d) => Ok(Some(UploadTime::from(d.to_string()))),
                other => Err(crate::cursor::wrong_type(
                    self.ctx,
                    v.span(),
                    other,
                    &p.key("upload-time"),
                    "an RFC 3339 date-time",
                )),
            },
        }
    }

    fn package(
        &mut self,
        v: &Value<'_>,
        p: &KeyPath<'_>,
        index: usize,
        limits: &Limits,
    ) -> Result<RawPackage, Error> {
        let t = as_table(self.ctx, v, p, "a `[[package]]` table")?;
        let name = self.name_key(&t, p, "the package name")?;
        let sv = required(
            self.ctx,
            &t,
            "source",
            p,
            "the package source, e.g. `{ registry = \"https://pypi.org/simple\" }`",
        )?;
        let source = self.source(sv, &p.key("source"))?;
        let (version_text, version) = match self.version_key(&t, p)? {
            Some((text, v)) => (Some(text), Some(v)),
            None => {
                if !source.is_source_tree() {
                    return Err(self.err(
                        t.span.clone(),
                        p,
                        ErrorKind::MissingKey {
                            key: "version".into(),
                            expected: "a version (only editable, directory and virtual sources may leave it out)",
                        },
                    ));
                }
                (None, None)
            }
        };
        let resolution_markers = self.marker_list(&t, "resolution-markers", p)?;
        let deps = self.dependency_list(&t, "dependencies", p, limits)?;
        let mut optional = BTreeMap::new();
        if let Some(ov) = t.get("optional-dependencies") {
            let op = p.key("optional-dependencies");
            let ot = as_table(self.ctx, ov, &op, "a table of extra name → dependencies")?;
            for (k, _) in ot.keys() {
                let extra = self.extra(k.get_ref(), k.span(), &op)?;
                let list = self.dependency_list(&ot, k.get_ref(), &op, limits)?;
                optional.insert(extra, list);
            }
        }
        let mut dev = BTreeMap::new();
        if let Some((key, dv)) = t.get_first(&["dev-dependencies", "dependency-groups"]) {
            let dp = p.key(key);
            let dt = as_table(self.ctx, dv, &dp, "a table of group name → dependencies")?;
            for (k, _) in dt.keys() {
                let group = self.extra(k.get_ref(), k.span(), &dp)?;
                let list = self.dependency_list(&dt, k.get_ref(), &dp, limits)?;
                dev.insert(group, list);
            }
        }
        let sdist = match t.get("sdist") {
            None => None,
            Some(sv) => {
                let sp = p.key("sdist");
                let st = as_table(
                    self.ctx,
                    sv,
                    &sp,
                    "an sdist table `{ url | path, hash, size }`",
                )?;
                let url = opt_str(self.ctx, &st, "url", &sp, "a URL string")?;
                let path = match url {
                    None => opt_str(self.ctx, &st, "path", &sp, "a path string")?,
                    Some(_) => None,
                };
                let locator = self.sdist_locator(url, path, &source, sv.span(), &sp)?;
                let hash = match st.get("hash") {
                    None => None,
                    Some(h) => Some(self.hash(h, &sp.key("hash"))?),
                };
                Some(Sdist {
                    locator,
                    hash,
                    size: self.size(st.get("size"), &sp)?,
                    upload_time: self.upload_time(st.get("upload-time"), &sp)?,
                })
            }
        };
        let mut wheels = Vec::new();
        if let Some(wv) = t.get("wheels") {
            let wp = p.key("wheels");
            let arr = as_array(self.ctx, wv, &wp, "an array of wheel tables")?;
            if arr.len() > limits.max_wheels_per_package {
                return Err(self.err(
                    wv.span(),
                    &wp,
                    ErrorKind::TooMany {
                        what: "wheels of one package",
                        count: arr.len(),
                        limit: limits.max_wheels_per_package,
                    },
                ));
            }
            wheels.reserve_exact(arr.len());
            // wheels carry their package's version: reuse it when written the same way
            let known = version_text.zip(version.as_ref());
            for (i, item) in arr.iter().enumerate() {
                wheels.push(self.wheel(item, &wp.index(i), &name, known)?);
            }
        }
        let metadata = match t.get("metadata") {
            None => None,
            Some(mv) => {
                let mp = p.key("metadata");
                let mt = as_table(self.ctx, mv, &mp, "a table")?;
                let requires_dist = self.requirement_list(&mt, "requires-dist", &mp)?;
                let mut provides_extras = Vec::new();
                for (s, span) in opt_str_array(
                    self.ctx,
                    &mt,
                    "provides-extras",
                    &mp,
                    "an array of extra names",
                )? {
                    provides_extras.push(self.extra(s, span, &mp.key("provides-extras"))?);
                }
                let mut requires_dev = BTreeMap::new();
                if let Some((key, rv)) = mt.get_first(&["requires-dev", "dependency-groups"]) {
                    let rp = mp.key(key);
                    let rt = as_table(self.ctx, rv, &rp, "a table of group name → requirements")?;
                    for (k, _) in rt.keys() {
                        let group = self.extra(k.get_ref(), k.span(), &rp)?;
                        let reqs = self.requirement_list_dyn(&rt, k.get_ref(), &rp)?;
                        requires_dev.insert(group, reqs);
                    }
                }
                Some(PackageMetadata {
                    requires_dist,
                    provides_extras,
                    requires_dev,
                })
            }
        };
        let line = self.newlines_before(t.span.start) + 1;
        Ok(RawPackage {
            package: Package {
                name,
                version,
                source,
                resolution_markers,
                dependencies: Vec::new(),
                optional_dependencies: BTreeMap::new(),
                dev_dependencies: BTreeMap::new(),
                sdist,
                wheels,
                metadata,
                line,
            },
            deps,
            optional,
            dev,
            span: self.abs(t.span.clone()),
            index,
        })
    }

    /// Where an sdist is, from its `url` or (without one) `path`.
    fn sdist_locator(
        &self,
        url: Option<&str>,
        path: Option<&str>,
        source: &Source,
        span: Range<usize>,
        sp: &KeyPath<'_>,
    ) -> Result<SdistLocator, Error> {
        Ok(if let Some(u) = url {
            SdistLocator::Url(u.to_string())
        } else if let Some(x) = path {
            SdistLocator::Path(x.to_string())
        } else if matches!(source, Source::Registry(_)) {
            // `{ hash }` alone means "the source itself is the archive": a URL or path
            // source's; a registry's sdist must say where it is
            return Err(self.err(
                span,
                sp,
                ErrorKind::MissingKey {
                    key: "url".into(),
                    expected:
                        "where a registry package's sdist is: `url` (or `path` for a local index)",
                },
            ));
        } else {
            SdistLocator::Metadata
        })
    }

    fn wheel(
        &mut self,
        v: &Value<'_>,
        p: &KeyPath<'_>,
        name: &PackageName,
        version: Option<(&str, &Version)>,
    ) -> Result<Wheel, Error> {
        let t = as_table(
            self.ctx,
            v,
            p,
            "a wheel table `{ url | path | filename, hash, size }`",
        )?;
        let [url, path, filename, hash, zstd, size, upload_time] = t.get_all([
            "url",
            "path",
            "filename",
            "hash",
            "zstd",
            "size",
            "upload-time",
        ]);
        let (locator, loc_span, loc_key) = if let Some(u) = url {
            (
                WheelLocator::Url(as_str(self.ctx, u, &p.key("url"), "a URL string")?.to_string()),
                u.span(),
                "url",
            )
        } else if let Some(x) = path {
            (
                WheelLocator::Path(
                    as_str(self.ctx, x, &p.key("path"), "a path string")?.to_string(),
                ),
                x.span(),
                "path",
            )
        } else if let Some(x) = filename {
            (
                WheelLocator::Filename(
                    as_str(self.ctx, x, &p.key("filename"), "a file name string")?.to_string(),
                ),
                x.span(),
                "filename",
            )
        } else {
            return Err(self.err(
                t.span.clone(),
                p,
                ErrorKind::MissingKey {
                    key: "url".into(),
                    expected: "the wheel's location: one of `url`, `path` or `filename`",
                },
            ));
        };
        let filename = self.wheel_filename(&locator, loc_span, loc_key, p, name, version)?;
        let hash = match hash {
            None => None,
            Some(h) => Some(self.hash(h, &p.key("hash"))?),
        };
        let zstd = match zstd {
            None => None,
            Some(z) => {
                let zp = p.key("zstd");
                let zt = as_table(self.ctx, z, &zp, "a `{ hash, size }` table")?;
                let hash = match zt.get("hash") {
                    None => None,
                    Some(h) => Some(self.hash(h, &zp.key("hash"))?),
                };
                Some(Box::new((hash, self.size(zt.get("size"), &zp)?)))
            }
        };
        Ok(Wheel {
            locator,
            filename,
            hash,
            size: self.size(size, p)?,
            upload_time: self.upload_time(upload_time, p)?,
            zstd,
        })
    }

    /// The parsed file name of the wheel at `locator` (read at `loc_span`, under key `loc_key`
    /// of `p`), with a warning when it names another package or version.
    fn wheel_filename(
        &mut self,
        locator: &WheelLocator,
        loc_span: Range<usize>,
        loc_key: &str,
        p: &KeyPath<'_>,
        name: &PackageName,
        version: Option<(&str, &Version)>,
    ) -> Result<lock2nix_wheel::WheelFilename, Error> {
        let filename = lock2nix_wheel::WheelFilename::parse_url_basename_for(
            locator.as_str(),
            name.as_ref(),
            version,
        )
        .map_err(|e| {
            self.err(
                loc_span.clone(),
                &p.key(loc_key),
                ErrorKind::InvalidWheelName {
                    filename: quote(locator.as_str().rsplit('/').next().unwrap_or_default()),
                    message: crate::cursor::one_line(&e.to_string()),
                },
            )
        })?;
        if filename.name() != name.as_ref() {
            self.warnings.push(self.ctx.warning(
                loc_span.clone(),
                p,
                format!(
                    "wheel `{}` is for package `{}`, not `{}`",
                    locator.as_str().rsplit('/').next().unwrap_or_default(),
                    filename.name(),
                    name
                ),
            ));
        }
        if let Some((_, version)) = version {
            if !same_release(filename.version(), version) {
                self.warnings.push(self.ctx.warning(
                    loc_span,
                    p,
                    format!(
                        "wheel `{}` has version {}, but the package version is {}",
                        locator.as_str().rsplit('/').next().unwrap_or_default(),
                        filename.version(),
                        version
                    ),
                ));
            }
        }
        Ok(filename)
    }

    fn dependency_list(
        &mut self,
        t: &Table<'_, '_>,
        key: &str,
        p: &KeyPath<'_>,
        limits: &Limits,
    ) -> Result<Vec<RawDependency>, Error> {
        let Some(v) = t.get(key) else {
            return Ok(Vec::new());
        };
        let dp = p.key(key);
        let arr = as_array(
            self.ctx,
            v,
            &dp,
            "an array of `{ name, marker, extra }` tables",
        )?;
        if arr.len() > limits.max_dependencies_per_package {
            return Err(self.err(
                v.span(),
                &dp,
                ErrorKind::TooMany {
                    what: "dependencies of one package",
                    count: arr.len(),
                    limit: limits.max_dependencies_per_package,
                },
            ));
        }
        let mut out = Vec::with_capacity(arr.len());
        for (i, item) in arr.iter().enumerate() {
            let ip = dp.index(i);
            let it = as_table(
                self.ctx,
                item,
                &ip,
                "a `{ name, version, source, extra, marker }` table",
            )?;
            let name = self.name_key(&it, &ip, "the dependency's package name")?;
            let version = self.version_key(&it, &ip)?.map(|(_, v)| v);
            let source = match it.get("source") {
                None => None,
                Some(s) => Some(self.source(s, &ip.key("source"))?),
            };
            let mut extras = Vec::new();
            for (s, span) in opt_str_array(self.ctx, &it, "extra", &ip, "an array of extra names")?
            {
                extras.push(self.extra(s, span, &ip.key("extra"))?);
            }
            let marker = match it.get("marker") {
                None => None,
                Some(m) => Some(self.marker(
                    as_str(self.ctx, m, &ip.key("marker"), "a PEP 508 marker string")?,
                    m.span(),
                    &ip.key("marker"),
                )?),
            };
            out.push(RawDependency {
                dep: Dependency {
                    name,
                    version,
                    source: source.map(Box::new),
                    extras,
                    marker,
                    target: usize::MAX,
                },
                span: self.abs(item.span()),
            });
        }
        Ok(out)
    }

    /// Resolve every edge to a package index, and check identities are unique.
    fn link(
        &mut self,
        mut raw: Vec<RawPackage>,
        pkg_key: &'static str,
    ) -> Result<Vec<Package>, Error> {
        let top = KeyPath::Root;
        let pp = top.key(pkg_key);
        // The three indexes are independent: built side by side on rayon's pool.
        let (by_name, (first_repeat, by_version)) = rayon::join(
            || {
                let mut by_name: HashMap<&PackageName, Vec<usize>> =
                    HashMap::with_capacity(raw.len());
                for (i, r) in raw.iter().enumerate() {
                    by_name.entry(&r.package.name).or_default().push(i);
                }
                by_name
            },
            || rayon::join(|| first_repeat(&raw), || by_version(&raw)),
        );
        if let Some((a, b)) = first_repeat {
            let pb = &raw[b].package;
            return Err(self.err(
                raw[b].span.clone(),
                &pp.index(raw[b].index),
                ErrorKind::DuplicatePackage(format!(
                    "{} from {} appears more than once (first at line {})",
                    pb.display_id(),
                    pb.source,
                    raw[a].package.line
                )),
            ));
        }
        let ctx = self.ctx;
        let resolve =
            |from: &Package, d: &RawDependency, path: &KeyPath<'_>| -> Result<usize, Error> {
                let dep = &d.dep;
                let cands = match &dep.version {
                    Some(v) => by_version.get(&(&dep.name, v)),
                    None => by_name.get(&dep.name),
                }
                .map(Vec::as_slice)
                .unwrap_or(&[]);
                let fits = |c: &usize| {
                    let p = &raw[*c].package;
                    dep.version
                        .as_ref()
                        .is_none_or(|v| p.version.as_ref() == Some(v))
                        && dep.source.as_deref().is_none_or(|s| &p.source == s)
                };
                // the usual case, one candidate that fits, without collecting
                let mut fitting = cands.iter().filter(|c| fits(c));
                if let (Some(&one), None) = (fitting.next(), fitting.next()) {
                    return Ok(one);
                }
                let matching: Vec<usize> = cands.iter().copied().filter(fits).collect();
                // formatted only for an error
                let written = || {
                    let mut s = dep.name.to_string();
                    if let Some(v) = &dep.version {
                        s.push_str(&format!("=={v}"));
                    }
                    if let Some(src) = &dep.source {
                        s.push_str(&format!(" from {src}"));
                    }
                    s
                };
                match matching.as_slice() {
                    [one] => Ok(*one),
                    [] => Err(ctx.error(
                        d.span.clone(),
                        path,
                        ErrorKind::MissingPackage {
                            from: from.display_id(),
                            to: written(),
                        },
                    )),
                    many => Err(ctx.error(
                        d.span.clone(),
                        path,
                        ErrorKind::AmbiguousDependency {
                            from: from.display_id(),
                            to: written(),
                            count: many.len(),
                            candidates: many
                                .iter()
                                .map(|&c| {
                                    format!(
                                        "{} from {}",
                                        raw[c].package.display_id(),
                                        raw[c].package.source
                                    )
                                })
                                .collect::<Vec<_>>()
                                .join(", "),
                        },
                    )),
                }
            };
        let targets_of = |r: &RawPackage| -> Result<EdgeTargets, Error> {
            let ip = pp.index(r.index);
            let dp = ip.key("dependencies");
            let deps = r
                .deps
                .iter()
                .enumerate()
                .map(|(i, d)| resolve(&r.package, d, &dp.index(i)))
                .collect::<Result<Vec<_>, _>>()?;
            let op = ip.key("optional-dependencies");
            let mut optional = Vec::with_capacity(r.optional.len());
            for (extra, list) in &r.optional {
                let ep = op.key(extra.as_ref());
                optional.push(
                    list.iter()
                        .enumerate()
                        .map(|(i, d)| resolve(&r.package, d, &ep.index(i)))
                        .collect::<Result<Vec<_>, _>>()?,
                );
            }
            let gp = ip.key("dev-dependencies");
            let mut dev = Vec::with_capacity(r.dev.len());
            for (group, list) in &r.dev {
                let ep = gp.key(group.as_ref());
                dev.push(
                    list.iter()
                        .enumerate()
                        .map(|(i, d)| resolve(&r.package, d, &ep.index(i)))
                        .collect::<Result<Vec<_>, _>>()?,
                );
            }
            Ok((deps, optional, dev))
        };
        // Phase 1, on rayon's pool: every edge's target, borrowing the packages. Each package
        // stops at its own first error, and the first package (in file order) with one decides,
        // so the error is the one a serial pass meets first. Phase 2: move the packages out.
        let targets = raw
            .par_iter()
            .with_min_len(LINK_PACKAGES_PER_TASK)
            .map(|r| targets_of(r).map_err(Box::new))
            .collect::<Vec<_>>()
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| *e)?;
        fn attach(list: Vec<RawDependency>, targets: Vec<usize>) -> Vec<Dependency> {
            list.into_iter()
                .zip(targets)
                .map(|(d, t)| Dependency { target: t, ..d.dep })
                .collect()
        }
        /// [`attach`] for each extra's (or group's) list.
        fn attach_each<K: Ord>(
            lists: BTreeMap<K, Vec<RawDependency>>,
            targets: Vec<Vec<usize>>,
        ) -> BTreeMap<K, Vec<Dependency>> {
            lists
                .into_iter()
                .zip(targets)
                .map(|((key, list), t)| (key, attach(list, t)))
                .collect()
        }
        // Phase 2, on the pool too: each package takes its edges' targets, in place.
        raw.par_iter_mut()
            .zip(targets)
            .with_min_len(LINK_PACKAGES_PER_TASK)
            .for_each(|(r, (deps, optional, dev))| {
                let pkg = &mut r.package;
                pkg.dependencies = attach(std::mem::take(&mut r.deps), deps);
                pkg.optional_dependencies = attach_each(std::mem::take(&mut r.optional), optional);
                pkg.dev_dependencies = attach_each(std::mem::take(&mut r.dev), dev);
            });
        // the packages stay where they are (a collect in place: no second array of them)
        Ok(raw.into_iter().map(|r| r.package).collect())
    }
}

/// The first repeated identity (name, version, source), as (first, repeat) in file order: one
/// hash lookup per package (a pairwise check per name is quadratic in the versions of one name).
fn first_repeat(raw: &[RawPackage]) -> Option<(usize, usize)> {
    let mut first_of: HashMap<(&PackageName, Option<&Version>, &Source), usize> =
        HashMap::with_capacity(raw.len());
    for (b, r) in raw.iter().enumerate() {
        let pb = &r.package;
        if let Some(&a) = first_of.get(&(&pb.name, pb.version.as_ref(), &pb.source)) {
            return Some((a, b));
        }
        first_of.insert((&pb.name, pb.version.as_ref(), &pb.source), b);
    }
    None
}

/// Packages by (name, version), in file order, so that a pinned edge finds its target without
/// scanning every version of the name.
fn by_version(raw: &[RawPackage]) -> HashMap<(&PackageName, &Version), Vec<usize>> {
    let mut by_version: HashMap<(&PackageName, &Version), Vec<usize>> =
        HashMap::with_capacity(raw.len());
    for (i, r) in raw.iter().enumerate() {
        if let Some(v) = &r.package.version {
            by_version.entry((&r.package.name, v)).or_default().push(i);
        }
    }
    by_version
}

/// Testing and fuzzing aid: every `[[package]]` of `text` (cut where a split parse cuts),
/// read by the direct reader and through its tree; `Ok` with how many the direct reader read
/// (each exactly as through the tree, warnings included), `Err` with what differs.
#[doc(hidden)]
pub fn direct_reader_agrees(text: &str) -> Result<usize, String> {
    let Some(starts) = package_starts(text) else {
        return Ok(0);
    };
    let limits = Limits::default();
    let mut read = 0;
    for (index, &start) in starts.iter().enumerate() {
        let end = starts.get(index + 1).copied().unwrap_or(text.len());
        let fragment = &text[start..end];
        let direct = read_one(start, text, &limits, |reader| {
            let mut scratch = direct::Scratch::default();
            Ok(direct::package(
                reader,
                fragment,
                index,
                &limits,
                &mut scratch,
            ))
        });
        let Ok(Some((raw, warnings))) = direct else {
            continue;
        };
        let tree = read_one(start, text, &limits, |reader| {
            Ok(reader
                .package_via_tree(fragment, index, &limits)?
                .map(|(raw, _)| raw))
        });
        let direct = format!("{raw:#?}\n{warnings:#?}");
        let tree = match tree {
            Ok(Some((raw, warnings))) => format!("{raw:#?}\n{warnings:#?}"),
            Ok(None) => "no package".into(),
            Err(e) => format!("error: {e}"),
        };
        if direct != tree {
            return Err(format!(
                "package {index} read differently:\ndirect: {direct}\ntree: {tree}"
            ));
        }
        read += 1;
    }
    Ok(read)
}

/// `read` with a reader of its own (own marker cache and budget) for the package at `start`.
fn read_one(
    start: usize,
    text: &str,
    limits: &Limits,
    read: impl FnOnce(&mut Reader<'_, '_>) -> Result<Option<RawPackage>, Error>,
) -> Result<Option<(RawPackage, Vec<crate::Warning>)>, Error> {
    let budget = MarkerBudget::of(limits);
    let ctx = Ctx::new(text, Path::new("uv.lock"), start, &budget);
    let cache = MarkerCache::default();
    let mut reader = Reader::new(&ctx, &cache);
    let raw = read(&mut reader)?;
    Ok(raw.map(|raw| (raw, reader.warnings)))
}

/// uv compares wheel and package versions ignoring a local `+tag` on either side.
fn same_release(a: &Version, b: &Version) -> bool {
    a == b || a.clone().without_local() == b.clone().without_local()
}

/// A short TOML-ish rendering of an opaque value (for `[options]`).
fn render_value(v: &Item<'_>) -> String {
    match v {
        Item::String(s) => s.to_string(),
        Item::Integer(i) => i.as_str().to_string(),
        Item::Float(f) => f.as_str().to_string(),
        Item::Boolean(b) => b.to_string(),
        Item::Datetime(d) => d.to_string(),
        Item::Array(a) => format!(
            "[{}]",
            a.iter()
                .map(|x| render_value(x.get_ref()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Item::Table(t) => format!(
            "{{ {} }}",
            t.iter()
                .map(|(k, x)| format!("{} = {}", k.get_ref(), render_value(x.get_ref())))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[allow(dead_code)]
fn _assert_types(_: &Map<'_>, _: bool) {
    let _ = as_bool;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one-pass scan and the three `memchr` passes cut the same texts at the same places.
    #[test]
    fn the_split_scan_agrees_with_memchr() {
        let pkg = "[[package]]\nname = \"a\"\nversion = \"1\"\n[package.metadata]\nx = 1\n";
        let mut texts = vec![
            String::new(),
            pkg.to_string(),
            format!("version = 1\n{pkg}{pkg}"),
            format!("version = 1\n{pkg}[other]\n{pkg}"),
            format!("[[package]]  \n{pkg}"),
            format!("{pkg}x = \"\"\"\n[[package]]\n\"\"\"\n"),
            format!("{pkg}x = '''\n[[package]]\n'''\n"),
            format!("{pkg}x = \"\"\n{pkg}"),
            format!("{pkg}x = ''\n{pkg}\n[manifest]"),
            format!("[a]\n{pkg}\n\n[\n[[package]]"),
            format!("{pkg}x = \"\\\"\"\n{pkg}"),
        ];
        if let Ok(real) = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fixtures/locks/top-300/uv.lock"
        )) {
            texts.push(real);
        }
        // each prefix of the small texts: cuts anywhere, quotes split
        let small: Vec<String> = texts.iter().filter(|t| t.len() < 400).cloned().collect();
        for t in small {
            for end in (0..t.len()).filter(|&e| t.is_char_boundary(e)) {
                texts.push(t[..end].to_string());
            }
        }
        let scan = SCAN.as_ref();
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("ssse3") {
            assert!(scan.is_some(), "no SIMD searcher where the CPU has one");
        }
        for text in &texts {
            let fast = package_starts_with(text, scan);
            assert_eq!(fast, package_starts_with(text, None), "{text:?}");
        }
        assert!(package_starts(&format!("{pkg}{pkg}")).is_some_and(|s| s.len() == 2));
    }
}
