//! Reading and writing index files: the own `lock2nix-index v2` TSV format (see `docs/index-format.md`),
//! the older `v1` (read only: no feature columns) and the authentik-subset TSV of
//! `fixtures/nixpkgs-index/` (read as it is).

use std::io::{Read as _, Write as _};
use std::path::Path;

use crate::error::{Error, Result};
use crate::features::{is_input_name, RecipeFeatures, RecipeFormat, SrcFetcher};
use crate::index::{Entry, Index, IndexMeta, IndexSource, Missing, PythonVersion, Scope};

/// The first words of the own format's first line, as the writer writes it.
pub const MAGIC: &str = "# lock2nix-index v2";

/// The first words of the first line of the older format (no feature columns; still read).
pub const MAGIC_V1: &str = "# lock2nix-index v1";

const MAGIC_PREFIX: &str = "# lock2nix-index ";

/// The own format's column header (`v2`).
pub const HEADER: [&str; 24] = [
    "attr",
    "scope",
    "pname",
    "version",
    "version_expr",
    "broken",
    "disabled",
    "failed",
    "pypi_name",
    "nixpkgs_commit",
    "src_fetcher",
    "rust_vendor",
    "patches",
    "source_root",
    "substitutions",
    "custom_check",
    "runs_tests",
    "eval_assert",
    "family",
    "family_passthru",
    "format",
    "native_build_inputs",
    "build_inputs",
    "note",
];

/// The `v1` column header.
pub const HEADER_V1: [&str; 11] = [
    "attr",
    "scope",
    "pname",
    "version",
    "version_expr",
    "broken",
    "disabled",
    "failed",
    "pypi_name",
    "nixpkgs_commit",
    "note",
];

/// The authentik-subset TSV's column header.
pub const SUBSET_HEADER: [&str; 6] = [
    "pypi_name",
    "attr",
    "pname",
    "version",
    "nixpkgs_commit",
    "note",
];

/// How an input list's empty value is spelled (an empty cell is "unknown").
const EMPTY_LIST: &str = "-";

/// What the readers accept at most; beyond it they stop with [`Error::Limit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadLimits {
    /// Bytes of the whole file.
    pub max_bytes: usize,
    /// Rows (entries and missing names, not counting the two header lines).
    pub max_rows: usize,
    /// Characters of one cell (after unescaping) and of the metadata line.
    pub max_cell_chars: usize,
    /// Items of one input list (`native_build_inputs`, `build_inputs`).
    pub max_list_items: usize,
}

impl Default for ReadLimits {
    /// 64 MiB, 1,000,000 rows, 65,536 characters per cell, 1,024 list items: a whole-nixpkgs
    /// index (some 10,000 rows, under 5 MiB) fits many times over.
    fn default() -> Self {
        Self {
            max_bytes: 64 << 20,
            max_rows: 1_000_000,
            max_cell_chars: 65_536,
            max_list_items: 1_024,
        }
    }
}

/// Escapes a cell: `\` → `\\`, tab → `\t`, newline → `\n`, carriage return → `\r`, and a NUL
/// (which the reader refuses) becomes U+FFFD. With `space`, a space becomes `\s` (used in the
/// metadata line).
fn escape(s: &str, space: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\0' => out.push('\u{fffd}'),
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            ' ' if space => out.push_str("\\s"),
            c => out.push(c),
        }
    }
    out
}

/// Undoes [`escape`]; returns the offending escape on error.
fn unescape(s: &str) -> std::result::Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('\\') => out.push('\\'),
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('s') => out.push(' '),
            Some(o) => return Err(format!("\\{o}")),
            None => return Err("a lone `\\` at the end of the cell".to_string()),
        }
    }
    Ok(out)
}

fn opt_bool(b: Option<bool>) -> &'static str {
    match b {
        Some(true) => "true",
        Some(false) => "false",
        None => "",
    }
}

fn list_cell(list: &Option<Vec<String>>) -> String {
    match list {
        None => String::new(),
        Some(items) if items.is_empty() => EMPTY_LIST.to_string(),
        Some(items) => items
            .iter()
            .map(String::as_str)
            .filter(|s| is_input_name(s))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// The feature cells of a row, in [`HEADER`] order (`src_fetcher` … `build_inputs`).
fn feature_cells(f: &RecipeFeatures) -> [String; 13] {
    [
        f.src_fetcher
            .as_ref()
            .map(|x| escape(x.as_str(), false))
            .unwrap_or_default(),
        opt_bool(f.rust_vendor).to_string(),
        opt_bool(f.patches).to_string(),
        opt_bool(f.source_root).to_string(),
        opt_bool(f.substitutions).to_string(),
        opt_bool(f.custom_check).to_string(),
        opt_bool(f.runs_tests).to_string(),
        opt_bool(f.eval_assert).to_string(),
        f.family
            .as_deref()
            .map(|s| escape(s, false))
            .unwrap_or_default(),
        f.family_passthru
            .as_deref()
            .map(|s| escape(s, false))
            .unwrap_or_default(),
        f.format.map(|x| x.as_str().to_string()).unwrap_or_default(),
        list_cell(&f.native_build_inputs),
        list_cell(&f.build_inputs),
    ]
}

/// Renders an index in the own format (the exact bytes [`Index::write`] writes).
pub fn to_string(index: &Index) -> String {
    let mut out = String::new();
    out.push_str(MAGIC);
    if let Some(py) = index.meta.python {
        out.push_str(&format!(" python={py}"));
    }
    if let Some(rev) = &index.meta.nixpkgs {
        out.push_str(&format!(" nixpkgs={}", escape(rev, true)));
    }
    out.push_str(&format!(" source={}\n", index.meta.source.as_str()));
    out.push_str(&HEADER.join("\t"));
    out.push('\n');
    let o = |s: &Option<String>| s.as_deref().map(|s| escape(s, false)).unwrap_or_default();
    for e in index.iter() {
        let mut cells = vec![
            escape(&e.attr, false),
            e.scope.as_str().to_string(),
            escape(&e.pname, false),
            o(&e.version),
            o(&e.version_expr),
            opt_bool(e.broken).to_string(),
            opt_bool(e.disabled).to_string(),
            if e.failed { "true" } else { "" }.to_string(),
            o(&e.pypi_name),
            o(&e.nixpkgs_commit),
        ];
        cells.extend(feature_cells(&e.features));
        cells.push(o(&e.note));
        out.push_str(&cells.join("\t"));
        out.push('\n');
    }
    for m in index.missing() {
        let mut cells = vec![String::new(); HEADER.len()];
        cells[col::PYPI_NAME] = escape(&m.pypi_name, false);
        cells[HEADER.len() - 1] = o(&m.note);
        out.push_str(&cells.join("\t"));
        out.push('\n');
    }
    out
}

/// Column positions shared by `v1` and `v2` (the first ten columns are the same).
mod col {
    pub const ATTR: usize = 0;
    pub const SCOPE: usize = 1;
    pub const PNAME: usize = 2;
    pub const VERSION: usize = 3;
    pub const VERSION_EXPR: usize = 4;
    pub const BROKEN: usize = 5;
    pub const DISABLED: usize = 6;
    pub const FAILED: usize = 7;
    pub const PYPI_NAME: usize = 8;
    pub const NIXPKGS_COMMIT: usize = 9;
    /// `v2`: the first feature column (`src_fetcher`).
    pub const FEATURES: usize = 10;
}

/// Writes `index` to `path` atomically: a temporary file in the same directory, fsync, rename.
pub fn write(index: &Index, path: &Path) -> Result<()> {
    let werr = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".lock2nix-index-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(werr)?;
    tmp.write_all(to_string(index).as_bytes()).map_err(werr)?;
    tmp.as_file().sync_all().map_err(werr)?;
    tmp.persist(path).map_err(|e| werr(e.error))?;
    // Make the rename itself durable where the platform allows opening a directory.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Reads an index file of any supported format (see [`parse_with`]) within `limits`; a file
/// larger than `limits.max_bytes` is refused without reading it whole.
pub fn read_with(path: &Path, limits: &ReadLimits) -> Result<Index> {
    let text = read_text(path, limits)?;
    parse_with(&text, &path.display().to_string(), limits)
}

/// The text of an index file, read within `limits.max_bytes` (for callers that also hash it).
pub fn read_text(path: &Path, limits: &ReadLimits) -> Result<String> {
    let rerr = |source| Error::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(rerr)?;
    let mut bytes = Vec::new();
    file.take(limits.max_bytes as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(rerr)?;
    let name = path.display().to_string();
    if bytes.len() > limits.max_bytes {
        return Err(limit_error(
            &name,
            1,
            1,
            "the file is larger",
            limits.max_bytes,
            "bytes",
        ));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        rerr(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not UTF-8 (at byte {})", e.utf8_error().valid_up_to()),
        ))
    })?;
    Ok(text)
}

/// Reads an index file with the default [`ReadLimits`].
pub fn read(path: &Path) -> Result<Index> {
    read_with(path, &ReadLimits::default())
}

fn limit_error(
    file: &str,
    line: usize,
    column: usize,
    what: &str,
    limit: usize,
    unit: &str,
) -> Error {
    Error::Limit {
        file: file.to_string(),
        line,
        column,
        what: what.to_string(),
        limit,
        unit: unit.to_string(),
    }
}

struct Ctx<'a> {
    file: &'a str,
    line: usize,
    limits: &'a ReadLimits,
}

impl Ctx<'_> {
    fn err(&self, column: usize, expected: impl Into<String>, found: &str) -> Error {
        let mut found: String = found.chars().take(60).collect();
        if found.is_empty() {
            found = "nothing".to_string();
        } else {
            found = format!("{found:?}");
        }
        Error::Parse {
            file: self.file.to_string(),
            line: self.line,
            column,
            expected: expected.into(),
            found,
        }
    }

    fn limit(&self, column: usize, what: &str, limit: usize, unit: &str) -> Error {
        limit_error(self.file, self.line, column, what, limit, unit)
    }

    /// Refuses a cell (or line) longer than the limit (counting characters only up to the
    /// limit) or holding a NUL, which no Nix string can.
    fn check_len(&self, column: usize, raw: &str) -> Result<()> {
        let max = self.limits.max_cell_chars;
        if raw.len() > max && raw.chars().nth(max).is_some() {
            return Err(self.limit(column, "a cell is longer", max, "characters"));
        }
        if let Some(at) = raw.find('\0') {
            return Err(self.err(
                column + raw[..at].chars().count(),
                "text without NUL characters",
                &raw[at..],
            ));
        }
        Ok(())
    }
}

/// Splits a line into cells with their 1-based starting character columns; `None` when the line
/// has more than `max` cells.
fn cells(line: &str, max: usize) -> Option<Vec<(usize, &str)>> {
    let mut col = 1;
    let mut out = Vec::new();
    for c in line.split('\t') {
        if out.len() == max {
            return None;
        }
        let start = col;
        col += c.chars().count() + 1;
        out.push((start, c));
    }
    Some(out)
}

/// The 1-based column where the `n`-th (0-based) tab-separated cell of `line` starts, or the
/// line's end when it has fewer cells.
fn column_of_cell(line: &str, n: usize) -> usize {
    let mut col = 1;
    for (i, c) in line.split('\t').enumerate() {
        if i == n {
            return col;
        }
        col += c.chars().count() + 1;
    }
    line.chars().count() + 1
}

/// Parses index text with the default [`ReadLimits`] (see [`parse_with`]).
pub fn parse(text: &str, file: &str) -> Result<Index> {
    parse_with(text, file, &ReadLimits::default())
}

/// Parses index text. The format is recognised from the first line: `# lock2nix-index v2 ...` or
/// `v1` (own format) or the authentik-subset header
/// `pypi_name\tattr\tpname\tversion\tnixpkgs_commit\tnote`. `file` is used in error messages.
pub fn parse_with(text: &str, file: &str, limits: &ReadLimits) -> Result<Index> {
    let ctx = Ctx {
        file,
        line: 1,
        limits,
    };
    if text.len() > limits.max_bytes {
        return Err(ctx.limit(1, "the text is larger", limits.max_bytes, "bytes"));
    }
    let first = text.split('\n').next().unwrap_or("");
    ctx.check_len(1, first)?;
    if first.starts_with(MAGIC_PREFIX.trim_end()) {
        parse_own(text, file, limits)
    } else if first.trim_end_matches('\r') == SUBSET_HEADER.join("\t") {
        parse_subset(text, file, limits)
    } else {
        Err(ctx.err(
            1,
            format!(
                "`{MAGIC} ...` (or `v1`) or the header `{}`",
                SUBSET_HEADER.join("\\t")
            ),
            first,
        ))
    }
}

/// The format version a metadata line names (`v1` or `v2`) and the rest of the line.
fn parse_version<'a>(line: &'a str, ctx: &Ctx) -> Result<(u8, &'a str)> {
    for (magic, version) in [(MAGIC, 2), (MAGIC_V1, 1)] {
        if let Some(rest) = line.strip_prefix(magic) {
            if rest.is_empty() || rest.starts_with(' ') {
                return Ok((version, rest));
            }
        }
    }
    let version_col = MAGIC_PREFIX.len() + 1;
    let found = line.get(version_col - 1..).unwrap_or("");
    Err(ctx.err(version_col, "format version `v2` or `v1`", found))
}

fn parse_meta(rest: &str, magic_len: usize, ctx: &Ctx) -> Result<IndexMeta> {
    let mut python = None;
    let mut nixpkgs = None;
    let mut source = None;
    let mut col = magic_len + 1;
    for word in rest.split(' ') {
        let start = col;
        col += word.chars().count() + 1;
        if word.is_empty() {
            if start == magic_len + 1 {
                continue; // the separator after the magic
            }
            return Err(ctx.err(start, "`key=value` (single spaces between items)", ""));
        }
        let Some((k, v)) = word.split_once('=') else {
            return Err(ctx.err(start, "`key=value`", word));
        };
        let vcol = start + k.chars().count() + 1;
        match k {
            "python" if python.is_none() => {
                python = Some(
                    v.parse::<PythonVersion>()
                        .map_err(|_| ctx.err(vcol, "a Python version like `3.13`", v))?,
                );
            }
            "nixpkgs" if nixpkgs.is_none() => {
                let v = unescape(v).map_err(|bad| ctx.err(vcol, "a valid escape", &bad))?;
                nixpkgs = Some(v);
            }
            "source" if source.is_none() => {
                source = Some(
                    IndexSource::parse(v)
                        .ok_or_else(|| ctx.err(vcol, "`eval`, `scan` or `tsv`", v))?,
                );
            }
            "python" | "nixpkgs" | "source" => {
                return Err(ctx.err(start, format!("`{k}` at most once"), word));
            }
            _ => {
                return Err(ctx.err(start, "one of the keys `python`, `nixpkgs`, `source`", word));
            }
        }
    }
    let source = source.ok_or_else(|| ctx.err(col.saturating_sub(1).max(1), "`source=...`", ""))?;
    Ok(IndexMeta {
        python,
        nixpkgs,
        source,
    })
}

fn parse_bool(cell: &str, col: usize, ctx: &Ctx, allow_false: bool) -> Result<Option<bool>> {
    match cell {
        "" => Ok(None),
        "true" => Ok(Some(true)),
        "false" if allow_false => Ok(Some(false)),
        _ => Err(ctx.err(
            col,
            if allow_false {
                "`true`, `false` or an empty cell"
            } else {
                "`true` or an empty cell"
            },
            cell,
        )),
    }
}

fn parse_list(cell: &str, col: usize, ctx: &Ctx) -> Result<Option<Vec<String>>> {
    match cell {
        "" => return Ok(None),
        EMPTY_LIST => return Ok(Some(Vec::new())),
        _ => {}
    }
    let mut items = Vec::new();
    let mut c = col;
    for item in cell.split(' ') {
        if items.len() == ctx.limits.max_list_items {
            return Err(ctx.limit(
                c,
                "a list has more items",
                ctx.limits.max_list_items,
                "items",
            ));
        }
        if !is_input_name(item) {
            return Err(ctx.err(
                c,
                "identifiers or derivation names separated by single spaces (`-` for none)",
                item,
            ));
        }
        items.push(item.to_string());
        c += item.chars().count() + 1;
    }
    let mut sorted = items.clone();
    sorted.sort();
    sorted.dedup();
    if sorted != items {
        return Err(ctx.err(col, "sorted items without repeats", cell));
    }
    Ok(Some(items))
}

/// The feature cells of a `v2` row (`row[col::FEATURES..]`).
fn parse_features(row: &[(usize, &str)], ctx: &Ctx) -> Result<RecipeFeatures> {
    let at = |j: usize| row[col::FEATURES + j];
    let b = |j: usize| parse_bool(at(j).1, at(j).0, ctx, true);
    let text = |j: usize| -> Result<Option<String>> {
        let (c, raw) = at(j);
        if raw.is_empty() {
            return Ok(None);
        }
        unescape(raw)
            .map(Some)
            .map_err(|bad| ctx.err(c, "a valid escape (\\\\, \\t, \\n, \\r)", &bad))
    };
    let format = match at(10) {
        (_, "") => None,
        (c, raw) => Some(RecipeFormat::parse(raw).ok_or_else(|| {
            ctx.err(
                c,
                "`pyproject`, `setuptools`, `wheel`, `other` or an empty cell",
                raw,
            )
        })?),
    };
    Ok(RecipeFeatures {
        src_fetcher: text(0)?.map(|s| SrcFetcher::parse(&s)),
        rust_vendor: b(1)?,
        patches: b(2)?,
        source_root: b(3)?,
        substitutions: b(4)?,
        custom_check: b(5)?,
        runs_tests: b(6)?,
        eval_assert: b(7)?,
        family: text(8)?,
        family_passthru: text(9)?,
        format,
        native_build_inputs: parse_list(at(11).1, at(11).0, ctx)?,
        build_inputs: parse_list(at(12).1, at(12).0, ctx)?,
    })
}

fn parse_own(text: &str, file: &str, limits: &ReadLimits) -> Result<Index> {
    let mut lines = text.split('\n');
    let mut ctx = Ctx {
        file,
        line: 1,
        limits,
    };
    let first = lines.next().unwrap_or("");
    let (version, rest) = parse_version(first, &ctx)?;
    let meta = parse_meta(rest, MAGIC.len(), &ctx)?;
    let header_cells: &[&str] = if version == 2 { &HEADER } else { &HEADER_V1 };
    let ncols = header_cells.len();
    let note_col = ncols - 1;
    let mut index = Index::new(meta);
    ctx.line = 2;
    let header = lines.next().unwrap_or("");
    if header != header_cells.join("\t") {
        ctx.check_len(1, header)?;
        // point at the first differing cell
        let got: Vec<(usize, &str)> = cells(header, ncols + 1).unwrap_or_default();
        let (col, found) = header_cells
            .iter()
            .enumerate()
            .find_map(|(i, want)| match got.get(i) {
                Some((_, g)) if g == want => None,
                Some((c, g)) => Some((*c, *g)),
                None => Some((header.chars().count() + 1, "")),
            })
            .unwrap_or_else(|| got.get(ncols).map(|(c, g)| (*c, *g)).unwrap_or((1, header)));
        return Err(ctx.err(
            col,
            format!("the header `{}`", header_cells.join("\\t")),
            found,
        ));
    }
    let mut rows = 0usize;
    for (i, line) in lines.enumerate() {
        ctx.line = i + 3;
        if line.is_empty() {
            // only the final newline may produce an empty "line"
            continue;
        }
        rows += 1;
        if rows > limits.max_rows {
            return Err(ctx.limit(1, "the file has more rows", limits.max_rows, "rows"));
        }
        let Some(row) = cells(line, ncols) else {
            return Err(ctx.err(
                column_of_cell(line, ncols),
                format!("{ncols} tab-separated cells"),
                "more cells",
            ));
        };
        if row.len() != ncols {
            return Err(ctx.err(
                line.chars().count() + 1,
                format!("{ncols} tab-separated cells"),
                &format!("{} cells", row.len()),
            ));
        }
        for (c, raw) in &row {
            ctx.check_len(*c, raw)?;
        }
        let cell = |j: usize| -> Result<Option<String>> {
            let (c, raw) = row[j];
            if raw.is_empty() {
                return Ok(None);
            }
            unescape(raw)
                .map(Some)
                .map_err(|bad| ctx.err(c, "a valid escape (\\\\, \\t, \\n, \\r)", &bad))
        };
        let attr = cell(col::ATTR)?;
        let Some(attr) = attr else {
            // a "missing" row: only pypi_name (and note) may be set
            for j in (0..ncols).filter(|j| *j != col::PYPI_NAME && *j != note_col) {
                if !row[j].1.is_empty() {
                    return Err(ctx.err(
                        row[j].0,
                        format!("an empty `{}` cell in a row without attr", header_cells[j]),
                        row[j].1,
                    ));
                }
            }
            let Some(pypi_name) = cell(col::PYPI_NAME)? else {
                return Err(ctx.err(
                    1,
                    "an attribute name (or a pypi_name for a missing row)",
                    "",
                ));
            };
            let m = Missing {
                pypi_name,
                note: cell(note_col)?,
            };
            if index
                .missing_entry(&m.pypi_name)
                .is_some_and(|x| x.pypi_name == m.pypi_name)
            {
                return Err(ctx.err(
                    row[col::PYPI_NAME].0,
                    "each missing pypi_name once",
                    &m.pypi_name,
                ));
            }
            index.insert_missing(m);
            continue;
        };
        let (scope_col, scope_raw) = row[col::SCOPE];
        let scope = Scope::parse(scope_raw)
            .ok_or_else(|| ctx.err(scope_col, "`python` or `top-level`", scope_raw))?;
        let Some(pname) = cell(col::PNAME)? else {
            return Err(ctx.err(row[col::PNAME].0, "a pname", ""));
        };
        let features = if version == 2 {
            parse_features(&row, &ctx)?
        } else {
            RecipeFeatures::default()
        };
        let entry = Entry {
            attr,
            scope,
            pname,
            version: cell(col::VERSION)?,
            version_expr: cell(col::VERSION_EXPR)?,
            broken: parse_bool(row[col::BROKEN].1, row[col::BROKEN].0, &ctx, true)?,
            disabled: parse_bool(row[col::DISABLED].1, row[col::DISABLED].0, &ctx, true)?,
            failed: parse_bool(row[col::FAILED].1, row[col::FAILED].0, &ctx, false)?
                .unwrap_or(false),
            pypi_name: cell(col::PYPI_NAME)?,
            nixpkgs_commit: cell(col::NIXPKGS_COMMIT)?,
            note: cell(note_col)?,
            features,
        };
        if index.get_in(&entry.attr, entry.scope).is_some() {
            return Err(ctx.err(1, "each (attr, scope) once", &entry.attr));
        }
        index.insert(entry);
    }
    Ok(index)
}

/// Extracts the expression description from an authentik-subset note such as
/// `version is an expression: inherit (protobuf) name src version (taken from ...); ...`.
fn subset_version_expr(note: &str) -> Option<String> {
    let lower = note.to_ascii_lowercase();
    if !lower.contains("expression") {
        return None;
    }
    let marker = "version is an expression:";
    let text = match lower.find(marker) {
        Some(p) => note.get(p + marker.len()..).unwrap_or(note).trim(),
        None => note.trim(),
    };
    let text = text.split(';').next().unwrap_or(text).trim();
    Some(if text.is_empty() {
        note.to_string()
    } else {
        text.to_string()
    })
}

fn parse_subset(text: &str, file: &str, limits: &ReadLimits) -> Result<Index> {
    let mut ctx = Ctx {
        file,
        line: 1,
        limits,
    };
    let mut index = Index::new(IndexMeta::new(IndexSource::Tsv));
    let mut rows = 0usize;
    for (i, line) in text.split('\n').enumerate().skip(1) {
        ctx.line = i + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        rows += 1;
        if rows > limits.max_rows {
            return Err(ctx.limit(1, "the file has more rows", limits.max_rows, "rows"));
        }
        let n = SUBSET_HEADER.len();
        let Some(row) = cells(line, n) else {
            return Err(ctx.err(
                column_of_cell(line, n),
                format!("{n} tab-separated cells"),
                "more cells",
            ));
        };
        if row.len() != n {
            return Err(ctx.err(
                line.chars().count() + 1,
                format!("{n} tab-separated cells"),
                &format!("{} cells", row.len()),
            ));
        }
        for (c, raw) in &row {
            ctx.check_len(*c, raw)?;
        }
        let [pypi, attr, pname, version, commit, note] =
            [0, 1, 2, 3, 4, 5].map(|j| row[j].1.to_string());
        if pypi.is_empty() {
            return Err(ctx.err(1, "a pypi_name", ""));
        }
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        if attr.is_empty() {
            for j in [2, 3, 4] {
                if !row[j].1.is_empty() {
                    return Err(ctx.err(
                        row[j].0,
                        format!(
                            "an empty `{}` cell in a row without attr (a missing package)",
                            SUBSET_HEADER[j]
                        ),
                        row[j].1,
                    ));
                }
            }
            if index.missing_entry(&pypi).is_some() || index.by_pypi_name(&pypi).is_some() {
                return Err(ctx.err(1, "each pypi_name once", &pypi));
            }
            index.insert_missing(Missing {
                pypi_name: pypi,
                note: opt(&note),
            });
            continue;
        }
        if index.get_in(&attr, Scope::PythonPackages).is_some() {
            return Err(ctx.err(row[1].0, "each attr once", &attr));
        }
        if index.missing_entry(&pypi).is_some() || index.by_pypi_name(&pypi).is_some() {
            return Err(ctx.err(1, "each pypi_name once", &pypi));
        }
        let version_expr = if version.is_empty() {
            subset_version_expr(&note)
        } else {
            None
        };
        let pname_missing = pname.is_empty();
        let entry = Entry {
            pname: if pname_missing { attr.clone() } else { pname },
            attr,
            scope: Scope::PythonPackages,
            version: opt(&version),
            version_expr,
            broken: None,
            disabled: None,
            failed: false,
            pypi_name: Some(pypi),
            nixpkgs_commit: opt(&commit),
            note: opt(&note),
            features: Default::default(),
        };
        index.insert(entry);
    }
    Ok(index)
}
