//! Reading and writing index files: the own `lock2nix-index v1` TSV format (see `docs/index-format.md`) and
//! the authentik-subset TSV of `fixtures/nixpkgs-index/` (read as it is).

use std::io::Write as _;
use std::path::Path;

use crate::error::{Error, Result};
use crate::index::{Entry, Index, IndexMeta, IndexSource, Missing, PythonVersion, Scope};

/// First word of the own format's first line.
pub const MAGIC: &str = "# lock2nix-index v1";

/// The own format's column header.
pub const HEADER: [&str; 11] = [
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

/// Escapes a cell: `\` → `\\`, tab → `\t`, newline → `\n`, carriage return → `\r`.
/// With `space`, a space becomes `\s` (used in the metadata line).
fn escape(s: &str, space: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
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
        let cells = [
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
            o(&e.note),
        ];
        out.push_str(&cells.join("\t"));
        out.push('\n');
    }
    for m in index.missing() {
        let mut cells = vec![String::new(); HEADER.len()];
        cells[8] = escape(&m.pypi_name, false);
        cells[10] = o(&m.note);
        out.push_str(&cells.join("\t"));
        out.push('\n');
    }
    out
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

/// Reads an index file of either supported format (see [`parse`]).
pub fn read(path: &Path) -> Result<Index> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text, &path.display().to_string())
}

struct Ctx<'a> {
    file: &'a str,
    line: usize,
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
}

/// Splits a line into cells with their 1-based starting character columns.
fn cells(line: &str) -> Vec<(usize, &str)> {
    let mut col = 1;
    line.split('\t')
        .map(|c| {
            let start = col;
            col += c.chars().count() + 1;
            (start, c)
        })
        .collect()
}

/// Parses index text. The format is recognised from the first line: `# lock2nix-index v1 ...` (own format)
/// or the authentik-subset header `pypi_name\tattr\tpname\tversion\tnixpkgs_commit\tnote`.
/// `file` is used in error messages.
pub fn parse(text: &str, file: &str) -> Result<Index> {
    let first = text.lines().next().unwrap_or("");
    let ctx = Ctx { file, line: 1 };
    if first.starts_with("# lock2nix-index") {
        parse_own(text, file)
    } else if first.trim_end_matches('\r') == SUBSET_HEADER.join("\t") {
        parse_subset(text, file)
    } else {
        Err(ctx.err(
            1,
            format!(
                "`{MAGIC} ...` or the header `{}`",
                SUBSET_HEADER.join("\\t")
            ),
            first,
        ))
    }
}

fn parse_meta(line: &str, ctx: &Ctx) -> Result<IndexMeta> {
    let Some(rest) = line.strip_prefix(MAGIC) else {
        let version_col = "# lock2nix-index ".len() + 1;
        let found = line.get(version_col - 1..).unwrap_or("");
        return Err(ctx.err(version_col, "format version `v1`", found));
    };
    if !(rest.is_empty() || rest.starts_with(' ')) {
        return Err(ctx.err(MAGIC.len() + 1, "format version `v1`", rest));
    }
    let mut python = None;
    let mut nixpkgs = None;
    let mut source = None;
    let mut col = MAGIC.len() + 1;
    for word in rest.split(' ') {
        let start = col;
        col += word.chars().count() + 1;
        if word.is_empty() {
            if start == MAGIC.len() + 1 {
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

fn parse_own(text: &str, file: &str) -> Result<Index> {
    let mut lines = text.split('\n');
    let mut ctx = Ctx { file, line: 1 };
    let first = lines.next().unwrap_or("");
    let meta = parse_meta(first, &ctx)?;
    let mut index = Index::new(meta);
    ctx.line = 2;
    let header = lines.next().unwrap_or("");
    if header != HEADER.join("\t") {
        // point at the first differing cell
        let got = cells(header);
        let (col, found) = HEADER
            .iter()
            .enumerate()
            .find_map(|(i, want)| match got.get(i) {
                Some((c, g)) if g == want => None,
                Some((c, g)) => Some((*c, *g)),
                None => Some((header.chars().count() + 1, "")),
            })
            .unwrap_or_else(|| {
                got.get(HEADER.len())
                    .map(|(c, g)| (*c, *g))
                    .unwrap_or((1, header))
            });
        return Err(ctx.err(col, format!("the header `{}`", HEADER.join("\\t")), found));
    }
    for (i, line) in lines.enumerate() {
        ctx.line = i + 3;
        if line.is_empty() {
            // only the final newline may produce an empty "line"
            continue;
        }
        let row = cells(line);
        if row.len() != HEADER.len() {
            let col = row
                .get(HEADER.len())
                .map(|(c, _)| *c)
                .unwrap_or(line.chars().count() + 1);
            return Err(ctx.err(
                col,
                format!("{} tab-separated cells", HEADER.len()),
                &format!("{} cells", row.len()),
            ));
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
        let attr = cell(0)?;
        let Some(attr) = attr else {
            // a "missing" row: only pypi_name (and note) may be set
            for j in [1, 2, 3, 4, 5, 6, 7, 9] {
                if !row[j].1.is_empty() {
                    return Err(ctx.err(
                        row[j].0,
                        format!("an empty `{}` cell in a row without attr", HEADER[j]),
                        row[j].1,
                    ));
                }
            }
            let Some(pypi_name) = cell(8)? else {
                return Err(ctx.err(
                    1,
                    "an attribute name (or a pypi_name for a missing row)",
                    "",
                ));
            };
            let m = Missing {
                pypi_name,
                note: cell(10)?,
            };
            if index
                .missing_entry(&m.pypi_name)
                .is_some_and(|x| x.pypi_name == m.pypi_name)
            {
                return Err(ctx.err(row[8].0, "each missing pypi_name once", &m.pypi_name));
            }
            index.insert_missing(m);
            continue;
        };
        let scope = Scope::parse(row[1].1)
            .ok_or_else(|| ctx.err(row[1].0, "`python` or `top-level`", row[1].1))?;
        let Some(pname) = cell(2)? else {
            return Err(ctx.err(row[2].0, "a pname", ""));
        };
        let entry = Entry {
            attr,
            scope,
            pname,
            version: cell(3)?,
            version_expr: cell(4)?,
            broken: parse_bool(row[5].1, row[5].0, &ctx, true)?,
            disabled: parse_bool(row[6].1, row[6].0, &ctx, true)?,
            failed: parse_bool(row[7].1, row[7].0, &ctx, false)?.unwrap_or(false),
            pypi_name: cell(8)?,
            nixpkgs_commit: cell(9)?,
            note: cell(10)?,
            features: Default::default(),
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

fn parse_subset(text: &str, file: &str) -> Result<Index> {
    let mut ctx = Ctx { file, line: 1 };
    let mut index = Index::new(IndexMeta::new(IndexSource::Tsv));
    for (i, line) in text.split('\n').enumerate().skip(1) {
        ctx.line = i + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        let row = cells(line);
        if row.len() != SUBSET_HEADER.len() {
            let col = row
                .get(SUBSET_HEADER.len())
                .map(|(c, _)| *c)
                .unwrap_or(line.chars().count() + 1);
            return Err(ctx.err(
                col,
                format!("{} tab-separated cells", SUBSET_HEADER.len()),
                &format!("{} cells", row.len()),
            ));
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
